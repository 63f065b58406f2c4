"""A FastAPI dependency that yields a named session and saves it after the endpoint.

::

    from typing import Annotated
    from fastapi import Depends, FastAPI
    import websessions as ws
    from websessions.integrations.asgi import SessionMiddleware
    from websessions.integrations.fastapi import session_dependency

    app = FastAPI()
    app.add_middleware(SessionMiddleware)      # required: it sends the cookies
    Cart = Annotated[ws.Session, Depends(session_dependency(store, "cart"))]

    @app.post("/cart")
    async def add(item: str, cart: Cart) -> dict[str, int]:
        cart.values.setdefault("items", []).append(item)
        return {"count": len(cart.values["items"])}

The session is opened with ``await store.aget(request, name)``, so the
endpoint and other dependencies asking for the same name share it. When the
endpoint returns, the dependency saves it (server-side stores write their
record then, and errors surface as the endpoint's); its ``Set-Cookie`` is
sent by the middleware when the response starts. If the endpoint raises
(``HTTPException`` included), the session is not saved. With FastAPI's
request-scoped dependencies, whose exit code runs after the response was
sent, the middleware saves it as the response starts instead. Either
:class:`websessions.integrations.asgi.SessionMiddleware` or
:class:`websessions.integrations.starlette.SessionMiddleware` will do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from starlette.requests import Request

from ..errors import UsageError
from ..session import Session
from ..stores.base import Store
from ._common import saved_names
from .asgi import request_state, save_early


def session_dependency(store: Store, name: str) -> Callable[[Request], AsyncIterator[Session]]:
    """A dependency yielding the request's session ``name`` from ``store``; saves it after."""

    async def dependency(request: Request) -> AsyncIterator[Session]:
        if request_state(request.scope) is None:
            raise UsageError(
                "session_dependency needs websessions' ASGI middleware to send its cookie: "
                "app.add_middleware(websessions.integrations.asgi.SessionMiddleware)"
            )
        session = await store.aget(request, name)
        try:
            yield session
        except BaseException:
            # The endpoint failed: its changes are dropped, as a transaction's would be.
            saved_names(request.scope).add(session.name)
            raise
        await save_early(request.scope, session)

    dependency.__name__ = f"session_{name}"
    return dependency
