"""Django's settings for the tests that need it: configured once per process.

Each test then sets what it depends on with ``override_settings``, so the
order in which test modules configure Django does not matter.
"""

from __future__ import annotations

from typing import Any

import django
from django.conf import settings
from django.test import override_settings


def configure() -> None:
    if not settings.configured:
        settings.configure(
            SECRET_KEY="not-used-by-websessions",
            ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
            INSTALLED_APPS=["django.contrib.sessions", "django.contrib.messages"],
            USE_TZ=True,
        )
        django.setup()


MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "websessions.integrations.django.SaveSessionsMiddleware",
]


def project_settings(store: Any, urlconf: str) -> override_settings:
    """A Django project on ``store`` with the test views of module ``urlconf``."""
    return override_settings(
        ROOT_URLCONF=urlconf,
        MIDDLEWARE=MIDDLEWARE,
        SESSION_ENGINE="websessions.integrations.django",
        WEBSESSIONS_STORE=store,
        SESSION_COOKIE_NAME="sessionid",
        SESSION_COOKIE_AGE=1209600,
        SESSION_EXPIRE_AT_BROWSER_CLOSE=False,
        SESSION_SAVE_EVERY_REQUEST=False,
        MESSAGE_STORAGE="django.contrib.messages.storage.session.SessionStorage",
    )
