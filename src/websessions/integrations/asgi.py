"""ASGI middleware that saves every session of a request when the response starts.

Pure ASGI (it wraps ``send``; no ``BaseHTTPMiddleware``), so streaming,
background tasks and ``contextvars`` behave as without it::

    from websessions.integrations.asgi import SessionMiddleware

    app = SessionMiddleware(app)          # or app.add_middleware(SessionMiddleware)

On ``http.response.start``, each session the request opened (with
``await store.aget(scope_or_request, name)``) and did not save itself is
saved into the message's headers, and ``Vary: Cookie`` is added. A request
that never opened a session passes through untouched, and so do error
responses (status 500 and above). Saving is async (server-side stores do
their I/O without blocking the loop).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeAlias

from ..session import Session
from ._common import (
    asave_sessions,
    pending_in,
    saved_names,
    set_cookie_names,
    state_of,
    used_sessions_in,
    vary_with_cookie,
)

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[..., Awaitable[None]]  # (scope, receive, send)

MIDDLEWARE_KEY = "websessions.middleware"
"""Scope key set by the middleware: its per-request state (headers queued, started)."""


class RequestState:
    """What the middleware knows about one request in flight."""

    __slots__ = ("headers", "started")

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []  # Set-Cookie headers saved early
        self.started = False


def request_state(scope: Scope) -> RequestState | None:
    """The middleware's state for this request, or ``None`` without the middleware."""
    state = scope.get(MIDDLEWARE_KEY)
    return state if isinstance(state, RequestState) else None


async def save_early(scope: Scope, session: Session) -> bool:
    """Save ``session`` now, before the response starts; its cookie is sent when it does.

    Returns whether it was saved now. A session saved already, or whose
    response has started (then the middleware saved it), is left alone.
    Needs the middleware.
    """
    state = request_state(scope)
    if state is None or state.started or session.name in saved_names(scope):
        return False
    if session.is_new and not session.values and session.options.max_age >= 0:
        return False  # nothing to persist
    sink: dict[str, Any] = {"type": "http.response.start", "headers": state.headers}
    await asave_sessions(scope, sink, [session])
    return True


class SessionMiddleware:
    """Wrap an ASGI app so the sessions each request opened are saved for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self.wrap_send(scope, send))

    def wrap_send(self, scope: Scope, send: Send) -> Send:
        """Start tracking this request; the ``send`` that saves its sessions on response start."""
        state = scope[MIDDLEWARE_KEY] = RequestState()

        async def send_wrapper(message: Message) -> None:
            if not state.started and message["type"] == "http.response.start":
                state.started = True
                message = await self.finish(scope, message, state)
            await send(message)

        return send_wrapper

    def before_save(self, scope: Scope) -> None:
        """Hook for subclasses: runs when the response starts, before saving."""

    async def finish(self, scope: Scope, message: Message, state: RequestState) -> Message:
        """The ``http.response.start`` message to send, with the sessions' cookies."""
        if message.get("status", 200) >= 500:
            return message
        self.before_save(scope)
        request = state_of(scope)
        if not state.headers and not used_sessions_in(request):
            return message  # no session used: the response doesn't depend on cookies
        headers = list(message.get("headers") or ())
        headers.extend(state.headers)
        message = {**message, "headers": headers}
        in_response = set_cookie_names(
            v.decode("latin-1") for k, v in headers if k.lower() == b"set-cookie"
        )
        sessions = pending_in(request, in_response)
        if sessions:
            await asave_sessions(scope, message, sessions, request)
        add_vary(message["headers"])
        return message


def add_vary(headers: list[tuple[bytes, bytes]]) -> None:
    """Make an ASGI headers list say ``Vary: Cookie``."""
    for i, (key, value) in enumerate(headers):
        if key.lower() == b"vary":
            new = vary_with_cookie(value.decode("latin-1"))
            if new is not None:
                headers[i] = (key, new.encode("latin-1"))
            return
    headers.append((b"vary", b"Cookie"))
