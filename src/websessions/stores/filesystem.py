"""FilesystemStore: one file per session, ``session_<ID>``, as gorilla writes them."""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import secrets
import stat
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
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)  # pragma: no cover - Windows only
# Never through a symlink; never blocking on a FIFO planted under a record's name.
_OPEN_READ = os.O_RDONLY | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY | getattr(os, "O_NONBLOCK", 0)
_OPEN_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY
_SYMLINK_ERRNOS = {errno.ELOOP, errno.EMLINK}  # O_NOFOLLOW on a symlink: Linux, BSDs
_UTIME_FD = os.utime in os.supports_fd
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_TEMP_NAME_TRIES = 100


class _TempNames:
    """Temp file names: a random tag per process and a counter, so naming one
    costs no syscall (a name must be unique, not secret: it is opened O_EXCL)."""

    def __init__(self) -> None:
        self.renew()

    def renew(self) -> None:
        self.tag = secrets.token_hex(6)
        self.count = itertools.count()

    def next(self, prefix: str) -> str:
        return f"{prefix}{self.tag}{next(self.count)}"


_temp_names = _TempNames()
if hasattr(os, "register_at_fork"):  # pragma: no branch - not on Windows
    os.register_at_fork(after_in_child=_temp_names.renew)

Progress = Callable[[int, int], None]


def _default_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"websessions-{uid}"


def _read_record(fd: int, size: int) -> bytes:
    """The bytes of the open file ``fd``, ``size`` long by ``fstat``, in one read.

    Asking for one byte more shows a file that grew since (gorilla writes in
    place): then read on to the end. No buffer larger than the file is made.
    """
    data = os.read(fd, size + 1)
    if len(data) <= size:
        return data
    chunks = [data]
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    if written < len(data):  # a short write: a full disk, a file size limit, a signal
        view = memoryview(data)
        while written < len(data):
            n = os.write(fd, view[written:])
            if not n:  # pragma: no cover - POSIX says a write to a file writes or fails
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += n


def _hint(exc: OSError) -> str:
    """What to do about a failed file operation, by its errno."""
    code = exc.errno
    if code in _FULL_ERRNOS:
        return "the disk or the user's quota is full; the old record was kept: free some space"
    if code == errno.EFBIG:
        return "over the file size limit (ulimit -f) of this process; the old record was kept"
    if code in (errno.EACCES, errno.EPERM):
        user = f"uid {os.geteuid()}" if hasattr(os, "geteuid") else "this process's user"
        return f"the directory and its files must be readable and writable by {user}"
    if code == errno.EROFS:
        return "the file system is mounted read-only"
    if code in _SYMLINK_ERRNOS:
        return (
            "a symlink stands where a session file should be, which is never followed; "
            "something with write access to the directory put it there: remove it"
        )
    return "check the directory exists, is writable by this process and the disk has room"


def _refuse(path: Path, problem: str, fix: str) -> StoreError:
    return StoreError(f"refusing the sessions directory {path}: {problem}", hint=fix)


