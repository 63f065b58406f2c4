"""aiohttp: ``await store.aget(request, name)`` in handlers, saved as the response starts.

::

    from aiohttp import web
    from websessions.integrations import aiohttp as ws_aiohttp

    app = web.Application()
    ws_aiohttp.setup(app)

    async def handler(request: web.Request) -> web.Response:
        session = await store.aget(request, "session")
        session.values["visits"] = session.values.get("visits", 0) + 1
        return web.Response(text=str(session.values["visits"]))

:func:`setup` saves, when each response is prepared, the sessions the
request opened and did not save itself (see
:mod:`websessions.integrations._common`), and adds ``Vary: Cookie``. That
covers returned responses, raised ``HTTPException`` responses (a redirect
after login keeps its cookie) and streamed responses alike. Saving is async.
Or put :data:`middleware` in ``web.Application(middlewares=[...])``: it
saves into the response a handler returns or raises, unless that response
was already prepared (streamed) — prefer :func:`setup`, which sees those too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import hdrs, web

from ._common import asave_sessions, pending, set_cookie_names, used_sessions, vary_with_cookie

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Where the adapter keeps a request's state (aiohttp warns on plain str keys).
STATE_KEY: Any = (
    web.RequestKey("websessions", dict) if hasattr(web, "RequestKey") else "websessions"
)


async def save_response(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """Save the request's pending sessions into ``response``, whose headers are not yet sent.

    The ``on_response_prepare`` signal handler that :func:`setup` installs.
    """
    if not used_sessions(request) or response.status >= 500:
        return
    in_response = set_cookie_names(response.headers.getall(hdrs.SET_COOKIE, []))
    in_response.update(response.cookies)
    await asave_sessions(request, response, pending(request, in_response))
    vary = vary_with_cookie(response.headers.get(hdrs.VARY))
    if vary is not None:
        response.headers[hdrs.VARY] = vary


def setup(app: web.Application) -> None:
    """Save each request's sessions as its response is prepared."""
    app.on_response_prepare.append(save_response)


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Save the request's sessions into the response its handler returns or raises."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        await save_response(request, exc)
        raise
    if not response.prepared:
        await save_response(request, response)
    return response
