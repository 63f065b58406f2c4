"""Whole requests, in-process: what a session costs a Starlette, Flask or Django request.

Every candidate is one GET through the framework's own app callable, driven
directly (no server, no test client): a fresh WSGI environ or ASGI scope
each call, a synchronous driver for the ASGI coroutine (nothing in these
apps awaits real I/O, so one ``send(None)`` runs the request to its end).
The request carries the cookie of the SMALL session, in each library's own
format (made by a seeding request through the same app), and the view
changes one value (``session["visits"] += 1``), so every request decodes,
re-encodes and sends a ``Set-Cookie``.

Each group has the framework's bare route as its floor (the same request,
no session machinery): a row's median minus the floor's is its *session
cost*, which ``benchmarks.run`` tabulates next to the peer's.

The cookie rows compare like with like: websessions' ``CookieStore`` signs
only (``hash+AES-256`` rows add encryption), as Starlette's, Flask's and
Django's cookie sessions do. The server-side group puts Flask-Session's
cachelib ``FileSystemCache`` next to ``FilesystemStore`` (each with its
defaults: Flask-Session's session IDs are unsigned, websessions' signed);
more backends (Redis) join it by adding to :data:`SERVER_SIDE`, and any
benchmark group with "request" in its name, a floor and a websessions row
gets a line in the session cost table too.
"""

from __future__ import annotations

import functools
import io
import sys
import tempfile
import types
from collections.abc import Callable, Coroutine
from typing import Any

import websessions as ws
from benchmarks.harness import Candidate
from benchmarks.payloads import BLOCK_KEY, HASH_KEY, SMALL

# benchmarks.run's session cost table finds its groups and rows by these (it has
# its own copy of both, as it runs without this module too).
REQUEST_PREFIX = "request: "
OURS_PREFIX = "websessions"
BARE = "bare route (floor)"

# -- drivers ------------------------------------------------------------------


