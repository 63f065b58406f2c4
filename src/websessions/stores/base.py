"""What every store shares: keys and codecs, options, the per-request registry."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import Any

from ..codec import (
    DEFAULT_MAX_LENGTH,
    SecureCookie,
    codecs_from_pairs,
    decode_multi,
)
from ..cookies import check_name, format_set_cookie
from ..errors import DecodeError, DeserializeFailed, UsageError
from ..options import Options
from ..registry import Registry, get_registry
from ..serializers import Serializer
from ..session import Session


class Store(abc.ABC):
    """Base of all stores. Subclasses implement :meth:`_new` and :meth:`save`.

    ``key_pairs`` are ``hash_key, block_key, hash_key, block_key, ...``: the
    first pair encodes, every pair decodes (key rotation); a block key may be
    ``None`` (sign only) and the last one may be left out.
    """

    def __init__(
        self,
        *key_pairs: bytes | None,
        options: Options | None = None,
        serializer: Serializer | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> None:
        self.options = Options() if options is None else options.copy()
        self.serializer = serializer
        self.codecs: list[SecureCookie] = codecs_from_pairs(
            *key_pairs, serializer=serializer, max_length=max_length
        )
        self.set_max_age(self.options.max_age)

    def set_max_age(self, seconds: int) -> None:
        """Set the default cookie ``max_age`` and, if positive, the codecs' too.

        ``0`` (browser-session cookies) keeps the codecs' current limit, so a
        cookie that never expires in the browser still expires on the server
        (gorilla turns expiry off here).
        """
        self.options.max_age = seconds
        self.options.validate()
        if seconds > 0:
            for codec in self._all_codecs():
                codec.max_age = seconds

    def _all_codecs(self) -> list[SecureCookie]:
        return self.codecs

    # -- the public API -----------------------------------------------------

    def get(self, request: Any, name: str) -> Session:
        """The session ``name`` of this request, decoded once per request.

        Never raises for a bad or missing cookie: that gives a new session
        with ``is_new=True`` and the reason in ``session.error``.
        """
        registry = get_registry(request)
        session = self._registered(registry, name)
        if session is None:
            session = registry.sessions[name] = self._new(registry, name)
        return session

    def new(self, request: Any, name: str) -> Session:
        """A freshly decoded session, not registered with the request."""
        return self._new(get_registry(request), check_name(name))

    async def aget(self, request: Any, name: str) -> Session:
        """Async :meth:`get`."""
        registry = get_registry(request)
        session = self._registered(registry, name)
        if session is None:
            session = await self._anew(registry, name)
            # Another task of the same request may have won the race.
            session = registry.sessions.setdefault(name, session)
        return session

    async def anew(self, request: Any, name: str) -> Session:
        """Async :meth:`new`."""
        return await self._anew(get_registry(request), check_name(name))

    @abc.abstractmethod
    def save(self, request: Any, response: Any, session: Session) -> None:
        """Persist ``session`` and add its Set-Cookie header to ``response``."""

    async def asave(self, request: Any, response: Any, session: Session) -> None:
        """Async :meth:`save`. Stores without I/O run the sync code."""
        self.save(request, response, session)

    # -- session lifecycle (Session.regenerate_id / destroy call these) -------

    def regenerate_id(self, session: Session) -> None:
        """Give ``session`` a new ID at its next save. Stores without IDs: nothing to do."""
        return

    def destroy(self, session: Session) -> None:
        """Empty ``session`` so that its next save expires the cookie.

        Server-side stores also delete the record, at once.
        """
        session.values.clear()
        session.is_new = True
        session._destroyed = True

    async def adestroy(self, session: Session) -> None:
        """Async :meth:`destroy`. Stores without I/O run the sync code."""
        self.destroy(session)

    # -- for subclasses -----------------------------------------------------

    def _registered(self, registry: Registry, name: str) -> Session | None:
        session = registry.sessions.get(check_name(name))
        if session is not None and session.store is not self:
            raise UsageError(
                f"session {name!r} is already open in this request from another store; "
                "give each store's sessions their own names"
            )
        return session

    @abc.abstractmethod
    def _new(self, registry: Registry, name: str) -> Session:
        """Decode the request's cookie ``name`` into a session."""

    async def _anew(self, registry: Registry, name: str) -> Session:
        return self._new(registry, name)

    def _verified_cookies(
        self, registry: Registry, name: str, kind: type, errors: list[DecodeError]
    ) -> Iterator[Any]:
        """Each cookie ``name`` that verifies and holds a ``kind``, lazily, in
        the order sent; the ones that don't are added to ``errors``.

        Browsers send the most specific cookie first; a duplicate planted
        from a sibling domain must not shadow a valid one, so all are tried.
        """
        for raw in registry.cookies(name):
            try:
                value = decode_multi(name, raw, self.codecs)
            except DecodeError as exc:
                errors.append(exc)
                continue
            if isinstance(value, kind):
                yield value
            else:
                errors.append(
                    DeserializeFailed(
                        f"cookie {name!r} holds a {type(value).__name__}, not a {kind.__name__}"
                    )
                )

    def _set_cookie(self, request: Any, response: Any, session: Session, value: str) -> None:
        header = format_set_cookie(session.name, value, session.options)
        get_registry(request).add_header(response, "Set-Cookie", header)

    def _expire_cookie(self, request: Any, response: Any, session: Session) -> None:
        """Delete the session's cookie in the browser (the session's options kept as they are)."""
        options = session.options
        if options.max_age >= 0:
            options = options.copy()
            options.max_age = -1
        header = format_set_cookie(session.name, "", options)
        get_registry(request).add_header(response, "Set-Cookie", header)
