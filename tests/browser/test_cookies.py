"""End to end in a real browser: Debian's Chromium, driven by Playwright (headless).

For each integration, a small app of its own on loopback sets a session
cookie through that integration with given cookie options; the test checks
Chromium stored it with those attributes (``Secure``, ``HttpOnly``,
``SameSite``, ``Partitioned``, ``Max-Age`` or none, the ``__Host-`` prefix),
sends it back (the app reads the value), and drops it when the app deletes
the session. Chromium treats loopback as a secure origin, so ``Secure``
cookies work over ``http://127.0.0.1``.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

import websessions as ws

from ..integrations._django import configure
from ._servers import serve_aiohttp, serve_asgi, serve_wsgi

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("WEBSESSIONS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HASH_KEY = b"browser-test-hash-key-0123456789"
BLOCK_KEY = b"browser-test-aes-key-0123456789a"

# name, options: what each integration is asked to set.
CONFIGS: dict[str, tuple[str, ws.Options]] = {
    "host-prefix-strict": (
        "__Host-sid",
        ws.Options(secure=True, http_only=True, same_site="Strict", max_age=3600),
    ),
    "partitioned-none-browser-session": (
        "chips",
        ws.Options(secure=True, http_only=True, same_site="None", partitioned=True, max_age=0),
    ),
    "lax-script-readable": (
        "plain",
        ws.Options(secure=False, http_only=False, same_site="Lax", max_age=120),
    ),
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def make_store(kind: str, options: ws.Options, tmp_path: Path) -> ws.Store:
    if kind == "filesystem":
        return ws.FilesystemStore(tmp_path / "sessions", HASH_KEY, BLOCK_KEY, options=options)
    return ws.CookieStore(HASH_KEY, BLOCK_KEY, options=options)


# -- one small app per integration: GET /set, /get, /del ------------------------


def flask_server(store: ws.Store, name: str) -> AbstractContextManager[str]:
    import flask

    from websessions.integrations.flask import Sessions

    app = flask.Flask(__name__)
    max_age = store.options.max_age
    if max_age > 0:
        app.permanent_session_lifetime = datetime.timedelta(seconds=max_age)
    Sessions(app, store=store, name=name, permanent=max_age > 0)

    @app.get("/set")
    def set_value() -> str:
        flask.session["value"] = "from-flask"
        return "set"

    @app.get("/get")
    def get_value() -> str:
        return str(flask.session.get("value"))

    @app.get("/del")
    def delete() -> str:
        flask.session.clear()
        return "deleted"

    return serve_wsgi(app)


def starlette_server(store: ws.Store, name: str) -> AbstractContextManager[str]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from websessions.integrations.starlette import SessionMiddleware

    async def set_value(request: Request) -> PlainTextResponse:
        request.session["value"] = "from-starlette"
        return PlainTextResponse("set")

    async def get_value(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.session.get("value")))

    async def delete(request: Request) -> PlainTextResponse:
        request.session.clear()
        return PlainTextResponse("deleted")

    app = Starlette(
        routes=[Route("/set", set_value), Route("/get", get_value), Route("/del", delete)],
        middleware=[Middleware(SessionMiddleware, store=store, name=name)],
    )
    return serve_asgi(app)


def fastapi_server(store: ws.Store, name: str) -> AbstractContextManager[str]:
    from fastapi import Depends, FastAPI
    from fastapi.responses import PlainTextResponse

    from websessions.integrations.asgi import SessionMiddleware
    from websessions.integrations.fastapi import session_dependency

    app = FastAPI()
    app.add_middleware(SessionMiddleware)
    dependency = Depends(session_dependency(store, name))

    @app.get("/set", response_class=PlainTextResponse)
    async def set_value(session: ws.Session = dependency) -> str:
        session.values["value"] = "from-fastapi"
        return "set"

    @app.get("/get", response_class=PlainTextResponse)
    async def get_value(session: ws.Session = dependency) -> str:
        return str(session.values.get("value"))

    @app.get("/del", response_class=PlainTextResponse)
    async def delete(session: ws.Session = dependency) -> str:
        session.options.max_age = -1
        return "deleted"

    return serve_asgi(app)


@contextlib.contextmanager
def django_server(store: ws.Store, name: str) -> Iterator[str]:
    """Named sessions through the adapter and SaveSessionsMiddleware (websessions' options)."""
    configure()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    with (
        override_settings(
            ROOT_URLCONF="tests.browser.django_urls",
            MIDDLEWARE=["websessions.integrations.django.SaveSessionsMiddleware"],
            WEBSESSIONS_BROWSER_STORE=store,
            WEBSESSIONS_BROWSER_NAME=name,
        ),
        serve_wsgi(WSGIHandler()) as url,
    ):
        yield url


@contextlib.contextmanager
def django_engine_server(store: ws.Store, name: str) -> Iterator[str]:
    """``request.session`` through SESSION_ENGINE: Django's settings give the attributes."""
    configure()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    opts = store.options
    with (
        override_settings(
            ROOT_URLCONF="tests.browser.django_urls",
            MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
            SESSION_ENGINE="websessions.integrations.django",
            WEBSESSIONS_STORE=store,
            SESSION_COOKIE_NAME=name,
            SESSION_COOKIE_SECURE=opts.secure,
            SESSION_COOKIE_HTTPONLY=opts.http_only,
            SESSION_COOKIE_SAMESITE=opts.same_site,
            SESSION_COOKIE_AGE=opts.max_age or 1209600,
            SESSION_EXPIRE_AT_BROWSER_CLOSE=opts.max_age == 0,
        ),
        serve_wsgi(WSGIHandler()) as url,
    ):
        yield url


def aiohttp_server(store: ws.Store, name: str) -> AbstractContextManager[str]:
    from aiohttp import web

    from websessions.integrations import aiohttp as ws_aiohttp

    async def set_value(request: web.Request) -> web.Response:
        (await store.aget(request, name)).values["value"] = "from-aiohttp"
        return web.Response(text="set")

    async def get_value(request: web.Request) -> web.Response:
        return web.Response(text=str((await store.aget(request, name)).values.get("value")))

    async def delete(request: web.Request) -> web.Response:
        (await store.aget(request, name)).options.max_age = -1
        return web.Response(text="deleted")

    app = web.Application()
    ws_aiohttp.setup(app)
    app.router.add_get("/set", set_value)
    app.router.add_get("/get", get_value)
    app.router.add_get("/del", delete)
    return serve_aiohttp(app)


def wsgi_server(store: ws.Store, name: str) -> AbstractContextManager[str]:
    from websessions.integrations.wsgi import SessionMiddleware

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        session = store.get(environ, name)
        path = environ["PATH_INFO"]
        if path == "/set":
            session.values["value"] = "from-wsgi"
        elif path == "/del":
            session.options.max_age = -1
        body = str(session.values.get("value")) if path == "/get" else path[1:]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body.encode()]

    return serve_wsgi(SessionMiddleware(app))


