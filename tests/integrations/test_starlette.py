"""Starlette: the drop-in SessionMiddleware through Starlette's TestClient.

The first tests are equivalents of Starlette's own SessionMiddleware tests
(tests/middleware/test_session.py), run against websessions' middleware."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

import websessions as ws
from websessions.integrations import asgi as ws_asgi
from websessions.integrations.starlette import SessionMiddleware

from ._testclient import TestClient
from .conftest import HASH_KEY, attributes, cookie_header, make_store, records


async def view_session(request: Request) -> JSONResponse:
    return JSONResponse({"session": request.session})


async def update_session(request: Request) -> JSONResponse:
    request.session.update(await request.json())
    return JSONResponse({"session": request.session})


async def clear_session(request: Request) -> JSONResponse:
    request.session.clear()
    return JSONResponse({"session": request.session})


def make_app(store: ws.Store, *routes: Route | Mount | WebSocketRoute, **kw: str) -> Starlette:
    return Starlette(
        routes=[
            Route("/view_session", view_session),
            Route("/update_session", update_session, methods=["POST"]),
            Route("/clear_session", clear_session, methods=["POST"]),
            *routes,
        ],
        middleware=[Middleware(SessionMiddleware, store=store, **kw)],
    )


def set_cookies(response: object) -> list[str]:
    return response.headers.get_list("set-cookie")  # type: ignore[attr-defined,no-any-return]


def test_session(store: ws.Store, tmp_path: Path) -> None:
    client = TestClient(make_app(store))
    assert client.get("/view_session").json() == {"session": {}}
    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    max_age = re.search(r"; Max-Age=([0-9]+);", response.headers["set-cookie"])
    assert max_age is not None
    assert int(max_age[1]) == 30 * 86400  # the store's max_age
    assert client.get("/view_session").json() == {"session": {"some": "data"}}
    assert client.post("/clear_session").json() == {"session": {}}
    assert client.get("/view_session").json() == {"session": {}}


def test_session_expires(tmp_path: Path) -> None:
    store = ws.CookieStore(HASH_KEY, options=ws.Options(secure=False, max_age=60))
    client = TestClient(make_app(store))
    assert client.post("/update_session", json={"some": "data"}).json() == {
        "session": {"some": "data"}
    }
    # A cookie made an hour ago is past max_age: the server refuses it, whatever the browser does.
    hour_ago = ws.SecureCookie(HASH_KEY, clock=lambda: time.time() - 3600)
    client = TestClient(make_app(store), cookies={"session": hour_ago.encode("session", {"a": 1})})
    assert client.get("/view_session").json() == {"session": {}}


def test_secure_session(tmp_path: Path) -> None:
    store = make_store("cookie", tmp_path, secure=True)
    app = make_app(store)
    secure_client = TestClient(app, base_url="https://testserver")
    unsecure_client = TestClient(app, base_url="http://testserver")

    assert unsecure_client.get("/view_session").json() == {"session": {}}
    response = unsecure_client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    assert unsecure_client.get("/view_session").json() == {"session": {}}

    assert secure_client.get("/view_session").json() == {"session": {}}
    response = secure_client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    assert secure_client.get("/view_session").json() == {"session": {"some": "data"}}
    assert secure_client.post("/clear_session").json() == {"session": {}}
    assert secure_client.get("/view_session").json() == {"session": {}}


def test_session_cookie_subpath(tmp_path: Path) -> None:
    store = make_store("cookie", tmp_path, path="/second_app")
    second_app = Starlette(
        routes=[Route("/update_session", update_session, methods=["POST"])],
        middleware=[Middleware(SessionMiddleware, store=store)],
    )
    app = Starlette(routes=[Mount("/second_app", app=second_app)])
    client = TestClient(app)
    response = client.post("/second_app/update_session", json={"some": "data"})
    assert response.status_code == 200
    assert attributes(response.headers["set-cookie"])["path"] == "/second_app"


def test_invalid_session_cookie(store: ws.Store) -> None:
    client = TestClient(make_app(store))
    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    client = TestClient(make_app(store), cookies={"session": "invalid"})
    response = client.get("/view_session")
    assert response.json() == {"session": {}}
    assert set_cookies(response) == []


def test_browser_session_cookie(tmp_path: Path) -> None:
    store = make_store("cookie", tmp_path, max_age=0)
    client = TestClient(make_app(store))
    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    assert "Max-Age" not in response.headers["set-cookie"]
    assert client.get("/view_session").json() == {"session": {"some": "data"}}
    client.cookies.delete("session")
    assert client.get("/view_session").json() == {"session": {}}


def test_domain_cookie(tmp_path: Path) -> None:
    store = make_store("cookie", tmp_path, domain="example.com")
    client = TestClient(make_app(store), base_url="http://www.example.com")
    response = client.post("/update_session", json={"some": "data"})
    assert response.json() == {"session": {"some": "data"}}
    assert "Domain=example.com" in response.headers["set-cookie"]
    assert client.get("/view_session").json() == {"session": {"some": "data"}}


# -- beyond Starlette's tests ---------------------------------------------------


def test_request_session_is_a_plain_dict(store: ws.Store) -> None:
    async def kind(request: Request) -> PlainTextResponse:
        return PlainTextResponse(type(request.session).__name__)

    assert TestClient(make_app(store, Route("/kind", kind))).get("/kind").text == "dict"


def test_untouched_requests_are_left_alone(store: ws.Store) -> None:
    async def plain(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hi", headers={"Vary": "Accept"})

    client = TestClient(make_app(store, Route("/plain", plain)))
    response = client.get("/plain")
    assert set_cookies(response) == []
    assert response.headers["vary"] == "Accept"


def test_vary_cookie_when_a_session_was_read(store: ws.Store) -> None:
    client = TestClient(make_app(store))
    client.post("/update_session", json={"a": 1})
    response = client.get("/view_session")
    assert response.headers["vary"] == "Cookie"


def test_clear_deletes_cookie_and_record(store: ws.Store) -> None:
    client = TestClient(make_app(store))
    client.post("/update_session", json={"a": 1})
    server_side = isinstance(store, ws.ServerSideStore)
    assert records(store) == (1 if server_side else 0)
    response = client.post("/clear_session")
    deletion = cookie_header(set_cookies(response), "session")
    assert attributes(deletion)["max-age"] == "0"
    assert records(store) == 0


def test_other_named_sessions_and_flashes(store: ws.Store, tmp_path: Path) -> None:
    other = ws.FilesystemStore(tmp_path / "other", HASH_KEY, options=ws.Options(secure=False))

    async def add(request: Request) -> PlainTextResponse:
        request.session["user"] = "ada"
        cart = await other.aget(request, "cart")
        cart.values.setdefault("items", []).append("tea")
        cart.add_flash("Added tea")
        return PlainTextResponse("ok")

    async def show(request: Request) -> JSONResponse:
        cart = await other.aget(request, "cart")
        user = request.session.get("user")
        return JSONResponse(
            {"user": user, "items": cart.values["items"], "flashes": cart.flashes()}
        )

    client = TestClient(make_app(store, Route("/add", add, methods=["POST"]), Route("/show", show)))
    response = client.post("/add")
    headers = set_cookies(response)
    assert len(headers) == 2
    cookie_header(headers, "session")
    cookie_header(headers, "cart")
    expected = {"user": "ada", "items": ["tea"], "flashes": ["Added tea"]}
    assert client.get("/show").json() == expected
    assert client.get("/show").json() == {**expected, "flashes": []}


def test_replacing_scope_session(store: ws.Store) -> None:
    async def replace(request: Request) -> PlainTextResponse:
        request.scope["session"] = {"replaced": True}
        return PlainTextResponse("ok")

    client = TestClient(make_app(store, Route("/replace", replace)))
    client.get("/replace")
    assert client.get("/view_session").json() == {"session": {"replaced": True}}


def test_manual_save_is_not_repeated(store: ws.Store) -> None:
    async def manual(request: Request) -> Response:
        response = PlainTextResponse("ok")
        session = await store.aget(request, "session")
        session.values["m"] = 1
        await session.asave(request, response)
        return response

    response = TestClient(make_app(store, Route("/manual", manual))).get("/manual")
    cookie_header(set_cookies(response), "session")


def test_streaming_response_gets_its_cookie(store: ws.Store) -> None:
    async def stream(request: Request) -> StreamingResponse:
        request.session["streamed"] = True

        async def body() -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

        return StreamingResponse(body())

    client = TestClient(make_app(store, Route("/stream", stream)))
    assert client.get("/stream").text == "ab"
    assert client.get("/view_session").json() == {"session": {"streamed": True}}


def test_websocket_reads_the_session(store: ws.Store) -> None:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(websocket.session)
        await websocket.close()

    client = TestClient(make_app(store, WebSocketRoute("/ws", socket)))
    client.post("/update_session", json={"a": 1})
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_json() == {"a": 1}


def test_server_errors_are_not_saved(store: ws.Store) -> None:
    async def fail(request: Request) -> Response:
        request.session["half"] = "done"
        return PlainTextResponse("oops", status_code=503)

    client = TestClient(make_app(store, Route("/fail", fail)))
    response = client.get("/fail")
    assert set_cookies(response) == []
    assert client.get("/view_session").json() == {"session": {}}


def test_pure_asgi() -> None:
    assert not issubclass(SessionMiddleware, BaseHTTPMiddleware)
    assert issubclass(SessionMiddleware, ws_asgi.SessionMiddleware)


def test_lifespan_passes_through(tmp_path: Path) -> None:
    started = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started.append(True)
        yield

    app = Starlette(
        routes=[Route("/view_session", view_session)],
        middleware=[Middleware(SessionMiddleware, store=make_store("cookie", tmp_path))],
        lifespan=lifespan,
    )
    with TestClient(app) as client:
        assert client.get("/view_session").json() == {"session": {}}
    assert started == [True]


@pytest.mark.parametrize("name", ["sid", "__Host-sid"])
def test_cookie_name(tmp_path: Path, name: str) -> None:
    store = make_store("cookie", tmp_path, secure=True)
    client = TestClient(make_app(store, name=name), base_url="https://testserver")
    response = client.post("/update_session", json={"a": 1})
    cookie_header(set_cookies(response), name)
    assert client.get("/view_session").json() == {"session": {"a": 1}}
