"""aiohttp on websessions: ``await store.aget(request, name)`` in handlers.

Run it: ``python -m examples.aiohttp_app.app`` and open http://localhost:8080/.
"""

from __future__ import annotations

from aiohttp import web

import websessions as ws
from websessions.integrations import aiohttp as ws_aiohttp

store = ws.CookieStore(
    ws.generate_random_key(32), ws.generate_random_key(32), options=ws.Options(secure=False)
)


async def index(request: web.Request) -> web.Response:
    session = await store.aget(request, "session")
    session.values["visits"] = session.values.get("visits", 0) + 1
    return web.json_response(
        {
            "user": session.values.get("user"),
            "visits": session.values["visits"],
            "messages": session.flashes(),
        }
    )


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    session = await store.aget(request, "session")
    user = str(form["user"])
    session.values["user"] = user
    session.add_flash(f"Welcome, {user}!")
    raise web.HTTPSeeOther("/")  # the redirect carries the cookie


async def logout(request: web.Request) -> web.Response:
    (await store.aget(request, "session")).options.max_age = -1
    raise web.HTTPSeeOther("/")


def make_app() -> web.Application:
    app = web.Application()
    ws_aiohttp.setup(app)  # saves every session a request used, as its response starts
    app.router.add_get("/", index)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="localhost", port=8080)