def check_directory(path: Path, *, default: bool = False) -> None:
    """Refuse a sessions directory others could tamper with; :class:`StoreError` says why.

    - world-writable (``o+w``, with or without the sticky bit): any local
      user could plant, fill or, without the sticky bit, remove session files;
    - a symlink owned by a user other than this one or root: whoever owns
      it decides where the sessions go;
    - the default per-user directory, when it is a symlink, is not owned by
      this user or is writable by group or others: someone made it first.

    A group-writable directory (several app users in one group) is allowed.
    """
    try:
        link = os.lstat(path)
        st = os.stat(path)
    except OSError as exc:
        raise StoreError(
            f"cannot use the sessions directory {path}: {exc.strerror or exc}",
            hint="check it exists and is a directory this process can reach",
        ) from exc
    if not stat.S_ISDIR(st.st_mode):
        raise _refuse(path, "it is not a directory", "pass the path of a directory")
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    mode = stat.S_IMODE(st.st_mode)
    if default:
        if stat.S_ISLNK(link.st_mode):
            raise _refuse(
                path,
                "the default per-user directory is a symlink, which this store never makes "
                "(someone may have planted it)",
                f"remove it (rm {path}), or pass a directory of your own",
            )
        if euid is not None and st.st_uid != euid:
            raise _refuse(
                path,
                f"the default per-user directory belongs to uid {st.st_uid}, not to this "
                f"user (uid {euid}): someone else created it first",
                f"remove it (rm -r {path}), or pass a directory of your own",
            )
        if mode & 0o022:
            raise _refuse(
                path,
                f"the default per-user directory is writable by others (mode {mode:04o})",
                f"chmod 700 {path}, or pass a directory of your own",
            )
        return
    if euid is not None and stat.S_ISLNK(link.st_mode) and link.st_uid not in (euid, 0):
        raise _refuse(
            path,
            f"it is a symlink owned by uid {link.st_uid}, neither this user (uid {euid}) "
            "nor root, so that user decides where the sessions go",
            "pass the real directory path (or have this user or root own the link)",
        )
    if mode & stat.S_IWOTH:
        raise _refuse(
            path,
            f"it is world-writable (mode {mode:04o}): any local user could plant, fill "
            "or remove session files",
            f"chmod o-w {path} (chmod 700 if only this user runs the app), or pass a "
            "private directory",
        )


