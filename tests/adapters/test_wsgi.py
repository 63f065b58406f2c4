"""Plain WSGI and Werkzeug: the environ (or a Werkzeug Request) and a header list
(or a Werkzeug Response), served through wsgiref's testing defaults and
Werkzeug's test Client with its cookie jar."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

import websessions as ws

from ._scenario import NAMES, Jar, Stores, act, make_stores, run

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@pytest.fixture(params=["cookie", "filesystem"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Stores:
    return make_stores(request.param, tmp_path)


def wsgi_app(stores: Stores) -> WSGIApp:
    """A bare WSGI app: the environ is the request, the header list the response."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        body = act(stores, environ, environ["PATH_INFO"])
        response_headers = [("Content-Type", "text/plain; charset=utf-8")]
        ws.save(environ, response_headers)
        start_response("200 OK", response_headers)
        return [body.encode()]

    return app


def werkzeug_app(stores: Stores) -> WSGIApp:
    """The same with Werkzeug's Request and Response objects."""

    @Request.application
    def app(request: Request) -> Response:
        response = Response(act(stores, request, request.path), mimetype="text/plain")
        ws.save(request, response)
        return response

    return app  # type: ignore[return-value]


class WerkzeugDriver:
    def __init__(self, app: WSGIApp) -> None:
        self.client = Client(app)

    async def get(self, path: str) -> str:
        response = self.client.get(path, base_url="https://localhost")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def cookie_names(self) -> set[str]:
        return {n for n in NAMES if self.client.get_cookie(n, domain="localhost") is not None}


class WsgirefDriver:
    """Calls the app as a server would, with wsgiref's default environ."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.jar = Jar()
        self.environs: list[dict[str, Any]] = []

    async def get(self, path: str) -> str:
        environ: dict[str, Any] = {"PATH_INFO": path, "wsgi.url_scheme": "https"}
        setup_testing_defaults(environ)
        if (cookie := self.jar.header()) is not None:
            environ["HTTP_COOKIE"] = cookie
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
            started.append((status, response_headers))

        body = b"".join(self.app(environ, start_response))
        ((status, response_headers),) = started
        assert status == "200 OK"
        self.jar.update([v for k, v in response_headers if k == "Set-Cookie"])
        self.environs.append(environ)
        return body.decode()

    def cookie_names(self) -> set[str]:
        return self.jar.cookie_names()


async def test_wsgi_app_through_wsgiref(stores: Stores) -> None:
    driver = WsgirefDriver(wsgi_app(stores))
    await run(driver, stores)
    # The registry lived in each request's environ, and only there.
    assert all("websessions.registry" in env for env in driver.environs)
    registries = [id(env["websessions.registry"]) for env in driver.environs]
    assert len(set(registries)) == len(registries)


async def test_wsgi_app_through_werkzeug_client(stores: Stores) -> None:
    await run(WerkzeugDriver(wsgi_app(stores)), stores)


async def test_werkzeug_request_and_response(stores: Stores) -> None:
    await run(WerkzeugDriver(werkzeug_app(stores)), stores)


def test_werkzeug_request_shares_the_environs_registry(stores: Stores) -> None:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    request = Request(environ)
    session = stores.main.get(request, "s")
    assert stores.main.get(environ, "s") is session
    assert stores.main.get(Request(environ), "s") is session
    assert ws.get_registry(request).sessions == {"s": session}


def test_werkzeug_response_gets_set_cookie_headers(stores: Stores) -> None:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    request = Request(environ)
    stores.main.get(request, "one").values["a"] = 1
    stores.a.get(request, "two").values["b"] = 2
    response = Response("body")
    ws.save(request, response)
    cookies = response.headers.getlist("Set-Cookie")
    assert [c.split("=", 1)[0] for c in cookies] == ["one", "two"]
    assert all("; Secure" in c and "; HttpOnly" in c for c in cookies)


def test_werkzeug_request_with_a_header_list_response(stores: Stores) -> None:
    # The response need not be the request's framework: any supported kind works.
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    request = Request(environ)
    stores.main.get(request, "s").values["a"] = 1
    response_headers: list[tuple[str, str]] = []
    ws.save(request, response_headers)
    ((name, value),) = response_headers
    assert name == "Set-Cookie"
    assert value.startswith("s=")


def test_werkzeug_client_sends_the_cookie_back(stores: Stores) -> None:
    client = Client(wsgi_app(stores))
    client.get("/set/v", base_url="https://localhost")
    cookie = client.get_cookie("main", domain="localhost")
    assert cookie is not None
    assert cookie.secure
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.path == "/"
    assert client.get("/get", base_url="https://localhost").get_data(as_text=True) == "v"
