"""The per-request registry: one session per name per request, saved together.

Requests are real WSGI environs, responses real ``start_response`` header
lists; the stores are a real CookieStore and a real FilesystemStore.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import websessions as ws
from tests.stores._http import (
    BLOCK_KEY,
    HASH_KEY,
    cookie_pair,
    environ,
    headers,
    set_cookies,
)


class CountingSerializer:
    """The default serializer, counting how often a payload is read."""

    def __init__(self) -> None:
        self.inner = ws.DefaultSerializer()
        self.loads_count = 0

    def dumps(self, value: Any) -> bytes:
        return self.inner.dumps(value)

    def loads(self, data: bytes) -> Any:
        self.loads_count += 1
        return self.inner.loads(data)


@pytest.fixture
def counter() -> CountingSerializer:
    return CountingSerializer()


@pytest.fixture(params=["cookie", "filesystem"])
def counted_store(
    request: pytest.FixtureRequest, tmp_path: Path, counter: CountingSerializer
) -> ws.Store:
    if request.param == "cookie":
        return ws.CookieStore(HASH_KEY, BLOCK_KEY, serializer=counter)
    return ws.FilesystemStore(tmp_path, HASH_KEY, BLOCK_KEY, serializer=counter)


@pytest.fixture
def cookies() -> ws.CookieStore:
    return ws.CookieStore(HASH_KEY, BLOCK_KEY)


@pytest.fixture
def files(tmp_path: Path) -> ws.FilesystemStore:
    return ws.FilesystemStore(tmp_path / "sessions", HASH_KEY, BLOCK_KEY)


def saved_cookie(store: ws.Store, name: str, values: dict[str, Any]) -> str:
    req, rsp = environ(), headers()
    store.get(req, name).values.update(values)
    ws.save(req, rsp)
    (header,) = set_cookies(rsp)
    return cookie_pair(header)


def decodes_per_load(store: ws.Store) -> int:
    """Payloads read to load one session: the cookie, and the record if server-side."""
    return 2 if isinstance(store, ws.ServerSideStore) else 1


# -- one session per name per request ---------------------------------------------------


def test_get_decodes_once_per_request(counted_store: ws.Store, counter: CountingSerializer) -> None:
    cookie = saved_cookie(counted_store, "s", {"a": 1})
    per_load = decodes_per_load(counted_store)
    counter.loads_count = 0
    req = environ(cookie)
    first = counted_store.get(req, "s")
    assert counter.loads_count == per_load
    assert first.values == {"a": 1}
    for _ in range(3):
        assert counted_store.get(req, "s") is first
    assert counter.loads_count == per_load
    # Another request decodes again.
    other = counted_store.get(environ(cookie), "s")
    assert other is not first
    assert counter.loads_count == 2 * per_load


async def test_aget_decodes_once_per_request(
    counted_store: ws.Store, counter: CountingSerializer
) -> None:
    cookie = saved_cookie(counted_store, "s", {"a": 1})
    counter.loads_count = 0
    req = environ(cookie)
    first = await counted_store.aget(req, "s")
    assert await counted_store.aget(req, "s") is first
    assert counted_store.get(req, "s") is first
    assert counter.loads_count == decodes_per_load(counted_store)


def test_new_decodes_afresh_and_does_not_register(
    counted_store: ws.Store, counter: CountingSerializer
) -> None:
    cookie = saved_cookie(counted_store, "s", {"a": 1})
    per_load = decodes_per_load(counted_store)
    counter.loads_count = 0
    req = environ(cookie)
    fresh = counted_store.new(req, "s")
    assert counter.loads_count == per_load
    assert fresh.values == {"a": 1}
    assert ws.get_registry(req).sessions == {}
    again = counted_store.new(req, "s")
    assert again is not fresh
    assert counter.loads_count == 2 * per_load
    registered = counted_store.get(req, "s")
    assert registered is not fresh
    assert registered is not again
    assert counter.loads_count == 3 * per_load
    # Changes to a new() session are its own; ws.save does not see it.
    fresh.values["only-here"] = True
    assert "only-here" not in counted_store.get(req, "s").values
    rsp = headers()
    ws.save(req, rsp)
    assert len(set_cookies(rsp)) == 1
    back = counted_store.get(environ(cookie_pair(set_cookies(rsp)[0])), "s")
    assert back.values == {"a": 1}


def test_registry_is_per_request(cookies: ws.CookieStore) -> None:
    req = environ()
    registry = ws.get_registry(req)
    assert ws.get_registry(req) is registry
    assert ws.get_registry(environ()) is not registry
    session = cookies.get(req, "s")
    assert registry.sessions == {"s": session}
    assert cookies.get(environ(), "s") is not session


def test_save_only_saves_this_requests_sessions(cookies: ws.CookieStore) -> None:
    req_a, req_b = environ(), environ()
    cookies.get(req_a, "a").values["x"] = 1
    cookies.get(req_b, "b").values["y"] = 2
    rsp = headers()
    ws.save(req_a, rsp)
    assert [cookie_pair(h).split("=")[0] for h in set_cookies(rsp)] == ["a"]


def test_save_with_no_sessions_is_a_no_op() -> None:
    rsp = headers()
    ws.save(environ(), rsp)
    assert rsp == []


async def test_asave_with_no_sessions_is_a_no_op() -> None:
    rsp = headers()
    await ws.asave(environ(), rsp)
    assert rsp == []


# -- several stores in one request ---------------------------------------------------


def test_two_stores_saved_together(cookies: ws.CookieStore, files: ws.FilesystemStore) -> None:
    req, rsp = environ(), headers()
    cookies.get(req, "prefs").values["theme"] = "dark"
    files.get(req, "auth").values["user"] = "ada"
    ws.save(req, rsp)
    headers_sent = set_cookies(rsp)
    assert [h.split("=", 1)[0] for h in headers_sent] == ["prefs", "auth"]

    req2 = environ(*(cookie_pair(h) for h in headers_sent))
    assert cookies.get(req2, "prefs").values == {"theme": "dark"}
    auth = files.get(req2, "auth")
    assert auth.values == {"user": "ada"}
    assert auth.id is not None
    assert (files.path / f"session_{auth.id}").exists()


async def test_two_stores_asaved_together(
    cookies: ws.CookieStore, files: ws.FilesystemStore
) -> None:
    req, rsp = environ(), headers()
    (await cookies.aget(req, "prefs")).values["theme"] = "dark"
    (await files.aget(req, "auth")).values["user"] = "ada"
    await ws.asave(req, rsp)
    headers_sent = set_cookies(rsp)
    assert [h.split("=", 1)[0] for h in headers_sent] == ["prefs", "auth"]
    req2 = environ(*(cookie_pair(h) for h in headers_sent))
    assert (await cookies.aget(req2, "prefs")).values == {"theme": "dark"}
    assert (await files.aget(req2, "auth")).values == {"user": "ada"}


def failing_request(
    cookies: ws.CookieStore, files: ws.FilesystemStore, broken: ws.FilesystemStore
) -> dict[str, Any]:
    """A request with two sessions that will save and two that can't."""
    req = environ()
    cookies.get(req, "first").values["ok"] = 1
    cookies.get(req, "big").values["blob"] = "x" * 5000  # over the cookie's 4096
    broken.get(req, "lost").values["user"] = "ada"
    files.get(req, "last").values["ok"] = 2
    return req


