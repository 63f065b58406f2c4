"""Werkzeug and Flask: ``request.environ`` holds the state; ``response.headers.add``.

Duck-typed, so Flask's ``request`` proxy works and nothing is imported.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any


class WerkzeugAdapter:
    name = "werkzeug"

    def matches_request(self, request: Any) -> bool:
        return isinstance(getattr(request, "environ", None), dict)

    def cookie_headers(self, request: Any) -> list[str]:
        header = request.environ.get("HTTP_COOKIE")
        return [header] if header else []

    def state(self, request: Any) -> MutableMapping[str, Any]:
        return request.environ  # type: ignore[no-any-return]

    def matches_response(self, response: Any) -> bool:
        headers = getattr(response, "headers", None)
        return callable(getattr(headers, "add", None)) and not hasattr(response, "raw_headers")

    def add_header(self, response: Any, name: str, value: str) -> None:
        response.headers.add(name, value)


adapter = WerkzeugAdapter()
