"""ServerSideStore: the cookie holds a signed ID; the values live in a backend.

The logic is written once, as generators that *yield* the backend calls
they need (``("load", (id,))``, ``("save_if", (id, data, ttl, expected))``,
...) and receive the results; :meth:`ServerSideStore._run` drives them with
the sync backend methods and :meth:`ServerSideStore._arun` with the async
ones. Everything else (IDs, codecs, expiry, change tracking, the merge on a
conflict, the cookie) is pure and shared.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import random
import re
import secrets
import time
from collections.abc import Callable, Generator
from typing import Any, TypedDict, TypeVar

from ..codec import DEFAULT_MAX_LENGTH, SecureCookie, encode_multi, open_multi
from ..cookies import format_set_cookie
from ..errors import (
    DecodeError,
    DeserializeFailed,
    MalformedValue,
    SessionNotFound,
    StoreError,
    UsageError,
)
from ..options import Options
from ..registry import Registry
from ..serializers import Serializer
from ..session import Loaded, Session
from .backend import Backend
from .base import Store, make_codecs

_ID = re.compile(r"[A-Z2-7]{52}")

DEFAULT_TTL = 86400 * 30
DEFAULT_MAX_RETRIES = 10
# Duplicate cookies whose IDs verify: how many records one request may look up.
_MAX_ID_LOADS = 4

T = TypeVar("T")
Op = tuple[str, tuple[Any, ...]]
Steps = Generator[Op, Any, T]


def new_session_id() -> str:
    """256 random bits as unpadded base32, gorilla's ID format."""
    return base64.b32encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


def is_valid_session_id(value: object) -> bool:
    """Whether ``value`` has the exact shape of an ID made by :func:`new_session_id`."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


class ServerSideSettings(TypedDict, total=False):
    """Keyword settings every server-side store takes (see :class:`ServerSideStore`)."""

    options: Options | None
    serializer: Serializer | None
    max_length: int
    record_max_length: int
    ttl: int | None
    rolling: bool
    refresh_after: int | None
    max_retries: int
    clock: Callable[[], float]
    idle_timeout: int | None
    absolute_timeout: int | None


# -- change tracking: what this request did to the values, key by key ------------

DELETED: Any = type("Deleted", (), {"__repr__": lambda self: "DELETED"})()


def same(a: Any, b: Any) -> bool:
    """Deep equality that also tells ``1`` from ``True`` and ``1.0``, and lists from tuples."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except Exception:  # an odd user type: call it changed
        return False


def changes(before: dict[Any, Any], after: dict[Any, Any]) -> dict[Any, Any]:
    """``{key: new value or DELETED}`` for every key that differs."""
    diff = {k: v for k, v in after.items() if k not in before or not same(before[k], v)}
    diff.update((k, DELETED) for k in before if k not in after)
    return diff


def apply_changes(diff: dict[Any, Any], base: dict[Any, Any]) -> dict[Any, Any]:
    """``base`` with ``diff`` re-applied: sets overwrite, deletes delete."""
    merged = dict(base)
    for key, value in diff.items():
        if value is DELETED:
            merged.pop(key, None)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