class FilesystemBackend(Backend):
    """Records as files in one directory, written atomically.

    Each save writes a temp file in the same directory (mode 0600) and
    renames it over the old record with ``os.replace``, so a reader, or a
    crash at any point, sees the old record or the new one, never half of
    one; a save that fails (a full disk, say) raises
    :class:`~websessions.StoreError` and leaves the old record as it was.
    ``fsync=True`` also flushes it to disk before the rename, for
    durability across power loss, at the cost of a disk flush per save.

    Compare-and-set (:meth:`save_if`) locks the record file itself with
    ``flock`` and compares its bytes with the expected ones: no sidecar
    files, so the directory stays what gorilla's FilesystemStore reads. A
    file's modification time is its last write; :meth:`purge_expired` goes
    by it.

    The directory is checked when the backend is made (see
    :func:`check_directory`): a world-writable one, or a symlink to it
    owned by another user, is refused. A session file is never opened
    through a symlink (loading one raises StoreError; deleting one removes
    the link only; purging skips it) and a FIFO in its place never blocks.
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
        check_directory(self.path, default=not path)
        directory = os.fspath(self.path)
        self._prefix = os.path.join(directory, FILE_PREFIX)
        self._temp_prefix = os.path.join(directory, TEMP_PREFIX)

    def _file(self, session_id: str) -> str:
        return self._prefix + session_id

    @property
    def atomic(self) -> bool:
        return fcntl is not None

    def load(self, session_id: str) -> bytes | None:
        try:
            fd = os.open(self._prefix + session_id, _OPEN_READ)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error("read", session_id, exc) from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise self._not_a_file("read", session_id)
            return _read_record(fd, st.st_size)
        except OSError as exc:
            raise self._error("read", session_id, exc) from exc
        finally:
            os.close(fd)

    def _write_temp(self, session_id: str, data: bytes) -> str:
        """A new temp file (0600) next to the record, holding ``data``; its path."""
        prefix = f"{self._temp_prefix}{session_id}."
        for _ in range(_TEMP_NAME_TRIES):
            tmp = _temp_names.next(prefix)
            try:
                fd = os.open(tmp, _OPEN_NEW, 0o600)
            except FileExistsError:
                continue
            break
        else:  # pragma: no cover - 48 random bits taken 100 times in a row
            raise FileExistsError(errno.EEXIST, "no free temporary file name", prefix)
        try:
            try:
                _write_all(fd, data)
                if self.fsync:
                    os.fsync(fd)
                if self.clock is not time.time:  # a test clock: keep file times on it too
                    now = self.clock()
                    os.utime(fd if _UTIME_FD else tmp, (now, now))
            finally:
                os.close(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return tmp

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        tmp = None
        try:
            tmp = self._write_temp(session_id, data)
            # rename() replaces a symlink in the way; it never writes through one.
            os.replace(tmp, self._prefix + session_id)
            tmp = None
        except OSError as exc:
            raise self._error("write", session_id, exc) from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    @contextlib.contextmanager
    def _locked(self, session_id: str) -> Iterator[tuple[int, os.stat_result] | None]:
        """An open, ``flock``-ed descriptor of the current record file and its
        ``fstat``, or ``None`` when there is none.

        Writers replace the file (a new inode), so after waiting for the lock
        the descriptor may be of a file no longer in place: then try again.
        A symlink in the record's place raises (``ELOOP``), never followed.
        """
        path = self._prefix + session_id
        while True:
            try:
                fd = os.open(path, _OPEN_READ)
            except FileNotFoundError:
                yield None
                return
            current = False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                mine = os.fstat(fd)
                # Records only ever get a name by a rename over this path, and
                # lose it by the next rename or an unlink: a file still linked
                # is the one in place (no stat of the path, one syscall less).
                current = mine.st_nlink > 0
            finally:
                if not current:
                    os.close(fd)
            if current:
                try:
                    yield fd, mine
                finally:
                    os.close(fd)  # also releases the lock
                return

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        if fcntl is None:  # pragma: no cover
            raise NotImplementedError
        tmp = None
        try:
            tmp = self._write_temp(session_id, data)
            with self._locked(session_id) as locked:
                if locked is None:
                    return False
                fd, st = locked
                if not stat.S_ISREG(st.st_mode):
                    raise self._not_a_file("write", session_id)
                if st.st_size != len(expected) or _read_record(fd, st.st_size) != expected:
                    return False
                os.replace(tmp, self._prefix + session_id)
                tmp = None
                return True
        except OSError as exc:
            raise self._error("write", session_id, exc) from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def delete(self, session_id: str) -> None:
        path = self._prefix + session_id
        try:
            if fcntl is None:  # pragma: no cover
                os.unlink(path)
                return
            # Under the lock, so a compare-and-set in flight cannot re-create it.
            with self._locked(session_id) as locked:
                if locked is not None and not stat.S_ISDIR(locked[1].st_mode):
                    os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            if exc.errno in _SYMLINK_ERRNOS and self._unlink_symlink(path):
                return  # a planted link in the record's place: gone, its target untouched
            raise self._error("delete", session_id, exc) from exc

    @staticmethod
    def _unlink_symlink(path: str) -> bool:
        """Remove ``path`` if it is a symlink (unlink never follows); whether it was."""
        try:
            if not stat.S_ISLNK(os.lstat(path).st_mode):
                return False
            os.unlink(path)
        except FileNotFoundError:
            pass
        return True

    def purge_expired(
        self, ttl: int, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Delete up to ``limit`` records not written for ``ttl`` seconds; return how many.

        Also removes temp files left by writers that died mid-save. Safe to
        run from several processes at once and while the application runs:
        each candidate is re-checked under its lock before it goes. Anything
        but a regular file under a record's name (a symlink, a directory, a
        FIFO) is left alone.
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
                st = os.stat(self._prefix + session_id, follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode) or st.st_mtime + ttl > now:
                    continue
                if self._remove_if_expired(session_id, ttl, now):
                    removed += 1
            except FileNotFoundError:
                continue
            except OSError as exc:
                if exc.errno in _SYMLINK_ERRNOS:
                    continue  # swapped for a symlink meanwhile: not ours to touch
                raise self._error("purge", session_id, exc) from exc
            if removed >= limit:
                if progress is not None:
                    progress(done, len(names))
                break
        return removed

    def _remove_if_expired(self, session_id: str, ttl: int, now: float) -> bool:
        if fcntl is None:  # pragma: no cover
            os.unlink(self._prefix + session_id)
            return True
        with self._locked(session_id) as locked:
            if locked is None or not stat.S_ISREG(locked[1].st_mode):
                return False
            if locked[1].st_mtime + ttl > now:
                return False  # re-written meanwhile
            os.unlink(self._prefix + session_id)
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
            hint=_hint(exc),
        )

    def _not_a_file(self, verb: str, session_id: str) -> StoreError:
        return StoreError(
            f"cannot {verb} session file {FILE_PREFIX}{session_id[:8]}... in {self.path}: "
            "not a regular file",
            hint="something else stands in the record's place: remove it",
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
