"""Django: a ``SESSION_ENGINE`` so ``request.session`` runs on a websessions store.

In ``settings.py``::

    SESSION_ENGINE = "websessions.integrations.django"
    WEBSESSIONS_STORE = "myproject.sessions.store"   # dotted path to a Store (or a
                                                     # function returning one), or a Store

Django's own ``SessionMiddleware`` stays in ``MIDDLEWARE`` and keeps doing
what it does: ``request.session`` is Django's session object (the auth and
messages frameworks, ``cycle_key()``, ``flush()``, ``set_expiry()``,
``SESSION_COOKIE_AGE``, ``SESSION_EXPIRE_AT_BROWSER_CLOSE``,
``SESSION_SAVE_EVERY_REQUEST`` work as usual), and Django sets the cookie
with its ``SESSION_COOKIE_*`` settings. The cookie's value is what
websessions would send for the session named ``SESSION_COOKIE_NAME``: the
whole session, signed and optionally encrypted, with a
:class:`~websessions.CookieStore`; a signed session ID with a server-side
store (filesystem, Redis, SQL...). A Go service using gorilla/sessions with
the same keys and name reads and writes the same sessions.

Values are serialized by the store's serializer (Django's
``SESSION_SERIALIZER`` is not used). Expiry is enforced on load: a custom
``set_expiry()`` date, or ``SESSION_COOKIE_AGE`` (or the ``set_expiry``
seconds) since the session was last saved, whichever applies; and the
store's own ``max_age`` always bounds it.

For sessions besides ``request.session``, use the store directly in views:
``store.get(request, "cart")`` and ``session.save(request, response)``
work on Django's request and response objects, and
:class:`SaveSessionsMiddleware` saves those a view forgot to.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

from ..codec import encode_multi
from ..session import Session
from ..stores.base import Store
from ..stores.cookie import CookieStore
from ..stores.server import ServerSideStore
from ._common import pending_in, save_sessions, state_of, used_sessions_in, vary_with_cookie

SETTING = "WEBSESSIONS_STORE"
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_=-]+")  # what websessions' cookies are made of
_stores: dict[str, Store] = {}


def get_store() -> Store:
    """The store ``settings.WEBSESSIONS_STORE`` names (imported once per path)."""
    value = getattr(settings, SETTING, None)
    if isinstance(value, Store):
        return value
    if not isinstance(value, str) or not value:
        raise ImproperlyConfigured(
            f"SESSION_ENGINE {__name__!r} needs settings.{SETTING}: a websessions Store, or "
            "the dotted path to one (or to a function returning one)"
        )
    store = _stores.get(value)
    if store is None:
        found = import_string(value)
        if not isinstance(found, Store) and callable(found):
            found = found()
        if not isinstance(found, Store):
            raise ImproperlyConfigured(f"settings.{SETTING} = {value!r} is not a websessions Store")
        store = _stores[value] = found
    return store


# Base64 of the first 21 bytes: a 19-digit int64 time, its sign and the '|' after it.
_DATE_CHARS = 28


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _issued_at(cookie_value: str) -> int | None:
    """When a websessions cookie value was made: gorilla's ``base64(date|value|mac)``."""
    try:
        # The date leads: decoding the head is enough (and the whole value is long).
        date, sep, _ = _b64(cookie_value[:_DATE_CHARS]).partition(b"|")
        if not sep and len(cookie_value) > _DATE_CHARS:
            date = _b64(cookie_value).split(b"|", 1)[0]
        return int(date)
    except (binascii.Error, ValueError):
        return None


def _cookie_value(headers: list[tuple[str, str]]) -> str | None:
    for key, header in headers:
        if key.lower() == "set-cookie":
            value = header.split(";", 1)[0].split("=", 1)[1]
            return value.strip('"') or None
    return None


