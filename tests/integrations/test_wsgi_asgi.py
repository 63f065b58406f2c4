"""The plain WSGI and ASGI auto-save middleware, driven by Werkzeug's and httpx's clients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.test import Client

import websessions as ws
from websessions.integrations.asgi import SessionMiddleware as ASGISessions
from websessions.integrations.wsgi import SessionMiddleware as WSGISessions

from .conftest import attributes, cookie_header, make_store, records

# -- a raw WSGI app: /visit counts, /manual saves itself, /plain uses no session --


def wsgi_app(store: ws.Store) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        headers: list[tuple[str, str]] = [("Content-Type", "text/plain")]
        status = "200 OK"
        body = b""
        if path == "/visit":
            session = store.get(environ, "session")
            session.values["n"] = session.values.get("n", 0) + 1
            prefs = store.get(environ, "prefs")
            prefs.values["theme"] = "dark"
            prefs.add_flash(f"visit {session.values['n']}")
            body = str(session.values["n"]).encode()
        elif path == "/flashes":
            body = ",".join(store.get(environ, "prefs").flashes()).encode()
        elif path == "/read":
            body = str(store.get(environ, "session").values.get("n")).encode()
        elif path == "/manual":
            session = store.get(environ, "session")
            session.values["n"] = 100
            session.save(environ, headers)
        elif path == "/logout":
            store.get(environ, "session").options.max_age = -1
        elif path == "/destroy":
            store.get(environ, "session").destroy()
        elif path == "/regenerate":
            store.get(environ, "session").regenerate_id()
        elif path == "/crash":
            store.get(environ, "session").values["n"] = -1
            status = "500 Internal Server Error"
        elif path == "/vary":
            store.get(environ, "session").values["n"] = 1
            headers.append(("Vary", "Accept-Encoding"))
        start_response(status, headers)
        return [body]

    return app


def test_wsgi_saves_every_session(store: ws.Store) -> None:
    client = Client(WSGISessions(wsgi_app(store)))
    response = client.get("/visit")
    headers = response.headers.getlist("Set-Cookie")
    cookie_header(headers, "session")
    cookie_header(headers, "prefs")
    assert response.headers["Vary"] == "Cookie"
    assert client.get("/visit").text == "2"
    assert client.get("/read").text == "2"
    assert client.get("/flashes").text == "visit 1,visit 2"
    assert client.get("/flashes").text == ""


def test_wsgi_without_the_middleware_nothing_is_saved(store: ws.Store) -> None:
    client = Client(wsgi_app(store))
    client.get("/visit")
    assert client.get("/visit").text == "1"


def test_wsgi_read_only_new_session_sends_nothing(store: ws.Store) -> None:
    response = Client(WSGISessions(wsgi_app(store))).get("/read")
    assert response.headers.getlist("Set-Cookie") == []
    assert response.headers["Vary"] == "Cookie"


def test_wsgi_unused_untouched_and_manual_not_repeated(store: ws.Store) -> None:
    client = Client(WSGISessions(wsgi_app(store)))
    response = client.get("/plain")
    assert response.headers.getlist("Set-Cookie") == []
    assert "Vary" not in response.headers
    response = client.get("/manual")
    cookie_header(response.headers.getlist("Set-Cookie"), "session")
    assert client.get("/read").text == "100"


def test_wsgi_delete_and_errors(store: ws.Store) -> None:
    client = Client(WSGISessions(wsgi_app(store)))
    client.get("/visit")
    assert client.get("/crash").headers.getlist("Set-Cookie") == []
    assert client.get("/read").text == "1"
    response = client.get("/logout")
    assert (
        attributes(cookie_header(response.headers.getlist("Set-Cookie"), "session"))["max-age"]
        == "0"
    )
    assert client.get("/read").text == "None"
    assert records(store) == (1 if isinstance(store, ws.ServerSideStore) else 0)  # prefs remains


def test_wsgi_destroy_and_regenerate(store: ws.Store) -> None:
    client = Client(WSGISessions(wsgi_app(store)))
    client.get("/visit")
    before = client.get_cookie("session")
    assert before is not None
    response = client.get("/regenerate")
    cookie_header(response.headers.getlist("Set-Cookie"), "session")
    after = client.get_cookie("session")
    assert after is not None
    assert after.value != before.value
    assert client.get("/read").text == "1"
    response = client.get("/destroy")
    deletion = cookie_header(response.headers.getlist("Set-Cookie"), "session")
    assert deletion.startswith("session=;")
    assert client.get("/read").text == "None"


def test_cookie_store_destroy_expires_the_cookie(tmp_path: Path) -> None:
    store = make_store("cookie", tmp_path)
    client = Client(WSGISessions(wsgi_app(store)))
    client.get("/visit")
    response = client.get("/destroy")
    deletion = cookie_header(response.headers.getlist("Set-Cookie"), "session")
    assert attributes(deletion)["max-age"] == "0"


def test_wsgi_vary_is_merged(store: ws.Store) -> None:
    response = Client(WSGISessions(wsgi_app(store))).get("/vary")
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


# -- a raw ASGI app with the same routes --


def asgi_app(store: ws.Store) -> Callable[..., Any]:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        path = scope["path"]
        headers: list[tuple[bytes, bytes]] = [(b"content-type", b"text/plain")]
        status = 200
        body = b""
        if path == "/visit":
            session = await store.aget(scope, "session")
            session.values["n"] = session.values.get("n", 0) + 1
            prefs = await store.aget(scope, "prefs")
            prefs.values["theme"] = "dark"
            prefs.add_flash(f"visit {session.values['n']}")
            body = str(session.values["n"]).encode()
        elif path == "/flashes":
            body = ",".join((await store.aget(scope, "prefs")).flashes()).encode()
        elif path == "/read":
            body = str((await store.aget(scope, "session")).values.get("n")).encode()
        elif path == "/manual":
            session = await store.aget(scope, "session")
            session.values["n"] = 100
            await session.asave(scope, headers)
        elif path == "/logout":
            (await store.aget(scope, "session")).options.max_age = -1
        elif path == "/crash":
            (await store.aget(scope, "session")).values["n"] = -1
            status = 500
        elif path == "/vary":
            (await store.aget(scope, "session")).values["n"] = 1
            headers.append((b"vary", b"Accept-Encoding"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.fixture
def asgi_client(store: ws.Store) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=ASGISessions(asgi_app(store)))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_asgi_saves_every_session(asgi_client: httpx.AsyncClient) -> None:
    async with asgi_client as client:
        response = await client.get("/visit")
        headers = response.headers.get_list("set-cookie")
        cookie_header(headers, "session")
        cookie_header(headers, "prefs")
        assert response.headers["vary"] == "Cookie"
        assert (await client.get("/visit")).text == "2"
        assert (await client.get("/read")).text == "2"
        assert (await client.get("/flashes")).text == "visit 1,visit 2"
        assert (await client.get("/flashes")).text == ""


async def test_asgi_unused_untouched_and_manual_not_repeated(
    asgi_client: httpx.AsyncClient,
) -> None:
    async with asgi_client as client:
        response = await client.get("/plain")
        assert response.headers.get_list("set-cookie") == []
        assert "vary" not in response.headers
        response = await client.get("/manual")
        cookie_header(response.headers.get_list("set-cookie"), "session")
        assert (await client.get("/read")).text == "100"


async def test_asgi_delete_errors_and_vary(asgi_client: httpx.AsyncClient) -> None:
    async with asgi_client as client:
        await client.get("/visit")
        assert (await client.get("/crash")).headers.get_list("set-cookie") == []
        assert (await client.get("/read")).text == "1"
        response = await client.get("/logout")
        deletion = cookie_header(response.headers.get_list("set-cookie"), "session")
        assert attributes(deletion)["max-age"] == "0"
        assert (await client.get("/read")).text == "None"
        assert (await client.get("/vary")).headers.get_list("vary") == ["Accept-Encoding, Cookie"]


async def test_asgi_lifespan_and_websocket_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    middleware = ASGISessions(app)
    await middleware({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    await middleware({"type": "websocket", "headers": []}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan", "websocket"]


async def test_asgi_header_names_in_any_case(store: ws.Store) -> None:
    # The middleware finds the app's own Set-Cookie and Vary whatever their case.
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        session = await store.aget(scope, "session")
        session.values["n"] = 1
        other = await store.aget(scope, "other")
        other.values["m"] = 2
        headers = [(b"Content-Type", b"text/plain"), (b"VARY", b"Accept")]
        await session.asave(scope, headers)
        headers[-1] = (b"Set-Cookie", headers[-1][1])
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    transport = httpx.ASGITransport(app=ASGISessions(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/")
    names = [value.split("=", 1)[0] for value in response.headers.get_list("set-cookie")]
    assert sorted(names) == ["other", "session"]  # the app's "session" cookie not repeated
    assert response.headers.get_list("vary") == ["Accept, Cookie"]
