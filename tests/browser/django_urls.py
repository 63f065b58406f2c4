"""URLs of the browser tests' Django app: /set, /get, /del on a named session or request.session.

The named session's store and name come from the test's ``override_settings``;
without ``WEBSESSIONS_BROWSER_STORE`` the views use ``request.session``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

import websessions as ws


def _session(request: HttpRequest) -> ws.Session | None:
    store: ws.Store | None = getattr(settings, "WEBSESSIONS_BROWSER_STORE", None)
    if (
        store is None
        or "django.contrib.sessions.middleware.SessionMiddleware" in settings.MIDDLEWARE
    ):
        return None
    return store.get(request, settings.WEBSESSIONS_BROWSER_NAME)


def set_value(request: HttpRequest) -> HttpResponse:
    session = _session(request)
    if session is None:
        request.session["value"] = "from-django-engine"
    else:
        session.values["value"] = "from-django"
    return HttpResponse("set", content_type="text/plain")


def get_value(request: HttpRequest) -> HttpResponse:
    session = _session(request)
    values = request.session if session is None else session.values
    return HttpResponse(str(values.get("value")), content_type="text/plain")


def delete(request: HttpRequest) -> HttpResponse:
    session = _session(request)
    if session is None:
        request.session.flush()
    else:
        session.options.max_age = -1
    return HttpResponse("deleted", content_type="text/plain")


urlpatterns = [path("set", set_value), path("get", get_value), path("del", delete)]