class SessionStore(SessionBase):
    """Django's session API over the websessions store of ``settings.WEBSESSIONS_STORE``."""

    _session_cache: dict[str, Any]

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.store = get_store()
        self.cookie_name: str = settings.SESSION_COOKIE_NAME
        self._websession: Session | None = None

    # -- talking to the store in its own terms: a cookie in, a Set-Cookie out --

    def _environ(self, session_key: str | None) -> dict[str, Any]:
        environ: dict[str, Any] = {"REQUEST_METHOD": "GET"}
        if session_key and _COOKIE_VALUE.fullmatch(session_key):
            environ["HTTP_COOKIE"] = f"{self.cookie_name}={session_key}"
        return environ

    def _open(self, session_key: str | None) -> Session:
        return self.store.new(self._environ(session_key), self.cookie_name)

    def _write(self, websession: Session) -> str | None:
        headers: list[tuple[str, str]] = []
        self.store.save(self._environ(None), headers, websession)
        value = _cookie_value(headers)
        if value is None and websession.options.max_age >= 0:
            # A store that keeps an unchanged cookie (rolling=False) sends none;
            # Django sets one anyway, so give it the value the browser has.
            if websession.id is not None:
                value = encode_multi(websession.name, websession.id, self.store.codecs)
            elif websession._loaded is not None:  # a CookieStore: the cookie as loaded
                value = websession._loaded.record.decode("ascii")
        return value

    def _expired(self, values: dict[Any, Any], session_key: str) -> bool:
        expiry = values.get("_session_expiry")
        if isinstance(expiry, str | datetime):
            try:
                return self.get_expiry_age(expiry=expiry) <= 0
            except (TypeError, ValueError):
                return True
        age = expiry if isinstance(expiry, int) and expiry > 0 else self.get_session_cookie_age()
        issued = _issued_at(session_key)
        return issued is None or issued + age < time.time()

    # -- SessionBase ---------------------------------------------------------

    def load(self) -> dict[str, Any]:
        key = self.session_key
        websession = self._open(key)
        if websession.is_new or key is None or self._expired(websession.values, key):
            if not websession.is_new:
                self._remove(websession)
            self._session_key = None
            self._websession = None
            return {}
        self._websession = websession
        return websession.values

    def exists(self, session_key: str | None) -> bool:
        if not session_key or isinstance(self.store, CookieStore):
            return False  # a cookie session exists nowhere but in its cookie
        return not self._open(session_key).is_new

    def create(self) -> None:
        self._websession = None
        self._session_cache = {}
        self.save(must_create=True)
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        data: dict[str, Any] = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        websession = None if must_create else self._websession
        if websession is None:
            websession = self._open(None)
        elif (
            isinstance(self.store, ServerSideStore)
            and websession.id is not None
            and self.store.backend.load(websession.id) is None
        ):
            raise UpdateError  # deleted meanwhile (a logout elsewhere): don't resurrect it
        websession.values = data
        if websession.options.max_age < 0:
            websession.options.max_age = self.store.options.max_age
        self._websession = websession
        self._session_key = self._write(websession)
        self.modified = True

    def delete(self, session_key: str | None = None) -> None:
        current = session_key is None or session_key == self.session_key
        if current:
            websession = self._websession
            if websession is None and self.session_key:
                websession = self._open(self.session_key)
            self._websession = None
            self._session_key = None
            self._session_cache = {}
            self.modified = True
        else:
            websession = self._open(session_key)
        if websession is not None and (websession.id is not None or not websession.is_new):
            self._remove(websession)

    def _remove(self, websession: Session) -> None:
        websession.options.max_age = -1  # deletes the server-side record, if any
        self._write(websession)

    def cycle_key(self) -> None:
        data: dict[str, Any] = self._session  # type: ignore[attr-defined]
        old_key = self.session_key
        old = self._websession
        self._session_cache = data
        self.save(must_create=True)
        if old_key and old is not None:
            self._remove(old)

    @classmethod
    def clear_expired(cls) -> None:
        purge: Callable[[], Any] | None = getattr(get_store(), "purge_expired", None)
        if purge is not None:
            purge()


class SaveSessionsMiddleware:
    """Saves the sessions a view opened with ``store.get(request, name)`` and did not save.

    Add it to ``MIDDLEWARE`` (anywhere: it works on the response). Adds
    ``Vary: Cookie`` to responses that used such sessions; leaves 5xx
    responses alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        state = state_of(request)
        if used_sessions_in(state) and response.status_code < 500:
            save_sessions(request, response, pending_in(state, set(response.cookies)), state)
            vary = vary_with_cookie(response.headers.get("Vary"))
            if vary is not None:
                response.headers["Vary"] = vary
        return response
