"""A conformance suite for server-side stores, ready for pytest.

Any store built on :class:`~websessions.ServerSideStore` (ours or yours)
runs it by subclassing :class:`StoreConformance` and providing one fixture,
``make_store``, a factory ``make_store(*key_pairs, **settings)`` returning a
store. Every store one test makes must share one storage (they stand for
several processes of one app); different tests should not share it::

    import pytest
    from websessions.testing import StoreConformance

    class TestMyStore(StoreConformance):
        @pytest.fixture
        def make_store(self, tmp_path):
            backend = MyBackend(tmp_path)
            return lambda *keys, **settings: ws.ServerSideStore(backend, *keys, **settings)

The suite needs pytest-asyncio (its tests are coroutines). Each test runs
twice, through the sync API (``get``/``save``) and the async one
(``aget``/``asave``); a store that serves only one overrides the ``api``
fixture: ``@pytest.fixture(params=["async"]) def api(self, request): ...``.
``purges = False`` says the store expires records by itself (Redis) and has
nothing for ``purge_expired`` to do.

:class:`LifecycleConformance` is the part any :class:`~websessions.Store`
runs, :class:`~websessions.CookieStore` included (``StoreConformance``
inherits it): idle and absolute timeouts, where the start time lives,
``regenerate_id``/``destroy`` and timeouts, rolling or not, and
``key_index`` with re-issuing on the newest key pair. Its ``make_store``
returns any store that takes ``clock=``, ``idle_timeout=``,
``absolute_timeout=`` and ``rolling=``.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import pytest

from ..codec import decode_multi_index, encode_multi
from ..errors import (
    AbsoluteTimeout,
    DecodeError,
    IdleTimeout,
    MalformedValue,
    SessionNotFound,
    StoreError,
    UsageError,
)
from ..options import Options
from ..registry import asave as asave_all
from ..registry import save as save_all
from ..session import Session
from ..stores.backend import Backend
from ..stores.base import Store
from ..stores.server import ServerSideStore

KEYS: tuple[bytes, bytes] = (b"conformance-hash-key-32-bytes-ok", b"conformance-aes-")
OTHER_KEYS: tuple[bytes, bytes] = (b"another-hash-key-of-32-bytes-ok!", b"another-aes-key-")
NAME = "session"
START = 1_700_000_000.0


class StoreFactory(Protocol):
    """What the ``make_store`` fixture returns."""

    def __call__(self, *key_pairs: bytes | None, **settings: Any) -> ServerSideStore: ...


class AnyStoreFactory(Protocol):
    """What the ``make_store`` fixture of :class:`LifecycleConformance` returns."""

    def __call__(self, *key_pairs: bytes | None, **settings: Any) -> Store: ...


class Clock:
    """A settable clock for the stores' ``clock=`` setting."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Request:
    """One request of a :class:`Client`: its session and the Set-Cookie headers it got."""

    env: dict[str, Any]
    session: Session
    set_cookies: list[str] = field(default_factory=list)


class SessionClient:
    """A browser with one cookie jar, talking to any ``store`` through one API.

    Sync requests are WSGI environs, async ones ASGI scopes: the real
    adapters, no mocks.
    """

    def __init__(self, store: Store, api: str, name: str = NAME) -> None:
        self.store = store
        self.api = api
        self.name = name
        self.cookies: dict[str, str] = {}

    def header(self) -> str | None:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items()) or None

    async def open(self, name: str | None = None, *, cookie: str | None = None) -> Request:
        header = cookie if cookie is not None else self.header()
        name = name or self.name
        if self.api == "sync":
            env: dict[str, Any] = {"REQUEST_METHOD": "GET"}
            if header:
                env["HTTP_COOKIE"] = header
            return Request(env, self.store.get(env, name))
        scope: dict[str, Any] = {"type": "http", "headers": []}
        if header:
            scope["headers"].append((b"cookie", header.encode("latin-1")))
        return Request(scope, await self.store.aget(scope, name))

    async def commit(self, request: Request) -> list[str]:
        """Save every session of ``request``; keep the cookies it set; return the headers."""
        if self.api == "sync":
            wsgi_headers: list[tuple[str, str]] = []
            save_all(request.env, wsgi_headers)
            found = [v for k, v in wsgi_headers if k.lower() == "set-cookie"]
        else:
            asgi_headers: list[tuple[bytes, bytes]] = []
            await asave_all(request.env, asgi_headers)
            found = [v.decode("latin-1") for k, v in asgi_headers if k == b"set-cookie"]
        for header in found:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in header:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        request.set_cookies = found
        return found

    async def visit(self, update: dict[Any, Any] | None = None, **values: Any) -> Request:
        """One request that sets ``values`` (if any) and saves."""
        request = await self.open()
        request.session.values.update(update or {}, **values)
        await self.commit(request)
        return request

    async def destroy(self, request: Request) -> None:
        if self.api == "sync":
            request.session.destroy()
        else:
            await request.session.adestroy()

    async def signed_values(self) -> dict[Any, Any] | None:
        """What the keys signed for this browser's session, reserved keys included:
        the cookie's values (cookie stores) or the stored record's (server-side)."""
        cookie = self.cookies.get(self.name)
        if cookie is None:
            return None
        value, _ = decode_multi_index(self.name, cookie, self.store.codecs)
        if isinstance(self.store, ServerSideStore):
            record = await Client(self.store, self.api, self.name).record(value)
            if record is None:
                return None
            value = self.store._decode_record(self.name, record)
        assert isinstance(value, dict)
        return value