@pytest.fixture
def broken(tmp_path: Path) -> ws.FilesystemStore:
    store = ws.FilesystemStore(tmp_path / "gone", HASH_KEY)
    shutil.rmtree(store.path)
    return store


def check_failures(group: ExceptionGroup[Exception], rsp: list[tuple[str, str]]) -> None:
    assert [type(e) for e in group.exceptions] == [ws.UsageError, ws.StoreError]
    assert "max_length" in str(group.exceptions[0])
    assert "2 session(s) failed to save" in str(group)
    # The others were saved regardless, in order.
    assert [h.split("=", 1)[0] for h in set_cookies(rsp)] == ["first", "last"]


def test_failures_do_not_stop_the_others(
    cookies: ws.CookieStore, files: ws.FilesystemStore, broken: ws.FilesystemStore
) -> None:
    req, rsp = failing_request(cookies, files, broken), headers()
    with pytest.raises(ExceptionGroup) as info:
        ws.save(req, rsp)
    check_failures(info.value, rsp)
    req2 = environ(*(cookie_pair(h) for h in set_cookies(rsp)))
    assert cookies.get(req2, "first").values == {"ok": 1}
    assert files.get(req2, "last").values == {"ok": 2}


async def test_async_failures_do_not_stop_the_others(
    cookies: ws.CookieStore, files: ws.FilesystemStore, broken: ws.FilesystemStore
) -> None:
    req, rsp = failing_request(cookies, files, broken), headers()
    with pytest.raises(ExceptionGroup) as info:
        await ws.asave(req, rsp)
    check_failures(info.value, rsp)


