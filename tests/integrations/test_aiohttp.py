"""aiohttp: the adapter, setup() and the middleware, through aiohttp's TestServer and TestClient."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import websessions as ws
from websessions.integrations import aiohttp as ws_aiohttp

from .conftest import HASH_KEY, attributes, cookie_header, records


def make_app(store: ws.Store, other: ws.Store, style: str) -> web.Application:
    async def visit(request: web.Request) -> web.Response:
        session = await store.aget(request, "session")
        session.values["n"] = session.values.get("n", 0) + 1
        session.add_flash(f"visit {session.values['n']}")
        cart = await other.aget(request, "cart")
        cart.values.setdefault("items", []).append("tea")
        return web.json_response({"n": session.values["n"]})

    async def show(request: web.Request) -> web.Response:
        session = await store.aget(request, "session")
        cart = await other.aget(request, "cart")
        return web.json_response(
            {
                "n": session.values.get("n"),
                "flashes": session.flashes(),
                "items": cart.values.get("items"),
            }
        )

    async def login(request: web.Request) -> web.Response:
        session = await store.aget(request, "session")
        session.values["user"] = "ada"
        raise web.HTTPFound("/show")

    async def logout(request: web.Request) -> web.Response:
        (await store.aget(request, "session")).options.max_age = -1
        return web.Response(text="bye")

    async def stream(request: web.Request) -> web.StreamResponse:
        (await store.aget(request, "session")).values["streamed"] = True
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"streamed")
        return response

    async def manual(request: web.Request) -> web.Response:
        response = web.Response(text="manual")
        session = await store.aget(request, "session")
        session.values["n"] = 100
        await session.asave(request, response)
        return response

    async def plain(request: web.Request) -> web.Response:
        return web.Response(text="plain")

    async def crash(request: web.Request) -> web.Response:
        (await store.aget(request, "session")).values["n"] = -1
        return web.Response(status=500)

    app = web.Application(middlewares=[ws_aiohttp.middleware] if style == "middleware" else [])
    if style == "setup":
        ws_aiohttp.setup(app)
    app.router.add_post("/visit", visit)
    app.router.add_get("/show", show)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/stream", stream)
    app.router.add_get("/manual", manual)
    app.router.add_get("/plain", plain)
    app.router.add_get("/crash", crash)
    return app


Factory = Callable[..., TestClient[web.Request, web.Application]]


@pytest.fixture
async def client_for(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    clients: list[TestClient[web.Request, web.Application]] = []

    async def make(store: ws.Store, style: str) -> TestClient[web.Request, web.Application]:
        other = ws.FilesystemStore(tmp_path / "other", HASH_KEY, options=ws.Options(secure=False))
        client = TestClient(TestServer(make_app(store, other, style)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.mark.parametrize("style", ["setup", "middleware"])
async def test_values_flashes_and_two_sessions(
    store: ws.Store, client_for: object, style: str
) -> None:
    client = await client_for(store, style)  # type: ignore[operator]
    response = await client.post("/visit")
    assert await response.json() == {"n": 1}
    headers = response.headers.getall("Set-Cookie")
    cookie_header(headers, "session")
    cookie_header(headers, "cart")
    assert response.headers["Vary"] == "Cookie"
    await client.post("/visit")
    response = await client.get("/show")
    assert await response.json() == {
        "n": 2,
        "flashes": ["visit 1", "visit 2"],
        "items": ["tea", "tea"],
    }
    assert (await (await client.get("/show")).json())["flashes"] == []


@pytest.mark.parametrize("style", ["setup", "middleware"])
async def test_raised_redirect_keeps_its_cookie(
    store: ws.Store, client_for: object, style: str
) -> None:
    client = await client_for(store, style)  # type: ignore[operator]
    response = await client.post("/login", allow_redirects=False)
    assert response.status == 302
    cookie_header(response.headers.getall("Set-Cookie"), "session")


@pytest.mark.parametrize("style", ["setup", "middleware"])
async def test_delete_manual_plain_and_errors(
    store: ws.Store, client_for: object, style: str
) -> None:
    client = await client_for(store, style)  # type: ignore[operator]
    await client.post("/visit")
    response = await client.get("/manual")
    cookie_header(response.headers.getall("Set-Cookie"), "session")
    assert (await (await client.get("/show")).json())["n"] == 100
    response = await client.get("/plain")
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers
    response = await client.get("/crash")
    assert "Set-Cookie" not in response.headers
    response = await client.post("/logout")
    assert (
        attributes(cookie_header(response.headers.getall("Set-Cookie"), "session"))["max-age"]
        == "0"
    )
    assert (await (await client.get("/show")).json())["n"] is None
    assert records(store) == 0


async def test_setup_sees_streamed_responses(store: ws.Store, client_for: object) -> None:
    client = await client_for(store, "setup")  # type: ignore[operator]
    response = await client.get("/stream")
    assert await response.text() == "streamed"
    cookie_header(response.headers.getall("Set-Cookie"), "session")


async def test_adapter_alone_reads_and_saves(store: ws.Store) -> None:
    async def handler(request: web.Request) -> web.Response:
        session = await store.aget(request, "s")
        seen = session.values.get("v")
        session.values["v"] = "x"
        response = web.Response(text=str(seen))
        await session.asave(request, response)
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    async with TestClient(TestServer(app)) as client:
        assert await (await client.get("/")).text() == "None"
        assert await (await client.get("/")).text() == "x"
