"""MemoryStore: records in a dict of this process, for tests and single-process apps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Unpack

from .backend import Backend
from .server import ServerSideSettings, ServerSideStore

DEFAULT_PURGE_LIMIT = 1000

Progress = Callable[[int, int], None]


class MemoryBackend(Backend):
    """Records in a dict with their expiry time, behind a lock.

    Lost when the process exits and not shared between processes: use it
    for tests and for apps that run as one process. Expired records are
    invisible at once and freed by :meth:`purge_expired` (or when saved over).
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._records: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many records are held, expired ones included until purged."""
        return len(self._records)

    def _live(self, session_id: str) -> bytes | None:
        record = self._records.get(session_id)
        if record is None or record[1] <= self.clock():
            return None
        return record[0]

    def load(self, session_id: str) -> bytes | None:
        with self._lock:
            return self._live(session_id)

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        with self._lock:
            self._records[session_id] = (data, self.clock() + ttl)

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        with self._lock:
            if self._live(session_id) != expected:
                return False
            self._records[session_id] = (data, self.clock() + ttl)
            return True

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._records.pop(session_id, None)

    # Nothing here blocks for long: the async twins run inline, without a thread.
    async def aload(self, session_id: str) -> bytes | None:
        return self.load(session_id)

    async def asave(self, session_id: str, data: bytes, ttl: int) -> None:
        self.save(session_id, data, ttl)

    async def asave_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        return self.save_if(session_id, data, ttl, expected)

    async def adelete(self, session_id: str) -> None:
        self.delete(session_id)

    def purge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Free up to ``limit`` expired records; return how many."""
        now = self.clock()
        with self._lock:
            expired = [k for k, (_, expires) in self._records.items() if expires <= now][:limit]
            for session_id in expired:
                del self._records[session_id]
        if progress is not None:
            progress(len(expired), len(expired))
        return len(expired)


class MemoryStore(ServerSideStore):
    """Sessions in this process's memory: ``MemoryStore(hash_key, block_key, ...)``.

    The cookie holds a signed ID as with every server-side store; records
    expire after ``ttl`` like everywhere else.
    """

    def __init__(self, *key_pairs: bytes | None, **settings: Unpack[ServerSideSettings]) -> None:
        super().__init__(
            MemoryBackend(clock=settings.get("clock", time.time)), *key_pairs, **settings
        )

    @property
    def _memory(self) -> MemoryBackend:
        assert isinstance(self.backend, MemoryBackend)
        return self.backend

    def purge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Free up to ``limit`` expired records; return how many."""
        return self._memory.purge_expired(limit=limit, progress=progress)

    async def apurge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Async :meth:`purge_expired`."""
        return self.purge_expired(limit=limit, progress=progress)
