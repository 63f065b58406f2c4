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
        # A bare list or message is the ASGI kind: headers as bytes.
        return isinstance(getattr(response, "raw_headers", None), list) or _asgi.matches_response(
            response
        )

    def add_header(self, response: Any, name: str, value: str) -> None:
        target = response.raw_headers if hasattr(response, "raw_headers") else response
        _asgi.add_header(target, name, value)


adapter = StarletteAdapter()