class ServerSideStore(Store):
    """A store whose records live in ``backend``; the cookie carries only the ID.

    Records are encoded with the same keys as the cookie (signed, and
    encrypted with a block key) under the session's name, as gorilla's
    FilesystemStore does, so a record copied to another name or server is
    rejected. ``record_max_length`` bounds a record (0: no bound).

    Lifetimes: the cookie's is ``options.max_age``; the record's is ``ttl``
    seconds after it was last written (default: ``max_age`` when positive,
    else 30 days; give ``ttl`` to set it on its own). ``max_age=0`` makes a
    browser-session cookie and leaves the record's TTL alone.

    Saving writes the record only when the values changed. With
    ``rolling=True`` (the default, as gorilla) every save re-issues the
    cookie, and re-writes an unchanged record once it is ``refresh_after``
    seconds old (default ``ttl // 10``), so an active session never expires;
    with ``rolling=False`` the cookie is set only when the ID changes.

    ``idle_timeout`` and ``absolute_timeout`` (see :class:`Store`) are checked
    against the record: its signed time is the last write, and the start time
    is stored in it. With an ``idle_timeout`` the refresh above happens at
    least every ``idle_timeout // 10`` seconds, so a session in use never
    times out: one idle for ``idle_timeout`` always does, one idle for less
    than 90% of it never does. A record found past a timeout is deleted.
    A session on an old key pair (``key_index`` > 0) is re-encoded with the
    newest pair at its next save, record and cookie, rolling or not.

    Concurrent requests of one session that change different keys all land:
    a write is a compare-and-set against the record this request loaded; on
    a conflict the store re-loads the record, re-applies this request's
    changes key by key (sets and deletes) and tries again, up to
    ``max_retries`` times, then raises :class:`~websessions.StoreError`.
    """

    def __init__(
        self,
        backend: Backend,
        *key_pairs: bytes | None,
        options: Options | None = None,
        serializer: Serializer | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        record_max_length: int = 0,
        ttl: int | None = None,
        rolling: bool = True,
        refresh_after: int | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        clock: Callable[[], float] = time.time,
        idle_timeout: int | None = None,
        absolute_timeout: int | None = None,
    ) -> None:
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1):
            raise UsageError(
                f"ttl must be a positive int number of seconds, got {ttl!r}; "
                "server-side records always expire"
            )
        for value, what in ((refresh_after, "refresh_after"), (max_retries, "max_retries")):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise UsageError(f"{what} must be a non-negative int, got {value!r}")
        self.backend = backend
        self.max_retries = max_retries
        self._refresh_after = refresh_after
        self._ttl_fixed = ttl is not None
        if ttl is None:
            ttl = options.max_age if options is not None and options.max_age > 0 else DEFAULT_TTL
        self.record_codecs: list[SecureCookie] = make_codecs(
            key_pairs,
            serializer=serializer,
            max_length=record_max_length,
            max_age=ttl,
            clock=clock,
        )
        super().__init__(
            *key_pairs,
            options=options,
            serializer=serializer,
            max_length=max_length,
            idle_timeout=idle_timeout,
            absolute_timeout=absolute_timeout,
            rolling=rolling,
            clock=clock,
        )

    def _all_codecs(self) -> list[SecureCookie]:
        # set_max_age moves the record TTL along, unless it was given on its own.
        return self.codecs if self._ttl_fixed else self.codecs + self.record_codecs

    @property
    def ttl(self) -> int:
        """How long a record lives on the server after its last write, in seconds."""
        return self.record_codecs[0].max_age

    @property
    def record_ttl(self) -> int:
        """Alias of :attr:`ttl`."""
        return self.ttl

    @property
    def refresh_after(self) -> int:
        """Age (seconds) past which a rolling save re-writes an unchanged record.

        ``ttl // 10`` unless given; never more than ``idle_timeout // 10``.
        """
        after = self.ttl // 10 if self._refresh_after is None else self._refresh_after
        if self.idle_timeout is not None:
            after = min(after, self.idle_timeout // 10)
        return after

    # -- loading: decode the ID (pure), load (I/O), decode the record (pure) --

    def _decode_record(self, name: str, record: bytes) -> dict[Any, Any]:
        """The values of a record, as stored (the start time key still in)."""
        payload, _, index = self._open_record(name, record)
        return self._record_values(payload, index)

    def _open_record(self, name: str, record: bytes) -> tuple[bytes, int, int]:
        """Verify a record: its serialized values, signed time and key pair's index."""
        try:
            return open_multi(name, record.decode("ascii"), self.record_codecs)
        except UnicodeDecodeError:
            raise MalformedValue("the stored record is not ASCII") from None

    def _record_values(self, payload: bytes, index: int = 0) -> dict[Any, Any]:
        """The values of a verified record's payload (the start time key still in)."""
        values = self.record_codecs[index].deserialize(payload)
        if not isinstance(values, dict):
            raise DeserializeFailed("the stored record is not a dict")
        return values

    def _load_steps(self, registry: Registry, name: str) -> Steps[Session]:
        """The session of the first cookie whose ID verifies and still has a record.

        A validly signed but dead ID (planted from a sibling domain, say) must
        not shadow the user's live one, so each is tried, up to a few loads.
        A record past the idle or absolute timeout is deleted on sight.
        """
        errors: list[DecodeError] = []
        loads = 0
        for _, session_id, cookie_index in self._verified_cookies(registry, name, str, errors):
            if not is_valid_session_id(session_id):
                errors.append(MalformedValue(f"cookie {name!r} holds a malformed session ID"))
                continue
            if loads == _MAX_ID_LOADS:
                break
            loads += 1
            record = yield "load", (session_id,)
            if record is None:
                # Never resurrect an ID the server no longer has: a new one is made on save.
                errors.append(SessionNotFound())
                continue
            try:
                payload, written, record_index = self._open_record(name, record)
                values = self._record_values(payload, record_index)
            except DecodeError as exc:
                errors.append(exc)
                continue
            created, timeout = self._check_lifetime(values, written)
            if timeout is not None:
                errors.append(timeout)
                yield "delete", (session_id,)  # dead by policy: free it now, not at its ttl
                continue
            session = Session(
                self,
                name,
                values=values,
                is_new=False,
                id=session_id,
                key_index=max(cookie_index, record_index),
                created=created,
            )
            # The payload as loaded tells at save whether the values changed:
            # comparing bytes is cheaper than keeping a deep copy to diff.
            session._loaded = Loaded(record, payload, written)
            return session
        return Session(self, name, error=errors[0] if errors else None)

    def _new(self, registry: Registry, name: str) -> Session:
        return self._run(self._load_steps(registry, name))

    async def _anew(self, registry: Registry, name: str) -> Session:
        return await self._arun(self._load_steps(registry, name))

    # -- driving the steps -----------------------------------------------------

    def _run(self, steps: Steps[T]) -> T:
        backend = self.backend
        try:
            op, args = next(steps)
            while True:
                result = None
                if op == "sleep":
                    time.sleep(*args)
                else:
                    result = getattr(backend, op)(*args)
                op, args = steps.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    async def _arun(self, steps: Steps[T]) -> T:
        backend = self.backend
        try:
            op, args = next(steps)
            while True:
                result = None
                if op == "sleep":
                    await asyncio.sleep(*args)
                else:
                    result = await getattr(backend, "a" + op)(*args)
                op, args = steps.send(result)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    # -- saving -------------------------------------------------------------------

    def _payload(self, session: Session, values: dict[Any, Any]) -> bytes:
        """``values`` serialized for ``session``'s record, with its start time if it has one."""
        return self.record_codecs[0].serializer.dumps(self._with_created(session, values))

    def _seal(self, session: Session, payload: bytes) -> tuple[bytes, int]:
        """The record of ``payload`` (newest key pair) and the time it is signed at."""
        record, stamp = self.record_codecs[0].seal(session.name, payload)
        return record.encode("ascii"), stamp

    def _loaded_values(self, session: Session, loaded: Loaded) -> dict[Any, Any]:
        """The values ``session`` was loaded with (built again, only for a merge)."""
        values = self._record_values(loaded.payload)
        self._take_created(values)
        return values

    def _write(self, session_id: str, data: bytes, expected: bytes) -> Steps[bool]:
        """Compare-and-set; a backend without ``save_if`` gets a re-read just before."""
        if self.backend.atomic:
            return bool((yield "save_if", (session_id, data, self.ttl, expected)))
        current = yield "load", (session_id,)
        if current != expected:
            return False
        yield "save", (session_id, data, self.ttl)
        return True

    def _settle(
        self, session: Session, data: bytes, payload: bytes, stamp: int, values: dict[Any, Any]
    ) -> None:
        """Record that ``data`` (signed at ``stamp``, holding ``payload``, the
        serialized ``values``) is now the session's record."""
        if values is not session.values:
            session.values.clear()
            session.values.update(values)
        session._loaded = Loaded(data, payload, stamp)
        session._destroyed = False

    def _create(self, session: Session) -> Steps[None]:
        """Write the values as a new record, under a fresh ID if it has none yet.

        A plain save: nobody else can be writing under 256 fresh random bits.
        """
        payload = self._payload(session, session.values)
        data, stamp = self._seal(session, payload)
        if session.id is None:
            session.id = new_session_id()
        yield "save", (session.id, data, self.ttl)
        self._settle(session, data, payload, stamp, session.values)

    def _update(self, session: Session, loaded: Loaded, payload: bytes) -> Steps[None]:
        """Compare-and-set the changed values (serialized: ``payload``); on a
        conflict merge and retry."""
        session_id = session.id
        assert session_id is not None
        values, expected = session.values, loaded.record
        diff: dict[Any, Any] | None = None
        for attempt in range(self.max_retries + 1):
            data, stamp = self._seal(session, payload)
            if (yield from self._write(session_id, data, expected)):
                self._settle(session, data, payload, stamp, values)
                return
            if diff is None:  # what this request changed, key by key: needed from here on
                diff = changes(self._loaded_values(session, loaded), session.values)
            if attempt:  # jittered backoff lets a crowd of writers spread out
                yield "sleep", (random.uniform(0, min(0.05, 0.001 * 2**attempt)),)
            current = yield "load", (session_id,)
            base = None
            if current is not None:
                try:
                    base = self._decode_record(session.name, current)
                    self._take_created(base)  # the session keeps its own start time
                except DecodeError:
                    base = None
            if base is None:
                # Deleted meanwhile (destroy, regenerate_id, expiry): never resurrect
                # the ID; keep only what this request changed, as a new session.
                fresh = apply_changes(diff, {})
                session.values.clear()
                session.values.update(fresh)
                session.id = session._loaded = session.created = None  # a new session
                if fresh:
                    yield from self._create(session)
                return
            values, expected = apply_changes(diff, base), current
            payload = self._payload(session, values)
        raise StoreError(
            f"gave up saving session {session.name!r} after {self.max_retries + 1} attempts: "
            "other requests kept changing it at the same time",
            hint="raise the store's max_retries, or write this session less often",
        )

    def _save_steps(self, session: Session) -> Steps[str]:
        """Write what needs writing; return the cookie action: set, expire or keep."""
        if session.options.max_age < 0:
            for old in self._forget(session):
                yield "delete", (old,)
            return "expire"
        loaded = session._loaded
        if session.id is None or loaded is None or session._old_id is not None:
            if not session.values and session._old_id is None:
                session.id = None
                return "expire" if session._destroyed else "keep"  # nothing worth a record
            yield from self._create(session)
            if session._old_id is not None:
                old, session._old_id = session._old_id, None
                yield "delete", (old,)
            return "set"
        payload = self._payload(session, session.values)
        stale = bool(session.key_index)  # on an old key pair: re-encode record and cookie
        if payload != loaded.payload:
            before = session.id
            yield from self._update(session, loaded, payload)
            if session.id is None:
                return "keep"
            return "set" if self.rolling or stale or session.id != before else "keep"
        if not self.rolling and not stale:
            return "keep"
        if stale or self._clock() - loaded.written >= self.refresh_after:
            data, stamp = self._seal(session, payload)
            if (yield from self._write(session.id, data, loaded.record)):
                session._loaded = Loaded(data, payload, stamp)
        return "set"

    def _forget(self, session: Session) -> list[str]:
        """Detach ``session`` from its record(s); return the IDs to delete."""
        ids = [i for i in (session.id, session._old_id) if i is not None]
        session.id = session._old_id = session._loaded = None
        return ids

    def _finish(self, request: Any, response: Any, session: Session, action: str) -> None:
        if action == "set":
            assert session.id is not None
            self._set_cookie(
                request, response, session, encode_multi(session.name, session.id, self.codecs)
            )
            session.key_index = 0  # the cookie and the record are on the newest pair now
        elif action == "expire":
            self._expire_cookie(request, response, session)

    def save(self, request: Any, response: Any, session: Session) -> None:
        """Write the record if it changed and set the ID cookie; ``max_age < 0`` deletes both.

        A new session with no values writes nothing and sets no cookie.
        """
        self._check_cookie(session)
        self._finish(request, response, session, self._run(self._save_steps(session)))

    async def asave(self, request: Any, response: Any, session: Session) -> None:
        self._check_cookie(session)
        self._finish(request, response, session, await self._arun(self._save_steps(session)))

    def _check_cookie(self, session: Session) -> None:
        """Refuse bad cookie options before any record is written: a save that
        fails at the header must leave no record that no cookie points to."""
        format_set_cookie(session.name, "", session.options)

    # -- lifecycle ------------------------------------------------------------------

    def regenerate_id(self, session: Session, *, keep_created: bool = False) -> None:
        """A new ID now; at the next save the values move to it and the old record goes.

        Unless ``keep_created``, the session's absolute-timeout window restarts now.
        """
        super().regenerate_id(session, keep_created=keep_created)
        if session.id is None:
            return  # a session without a record gets a fresh ID when first saved
        if session._old_id is None:
            session._old_id = session.id
        session.id = new_session_id()

    def _destroy_steps(self, session: Session) -> Steps[None]:
        for old in self._forget(session):
            yield "delete", (old,)
        Store.destroy(self, session)

    def destroy(self, session: Session) -> None:
        """Delete the record now and empty the session; the next save expires the cookie."""
        self._run(self._destroy_steps(session))

    async def adestroy(self, session: Session) -> None:
        await self._arun(self._destroy_steps(session))
