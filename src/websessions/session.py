"""The session model: values, options and flashes. Pure: no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import DecodeError, UsageError
from .options import Options

if TYPE_CHECKING:
    from .stores.base import Store

FLASH_KEY = "_flash"


class Loaded(NamedTuple):
    """What a store remembers about the record (or cookie) a session was loaded from.

    ``record`` is the stored bytes (the compare-and-set version), ``payload``
    the values as loaded, serialized (a save compares it with the values'
    bytes then, to tell whether this request changed them) and ``written``
    the record's signed Unix time. A :class:`~websessions.CookieStore` with
    ``rolling=False`` keeps one too, with ``options`` (the cookie options as
    loaded) and ``created``.
    """

    record: bytes
    payload: bytes
    written: int
    options: Options | None = None
    created: int | None = None


class Session:
    """One named session of one request.

    ``values`` is a plain dict (any hashable key the serializer supports);
    ``options`` is this session's own copy of the store's cookie options;
    ``is_new`` is true when no valid cookie (and record) was found, and then
    ``error`` says why, if a cookie was sent but rejected (an
    :class:`~websessions.IdleTimeout` or :class:`~websessions.AbsoluteTimeout`
    among others).

    ``key_index`` says which key pair verified the cookie (and record): ``0``
    the newest, ``1`` the one before, ...; ``None`` for a new session. Any
    other value than ``0`` means the session is still on an old key: saving it
    re-encodes it with the newest pair (see docs/security.md).

    ``created`` is the Unix time the session started, kept inside the signed
    cookie or record when the store has an ``absolute_timeout`` (``None``
    otherwise, and for a session not saved yet).
    """

    __slots__ = (
        "_destroyed",
        "_loaded",
        "_old_id",
        "created",
        "error",
        "id",
        "is_new",
        "key_index",
        "name",
        "options",
        "store",
        "values",
    )

    def __init__(
        self,
        store: Store,
        name: str,
        *,
        values: dict[Any, Any] | None = None,
        options: Options | None = None,
        is_new: bool = True,
        id: str | None = None,
        error: DecodeError | None = None,
        key_index: int | None = None,
        created: int | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self.values: dict[Any, Any] = {} if values is None else values
        self.options = store.options.copy() if options is None else options
        self.is_new = is_new
        self.id = id
        self.error = error
        self.key_index = key_index
        self.created = created
        # Bookkeeping for server-side stores (see stores/server.py).
        self._loaded: Loaded | None = None
        self._old_id: str | None = None
        self._destroyed = False

    def __repr__(self) -> str:
        state = "new" if self.is_new else "loaded"
        return f"<Session {self.name!r} {state} keys={list(self.values)!r}>"

    def add_flash(self, value: Any, key: str = FLASH_KEY) -> None:
        """Queue a flash message under ``key``; read it with :meth:`flashes`."""
        queue = self.values.get(key)
        if queue is None:
            self.values[key] = [value]
        elif isinstance(queue, list):
            queue.append(value)
        else:
            raise UsageError(f"session value {key!r} is not a flash list; use another flash key")

    def flashes(self, key: str = FLASH_KEY) -> list[Any]:
        """Return and remove the flashes queued under ``key`` (save to persist)."""
        queue = self.values.pop(key, None)
        if queue is None:
            return []
        return list(queue) if isinstance(queue, list | tuple) else [queue]

    @property
    def destroyed(self) -> bool:
        """Whether :meth:`destroy` was called (and no save has started a new session since)."""
        return self._destroyed

    def regenerate_id(self, *, keep_created: bool = False) -> None:
        """Move the values to a new session ID; the old record is deleted at the next save.

        Call it when privileges change (at login) to prevent session fixation:
        an ID an attacker planted before login is worthless after it.
        ``id`` is the new ID at once; stores without IDs re-issue the cookie.

        A new ID starts a new absolute-timeout window (``created`` becomes
        now): the time spent anonymous before login does not count against
        the logged-in session. To rotate the ID periodically *without*
        extending the session's life, pass ``keep_created=True``.
        """
        self.store.regenerate_id(self, keep_created=keep_created)

    def destroy(self) -> None:
        """End the session now: delete its server-side record and empty ``values``.

        The next save expires the cookie; values set after ``destroy()``
        start a new session with a new ID instead (a "logged out" flash),
        with a new absolute-timeout window.
        """
        self.store.destroy(self)

    async def adestroy(self) -> None:
        """Async :meth:`destroy`."""
        await self.store.adestroy(self)

    def save(self, request: Any, response: Any) -> None:
        """Save through this session's store: one Set-Cookie on ``response``."""
        self.store.save(request, response, self)

    async def asave(self, request: Any, response: Any) -> None:
        """Async :meth:`save`."""
        await self.store.asave(request, response, self)
