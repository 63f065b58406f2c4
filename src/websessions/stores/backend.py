"""The small interface a server-side backend implements: bytes by session ID."""

from __future__ import annotations

import abc
import asyncio


class Backend(abc.ABC):
    """Loads, saves and deletes opaque records by session ID.

    Three methods are required: :meth:`load`, :meth:`save` and
    :meth:`delete`. IDs reach a backend already validated (base32, 52
    characters), so they are safe in file names and keys; ``ttl`` is always
    at least one second. Raise :class:`~websessions.StoreError` for I/O
    failures.

    One more is recommended: :meth:`save_if`, an atomic compare-and-set.
    With it, concurrent requests of one user never lose each other's
    updates; without it the store re-reads the record just before writing,
    which narrows the window but cannot close it.

    The async methods run the sync ones in a worker thread
    (:func:`asyncio.to_thread`); a backend with a native async client
    overrides them.
    """

    @abc.abstractmethod
    def load(self, session_id: str) -> bytes | None:
        """The record, or ``None`` if there is none (never stored, deleted, expired)."""

    @abc.abstractmethod
    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        """Store the record atomically, to expire after ``ttl`` seconds."""

    @abc.abstractmethod
    def delete(self, session_id: str) -> None:
        """Delete the record; deleting a missing one is not an error."""

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        """Compare-and-set: store ``data`` only if the record is still exactly ``expected``.

        Return whether it was stored (``False`` also when there is no record
        any more). Check and write must be one atomic step (a Lua script,
        ``UPDATE ... WHERE version = ?``, a lock). New records, under fresh
        random IDs, go through :meth:`save`. Optional: the default says the
        backend has none.
        """
        raise NotImplementedError

    @property
    def atomic(self) -> bool:
        """Whether this backend implements :meth:`save_if` (or :meth:`asave_if`)."""
        cls = type(self)
        return cls.save_if is not Backend.save_if or cls.asave_if is not Backend.asave_if

    async def aload(self, session_id: str) -> bytes | None:
        """Async :meth:`load`."""
        return await asyncio.to_thread(self.load, session_id)

    async def asave(self, session_id: str, data: bytes, ttl: int) -> None:
        """Async :meth:`save`."""
        await asyncio.to_thread(self.save, session_id, data, ttl)

    async def adelete(self, session_id: str) -> None:
        """Async :meth:`delete`."""
        await asyncio.to_thread(self.delete, session_id)

    async def asave_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        """Async :meth:`save_if`."""
        return await asyncio.to_thread(self.save_if, session_id, data, ttl, expected)
