"""Django on websessions: ``SESSION_ENGINE`` for ``request.session``, plus a named session.

A one-file project. Run it: ``python -m examples.django_app runserver``.
In a real project the settings below go in ``settings.py``.
"""

from __future__ import annotations

import os
import tempfile

import django
from django.conf import settings

import websessions as ws

# The store: a FilesystemStore here; Redis or SQL stores plug in the same way.
store = ws.FilesystemStore(
    os.environ.get("SESSIONS_DIR") or tempfile.mkdtemp(prefix="django-sessions-"),
    ws.generate_random_key(32),
    ws.generate_random_key(32),
    options=ws.Options(secure=False, max_age=1209600),  # as SESSION_COOKIE_AGE
)
cart_store = ws.CookieStore(ws.generate_random_key(32), options=ws.Options(secure=False))

if not settings.configured:
    settings.configure(
        DEBUG=True,
        SECRET_KEY="django-needs-one-websessions-does-not-use-it",
        ALLOWED_HOSTS=["localhost", "127.0.0.1", "testserver"],
        ROOT_URLCONF="examples.django_app.app",
        INSTALLED_APPS=["django.contrib.sessions", "django.contrib.messages"],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "websessions.integrations.django.SaveSessionsMiddleware",
        ],
        SESSION_ENGINE="websessions.integrations.django",
        WEBSESSIONS_STORE="examples.django_app.app.store",
        MESSAGE_STORAGE="django.contrib.messages.storage.session.SessionStorage",
    )
    django.setup()

from django.contrib import messages  # noqa: E402
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402


def index(request: HttpRequest) -> JsonResponse:
    request.session["visits"] = request.session.get("visits", 0) + 1
    cart = cart_store.get(request, "cart")  # a second, named session
    return JsonResponse(
        {
            "user": request.session.get("user"),
            "visits": request.session["visits"],
            "cart": cart.values.get("items", []),
            "messages": [str(m) for m in messages.get_messages(request)],
        }
    )


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    request.session.cycle_key()  # a new key on login, against session fixation
    request.session["user"] = request.POST["user"]
    if request.POST.get("remember") != "on":
        request.session.set_expiry(0)  # a browser-session cookie
    messages.success(request, f"Welcome, {request.POST['user']}!")
    return HttpResponseRedirect("/")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()  # deletes the record and the cookie
    return HttpResponseRedirect("/")


@require_POST
def add_to_cart(request: HttpRequest, item: str) -> HttpResponse:
    cart_store.get(request, "cart").values.setdefault("items", []).append(item)
    return HttpResponseRedirect("/")  # SaveSessionsMiddleware saves the cart


urlpatterns = [
    path("", index),
    path("login", login),
    path("logout", logout),
    path("cart/<str:item>", add_to_cart),
]
