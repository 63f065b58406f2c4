"""A drop-in replacement for Starlette's ``SessionMiddleware``, on any websessions store.

::

    from starlette.middleware import Middleware
    from websessions.integrations.starlette import SessionMiddleware

    app = Starlette(routes=..., middleware=[Middleware(SessionMiddleware, store=store)])

``request.session`` is a plain ``dict``, as with Starlette's own middleware:
it is the values of the websessions session ``name``. When the response
starts, a non-empty session is saved (renewing its cookie), a session
emptied by the request deletes its cookie (and server-side record), and a
session that was empty and stayed empty sends nothing. Other sessions the
request opened with ``await store.aget(request, other_name)`` are saved too
(see :mod:`websessions.integrations.asgi`); ``Vary: Cookie`` is added to
responses that depend on a session.

Cookie attributes come from the store's :class:`~websessions.Options`:
``Options(max_age=14 * 86400, secure=False, same_site="Lax")`` is what
Starlette's defaults were. Pure ASGI; WebSocket connections get
``websocket.session`` to read, as with Starlette.
"""

from __future__ import annotations

from ..registry import REGISTRY_KEY, Registry
from ..stores.base import Store
from ._common import state_of
from .asgi import ASGIApp, Receive, Scope, Send
from .asgi import SessionMiddleware as _AutoSave

_INITIAL_KEY = "websessions.initially_empty"


class SessionMiddleware(_AutoSave):
    """``request.session`` backed by ``store``'s session ``name``; see the module docs."""

    def __init__(self, app: ASGIApp, store: Store, name: str = "session") -> None:
        super().__init__(app)
        self.store = store
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        values = (await self.store.aget(scope, self.name)).values
        scope["session"] = values
        scope[_INITIAL_KEY] = not values
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self.wrap_send(scope, send))

    def before_save(self, scope: Scope) -> None:
        registry = scope.get(REGISTRY_KEY)
        if not (isinstance(registry, Registry) and registry.request is scope):
            # Not the registry store.aget(scope) made: look it up the long way.
            registry = state_of(scope).get(REGISTRY_KEY)
            if registry is None:
                return
        session = registry.sessions.get(self.name)
        if session is None or session.store is not self.store:
            return
        values = scope.get("session")
        if values is not session.values:  # the app replaced scope["session"]
            session.values = dict(values or {})
        if session.values:
            return
        if scope.get(_INITIAL_KEY, True):
            # Empty before and after: nothing to send, as if no session was used.
            del registry.sessions[self.name]
        else:
            session.options.max_age = -1  # emptied by this request: delete the cookie
