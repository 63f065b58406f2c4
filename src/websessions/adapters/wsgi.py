"""Plain WSGI: the request is the environ, the response the headers list for start_response."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any


class WSGIAdapter:
    name = "wsgi"

    def matches_request(self, request: Any) -> bool:
        return type(request) is dict and "REQUEST_METHOD" in request

    def cookie_headers(self, request: Any) -> list[str]:
        header = request.get("HTTP_COOKIE")
        return [header] if header else []

    def state(self, request: Any) -> MutableMapping[str, Any]:
        return request  # type: ignore[no-any-return]

    def matches_response(self, response: Any) -> bool:
        return type(response) is list and (not response or type(response[0][0]) is str)

    def add_header(self, response: Any, name: str, value: str) -> None:
        response.append((name, value))


adapter = WSGIAdapter()
