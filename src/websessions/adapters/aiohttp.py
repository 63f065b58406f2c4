"""aiohttp: the state lives in the request's own storage; ``response.headers.add``.

Nothing is imported from aiohttp: a request is recognised only once
``aiohttp.web`` is loaded.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from typing import Any


def _state_key() -> Any:
    """The request storage key: a ``web.RequestKey`` where aiohttp has them (it warns
    on str keys). Made in the integration module, at module level as aiohttp
    requires; imported only once an aiohttp request is seen, so aiohttp is loaded."""
    from ..integrations.aiohttp import STATE_KEY

    return STATE_KEY


class AiohttpAdapter:
    name = "aiohttp"

    def matches_request(self, request: Any) -> bool:
        module = sys.modules.get("aiohttp.web_request")
        return module is not None and isinstance(request, module.BaseRequest)

    def cookie_headers(self, request: Any) -> list[str]:
        headers: list[str] = request.headers.getall("Cookie", [])
        return headers

    def state(self, request: Any) -> MutableMapping[str, Any]:
        key = _state_key()
        state: MutableMapping[str, Any] | None = request.get(key)
        if state is None:
            state = request[key] = {}
        return state

    def matches_response(self, response: Any) -> bool:
        module = sys.modules.get("aiohttp.web_response")
        return module is not None and isinstance(response, module.StreamResponse)

    def add_header(self, response: Any, name: str, value: str) -> None:
        response.headers.add(name, value)


adapter = AiohttpAdapter()