def test_failures_can_be_handled_with_except_star(
    cookies: ws.CookieStore, files: ws.FilesystemStore, broken: ws.FilesystemStore
) -> None:
    req, rsp = failing_request(cookies, files, broken), headers()
    usage: list[BaseException] = []
    store_errors: list[BaseException] = []
    try:
        ws.save(req, rsp)
    except* ws.UsageError as group:
        usage.extend(group.exceptions)
    except* ws.StoreError as group:
        store_errors.extend(group.exceptions)
    assert len(usage) == 1
    assert len(store_errors) == 1


def test_same_name_from_two_stores_is_usage_error(
    cookies: ws.CookieStore, files: ws.FilesystemStore
) -> None:
    req = environ()
    session = cookies.get(req, "s")
    with pytest.raises(ws.UsageError, match="another store"):
        files.get(req, "s")
    with pytest.raises(ws.UsageError, match="another store"):
        ws.CookieStore(HASH_KEY).get(req, "s")  # even another store of the same kind
    assert ws.get_registry(req).sessions == {"s": session}
    assert cookies.get(req, "s") is session
    # new() does not register, so it does not conflict.
    assert files.new(req, "s").store is files


async def test_same_name_from_two_stores_is_usage_error_async(
    cookies: ws.CookieStore, files: ws.FilesystemStore
) -> None:
    req = environ()
    await files.aget(req, "s")
    with pytest.raises(ws.UsageError, match="another store"):
        await cookies.aget(req, "s")


def test_invalid_name_is_usage_error_and_not_registered(cookies: ws.CookieStore) -> None:
    req = environ()
    for name in ("", "a b", "a;b", "a=b", 'a"b', "é"):
        with pytest.raises(ws.UsageError, match="invalid cookie name"):
            cookies.get(req, name)
        with pytest.raises(ws.UsageError, match="invalid cookie name"):
            cookies.new(req, name)
    assert ws.get_registry(req).sessions == {}


def test_session_save_and_registry_save_both_add_a_header(cookies: ws.CookieStore) -> None:
    # As in gorilla: session.save and ws.save are independent; each adds one header.
    req, rsp = environ(), headers()
    session = cookies.get(req, "s")
    session.values["a"] = 1
    session.save(req, rsp)
    ws.save(req, rsp)
    assert len(set_cookies(rsp)) == 2


def test_get_only_cookie_session_is_sent_back_empty(cookies: ws.CookieStore) -> None:
    # As gorilla's CookieStore: ws.save saves every registered session, so a
    # CookieStore sends even an untouched new one (a server-side store skips it).
    req, rsp = environ(), headers()
    cookies.get(req, "s")
    ws.save(req, rsp)
    (header,) = set_cookies(rsp)
    back = cookies.get(environ(cookie_pair(header)), "s")
    assert not back.is_new
    assert back.values == {}
