"""FilesystemStore: one file per session, ``session_<ID>``, as gorilla writes them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..codec import DEFAULT_MAX_LENGTH
from ..errors import StoreError
from ..options import Options
from ..serializers import Serializer
from .backend import Backend
from .server import ServerSideStore

FILE_PREFIX = "session_"
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _default_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"websessions-{uid}"


class FilesystemBackend(Backend):
    """Records as files in one directory, written atomically.

    Each save writes a temp file in the same directory (mode 0600) and
    renames it over the old record with ``os.replace``, so a reader, or a
    crash at any point, sees the old record or the new one, never half of
    one. ``fsync=True`` also flushes it to disk before the rename, for
    durability across power loss, at the cost of a disk flush per save.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, fsync: bool = False) -> None:
        self.path = Path(path) if path else _default_dir()
        self.fsync = fsync
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the sessions directory {self.path}: {exc.strerror}",
                hint="create it yourself, writable by this process only, or pass another path",
            ) from exc

    def _file(self, session_id: str) -> str:
        return os.path.join(self.path, FILE_PREFIX + session_id)

    def load(self, session_id: str) -> bytes | None:
        try:
            fd = os.open(self._file(session_id), os.O_RDONLY | _O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error("read", session_id, exc) from exc
        with os.fdopen(fd, "rb") as f:
            return f.read()

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{FILE_PREFIX}{session_id}.", dir=self.path)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if self.fsync:
                    f.flush()
                    os.fsync(f.fileno())
            os.replace(tmp, self._file(session_id))
            tmp = None
        except OSError as exc:
            raise self._error("write", session_id, exc) from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def delete(self, session_id: str) -> None:
        try:
            os.unlink(self._file(session_id))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._error("delete", session_id, exc) from exc

    def _error(self, verb: str, session_id: str, exc: OSError) -> StoreError:
        return StoreError(
            f"cannot {verb} session file {FILE_PREFIX}{session_id[:8]}... in {self.path}: "
            f"{exc.strerror or exc}",
            hint="check the directory exists, is writable by this process and the disk has room",
        )


class FilesystemStore(ServerSideStore):
    """Sessions in files under ``path``: ``FilesystemStore(path, hash_key, block_key, ...)``.

    The embedded default store: no server to run. Files are named and
    encoded as gorilla/sessions' FilesystemStore names and encodes them.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *key_pairs: bytes | None,
        options: Options | None = None,
        serializer: Serializer | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        record_max_length: int = 0,
        fsync: bool = False,
    ) -> None:
        super().__init__(
            FilesystemBackend(path, fsync=fsync),
            *key_pairs,
            options=options,
            serializer=serializer,
            max_length=max_length,
            record_max_length=record_max_length,
        )

    @property
    def path(self) -> Path:
        """The sessions directory."""
        assert isinstance(self.backend, FilesystemBackend)
        return self.backend.path
