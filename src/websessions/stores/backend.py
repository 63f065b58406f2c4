"""The small interface a server-side backend implements: bytes by session ID."""

from __future__ import annotations

import abc
import asyncio


class Backend(abc.ABC):
    """Loads, saves and deletes opaque records by session ID.

    IDs reach a backend already validated (base32, 52 characters), so they
    are safe in file names and keys. Raise :class:`~websessions.StoreError`
    for I/O failures. The async methods run the sync ones in a worker
    thread; a backend with a native async client overrides them.
    """

    @abc.abstractmethod
    def load(self, session_id: str) -> bytes | None:
        """The record, or ``None`` if there is none (never stored, deleted, expired)."""

    @abc.abstractmethod
    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        """Store the record atomically, to expire after ``ttl`` seconds (0: never)."""

    @abc.abstractmethod
    def delete(self, session_id: str) -> None:
        """Delete the record; deleting a missing one is not an error."""

    async def aload(self, session_id: str) -> bytes | None:
        return await asyncio.to_thread(self.load, session_id)

    async def asave(self, session_id: str, data: bytes, ttl: int) -> None:
        await asyncio.to_thread(self.save, session_id, data, ttl)

    async def adelete(self, session_id: str) -> None:
        await asyncio.to_thread(self.delete, session_id)
