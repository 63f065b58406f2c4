"""What every store shares: keys and codecs, options, lifetimes, the per-request registry."""

from __future__ import annotations

import abc
import base64
import binascii
import math
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from ..codec import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_LENGTH,
    SecureCookie,
    codecs_from_pairs,
    decode_multi_index,
)
from ..cookies import check_name, format_set_cookie
from ..errors import (
    AbsoluteTimeout,
    DecodeError,
    DeserializeFailed,
    IdleTimeout,
    MalformedValue,
    UsageError,
)
from ..options import Options
from ..registry import Registry, get_registry
from ..serializers import Serializer
from ..session import Session

#: The reserved session key that carries a session's start time (Unix
#: seconds, an int) inside the signed cookie or record, for ``absolute_timeout``.
CREATED_KEY = "_ws_created"


def signed_time(value: bytes | str) -> int:
    """The Unix time a *verified* cookie value or record was signed at (its first field)."""
    try:
        raw = base64.urlsafe_b64decode(value)
        return int(raw.split(b"|", 1)[0])
    except (ValueError, binascii.Error):  # not for verified values: they parsed already
        raise MalformedValue("the value has no signed time") from None


def make_codecs(
    key_pairs: tuple[bytes | None, ...],
    *,
    serializer: Serializer | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
    max_age: int = DEFAULT_MAX_AGE,
    clock: Callable[[], float] = time.time,
) -> list[SecureCookie]:
    """:func:`~websessions.codecs_from_pairs`, with a clock (for tests and simulations)."""
    codecs = codecs_from_pairs(
        *key_pairs, serializer=serializer, max_length=max_length, max_age=max_age
    )
    if clock is time.time:
        return codecs
    for codec in codecs:
        codec._clock = clock
    return codecs


def check_timeout(value: int | None, what: str) -> int | None:
    """``value`` if it is ``None`` or a positive int number of seconds, else a UsageError."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise UsageError(f"{what} must be a positive int number of seconds or None, got {value!r}")
    return value


class Store(abc.ABC):
    """Base of all stores. Subclasses implement :meth:`_new` and :meth:`save`.

    ``key_pairs`` are ``hash_key, block_key, hash_key, block_key, ...``: the
    first pair encodes, every pair decodes (key rotation); a block key may be
    ``None`` (sign only) and the last one may be left out.

    Lifetimes, on every store, checked when a session loads from what the
    keys signed (never from the browser's cookie expiry):

    - ``idle_timeout``: seconds a session may go unsaved; past it the session
      loads new with :class:`~websessions.IdleTimeout` in ``session.error``.
      It counts from the cookie's (or record's) signed time, that is from the
      last save that re-signed it.
    - ``absolute_timeout``: seconds a session may live at all, however busy;
      past it the session loads new with :class:`~websessions.AbsoluteTimeout`.
      The start time travels in the signed data under the reserved key
      :data:`CREATED_KEY` (never seen in ``session.values``; see
      ``session.created``).
    - ``rolling``: whether a save with nothing changed re-signs the session
      (a fresh cookie, a fresh idle window). With ``rolling=False`` only
      changes count as activity.

    ``clock`` (default :func:`time.time`) is for tests and simulations.
    """

    #: The reserved key holding the start time in the signed data (see :data:`CREATED_KEY`).
    created_key: ClassVar[str] = CREATED_KEY

    def __init__(
        self,
        *key_pairs: bytes | None,
        options: Options | None = None,
        serializer: Serializer | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        idle_timeout: int | None = None,
        absolute_timeout: int | None = None,
        rolling: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.idle_timeout = check_timeout(idle_timeout, "idle_timeout")
        self.absolute_timeout = check_timeout(absolute_timeout, "absolute_timeout")
        self.rolling = rolling
        self._clock = clock
        self.options = Options() if options is None else options.copy()
        self.serializer = serializer
        self.codecs: list[SecureCookie] = make_codecs(
            key_pairs, serializer=serializer, max_length=max_length, clock=clock
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

    def regenerate_id(self, session: Session, *, keep_created: bool = False) -> None:
        """Give ``session`` a new ID at its next save, and (unless ``keep_created``)
        a new absolute-timeout window from now. Stores without IDs only do the latter.
        """
        if not keep_created and (session.created is not None or self.absolute_timeout):
            session.created = int(self._clock())

    def destroy(self, session: Session) -> None:
        """Empty ``session`` so that its next save expires the cookie.

        Server-side stores also delete the record, at once.
        """
        session.values.clear()
        session.is_new = True
        session._destroyed = True
        session.created = session.key_index = None

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
    ) -> Iterator[tuple[str, Any, int]]:
        """``(cookie, value, key index)`` of each cookie ``name`` that verifies and
        holds a ``kind``, lazily, in the order sent; the ones that don't are
        added to ``errors``.

        Browsers send the most specific cookie first; a duplicate planted
        from a sibling domain must not shadow a valid one, so all are tried.
        """
        for raw in registry.cookies(name):
            try:
                value, index = decode_multi_index(name, raw, self.codecs)
            except DecodeError as exc:
                errors.append(exc)
                continue
            if isinstance(value, kind):
                yield raw, value, index
            else:
                errors.append(
                    DeserializeFailed(
                        f"cookie {name!r} holds a {type(value).__name__}, not a {kind.__name__}"
                    )
                )

    # -- lifetimes (idle and absolute timeouts), shared by every store ------------

    def _take_created(self, values: dict[Any, Any]) -> int | None:
        """Pop the reserved start-time key out of freshly decoded ``values``; its value
        if it is a usable time (a finite number), else ``None``."""
        if self.created_key not in values:
            return None
        raw = values.pop(self.created_key)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            return None
        return int(raw)

    def _check_lifetime(
        self, values: dict[Any, Any], written: int | Callable[[], int]
    ) -> tuple[int | None, DecodeError | None]:
        """Take the start time out of decoded ``values`` and check both timeouts.

        ``written`` (or ``written()``, called only when a timeout is set) is
        the Unix time the cookie or record was signed at (its last save).
        Returns the session's start time and the timeout it is past, if any.
        A session without a start time (saved by a store with no
        ``absolute_timeout``, or by Go) counts from its signed time; so does
        one whose start time is after it (junk, or clock skew between servers).
        """
        created = self._take_created(values)
        idle, absolute = self.idle_timeout, self.absolute_timeout
        if idle is None and absolute is None:
            return created, None
        signed = written() if callable(written) else written
        now = self._clock()
        if absolute is not None:
            if created is None or created > signed:
                created = signed
            if now - created > absolute:
                return created, AbsoluteTimeout(
                    f"the session started {int(now - created)}s ago, "
                    f"over absolute_timeout={absolute}"
                )
        if idle is not None and now - signed > idle:
            return created, IdleTimeout(
                f"the session was last saved {int(now - signed)}s ago, over idle_timeout={idle}"
            )
        return created, None

    def _with_created(self, session: Session, values: dict[Any, Any]) -> dict[Any, Any]:
        """The values to encode: with the start time under the reserved key when the
        store has an ``absolute_timeout`` (stamped now for a new session) or the
        session came with one."""
        created = session.created
        if created is None:
            if self.absolute_timeout is None:
                return values
            created = session.created = int(self._clock())
        return {**values, self.created_key: created}

    # -- cookies ------------------------------------------------------------------

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
