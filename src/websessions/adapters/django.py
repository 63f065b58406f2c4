"""Django: ``request.META`` holds the state; cookies go into ``response.cookies``.

Nothing is imported from Django: a request is recognised only once Django's
``django.http`` is loaded. A Django REST framework ``Request`` (which wraps
an ``HttpRequest``) works too.

Django writes ``Set-Cookie`` headers from ``response.cookies`` only, so a
header websessions formats is stored there as a morsel that prints exactly
that header (``Partitioned`` included, which ``http.cookies`` can't say).
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from http.cookies import BaseCookie, Morsel
from typing import Any

# Morsel attributes http.cookies knows, from a formatted header's attributes.
_ATTRIBUTES = {
    "path": "path",
    "domain": "domain",
    "expires": "expires",
    "max-age": "max-age",
    "httponly": "httponly",
    "secure": "secure",
    "samesite": "samesite",
}


class SetCookieMorsel(Morsel[str]):
    """A morsel whose output is a Set-Cookie header formatted by websessions."""

    def __init__(self, header: str) -> None:
        super().__init__()
        pair, _, attributes = header.partition(";")
        name, _, value = pair.partition("=")
        self.header = header
        self.set(name, value.strip('"'), value)
        for attribute in attributes.split(";"):
            key, _, attr_value = attribute.strip().partition("=")
            known = _ATTRIBUTES.get(key.lower())
            if known is not None:
                dict.__setitem__(self, known, attr_value or True)

    def OutputString(self, attrs: Any = None) -> str:
        return self.header

    def __getstate__(self) -> dict[str, Any]:
        return {"header": self.header}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["header"])  # type: ignore[misc]

    def __reduce__(self) -> tuple[Any, ...]:
        return (SetCookieMorsel, (self.header,))


def _http_request(request: Any) -> Any:
    module = sys.modules.get("django.http.request")
    if module is None:
        return None
    if isinstance(request, module.HttpRequest):
        return request
    inner = getattr(request, "_request", None)  # Django REST framework's Request
    return inner if isinstance(inner, module.HttpRequest) else None


class DjangoAdapter:
    name = "django"

    def matches_request(self, request: Any) -> bool:
        return _http_request(request) is not None

    def cookie_headers(self, request: Any) -> list[str]:
        header = _http_request(request).META.get("HTTP_COOKIE")
        return [header] if header else []

    def state(self, request: Any) -> MutableMapping[str, Any]:
        meta: MutableMapping[str, Any] = _http_request(request).META
        return meta

    def matches_response(self, response: Any) -> bool:
        module = sys.modules.get("django.http.response")
        return module is not None and isinstance(response, module.HttpResponseBase)

    def add_header(self, response: Any, name: str, value: str) -> None:
        if name.lower() == "set-cookie":
            morsel = SetCookieMorsel(value)
            cookies: BaseCookie[str] = response.cookies
            cookies[morsel.key] = morsel
        elif name in response.headers:
            response.headers[name] = f"{response.headers[name]}, {value}"
        else:
            response.headers[name] = value


adapter = DjangoAdapter()
