"""WSGI middleware that saves every session of a request when the response starts.

For apps that open sessions with ``store.get(environ, name)`` and forget to
save them::

    from websessions.integrations.wsgi import SessionMiddleware

    app = SessionMiddleware(app)

When the app calls ``start_response``, each session the request opened and
did not save itself is saved into the response headers (see
:mod:`websessions.integrations._common` for the rule), and ``Vary: Cookie``
is added. A request that never opened a session passes through untouched;
so do error responses (status 500 and above): a failed request does not
persist half-made changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeAlias

from ._common import (
    pending_in,
    save_sessions,
    set_cookie_names,
    state_of,
    used_sessions_in,
    vary_with_cookie,
)

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse: TypeAlias = Callable[..., Callable[[bytes], object]]
WSGIApp: TypeAlias = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def finish_response(environ: dict[str, Any], status: str, headers: list[tuple[str, str]]) -> None:
    """Save the request's pending sessions into a WSGI ``headers`` list, add ``Vary``."""
    state = state_of(environ)
    if not used_sessions_in(state) or _status_code(status) >= 500:
        return
    in_response = set_cookie_names(v for k, v in headers if k.lower() == "set-cookie")
    save_sessions(environ, headers, pending_in(state, in_response), state)
    add_vary(headers)


def add_vary(headers: list[tuple[str, str]]) -> None:
    """Make a WSGI headers list say ``Vary: Cookie``."""
    for i, (key, value) in enumerate(headers):
        if key.lower() == "vary":
            new = vary_with_cookie(value)
            if new is not None:
                headers[i] = (key, new)
            return
    headers.append(("Vary", "Cookie"))


def _status_code(status: str) -> int:
    try:
        return int(status.split(None, 1)[0])
    except (ValueError, IndexError):
        return 0


class SessionMiddleware:
    """Wrap a WSGI app so the sessions each request opened are saved for it."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            if exc_info is None:
                finish_response(environ, status, headers)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
