"""CookieStore: the whole session lives in the signed (and optionally encrypted) cookie."""

from __future__ import annotations

import functools
from typing import Any

from ..codec import encode_multi
from ..errors import DecodeError, UsageError
from ..registry import Registry
from ..session import Loaded, Session
from .base import Store, signed_time


class CookieStore(Store):
    """Sessions kept client-side, in gorilla/sessions' cookie format.

    ``CookieStore(hash_key, block_key, old_hash_key, old_block_key, ...)``.
    Values must fit in ``max_length`` (4096) once encoded: saving more is a
    :class:`~websessions.UsageError`, never a silently dropped cookie.

    ``idle_timeout`` and ``absolute_timeout`` (see :class:`Store`) are checked
    from inside the signed value: its signed timestamp is the last save, and
    the start time is a signed value too. An old cookie replayed after a
    timeout is refused however long the browser was told to keep it.

    ``rolling=True`` (the default, as gorilla): every save re-signs the cookie,
    so every saving request restarts the idle window and the cookie's
    ``Max-Age``. ``rolling=False``: a save sends a cookie only when the values,
    the session's options or its start time changed, or the cookie was
    verified by an old key pair (``session.key_index`` > 0), so only changes
    count as activity.
    """

    def _new(self, registry: Registry, name: str) -> Session:
        errors: list[DecodeError] = []
        for raw, values, index in self._verified_cookies(registry, name, dict, errors):
            created, timeout = self._check_lifetime(values, functools.partial(signed_time, raw))
            if timeout is not None:
                errors.append(timeout)
                continue
            session = Session(
                self, name, values=values, is_new=False, key_index=index, created=created
            )
            if not self.rolling:
                self._snapshot(session, raw)
            return session
        return Session(self, name, error=errors[0] if errors else None)

    def _snapshot(self, session: Session, cookie: str) -> None:
        """Remember the session as sent, to tell at save whether anything changed."""
        try:
            payload = self._serialized(session)
        except UsageError:  # values this serializer can't write back: always "changed"
            payload = b""
        session._loaded = Loaded(
            cookie.encode("ascii"),
            payload,
            signed_time(cookie),
            session.options.copy(),
            session.created,
        )

    def _serialized(self, session: Session) -> bytes:
        # The values' bytes are compared, not the values: cheaper than a deep
        # copy to diff, and "changed" means what the cookie would carry changed.
        return self.codecs[0].serializer.dumps(session.values)

    def _unchanged(self, session: Session) -> bool:
        loaded = session._loaded
        return (
            loaded is not None
            and not session.key_index
            and not session.destroyed
            and session.created == loaded.created
            and session.options == loaded.options
            and self._serialized(session) == loaded.payload
        )

    def save(self, request: Any, response: Any, session: Session) -> None:
        """Encode the values into the cookie; ``max_age < 0`` deletes it instead.

        So does saving a destroyed session that was given no new values. With
        ``rolling=False`` an unchanged session sends no cookie.
        """
        if session.destroyed and not session.values:
            self._expire_cookie(request, response, session)
            return
        if session.options.max_age < 0:
            self._set_cookie(request, response, session, "")
            return
        if not self.rolling and self._unchanged(session):
            return
        values = self._with_created(session, session.values)
        value = encode_multi(session.name, values, self.codecs)
        self._set_cookie(request, response, session, value)
        session.key_index = 0
        session._destroyed = False
        if not self.rolling:
            self._snapshot(session, value)
