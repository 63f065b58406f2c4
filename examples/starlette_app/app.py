"""Starlette on websessions: ``request.session`` from the drop-in SessionMiddleware.

Run it with any ASGI server, e.g. ``uvicorn examples.starlette_app.app:app``.
Sessions live in files (a FilesystemStore); the cookie holds a signed ID only.
"""

from __future__ import annotations

import os
import tempfile

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

import websessions as ws
from websessions.integrations.starlette import SessionMiddleware

SESSIONS_DIR = os.environ.get("SESSIONS_DIR") or tempfile.mkdtemp(prefix="starlette-sessions-")
store = ws.FilesystemStore(
    SESSIONS_DIR,
    ws.generate_random_key(32),
    ws.generate_random_key(32),
    options=ws.Options(secure=False, max_age=14 * 86400),
)
flashes = ws.CookieStore(ws.generate_random_key(32), options=ws.Options(secure=False, max_age=0))


async def index(request: Request) -> JSONResponse:
    request.session["visits"] = request.session.get("visits", 0) + 1
    messages = (await flashes.aget(request, "flash")).flashes()
    return JSONResponse(
        {
            "user": request.session.get("user"),
            "visits": request.session["visits"],
            "messages": messages,
        }
    )


async def login(request: Request) -> RedirectResponse:
    user = str((await request.json())["user"])  # form parsing needs python-multipart
    request.session["user"] = user
    (await flashes.aget(request, "flash")).add_flash(f"Welcome, {user}!")
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> RedirectResponse:
    request.session.clear()  # deletes the cookie and the file
    return RedirectResponse("/", status_code=303)


app = Starlette(
    routes=[
        Route("/", index),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ],
    middleware=[Middleware(SessionMiddleware, store=store)],
)
