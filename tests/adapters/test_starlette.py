"""Starlette: its Request and Response objects, through Starlette's TestClient
(and httpx's ASGITransport), async and sync endpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import websessions as ws
from tests.stores._http import HASH_KEY

from ._drivers import HttpxDriver, TestClientDriver
from ._scenario import Stores, aact, act, make_stores, run
from ._testclient import TestClient

BASE = "https://testserver"


@pytest.fixture(params=["cookie", "filesystem"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Stores:
    return make_stores(request.param, tmp_path)


def starlette_app(stores: Stores, *, sync_endpoint: bool = False) -> Starlette:
    async def async_endpoint(request: Request) -> Response:
        body = await aact(stores, request, request.url.path)
        response = PlainTextResponse(body)
        await ws.asave(request, response)
        return response

    def sync_endpoint_(request: Request) -> Response:
        # Starlette runs sync endpoints in a worker thread.
        body = act(stores, request, request.url.path)
        response = PlainTextResponse(body)
        ws.save(request, response)
        return response

    endpoint: Any = sync_endpoint_ if sync_endpoint else async_endpoint
    return Starlette(routes=[Route("/{path:path}", endpoint)])


@pytest.mark.parametrize("sync_endpoint", [False, True], ids=["async-def", "def"])
async def test_starlette_journey(stores: Stores, sync_endpoint: bool) -> None:
    app = starlette_app(stores, sync_endpoint=sync_endpoint)
    with TestClient(app, base_url=BASE) as client:
        await run(TestClientDriver(client), stores)


async def test_starlette_through_httpx(stores: Stores) -> None:
    transport = httpx.ASGITransport(app=starlette_app(stores))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await run(HttpxDriver(client), stores)


def test_starlette_cookie_attributes(stores: Stores) -> None:
    with TestClient(starlette_app(stores), base_url=BASE) as client:
        response = client.get("/set/v")
        (header,) = response.headers.get_list("set-cookie")
        assert header.startswith("main=")
        assert "; Path=/;" in header
        assert "; HttpOnly; Secure; SameSite=Lax" in header


def test_starlette_several_cookie_fields() -> None:
    store = ws.CookieStore(HASH_KEY)

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(
            f"{store.get(request, 'a').values.get('v')} {store.get(request, 'b').values.get('v')}"
        )

    cookies = {}
    for name in ("a", "b"):
        env: dict[str, Any] = {"type": "http", "headers": []}
        store.get(env, name).values["v"] = name.upper()
        start: dict[str, Any] = {"type": "http.response.start", "headers": []}
        ws.save(env, start)
        cookies[name] = start["headers"][0][1].split(b";")[0]

    app = Starlette(routes=[Route("/", endpoint)])
    with TestClient(app, base_url=BASE) as client:
        # httpx sends a list of headers as separate fields.
        response = client.get("/", headers=[("cookie", cookies["a"]), ("cookie", cookies["b"])])
        assert response.text == "A B"


def test_starlette_request_and_raw_scope_share_a_registry() -> None:
    store = ws.CookieStore(HASH_KEY)
    scope: dict[str, Any] = {"type": "http", "headers": [], "method": "GET", "path": "/"}
    request = Request(scope)
    session = store.get(request, "s")
    assert store.get(Request(scope), "s") is session
    assert store.get(scope, "s") is session


def test_starlette_response_raw_headers_get_the_cookie() -> None:
    store = ws.CookieStore(HASH_KEY)
    request = Request({"type": "http", "headers": [], "method": "GET", "path": "/"})
    store.get(request, "s").values["a"] = 1
    response = PlainTextResponse("hi")
    ws.save(request, response)
    assert response.headers.getlist("set-cookie")[0].startswith("s=")
    assert response.headers["content-length"] == "2"


def test_starlette_request_with_an_empty_raw_header_list_gets_bytes() -> None:
    store = ws.CookieStore(HASH_KEY)
    request = Request({"type": "http", "headers": [], "method": "GET", "path": "/"})
    store.get(request, "s").values["a"] = 1
    raw: list[tuple[bytes, bytes]] = []
    ws.save(request, raw)
    ((name, value),) = raw
    assert type(name) is bytes
    assert type(value) is bytes


def test_starlette_request_with_a_non_empty_raw_header_list_gets_bytes() -> None:
    store = ws.CookieStore(HASH_KEY)
    request = Request({"type": "http", "headers": [], "method": "GET", "path": "/"})
    store.get(request, "s").values["a"] = 1
    raw: list[tuple[bytes, bytes]] = [(b"content-type", b"text/plain")]
    ws.save(request, raw)
    assert raw[1][0] == b"set-cookie"