def asgi_server(store: ws.Store, name: str) -> AbstractContextManager[str]:
    from websessions.integrations.asgi import SessionMiddleware

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        session = await store.aget(scope, name)
        path = scope["path"]
        if path == "/set":
            session.values["value"] = "from-asgi"
        elif path == "/del":
            session.options.max_age = -1
        body = str(session.values.get("value")) if path == "/get" else path[1:]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})

    return serve_asgi(SessionMiddleware(app))


SERVERS: dict[str, tuple[Callable[[ws.Store, str], AbstractContextManager[str]], str]] = {
    "flask": (flask_server, "from-flask"),
    "starlette": (starlette_server, "from-starlette"),
    "fastapi": (fastapi_server, "from-fastapi"),
    "django": (django_server, "from-django"),
    "django-engine": (django_engine_server, "from-django-engine"),
    "aiohttp": (aiohttp_server, "from-aiohttp"),
    "wsgi": (wsgi_server, "from-wsgi"),
    "asgi": (asgi_server, "from-asgi"),
}


CASES = [
    (integration, config)
    for integration in SERVERS
    for config, (_, options) in CONFIGS.items()
    # Django's own cookie writer has no Partitioned attribute (see the last test).
    if not (integration == "django-engine" and options.partitioned)
]


@pytest.mark.parametrize(("integration", "config"), CASES)
def test_cookie_stored_with_its_attributes_and_sent_back(
    browser: Any, tmp_path: Path, integration: str, config: str
) -> None:
    name, options = CONFIGS[config]
    kind = "filesystem" if integration in ("starlette", "django-engine", "wsgi") else "cookie"
    store = make_store(kind, options, tmp_path)
    serve, expected = SERVERS[integration]
    context = browser.new_context()
    try:
        with serve(store, name) as url:
            page = context.new_page()
            assert page.goto(f"{url}/get").ok
            assert page.inner_text("body") == "None"
            before = time.time()
            assert page.goto(f"{url}/set").ok
            cookies = {c["name"]: c for c in context.cookies()}
            assert set(cookies) == {name}, cookies
            cookie = cookies[name]
            assert cookie["domain"] == "127.0.0.1"
            assert cookie["path"] == "/"
            assert cookie["secure"] is options.secure
            assert cookie["httpOnly"] is options.http_only
            assert cookie["sameSite"] == options.same_site
            assert ("partitionKey" in cookie) is options.partitioned
            if options.max_age == 0:
                assert cookie["expires"] == -1  # a browser-session cookie
            else:
                assert abs(cookie["expires"] - (before + options.max_age)) < 30
            page.goto(f"{url}/get")
            assert page.inner_text("body") == expected  # Chromium sent it back
            assert page.goto(f"{url}/del").ok
            assert context.cookies() == []
            page.goto(f"{url}/get")
            assert page.inner_text("body") == "None"
    finally:
        context.close()


def test_django_engine_cannot_partition(tmp_path: Path) -> None:
    """Why the partitioned case is skipped for the engine: Django's set_cookie can't say it.

    Use a named session through the adapter (the "django" case) for CHIPS cookies.
    """
    configure()
    from django.http import HttpResponse

    with pytest.raises(TypeError):
        HttpResponse().set_cookie("x", "y", partitioned=True)  # type: ignore[call-arg]
