"""CookieStore: the whole session lives in the signed (and optionally encrypted) cookie."""

from __future__ import annotations

from typing import Any

from ..codec import encode_multi
from ..errors import DecodeError
from ..registry import Registry
from ..session import Session
from .base import Store


class CookieStore(Store):
    """Sessions kept client-side, in gorilla/sessions' cookie format.

    ``CookieStore(hash_key, block_key, old_hash_key, old_block_key, ...)``.
    Values must fit in ``max_length`` (4096) once encoded: saving more is a
    :class:`~websessions.UsageError`, never a silently dropped cookie.
    """

    def _new(self, registry: Registry, name: str) -> Session:
        errors: list[DecodeError] = []
        for values in self._verified_cookies(registry, name, dict, errors):
            return Session(self, name, values=values, is_new=False)
        return Session(self, name, error=errors[0] if errors else None)

    def save(self, request: Any, response: Any, session: Session) -> None:
        """Encode the values into the cookie; ``max_age < 0`` deletes it instead.

        So does saving a destroyed session that was given no new values.
        """
        if session.destroyed and not session.values:
            self._expire_cookie(request, response, session)
            return
        if session.options.max_age < 0:
            value = ""
        else:
            value = encode_multi(session.name, session.values, self.codecs)
        self._set_cookie(request, response, session, value)
