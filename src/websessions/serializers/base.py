"""The serializer interface every codec and store accepts as ``serializer=``."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Serializer(Protocol):
    """Turns session values into bytes and back.

    ``dumps`` raises :class:`~websessions.UsageError` for a value it cannot
    represent. ``loads`` may raise anything on bad input: the codec only calls
    it on MAC-verified bytes and wraps any failure in
    :class:`~websessions.DeserializeFailed`.
    """

    def dumps(self, value: Any) -> bytes:
        """Serialize ``value``."""
        ...

    def loads(self, data: bytes) -> Any:
        """Deserialize bytes produced by ``dumps`` (here or in a peer)."""
        ...
