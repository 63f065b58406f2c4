"""Request/response adapters: how each framework's objects carry cookies.

The adapter is picked from the request's type (cached per type); the
response may be any object some adapter recognises.
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from . import aiohttp, asgi, django, starlette, werkzeug, wsgi
from .base import Adapter

_adapters: list[Adapter] = [
    wsgi.adapter,
    asgi.adapter,
    django.adapter,
    aiohttp.adapter,
    werkzeug.adapter,
    starlette.adapter,
]
_by_type: dict[type, Adapter] = {}
_custom: list[Adapter] = []  # registered by users: they may claim dicts too


def register_adapter(adapter: Adapter) -> None:
    """Teach websessions another framework; it is tried before the built-in ones."""
    _adapters.insert(0, adapter)
    _custom.append(adapter)
    _by_type.clear()


def adapter_for_request(request: Any) -> Adapter:
    """The adapter for ``request``, or :class:`UsageError` naming what is supported."""
    cls = type(request)
    found = _by_type.get(cls)
    if found is not None:
        return found
    if cls is dict and not _custom:
        # Plain dicts aren't cached by type (an environ or a scope): tell them apart here.
        if "REQUEST_METHOD" in request:
            return wsgi.adapter
        if request.get("type") in ("http", "websocket"):
            return asgi.adapter
    for candidate in _adapters:
        if candidate.matches_request(request):
            if cls is not dict:  # a dict may be an environ or a scope
                _by_type[cls] = candidate
            return candidate
    raise UsageError(
        f"cannot read cookies from a {cls.__qualname__}: pass a WSGI environ, an ASGI "
        "scope, or a Werkzeug/Flask, Starlette/FastAPI, Django or aiohttp request, or "
        "register_adapter() one"
    )


def add_response_header(preferred: Adapter, response: Any, name: str, value: str) -> None:
    """Add a header to ``response``, trying the request's own adapter first."""
    if preferred.matches_response(response):
        preferred.add_header(response, name, value)
        return
    for candidate in _adapters:
        if candidate.matches_response(response):
            candidate.add_header(response, name, value)
            return
    raise UsageError(
        f"cannot add headers to a {type(response).__qualname__}: pass a WSGI headers list, "
        "an ASGI http.response.start message or headers list, or a Werkzeug/Flask, "
        "Starlette/FastAPI, Django or aiohttp response"
    )


__all__ = ["Adapter", "adapter_for_request", "add_response_header", "register_adapter"]