def _run_sync(coro: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never suspends (its awaits all complete at once)."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("the app awaited real I/O: this driver can't run it")


def _asgi_scope(path: str, cookie: str | None) -> dict[str, Any]:
    headers = [(b"host", b"testserver"), (b"user-agent", b"bench")]
    if cookie:
        headers.append((b"cookie", cookie.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


class ASGIRequest:
    """One GET through an ASGI app; ``last`` keeps the last response start message."""

    def __init__(
        self, app: Callable[..., Coroutine[Any, Any, None]], path: str, cookie: str | None
    ):
        self.app = app
        self.scope = _asgi_scope(path, cookie)
        self.last: dict[str, Any] = {}

    async def _receive(self) -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.last = message

    def __call__(self) -> None:
        _run_sync(self.app(dict(self.scope), self._receive, self._send))

    def status(self) -> int:
        return int(self.last["status"])

    def set_cookies(self) -> list[str]:
        return [v.decode("latin-1") for k, v in self.last["headers"] if k.lower() == b"set-cookie"]


def _wsgi_environ(path: str, cookie: str | None) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": "bench",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


class WSGIRequest:
    """One GET through a WSGI app, its body consumed and closed as a server would."""

    def __init__(self, app: Callable[..., Any], path: str, cookie: str | None):
        self.app = app
        self.environ = _wsgi_environ(path, cookie)
        self.last: tuple[str, list[tuple[str, str]]] = ("", [])

    def _start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        self.last = (status, headers)
        return _write

    def __call__(self) -> None:
        result = self.app(self.environ.copy(), self._start_response)
        try:
            for _ in result:
                pass
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def status(self) -> int:
        return int(self.last[0].split(None, 1)[0])

    def set_cookies(self) -> list[str]:
        return [v for k, v in self.last[1] if k.lower() == "set-cookie"]


def _write(data: bytes) -> None:
    return None


Request = ASGIRequest | WSGIRequest


def _seed(make: Callable[[str, str | None], Request]) -> str:
    """The ``Cookie`` header for the SMALL session, as the app itself sets it."""
    seed = make("/seed", None)
    seed()
    cookies = seed.set_cookies()
    if seed.status() != 200 or len(cookies) != 1:
        raise RuntimeError(f"seeding failed: {seed.status()} {cookies}")
    return cookies[0].split(";", 1)[0]


def _checked(request: Request, *, saves: bool) -> Request:
    """Fail early on a request that errors, or that doesn't send the cookie it should."""
    request()
    if request.status() != 200:
        raise RuntimeError(f"benchmark request failed with {request.status()}")
    if saves and len(request.set_cookies()) != 1:
        raise RuntimeError(f"expected one Set-Cookie, got {request.set_cookies()}")
    return request


def _visit(session: Any) -> None:
    """What every session view does: change one value."""
    session["visits"] = session.get("visits", 0) + 1


def _cookie_store(encrypt: bool = False, **options: Any) -> ws.CookieStore:
    opts = ws.Options(secure=False, **options)
    if encrypt:
        return ws.CookieStore(HASH_KEY, BLOCK_KEY, options=opts)
    return ws.CookieStore(HASH_KEY, options=opts)


def _rows(
    make: Callable[[Any, str, str | None], Request],
    bare_app: Any,
    apps: dict[str, Any],
    *,
    bare_path: str = "/bare",
) -> list[tuple[str, Request, bool]]:
    """``(label, request, is_floor)``: the bare route first, then one row per app.

    The bare route carries the first websessions app's cookie (ignored).
    """
    cookies = {label: _seed(functools.partial(make, app)) for label, app in apps.items()}
    ours = next(label for label in apps if label.startswith(OURS_PREFIX))
    rows: list[tuple[str, Request, bool]] = [
        (BARE, _checked(make(bare_app, bare_path, cookies[ours]), saves=False), True)
    ]
    for label, app in apps.items():
        rows.append((label, _checked(make(app, "/visit", cookies[label]), saves=True), False))
    return rows


# -- Starlette ------------------------------------------------------------------


def _starlette_app(middleware: list[Any], *, floor: bool = False) -> Any:
    """A Starlette app; with ``floor``, ``/visit`` is the bare view.

    Starlette tries its routes in order, a regex each, so the floor requests
    ``/visit`` from that app: the same routing work as the session rows'
    ``/visit`` (``/bare``, the first route, costs about 1 µs less).
    """
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def bare(request: StarletteRequest) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def seed(request: StarletteRequest) -> PlainTextResponse:
        request.session.update(SMALL)
        return PlainTextResponse("ok")

    async def visit(request: StarletteRequest) -> PlainTextResponse:
        _visit(request.session)
        return PlainTextResponse("ok")

    routes = [Route("/bare", bare), Route("/seed", seed), Route("/visit", bare if floor else visit)]
    return Starlette(routes=routes, middleware=middleware)


def _starlette() -> list[tuple[str, Request, bool]]:
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware as StarletteSessions

    from websessions.integrations.starlette import SessionMiddleware

    def ours(encrypt: bool) -> Any:
        # Starlette's defaults: two weeks, SameSite=Lax, not https-only.
        store = _cookie_store(encrypt, max_age=14 * 86400)
        return _starlette_app([Middleware(SessionMiddleware, store=store)])

    apps = {
        f"{OURS_PREFIX} (signed)": ours(False),
        f"{OURS_PREFIX} (hash+AES-256)": ours(True),
        "Starlette SessionMiddleware": _starlette_app(
            [Middleware(StarletteSessions, secret_key=HASH_KEY.hex())]
        ),
    }
    return _rows(ASGIRequest, _starlette_app([], floor=True), apps, bare_path="/visit")


# -- Flask ----------------------------------------------------------------------


def _flask_app(configure: Callable[[Any], object] | None = None) -> Any:
    """A Flask app; without ``configure`` it has no secret key, so Flask's
    session interface opens a null session and never saves: the bare floor."""
    from flask import Flask, session

    app = Flask("bench")

    @app.get("/bare")
    def bare() -> str:
        return "ok"

    @app.get("/seed")
    def seed() -> str:
        session.update(SMALL)
        return "ok"

    @app.get("/visit")
    def visit() -> str:
        _visit(session)
        return "ok"

    if configure is not None:
        configure(app)
    return app


def _flask() -> list[tuple[str, Request, bool]]:
    from websessions.integrations.flask import Sessions

    def default(app: Any) -> None:
        app.secret_key = HASH_KEY.hex()

    apps = {
        f"{OURS_PREFIX} (signed)": _flask_app(lambda app: Sessions(app, store=_cookie_store())),
        f"{OURS_PREFIX} (hash+AES-256)": _flask_app(
            lambda app: Sessions(app, store=_cookie_store(True))
        ),
        "Flask default session": _flask_app(default),
    }
    return _rows(WSGIRequest, _flask_app(), apps)


# -- Django -----------------------------------------------------------------------


def _django() -> list[tuple[str, Request, bool]]:
    import django
    from django.apps import apps as django_apps
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpRequest, HttpResponse
    from django.urls import path

    if not settings.configured:  # benchmarks.codecs may have configured it already
        settings.configure(SECRET_KEY=HASH_KEY.hex())
    if not django_apps.ready:
        django.setup(set_prefix=False)

    def bare(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    def seed(request: HttpRequest) -> HttpResponse:
        request.session.update(SMALL)
        return HttpResponse("ok")

    def visit(request: HttpRequest) -> HttpResponse:
        _visit(request.session)
        return HttpResponse("ok")

    urls = types.ModuleType("benchmarks._request_urls")
    urls.urlpatterns = [path("bare", bare), path("seed", seed), path("visit", visit)]  # type: ignore[attr-defined]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.WEBSESSIONS_STORE = _cookie_store(max_age=settings.SESSION_COOKIE_AGE)

    def handler(engine: str | None) -> WSGIHandler:
        # Each handler keeps the middleware (and the session engine) of its making.
        if engine is None:
            settings.MIDDLEWARE = []
        else:
            settings.MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
            settings.SESSION_ENGINE = engine
        return WSGIHandler()

    apps = {
        f"{OURS_PREFIX} (signed)": handler("websessions.integrations.django"),
        "Django signed_cookies engine": handler("django.contrib.sessions.backends.signed_cookies"),
    }
    return _rows(WSGIRequest, handler(None), apps)


# -- Flask, server-side ----------------------------------------------------------


def _tempdir() -> str:
    import atexit
    import shutil

    path = tempfile.mkdtemp(prefix="ws-bench-requests-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _flask_filesystem() -> dict[str, Any] | None:
    from cachelib.file import FileSystemCache
    from flask_session import Session as FlaskSession  # type: ignore[import-untyped]

    from websessions.integrations.flask import Sessions

    def peer(app: Any) -> None:
        app.config.update(
            SESSION_TYPE="cachelib", SESSION_CACHELIB=FileSystemCache(_tempdir(), threshold=500)
        )
        FlaskSession(app)

    # Flask-Session's sessions are permanent by default: so are these.
    store = ws.FilesystemStore(_tempdir(), HASH_KEY, options=ws.Options(secure=False))
    return {
        f"{OURS_PREFIX} FilesystemStore": _flask_app(
            lambda app: Sessions(app, store=store, permanent=True)
        ),
        "Flask-Session (cachelib FileSystemCache)": _flask_app(peer),
    }


SERVER_SIDE: dict[str, Callable[[], dict[str, Any] | None]] = {
    "filesystem": _flask_filesystem,
    # Redis goes here once RedisStore lands: "redis": a function returning
    # {"websessions RedisStore": <Flask app with Sessions(store=RedisStore(...),
    # permanent=True)>, "Flask-Session (redis)": <Flask app with SESSION_TYPE="redis">},
    # or None when no Redis server answers on loopback (the group is then left out).
}
"""Backend -> the Flask apps of one server-side group (websessions' first)."""


# -- candidates ---------------------------------------------------------------------


def _server_side() -> dict[str, list[tuple[str, Request, bool]]]:
    groups = {}
    for backend, make in SERVER_SIDE.items():
        apps = make()
        if apps:
            groups[f"Flask server-side sessions ({backend})"] = _rows(
                WSGIRequest, _flask_app(), apps
            )
    return groups


def candidates() -> list[Candidate]:
    groups: dict[str, Callable[[], list[tuple[str, Request, bool]]]] = {
        "Starlette cookie sessions": _starlette,
        "Flask cookie sessions": _flask,
        "Django cookie sessions": _django,
    }
    built = {name: make() for name, make in groups.items()}
    built.update(_server_side())
    return [
        Candidate(REQUEST_PREFIX + group, label, request, baseline=floor)
        for group, rows in built.items()
        for label, request, floor in rows
    ]
