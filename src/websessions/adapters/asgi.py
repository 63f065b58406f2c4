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
        found = []
        for k, v in request.get("headers", ()):
            # Servers send names in lower case (the ASGI spec): lower() only what may match.
            if k == b"cookie" or (len(k) == 6 and k.lower() == b"cookie"):
                found.append(v.decode("latin-1"))
        return found

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
        response.append((header_name(name), value.encode("latin-1")))


_NAMES = {"Set-Cookie": b"set-cookie", "Vary": b"vary"}


def header_name(name: str) -> bytes:
    """An ASGI header name: lower case, as bytes."""
    return _NAMES.get(name) or name.lower().encode("latin-1")


adapter = ASGIAdapter()
