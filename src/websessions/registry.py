"""The per-request registry: one Session per name per request, saved together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import adapters as _adapters
from .adapters import Adapter, adapter_for_request, add_response_header
from .adapters import asgi as _asgi
from .adapters import wsgi as _wsgi
from .cookies import parse_cookie_header

if TYPE_CHECKING:
    from .session import Session

REGISTRY_KEY = "websessions.registry"


class Registry:
    """What one request knows about sessions: parsed cookies and open sessions."""

    __slots__ = ("_cookies", "adapter", "request", "sessions")

    def __init__(self, adapter: Adapter, request: Any) -> None:
        self.adapter = adapter
        self.request = request
        self.sessions: dict[str, Session] = {}
        self._cookies: dict[str, list[str]] | None = None

    def cookies(self, name: str) -> list[str]:
        """Values sent for cookie ``name``, in order; the header is parsed once."""
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = parse_cookie_header(self.adapter.cookie_headers(self.request))
        return cookies.get(name) or []

    def add_header(self, response: Any, name: str, value: str) -> None:
        if (
            self.adapter is _asgi.adapter
            and type(response) is dict
            and response.get("type") == "http.response.start"
            and type(response.get("headers")) is list
        ):
            # What add_response_header does for an ASGI request and its own message.
            response["headers"].append((_asgi.header_name(name), value.encode("latin-1")))
            return
        add_response_header(self.adapter, response, name, value)


def get_registry(request: Any) -> Registry:
    """The registry of ``request``, created on first use."""
    if type(request) is dict and not _adapters._custom:
        # An environ or a scope is its own state (what adapter_for_request
        # and the adapter's state() would say, without the calls).
        found: Registry | None = request.get(REGISTRY_KEY)
        if found is not None:
            return found
        if "REQUEST_METHOD" in request:
            found = request[REGISTRY_KEY] = Registry(_wsgi.adapter, request)
            return found
        if request.get("type") in ("http", "websocket"):
            found = request[REGISTRY_KEY] = Registry(_asgi.adapter, request)
            return found
    adapter = adapter_for_request(request)
    state = adapter.state(request)
    registry: Registry | None = state.get(REGISTRY_KEY)
    if registry is None:
        registry = state[REGISTRY_KEY] = Registry(adapter, request)
    return registry


def _failures(errors: list[Exception]) -> ExceptionGroup[Exception]:
    return ExceptionGroup(f"{len(errors)} session(s) failed to save", errors)


def save(request: Any, response: Any) -> None:
    """Save every session this request opened with ``store.get``, whatever its store.

    All are tried; if any failed, an :class:`ExceptionGroup` of those errors
    is raised afterwards.
    """
    errors: list[Exception] = []
    for session in list(get_registry(request).sessions.values()):
        try:
            session.save(request, response)
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise _failures(errors)


async def asave(request: Any, response: Any) -> None:
    """Async :func:`save`."""
    errors: list[Exception] = []
    for session in list(get_registry(request).sessions.values()):
        try:
            await session.asave(request, response)
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise _failures(errors)
