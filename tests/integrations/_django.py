"""Django's settings for the tests that need it: configured once per process.

Each test then sets what it depends on with ``override_settings``, so the
order in which test modules configure Django does not matter.
"""

from __future__ import annotations

import django
from django.conf import settings


def configure() -> None:
    if not settings.configured:
        settings.configure(
            SECRET_KEY="not-used-by-websessions",
            ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
            INSTALLED_APPS=["django.contrib.sessions", "django.contrib.messages"],
            USE_TZ=True,
        )
        django.setup()
