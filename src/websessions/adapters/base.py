"""What an adapter tells websessions about one framework's request and response."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any, Protocol


class Adapter(Protocol):
    """Reads cookies from a request, keeps per-request state, adds response headers.

    Implement this to support another framework, then pass an instance to
    :func:`websessions.adapters.register_adapter`. Import the framework
    lazily (or not at all: duck typing is enough).
    """

    name: str

    def matches_request(self, request: Any) -> bool:
        """Whether ``request`` is this framework's request object."""
        ...

    def cookie_headers(self, request: Any) -> Iterable[str]:
        """The raw value of each ``Cookie`` header field, as text."""
        ...

    def state(self, request: Any) -> MutableMapping[str, Any]:
        """A mapping that lives exactly as long as the request."""
        ...

    def matches_response(self, response: Any) -> bool:
        """Whether ``response`` is something :meth:`add_header` can write to."""
        ...

    def add_header(self, response: Any, name: str, value: str) -> None:
        """Add (never replace) a response header."""
        ...
