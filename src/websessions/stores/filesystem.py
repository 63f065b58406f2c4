"""FilesystemStore: one file per session, ``session_<ID>``, as gorilla writes them."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Unpack

from ..errors import StoreError
from .backend import Backend
from .server import ServerSideSettings, ServerSideStore, is_valid_session_id

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, no compare-and-set
    fcntl = None  # type: ignore[assignment]

FILE_PREFIX = "session_"
TEMP_PREFIX = "." + FILE_PREFIX
# A temp file this old was left by a writer that died between write and rename.
STALE_TEMP_SECONDS = 3600
DEFAULT_PURGE_LIMIT = 1000
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

Progress = Callable[[int, int], None]


def _default_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"websessions-{uid}"


def _read_all(fd: int) -> bytes:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 65536, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


class FilesystemBackend(Backend):
    """Records as files in one directory, written atomically.

    Each save writes a temp file in the same directory (mode 0600) and
    renames it over the old record with ``os.replace``, so a reader, or a
    crash at any point, sees the old record or the new one, never half of
    one. ``fsync=True`` also flushes it to disk before the rename, for
    durability across power loss, at the cost of a disk flush per save.

    Compare-and-set (:meth:`save_if`) locks the record file itself with
    ``flock`` and compares its bytes with the expected ones: no sidecar
    files, so the directory stays what gorilla's FilesystemStore reads. A
    file's modification time is its last write; :meth:`purge_expired` goes
    by it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        fsync: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path) if path else _default_dir()
        self.fsync = fsync
        self.clock = clock
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the sessions directory {self.path}: {exc.strerror}",
                hint="create it yourself, writable by this process only, or pass another path",
            ) from exc

    def _file(self, session_id: str) -> str:
        return os.path.join(self.path, FILE_PREFIX + session_id)

    @property
    def atomic(self) -> bool:
        return fcntl is not None

    def load(self, session_id: str) -> bytes | None:
        try:
            fd = os.open(self._file(session_id), os.O_RDONLY | _O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error("read", session_id, exc) from exc
        with os.fdopen(fd, "rb") as f:
            return f.read()

    def _write_temp(self, session_id: str, data: bytes) -> str:
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{session_id}.", dir=self.path)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if self.fsync:
                    f.flush()
                    os.fsync(f.fileno())
            if self.clock is not time.time:  # a test clock: keep file times on it too
                now = self.clock()
                os.utime(tmp, (now, now))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return tmp

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        tmp = None
        try:
            tmp = self._write_temp(session_id, data)
            os.replace(tmp, self._file(session_id))
            tmp = None
        except OSError as exc:
            raise self._error("write", session_id, exc) from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    @contextlib.contextmanager
    def _locked(self, session_id: str) -> Iterator[int | None]:
        """An open, ``flock``-ed descriptor of the current record file, or ``None``.

        Writers replace the file (a new inode), so after waiting for the lock
        the descriptor may be of a file no longer in place: then try again.
        """
        path = self._file(session_id)
        while True:
            try:
                fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW)
            except FileNotFoundError:
                yield None
                return
            current = False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                mine = os.fstat(fd)
                with contextlib.suppress(FileNotFoundError):
                    now = os.stat(path, follow_symlinks=False)
                    current = (now.st_ino, now.st_dev) == (mine.st_ino, mine.st_dev)
            finally:
                if not current:
                    os.close(fd)
            if current:
                try:
                    yield fd
                finally:
                    os.close(fd)  # also releases the lock
                return

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        if fcntl is None:  # pragma: no cover
            raise NotImplementedError
        path = self._file(session_id)
        tmp = None
        try:
            tmp = self._write_temp(session_id, data)
            with self._locked(session_id) as fd:
                if fd is None or _read_all(fd) != expected:
                    return False
                os.replace(tmp, path)
                tmp = None
                return True
        except OSError as exc:
            raise self._error("write", session_id, exc) from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def delete(self, session_id: str) -> None:
        try:
            if fcntl is None:  # pragma: no cover
                os.unlink(self._file(session_id))
                return
            # Under the lock, so a compare-and-set in flight cannot re-create it.
            with self._locked(session_id) as fd:
                if fd is not None:
                    os.unlink(self._file(session_id))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._error("delete", session_id, exc) from exc

    def purge_expired(
        self, ttl: int, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Delete up to ``limit`` records not written for ``ttl`` seconds; return how many.

        Also removes temp files left by writers that died mid-save. Safe to
        run from several processes at once and while the application runs:
        each candidate is re-checked under its lock before it goes.
        """
        now = self.clock()
        try:
            names = os.listdir(self.path)
        except OSError as exc:
            raise StoreError(
                f"cannot list the sessions directory {self.path}: {exc.strerror}",
                hint="check it exists and is readable by this process",
            ) from exc
        removed = 0
        for done, name in enumerate(names, 1):
            if progress is not None and (done % 256 == 0 or done == len(names)):
                progress(done, len(names))
            if name.startswith(TEMP_PREFIX):
                self._remove_stale_temp(name, now)
                continue
            session_id = name[len(FILE_PREFIX) :]
            if not name.startswith(FILE_PREFIX) or not is_valid_session_id(session_id):
                continue
            try:
                if os.stat(self._file(session_id), follow_symlinks=False).st_mtime + ttl > now:
                    continue
                if self._remove_if_expired(session_id, ttl, now):
                    removed += 1
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise self._error("purge", session_id, exc) from exc
            if removed >= limit:
                if progress is not None:
                    progress(done, len(names))
                break
        return removed

    def _remove_if_expired(self, session_id: str, ttl: int, now: float) -> bool:
        if fcntl is None:  # pragma: no cover
            os.unlink(self._file(session_id))
            return True
        with self._locked(session_id) as fd:
            if fd is None or os.fstat(fd).st_mtime + ttl > now:
                return False  # gone, or re-written meanwhile
            os.unlink(self._file(session_id))
            return True

    def _remove_stale_temp(self, name: str, now: float) -> None:
        path = os.path.join(self.path, name)
        with contextlib.suppress(OSError):
            if os.stat(path, follow_symlinks=False).st_mtime + STALE_TEMP_SECONDS < now:
                os.unlink(path)

    def _error(self, verb: str, session_id: str, exc: OSError) -> StoreError:
        return StoreError(
            f"cannot {verb} session file {FILE_PREFIX}{session_id[:8]}... in {self.path}: "
            f"{exc.strerror or exc}",
            hint="check the directory exists, is writable by this process and the disk has room",
        )


class FilesystemStore(ServerSideStore):
    """Sessions in files under ``path``: ``FilesystemStore(path, hash_key, block_key, ...)``.

    The embedded default store: no server to run. Files are named and
    encoded as gorilla/sessions' FilesystemStore names and encodes them, so
    a Go service can share the directory.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *key_pairs: bytes | None,
        fsync: bool = False,
        **settings: Unpack[ServerSideSettings],
    ) -> None:
        clock = settings.get("clock", time.time)
        super().__init__(FilesystemBackend(path, fsync=fsync, clock=clock), *key_pairs, **settings)

    @property
    def path(self) -> Path:
        """The sessions directory."""
        return self._fs.path

    @property
    def _fs(self) -> FilesystemBackend:
        assert isinstance(self.backend, FilesystemBackend)
        return self.backend

    def purge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Delete up to ``limit`` expired records (older than :attr:`ttl`); return how many."""
        return self._fs.purge_expired(self.ttl, limit=limit, progress=progress)

    async def apurge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Async :meth:`purge_expired` (in a worker thread)."""
        import asyncio

        return await asyncio.to_thread(self.purge_expired, limit=limit, progress=progress)
