"""Plain ASGI: the request is the scope; the response is the ``http.response.start``
message or its headers list."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

_SCOPE_TYPES = ("http", "websocket")


class ASGIAdapter:
    name = "asgi"

    def matches_request(self, request: Any) -> bool:
        return type(request) is dict and request.get("type") in _SCOPE_TYPES

    def cookie_headers(self, request: Any) -> list[str]:
        return [
            v.decode("latin-1") for k, v in request.get("headers", ()) if k.lower() == b"cookie"
        ]

    def state(self, request: Any) -> MutableMapping[str, Any]:
        return request  # type: ignore[no-any-return]

    def matches_response(self, response: Any) -> bool:
        if type(response) is dict:
            return response.get("type") == "http.response.start"
        return type(response) is list and (not response or type(response[0][0]) is bytes)

    def add_header(self, response: Any, name: str, value: str) -> None:
        if type(response) is dict:
            headers = response.get("headers")
            if type(headers) is not list:
                headers = response["headers"] = list(headers or ())
            response = headers
        response.append((name.lower().encode("latin-1"), value.encode("latin-1")))


adapter = ASGIAdapter()
