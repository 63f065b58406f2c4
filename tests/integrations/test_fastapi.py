"""FastAPI: the session dependency, saved after the endpoint, through FastAPI's TestClient.

No ``from __future__ import annotations`` here: FastAPI must see the local ``Cart`` type."""

from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request

import websessions as ws
from websessions.integrations.asgi import SessionMiddleware as AutoSave
from websessions.integrations.fastapi import session_dependency
from websessions.integrations.starlette import SessionMiddleware

from ._testclient import TestClient
from .conftest import HASH_KEY, attributes, cookie_header, records


def make_app(store: ws.Store, *, scope: Any = None, middleware: bool = True) -> FastAPI:
    app = FastAPI()
    if middleware:
        app.add_middleware(AutoSave)
    depends = Depends(session_dependency(store, "cart"), scope=scope)
    Cart = Annotated[ws.Session, depends]

    @app.post("/add/{item}")
    async def add(item: str, cart: Cart) -> dict[str, int]:
        cart.values.setdefault("items", []).append(item)
        cart.add_flash(f"added {item}")
        return {"count": len(cart.values["items"])}

    @app.get("/cart")
    async def show(cart: Cart) -> dict[str, Any]:
        return {"items": cart.values.get("items", []), "flashes": cart.flashes()}

    @app.post("/empty")
    async def empty(cart: Cart) -> dict[str, bool]:
        cart.options.max_age = -1
        return {"deleted": True}

    @app.post("/fail")
    async def fail(cart: Cart) -> None:
        cart.values["half"] = "done"
        raise HTTPException(status_code=409)

    @app.get("/twice")
    async def twice(a: Cart, request: Request) -> dict[str, bool]:
        b = await store.aget(request, "cart")
        return {"same": a is b}

    @app.get("/plain")
    async def plain() -> dict[str, bool]:
        return {"ok": True}

    return app


@pytest.mark.parametrize("scope", [None, "function", "request"])
def test_values_and_flashes(store: ws.Store, scope: str | None) -> None:
    client = TestClient(make_app(store, scope=scope))
    assert client.post("/add/tea").json() == {"count": 1}
    response = client.post("/add/milk")
    cookie_header(response.headers.get_list("set-cookie"), "cart")
    assert response.headers["vary"] == "Cookie"
    assert client.get("/cart").json() == {
        "items": ["tea", "milk"],
        "flashes": ["added tea", "added milk"],
    }
    assert client.get("/cart").json() == {"items": ["tea", "milk"], "flashes": []}


def test_delete(store: ws.Store) -> None:
    client = TestClient(make_app(store))
    client.post("/add/tea")
    response = client.post("/empty")
    assert (
        attributes(cookie_header(response.headers.get_list("set-cookie"), "cart"))["max-age"] == "0"
    )
    assert records(store) == 0
    assert client.get("/cart").json() == {"items": [], "flashes": []}


def test_not_saved_when_the_endpoint_fails(store: ws.Store) -> None:
    client = TestClient(make_app(store))
    response = client.post("/fail")
    assert response.status_code == 409
    assert response.headers.get_list("set-cookie") == []


def test_one_session_per_name_per_request(store: ws.Store) -> None:
    assert TestClient(make_app(store)).get("/twice").json() == {"same": True}


def test_requests_without_sessions_untouched(store: ws.Store) -> None:
    response = TestClient(make_app(store)).get("/plain")
    assert response.headers.get_list("set-cookie") == []
    assert "vary" not in response.headers


def test_needs_the_middleware(store: ws.Store) -> None:
    client = TestClient(make_app(store, middleware=False), raise_server_exceptions=True)
    with pytest.raises(ws.UsageError, match="SessionMiddleware"):
        client.get("/cart")


def test_saved_before_the_response_starts(tmp_path: Path) -> None:
    """With a function-scoped dependency the store write happens before the response is sent."""
    store = ws.FilesystemStore(tmp_path, HASH_KEY, options=ws.Options(secure=False))
    seen: list[int] = []

    class Spy:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def spy_send(message: Any) -> None:
                if message["type"] == "http.response.start":
                    seen.append(len(list(store.path.glob("session_*"))))
                await send(message)

            await self.app(scope, receive, spy_send)

    app = make_app(store, scope="function")
    app.add_middleware(Spy)
    TestClient(app).post("/add/tea")
    assert seen == [1]


def test_with_the_starlette_middleware(store: ws.Store, tmp_path: Path) -> None:
    main = ws.CookieStore(HASH_KEY, options=ws.Options(secure=False))
    app = make_app(store, middleware=False)
    app.add_middleware(SessionMiddleware, store=main)

    @app.post("/login")
    async def login(request: Request) -> None:
        request.session["user"] = "ada"

    @app.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        return {"user": request.session.get("user")}

    client = TestClient(app)
    client.post("/login")
    client.post("/add/tea")
    assert client.get("/me").json() == {"user": "ada"}
    assert client.get("/cart").json()["items"] == ["tea"]