class Client(SessionClient):
    """A :class:`SessionClient` of a server-side store, which can read its records."""

    store: ServerSideStore

    def __init__(self, store: ServerSideStore, api: str, name: str = NAME) -> None:
        super().__init__(store, api, name)

    async def record(self, session_id: str | None) -> bytes | None:
        """The stored record of ``session_id`` straight from the backend."""
        assert session_id is not None
        if self.api == "sync":
            return self.store.backend.load(session_id)
        return await self.store.backend.aload(session_id)

    async def purge(self, **kwargs: Any) -> int:
        if self.api == "sync":
            result = self.store.purge_expired(**kwargs)  # type: ignore[attr-defined]
        else:
            result = await self.store.apurge_expired(**kwargs)  # type: ignore[attr-defined]
        assert isinstance(result, int)
        return result


class Conflicting(Backend):
    """Wraps a backend so that every compare-and-set loses (to test the retry bound)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.attempts = 0

    @property
    def atomic(self) -> bool:
        return True

    def load(self, session_id: str) -> bytes | None:
        return self.inner.load(session_id)

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        self.inner.save(session_id, data, ttl)

    def delete(self, session_id: str) -> None:
        self.inner.delete(session_id)

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        self.attempts += 1
        return False

    async def aload(self, session_id: str) -> bytes | None:
        return await self.inner.aload(session_id)

    async def asave(self, session_id: str, data: bytes, ttl: int) -> None:
        await self.inner.asave(session_id, data, ttl)

    async def adelete(self, session_id: str) -> None:
        await self.inner.adelete(session_id)

    async def asave_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        self.attempts += 1
        return False


def _values() -> dict[Any, Any]:
    return {
        "str": "héllo",
        42: 43,
        "float": 1.5,
        "bool": True,
        "none": None,
        "list": [1, "two", [3]],
        "tuple": (1, 2),
        "dict": {1: "one", "nested": {"x": [1.0]}},
        "bytes": b"\x00\xff",
        "when": datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC),
        "uuid": uuid.UUID(int=7),
        "decimal": decimal.Decimal("1.10"),
    }


#: Seconds of the timeouts the lifecycle checks use.
IDLE = 100
ABSOLUTE = 1000


def client_for(store: Store, api: str) -> SessionClient:
    """A :class:`Client` for a server-side store, else a :class:`SessionClient`."""
    return Client(store, api) if isinstance(store, ServerSideStore) else SessionClient(store, api)


class LifecycleConformance:
    """Lifecycle checks any store runs (subclass it, name it ``Test...``, give ``make_store``).

    ``make_store(*key_pairs, **settings)`` returns a store; every store one
    test makes shares one storage. :class:`StoreConformance` includes these.
    """

    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.asyncio]

    @pytest.fixture(params=["sync", "async"])
    def api(self, request: pytest.FixtureRequest) -> str:
        """Which API the test drives; override with ``params=["async"]`` (or sync) if need be."""
        return str(request.param)

    @pytest.fixture
    def make_store(self) -> AnyStoreFactory:
        raise NotImplementedError("provide a make_store fixture in your conformance subclass")

    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    # -- idle timeout ---------------------------------------------------------------------

    async def test_idle_timeout_ends_an_unused_session(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        client = client_for(make_store(*KEYS, clock=clock, idle_timeout=IDLE), api)
        first = await client.visit(user="ada")
        clock.advance(IDLE)
        assert (await client.open()).session.values == {"user": "ada"}  # at the limit
        clock.advance(1)
        request = await client.open()
        assert request.session.is_new
        assert request.session.values == {}
        assert isinstance(request.session.error, IdleTimeout)
        assert f"idle_timeout={IDLE}" in str(request.session.error)
        if isinstance(client, Client):  # a dead record goes at once
            assert await client.record(first.session.id) is None

    async def test_use_keeps_a_session_past_its_idle_timeout(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        client = client_for(make_store(*KEYS, clock=clock, idle_timeout=IDLE), api)
        await client.visit(user="ada")
        # Requests now and then (90% of the timeout apart), then often (7 s apart).
        for step in [IDLE * 9 // 10] * 5 + [7] * 40:
            clock.advance(step)
            request = await client.visit()
            assert request.session.values == {"user": "ada"}, request.session.error
        assert clock.now - START > 5 * IDLE

    async def test_without_rolling_only_changes_count_as_use(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        store = make_store(*KEYS, clock=clock, idle_timeout=IDLE, rolling=False)
        reader = client_for(store, api)
        await reader.visit(n=0)
        clock.advance(60)
        assert (await reader.visit()).set_cookies == []  # unchanged: no cookie, no write
        clock.advance(41)
        assert isinstance((await reader.open()).session.error, IdleTimeout)
        writer = client_for(store, api)
        await writer.visit(n=0)
        clock.advance(60)
        await writer.visit(n=1)
        clock.advance(60)
        assert (await writer.open()).session.values == {"n": 1}

    # -- absolute timeout -----------------------------------------------------------------

    async def test_absolute_timeout_ends_even_a_busy_session(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        client = client_for(make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE), api)
        await client.visit(n=0)
        for n in range(1, 4):
            clock.advance(300)
            assert (await client.visit(n=n)).session.values == {"n": n}
        clock.advance(100)
        assert not (await client.open()).session.is_new  # at the limit
        clock.advance(1)
        request = await client.open()
        assert request.session.is_new
        assert request.session.values == {}
        assert isinstance(request.session.error, AbsoluteTimeout)
        assert f"absolute_timeout={ABSOLUTE}" in str(request.session.error)

    async def test_the_start_time_is_signed_and_not_in_values(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        store = make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE)
        client = client_for(store, api)
        first = await client.visit(user="ada")
        assert first.session.created == int(START)
        assert first.session.values == {"user": "ada"}
        clock.advance(10)
        request = await client.open()
        assert request.session.values == {"user": "ada"}
        assert request.session.created == int(START)
        assert await client.signed_values() == {"user": "ada", store.created_key: int(START)}

    async def test_no_start_time_is_stored_without_an_absolute_timeout(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        client = client_for(make_store(*KEYS, clock=clock, idle_timeout=IDLE), api)
        await client.visit(user="ada")
        assert await client.signed_values() == {"user": "ada"}  # nothing extra for Go to see
        assert (await client.open()).session.created is None

    async def test_a_session_without_a_start_time_counts_from_its_last_save(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        plain = client_for(make_store(*KEYS, clock=clock), api)
        await plain.visit(user="ada")  # saved before absolute_timeout was turned on
        strict = client_for(make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE), api)
        strict.cookies = dict(plain.cookies)
        clock.advance(500)
        request = await strict.visit(n=1)
        assert request.session.created == int(START)  # the last save before, not now
        signed = await strict.signed_values()
        assert signed is not None
        assert signed[strict.store.created_key] == int(START)  # and it sticks
        clock.advance(501)
        assert isinstance((await strict.open()).session.error, AbsoluteTimeout)

    async def test_a_store_without_absolute_timeout_keeps_the_start_time(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        strict = client_for(make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE), api)
        await strict.visit(user="ada")
        plain = client_for(make_store(*KEYS, clock=clock), api)
        plain.cookies = dict(strict.cookies)
        clock.advance(600)
        request = await plain.visit(n=1)
        assert request.session.values == {"user": "ada", "n": 1}
        assert request.session.created == int(START)
        strict.cookies = dict(plain.cookies)
        clock.advance(401)
        assert isinstance((await strict.open()).session.error, AbsoluteTimeout)

    # -- regenerate_id, destroy -----------------------------------------------------------

    async def test_regenerate_id_starts_a_new_absolute_window(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        client = client_for(make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE), api)
        await client.visit(cart=["apple"])
        clock.advance(800)
        login = await client.open()
        login.session.regenerate_id()  # at login
        login.session.values["user"] = "ada"
        await client.commit(login)
        assert login.session.created == int(START) + 800
        clock.advance(800)
        assert (await client.open()).session.values == {"cart": ["apple"], "user": "ada"}
        clock.advance(201)
        assert isinstance((await client.open()).session.error, AbsoluteTimeout)

    async def test_regenerate_id_can_keep_the_start_time(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        client = client_for(make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE), api)
        first = await client.visit(user="ada")
        clock.advance(800)
        rotate = await client.open()
        rotate.session.regenerate_id(keep_created=True)  # a periodic ID rotation
        await client.commit(rotate)
        assert rotate.session.created == int(START)
        if first.session.id is not None:
            assert rotate.session.id not in (None, first.session.id)
        clock.advance(201)
        assert isinstance((await client.open()).session.error, AbsoluteTimeout)

    async def test_values_after_destroy_start_a_new_window(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        client = client_for(make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE), api)
        await client.visit(user="ada")
        clock.advance(800)
        logout = await client.open()
        await client.destroy(logout)
        assert logout.session.created is None
        logout.session.add_flash("logged out")
        await client.commit(logout)
        assert logout.session.created == int(START) + 800
        clock.advance(800)
        assert (await client.open()).session.values == {"_flash": ["logged out"]}

    # -- key rotation: which pair verified, re-issuing on the newest ----------------------

    async def test_key_index_says_which_pair_verified_and_a_save_moves_to_the_newest(
        self, make_store: AnyStoreFactory, clock: Clock, api: str
    ) -> None:
        old = client_for(make_store(*OTHER_KEYS, clock=clock), api)
        await old.visit(user="ada")
        fresh = await client_for(make_store(*KEYS, clock=clock), api).open()
        assert fresh.session.key_index is None  # a new session
        # Not rolling, nothing changed: a session on the old pair is re-issued all the same.
        rotated = client_for(make_store(*KEYS, *OTHER_KEYS, clock=clock, rolling=False), api)
        rotated.cookies = dict(old.cookies)
        request = await rotated.open()
        assert request.session.values == {"user": "ada"}
        assert request.session.key_index == 1
        assert len(await rotated.commit(request)) == 1
        assert request.session.key_index == 0
        assert (await rotated.open()).session.key_index == 0
        assert (await rotated.visit()).set_cookies == []  # on the newest pair: nothing to do
        # The newest pair alone now reads everything (cookie and record).
        current = client_for(make_store(*KEYS, clock=clock), api)
        current.cookies = dict(rotated.cookies)
        assert (await current.open()).session.values == {"user": "ada"}

    # -- settings -------------------------------------------------------------------------

    @pytest.mark.parametrize("what", ["idle_timeout", "absolute_timeout"])
    async def test_timeouts_are_positive_int_seconds_or_none(
        self, make_store: AnyStoreFactory, what: str
    ) -> None:
        for bad in (0, -1, True, 1.5, "60"):
            with pytest.raises(UsageError, match=what):
                make_store(*KEYS, **{what: bad})
        store = make_store(*KEYS, **{what: None})
        assert getattr(store, what) is None
        assert getattr(make_store(*KEYS, **{what: 60}), what) == 60


class StoreConformance(LifecycleConformance):
    """The suite. Subclass it (name the subclass ``Test...``) and give ``make_store``.

    It runs :class:`LifecycleConformance` too.
    """

    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.asyncio]

    #: ``False`` for stores whose backend expires records itself (Redis) or that have no
    #: ``purge_expired``.
    purges: bool = True
    #: Threads or tasks in the concurrency tests, and updates each makes.
    concurrency: int = 6
    updates_each: int = 4

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("provide a make_store fixture in your StoreConformance subclass")

    @pytest.fixture
    def store(self, make_store: StoreFactory, clock: Clock) -> ServerSideStore:
        return make_store(*KEYS, clock=clock)

    @pytest.fixture
    def client(self, store: ServerSideStore, api: str) -> Client:
        return Client(store, api)

    # -- basics ---------------------------------------------------------------------

    async def test_an_empty_new_session_writes_nothing(self, client: Client) -> None:
        request = await client.visit()
        assert request.set_cookies == []
        assert request.session.is_new
        assert request.session.id is None

    async def test_values_round_trip(self, client: Client) -> None:
        first = await client.visit(_values())
        assert len(first.set_cookies) == 1
        second = await client.open()
        assert not second.session.is_new
        assert second.session.error is None
        assert second.session.id == first.session.id
        assert second.session.values == _values()

    async def test_the_cookie_holds_only_the_signed_id(self, client: Client) -> None:
        request = await client.visit(private="do-not-leak")
        cookie = client.cookies[NAME]
        assert request.session.id is not None
        assert "do-not-leak" not in cookie
        codec = client.store.codecs[0]
        assert codec.decode(NAME, cookie) == request.session.id
        assert await client.record(request.session.id) is not None

    async def test_an_update_lands(self, client: Client) -> None:
        await client.visit(a=1)
        request = await client.open()
        request.session.values["b"] = 2
        del request.session.values["a"]
        await client.commit(request)
        assert (await client.open()).session.values == {"b": 2}

    async def test_server_side_stores_hold_more_than_a_cookie(self, client: Client) -> None:
        big = "x" * 100_000
        await client.visit(big=big)
        assert (await client.open()).session.values["big"] == big

    async def test_sessions_by_name_are_separate(self, client: Client) -> None:
        request = await client.open("a")
        request.session.values["which"] = "a"
        other = client.store.get(request.env, "b") if client.api == "sync" else None
        if other is None:
            other = await client.store.aget(request.env, "b")
        other.values["which"] = "b"
        await client.commit(request)
        assert request.session.id != other.id
        assert (await client.open("a")).session.values == {"which": "a"}
        assert (await client.open("b")).session.values == {"which": "b"}

    async def test_a_cookie_under_another_name_is_rejected(self, client: Client) -> None:
        await client.visit(a=1)
        request = await client.open("other", cookie=f"other={client.cookies[NAME]}")
        assert request.session.is_new
        assert isinstance(request.session.error, DecodeError)

    # -- bad input ------------------------------------------------------------------

    async def test_a_tampered_cookie_gives_a_new_session(self, client: Client) -> None:
        await client.visit(a=1)
        cookie = client.cookies[NAME]
        flipped = cookie[:10] + ("A" if cookie[10] != "A" else "B") + cookie[11:]
        request = await client.open(cookie=f"{NAME}={flipped}")
        assert request.session.is_new
        assert request.session.values == {}
        assert isinstance(request.session.error, DecodeError)

    async def test_other_keys_cannot_read_the_session(
        self, client: Client, make_store: StoreFactory
    ) -> None:
        await client.visit(a=1)
        stranger = Client(make_store(*OTHER_KEYS), client.api)
        request = await stranger.open(cookie=client.header())
        assert request.session.is_new
        assert isinstance(request.session.error, DecodeError)

    async def test_a_signed_but_malformed_id_never_reaches_the_backend(
        self, client: Client
    ) -> None:
        forged = encode_multi(NAME, "../../etc/passwd", client.store.codecs)
        request = await client.open(cookie=f"{NAME}={forged}")
        assert request.session.is_new
        assert isinstance(request.session.error, MalformedValue)

    async def test_a_missing_record_gives_a_new_session_and_a_new_id(self, client: Client) -> None:
        first = await client.visit(a=1)
        old = first.session.id
        assert old is not None
        if client.api == "sync":
            client.store.backend.delete(old)
        else:
            await client.store.backend.adelete(old)
        request = await client.open()
        assert request.session.is_new
        assert isinstance(request.session.error, SessionNotFound)
        request.session.values["b"] = 2
        await client.commit(request)
        assert request.session.id not in (None, old)
        assert await client.record(old) is None
        assert (await client.open()).session.values == {"b": 2}

    # -- key rotation ---------------------------------------------------------------

    async def test_key_rotation(self, client: Client, make_store: StoreFactory) -> None:
        old = Client(make_store(*OTHER_KEYS), client.api)
        await old.visit(a=1)
        rotated = Client(make_store(*KEYS, *OTHER_KEYS), client.api)
        rotated.cookies = dict(old.cookies)
        request = await rotated.open()
        assert request.session.values == {"a": 1}
        request.session.values["b"] = 2
        await rotated.commit(request)
        # Written with the new keys now: the new keys alone read it.
        current = Client(make_store(*KEYS), client.api)
        current.cookies = dict(rotated.cookies)
        assert (await current.open()).session.values == {"a": 1, "b": 2}

    # -- writes only when needed, rolling cookies ----------------------------------------

    async def test_a_read_only_request_does_not_write_the_record(self, client: Client) -> None:
        first = await client.visit(a=1)
        before = await client.record(first.session.id)
        request = await client.open()
        assert request.session.values == {"a": 1}
        headers = await client.commit(request)
        assert await client.record(first.session.id) == before
        assert len(headers) == 1  # rolling: the cookie is re-issued all the same

    async def test_mutating_a_nested_value_counts_as_a_change(self, client: Client) -> None:
        await client.visit(cart=["apple"])
        request = await client.open()
        request.session.values["cart"].append("pear")
        await client.commit(request)
        assert (await client.open()).session.values == {"cart": ["apple", "pear"]}

    async def test_an_unchanged_record_is_refreshed_when_old(
        self, make_store: StoreFactory, clock: Clock, api: str
    ) -> None:
        client = Client(make_store(*KEYS, clock=clock, ttl=100, refresh_after=10), api)
        first = await client.visit(a=1)
        before = await client.record(first.session.id)
        clock.advance(11)
        await client.commit(await client.open())
        after = await client.record(first.session.id)
        assert after is not None
        assert after != before
        clock.advance(95)  # past the first write's TTL, not the refresh's
        request = await client.open()
        assert request.session.values == {"a": 1}

    async def test_not_rolling_sets_the_cookie_only_when_the_id_changes(
        self, make_store: StoreFactory, api: str
    ) -> None:
        client = Client(make_store(*KEYS, rolling=False), api)
        first = await client.visit(a=1)
        assert len(first.set_cookies) == 1
        assert (await client.visit()).set_cookies == []
        changed = await client.visit(b=2)
        assert changed.set_cookies == []
        assert (await client.open()).session.values == {"a": 1, "b": 2}

    # -- lifetimes ----------------------------------------------------------------------

    async def test_a_record_expires_after_its_ttl(
        self, make_store: StoreFactory, clock: Clock, api: str
    ) -> None:
        client = Client(make_store(*KEYS, clock=clock, ttl=60), api)
        await client.visit(a=1)
        clock.advance(59)
        assert (await client.open()).session.values == {"a": 1}
        clock.advance(2)
        request = await client.open()
        assert request.session.is_new
        assert request.session.values == {}

    async def test_max_age_zero_is_a_browser_cookie_and_keeps_the_server_ttl(
        self, make_store: StoreFactory, clock: Clock, api: str
    ) -> None:
        store = make_store(*KEYS, clock=clock, ttl=60, options=Options(max_age=0))
        assert store.ttl == 60
        client = Client(store, api)
        request = await client.visit(a=1)
        [header] = request.set_cookies
        assert "Max-Age" not in header
        assert "Expires" not in header
        assert (await client.open()).session.values == {"a": 1}
        clock.advance(61)
        assert (await client.open()).session.is_new

    async def test_ttl_follows_max_age_unless_given(self, make_store: StoreFactory) -> None:
        store = make_store(*KEYS, options=Options(max_age=3600))
        assert store.ttl == 3600
        store.set_max_age(7200)
        assert store.ttl == 7200
        store.set_max_age(0)
        assert store.ttl == 7200
        fixed = make_store(*KEYS, ttl=600)
        fixed.set_max_age(7200)
        assert fixed.ttl == 600

    async def test_negative_max_age_deletes_the_record_and_the_cookie(self, client: Client) -> None:
        first = await client.visit(a=1)
        request = await client.open()
        request.session.options.max_age = -1
        [header] = await client.commit(request)
        assert "Max-Age=0" in header
        assert await client.record(first.session.id) is None
        assert NAME not in client.cookies

    # -- lifecycle ------------------------------------------------------------------------

    async def test_destroy_deletes_the_record_now(self, client: Client) -> None:
        first = await client.visit(user="ada")
        old_cookie = client.header()
        request = await client.open()
        await client.destroy(request)
        assert await client.record(first.session.id) is None
        assert request.session.values == {}
        assert request.session.destroyed
        [header] = await client.commit(request)
        assert "Max-Age=0" in header
        replay = await client.open(cookie=old_cookie)
        assert replay.session.is_new
        assert replay.session.values == {}

    async def test_values_after_destroy_start_a_new_session(self, client: Client) -> None:
        first = await client.visit(user="ada")
        request = await client.open()
        await client.destroy(request)
        request.session.add_flash("logged out")
        await client.commit(request)
        assert request.session.id not in (None, first.session.id)
        after = await client.open()
        assert after.session.values == {"_flash": ["logged out"]}

    async def test_regenerate_id_keeps_values_and_drops_the_old_record(
        self, client: Client
    ) -> None:
        first = await client.visit(cart=["apple"])
        old_id, old_cookie = first.session.id, client.header()
        request = await client.open()
        request.session.regenerate_id()
        request.session.values["user"] = "ada"
        assert request.session.id not in (None, old_id)
        assert len(await client.commit(request)) == 1
        assert await client.record(old_id) is None
        after = await client.open()
        assert after.session.id == request.session.id
        assert after.session.values == {"cart": ["apple"], "user": "ada"}
        fixated = await client.open(cookie=old_cookie)
        assert fixated.session.is_new
        assert isinstance(fixated.session.error, SessionNotFound)

    async def test_regenerate_id_of_a_new_session_is_harmless(self, client: Client) -> None:
        request = await client.open()
        request.session.regenerate_id()
        request.session.values["a"] = 1
        await client.commit(request)
        assert (await client.open()).session.values == {"a": 1}

    # -- timeouts, server-side ----------------------------------------------------------------

    @pytest.mark.parametrize("setting", ["idle_timeout", "absolute_timeout"])
    async def test_a_timed_out_record_is_deleted_on_sight(
        self, make_store: StoreFactory, clock: Clock, api: str, setting: str
    ) -> None:
        client = Client(make_store(*KEYS, clock=clock, **{setting: IDLE}), api)
        first = await client.visit(user="ada")
        old_cookie = client.header()
        clock.advance(IDLE + 1)
        request = await client.open()
        expected = IdleTimeout if setting == "idle_timeout" else AbsoluteTimeout
        assert isinstance(request.session.error, expected)
        assert await client.record(first.session.id) is None
        again = await client.open(cookie=old_cookie)
        assert isinstance(again.session.error, SessionNotFound)
        request.session.values["n"] = 1  # a new session, under a new ID
        await client.commit(request)
        assert request.session.id not in (None, first.session.id)
        assert (await client.open()).session.values == {"n": 1}

    async def test_the_refresh_interval_is_capped_by_the_idle_timeout(
        self, make_store: StoreFactory
    ) -> None:
        assert make_store(*KEYS, ttl=86400).refresh_after == 8640
        assert make_store(*KEYS, ttl=86400, idle_timeout=600).refresh_after == 60
        assert make_store(*KEYS, idle_timeout=600, refresh_after=5).refresh_after == 5
        assert make_store(*KEYS, idle_timeout=5).refresh_after == 0

    async def test_a_record_refresh_stores_a_missing_start_time(
        self, make_store: StoreFactory, clock: Clock, api: str
    ) -> None:
        plain = Client(make_store(*KEYS, clock=clock), api)
        await plain.visit(user="ada")
        strict = Client(
            make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE, refresh_after=0), api
        )
        strict.cookies = dict(plain.cookies)
        clock.advance(300)
        await strict.visit()  # unchanged, but rolling with refresh_after=0: re-written
        signed = await strict.signed_values()
        assert signed == {"user": "ada", strict.store.created_key: int(START)}

    async def test_a_merge_keeps_the_start_time(
        self, make_store: StoreFactory, clock: Clock, api: str
    ) -> None:
        client = Client(make_store(*KEYS, clock=clock, absolute_timeout=ABSOLUTE), api)
        await client.visit(a=1)
        clock.advance(10)
        one, two = await client.open(), await client.open()
        one.session.values["a"] = 2
        two.session.values["b"] = 3
        await client.commit(one)
        await client.commit(two)  # a conflict: merged onto one's record
        assert two.session.values == {"a": 2, "b": 3}
        assert two.session.created == int(START)
        signed = await client.signed_values()
        assert signed == {"a": 2, "b": 3, client.store.created_key: int(START)}

    async def test_a_record_on_an_old_key_is_re_encoded_with_the_newest(
        self, make_store: StoreFactory, clock: Clock, api: str
    ) -> None:
        old = Client(make_store(*OTHER_KEYS, clock=clock), api)
        first = await old.visit(user="ada")
        rotated = Client(make_store(*KEYS, *OTHER_KEYS, clock=clock), api)
        rotated.cookies = dict(old.cookies)
        request = await rotated.open()
        assert request.session.key_index == 1
        await rotated.commit(request)  # unchanged and fresh: only the old key forces the write
        record = await rotated.record(first.session.id)
        assert record is not None
        assert decode_multi_index(NAME, record.decode(), rotated.store.record_codecs)[1] == 0

    # -- concurrency: no lost updates -------------------------------------------------------

    async def test_concurrent_changes_to_different_keys_merge(self, client: Client) -> None:
        await client.visit(a=1, b=2, keep=True)
        one, two = await client.open(), await client.open()
        one.session.values["a"] = 10
        one.session.values["from_one"] = 1
        del two.session.values["b"]
        two.session.values["from_two"] = 2
        await client.commit(one)
        await client.commit(two)
        expected = {"a": 10, "keep": True, "from_one": 1, "from_two": 2}
        assert two.session.values == expected  # the merge shows in the saving request
        assert (await client.open()).session.values == expected

    async def test_the_same_key_goes_to_the_last_writer(self, client: Client) -> None:
        await client.visit(color="red")
        one, two = await client.open(), await client.open()
        one.session.values["color"] = "green"
        two.session.values["color"] = "blue"
        await client.commit(one)
        await client.commit(two)
        assert (await client.open()).session.values == {"color": "blue"}

    async def test_a_conflict_with_destroy_never_resurrects_the_id(self, client: Client) -> None:
        first = await client.visit(user="ada")
        late, logout = await client.open(), await client.open()
        await client.destroy(logout)
        await client.commit(logout)
        late.session.values["seen"] = 1
        await client.commit(late)
        assert await client.record(first.session.id) is None
        assert late.session.id not in (None, first.session.id)
        assert late.session.values == {"seen": 1}  # not the logged-out user

    async def test_endless_conflicts_end_in_a_store_error(
        self, make_store: StoreFactory, api: str
    ) -> None:
        store = make_store(*KEYS, max_retries=3)
        client = Client(store, api)
        await client.visit(a=1)
        store.backend = wrapper = Conflicting(store.backend)
        request = await client.open()
        request.session.values["a"] = 2
        with pytest.raises(ExceptionGroup) as info:
            await client.commit(request)
        [error] = info.value.exceptions
        assert isinstance(error, StoreError)
        assert "max_retries" in str(error)
        assert wrapper.attempts == 4

    async def test_concurrent_requests_lose_no_update(self, client: Client) -> None:
        await client.visit(start=True)
        cookie = client.header()
        workers, rounds = self.concurrency, self.updates_each

        async def one_update(worker: int, n: int) -> None:
            request = await client.open(cookie=cookie)
            request.session.values[f"w{worker}"] = n
            request.session.values.setdefault("seen", 0)
            await client.commit(request)

        if client.api == "sync":
            errors: list[BaseException] = []
            barrier = threading.Barrier(workers)

            def work(worker: int) -> None:
                try:
                    barrier.wait()
                    for n in range(rounds):
                        asyncio.run(one_update(worker, n))
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
        else:

            async def work_async(worker: int) -> None:
                for n in range(rounds):
                    await one_update(worker, n)

            await asyncio.gather(*(work_async(w) for w in range(workers)))
        final = (await client.open(cookie=cookie)).session.values
        expected = {f"w{w}": rounds - 1 for w in range(workers)}
        assert final == {"start": True, "seen": 0, **expected}

    # -- clean-up ---------------------------------------------------------------------------

    async def test_purge_expired(self, make_store: StoreFactory, clock: Clock, api: str) -> None:
        store = make_store(*KEYS, clock=clock, ttl=60)
        client = Client(store, api)
        old = [await Client(store, api).visit(n=n) for n in range(3)]
        clock.advance(61)
        fresh = await client.visit(fresh=True)
        if not self.purges:  # the backend expires records itself, or cannot purge
            if hasattr(store, "purge_expired"):
                assert await client.purge() == 0
            assert (await client.open()).session.values == {"fresh": True}
            return
        assert await client.purge(limit=2) == 2
        assert await client.purge(limit=2) == 1
        assert await client.purge() == 0
        for request in old:
            assert await client.record(request.session.id) is None
        assert await client.record(fresh.session.id) is not None
        assert (await client.open()).session.values == {"fresh": True}


__all__ = [
    "ABSOLUTE",
    "IDLE",
    "KEYS",
    "NAME",
    "OTHER_KEYS",
    "START",
    "AnyStoreFactory",
    "Client",
    "Clock",
    "Conflicting",
    "LifecycleConformance",
    "Request",
    "SessionClient",
    "StoreConformance",
    "StoreFactory",
]
