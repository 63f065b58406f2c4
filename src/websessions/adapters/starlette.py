"""Starlette and FastAPI: the state lives in ``request.scope``; responses get
``raw_headers`` appended. Duck-typed: nothing is imported."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from .asgi import adapter as _asgi


class StarletteAdapter:
    name = "starlette"

    def matches_request(self, request: Any) -> bool:
        return isinstance(getattr(request, "scope", None), dict)

    def cookie_headers(self, request: Any) -> list[str]:
        return _asgi.cookie_headers(request.scope)

    def state(self, request: Any) -> MutableMapping[str, Any]:
        return request.scope  # type: ignore[no-any-return]

    def matches_response(self, response: Any) -> bool:
        return isinstance(getattr(response, "raw_headers", None), list)

    def add_header(self, response: Any, name: str, value: str) -> None:
        response.raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))


adapter = StarletteAdapter()
