"""Plain ASGI: the raw scope is the request, the ``http.response.start`` message
the response. Driven by httpx's ASGITransport and by Starlette's TestClient,
both with real cookie jars."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest

import websessions as ws
from tests.stores._http import HASH_KEY

from ._drivers import HttpxDriver, TestClientDriver
from ._scenario import Stores, aact, act, make_stores, run
from ._testclient import TestClient

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BASE = "https://testserver"


@pytest.fixture(params=["cookie", "filesystem"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Stores:
    return make_stores(request.param, tmp_path)


def asgi_app(stores: Stores, *, sync_api: bool = False) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert scope["type"] == "http"
        if sync_api:
            body = act(stores, scope, scope["path"])
        else:
            body = await aact(stores, scope, scope["path"])
        start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
        if sync_api:
            ws.save(scope, start)
        else:
            await ws.asave(scope, start)
        await send(start)
        await send({"type": "http.response.body", "body": body.encode()})

    return app


@pytest.mark.parametrize("sync_api", [False, True], ids=["async-api", "sync-api"])
async def test_asgi_app_through_httpx(stores: Stores, sync_api: bool) -> None:
    transport = httpx.ASGITransport(app=asgi_app(stores, sync_api=sync_api))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await run(HttpxDriver(client), stores)


async def test_asgi_app_through_starlette_testclient(stores: Stores) -> None:
    with TestClient(asgi_app(stores), base_url=BASE) as client:
        await run(TestClientDriver(client), stores)


# -- the scope directly ------------------------------------------------------------------


def scope(*cookie_fields: bytes, kind: str = "http") -> dict[str, Any]:
    return {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "2",
        "method": "GET",
        "scheme": "https",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")] + [(b"cookie", f) for f in cookie_fields],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 443),
    }


async def call(app: ASGIApp, request_scope: dict[str, Any]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(request_scope, receive, send)
    return sent


def session_cookie(store: ws.Store, name: str, values: dict[str, Any]) -> bytes:
    request_scope = scope()
    store.get(request_scope, name).values.update(values)
    start: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
    ws.save(request_scope, start)
    ((key, value),) = start["headers"]
    assert key == b"set-cookie"
    pair: bytes = value.split(b";", 1)[0]
    return pair


async def test_several_cookie_header_fields_are_all_read(stores: Stores) -> None:
    # HTTP/2 lets a client split Cookie into several fields; all count.
    a = session_cookie(stores.a, "prefs", {"x": "from-field-1"})
    b = session_cookie(stores.b, "auth", {"x": "from-field-2"})
    request_scope = scope(a + b"; unrelated=1", b"other=2; " + b)
    assert stores.a.get(request_scope, "prefs").values == {"x": "from-field-1"}
    assert (await stores.b.aget(request_scope, "auth")).values == {"x": "from-field-2"}


def test_cookie_header_name_in_any_case() -> None:
    # The ASGI spec says servers lower-case header names; one that doesn't still works.
    store = ws.CookieStore(HASH_KEY)
    cookie = session_cookie(store, "s", {"user": "ada"})
    for name in (b"Cookie", b"COOKIE", b"cOoKiE"):
        request_scope = scope()
        request_scope["headers"] = [(b"host", b"testserver"), (name, cookie)]
        assert store.get(request_scope, "s").values == {"user": "ada"}
    request_scope = scope()
    request_scope["headers"] = [(b"cookies", cookie), (b"x-cookie", cookie)]
    assert store.get(request_scope, "s").is_new


async def test_duplicate_cookie_in_a_later_field(stores: Stores) -> None:
    good = session_cookie(stores.a, "prefs", {"x": 1})
    request_scope = scope(b"prefs=planted", good)
    session = stores.a.get(request_scope, "prefs")
    assert session.values == {"x": 1}
    assert session.error is None


async def test_set_cookie_is_added_to_the_start_message(stores: Stores) -> None:
    request_scope = scope()
    request_scope["path"] = "/set/x"
    messages = await call(asgi_app(stores), request_scope)
    start = messages[0]
    assert start["type"] == "http.response.start"
    # The app's own header is kept; the Set-Cookie is appended, lower-case bytes.
    assert start["headers"][0] == (b"content-type", b"text/plain; charset=utf-8")
    assert all(type(k) is bytes and type(v) is bytes for k, v in start["headers"])
    ((_, set_cookie),) = [(k, v) for k, v in start["headers"] if k == b"set-cookie"]
    assert set_cookie.startswith(b"main=")
    assert messages[1] == {"type": "http.response.body", "body": b"ok"}


def test_start_message_with_a_headers_tuple() -> None:
    store = ws.CookieStore(HASH_KEY)
    request_scope = scope()
    store.get(request_scope, "s").values["a"] = 1
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": 200,
        "headers": ((b"x-app", b"1"),),
    }
    ws.save(request_scope, start)
    assert start["headers"][0] == (b"x-app", b"1")
    assert start["headers"][1][0] == b"set-cookie"


def test_start_message_without_headers() -> None:
    store = ws.CookieStore(HASH_KEY)
    request_scope = scope()
    store.get(request_scope, "s").values["a"] = 1
    start: dict[str, Any] = {"type": "http.response.start", "status": 200}
    ws.save(request_scope, start)
    ((key, _),) = start["headers"]
    assert key == b"set-cookie"


def test_raw_headers_list_as_response() -> None:
    store = ws.CookieStore(HASH_KEY)
    request_scope = scope()
    store.get(request_scope, "s").values["a"] = 1
    raw: list[tuple[bytes, bytes]] = [(b"content-type", b"text/plain")]
    ws.save(request_scope, raw)
    assert raw[1][0] == b"set-cookie"
    assert raw[1][1].startswith(b"s=")


def test_registry_lives_in_the_scope() -> None:
    store = ws.CookieStore(HASH_KEY)
    request_scope = scope()
    session = store.get(request_scope, "s")
    assert request_scope["websessions.registry"].sessions == {"s": session}
    assert store.get(scope(), "s") is not session


def test_websocket_scope_reads_cookies() -> None:
    store = ws.CookieStore(HASH_KEY)
    cookie = session_cookie(store, "s", {"user": "ada"})
    assert store.get(scope(cookie, kind="websocket"), "s").values == {"user": "ada"}


def test_lifespan_scope_is_not_a_request() -> None:
    store = ws.CookieStore(HASH_KEY)
    with pytest.raises(ws.UsageError, match="ASGI scope"):
        store.get({"type": "lifespan", "asgi": {"version": "3.0"}}, "s")
