"""FilesystemStore hardening, on real file systems.

- The sessions directory: a world-writable one (sticky bit or not) and a
  symlink to it owned by another user are refused when the store is made;
  the default per-user directory must be a real directory of this user's,
  writable by no one else.
- Session files: never opened through a symlink, a FIFO in a record's place
  never blocks; delete removes a planted link (never its target), purge
  leaves anything but regular files alone.
- A full disk: a save that fails (``ENOSPC`` on a small tmpfs, ``EFBIG``
  under ``RLIMIT_FSIZE``) raises StoreError, keeps the old record whole and
  leaves no temp file; a new session gets no cookie.
- Permission errors are StoreErrors that say what to fix.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import websessions as ws
from websessions.stores.filesystem import FilesystemBackend
from websessions.testing import KEYS, NAME

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file systems")

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
OTHER_UID = 65534  # nobody
needs_root = pytest.mark.skipif(not IS_ROOT, reason="changing a file's owner needs root")


def environ(cookie: str | None = None) -> dict[str, Any]:
    env: dict[str, Any] = {"REQUEST_METHOD": "GET"}
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


def login(store: ws.FilesystemStore, values: dict[str, Any]) -> tuple[str, str]:
    """Save a new session holding ``values``; its cookie pair and its ID."""
    req, rsp = environ(), list[tuple[str, str]]()
    session = store.get(req, NAME)
    session.values.update(values)
    ws.save(req, rsp)
    assert session.id is not None
    return rsp[0][1].split(";", 1)[0], session.id


def names(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def record(store: ws.FilesystemStore, session_id: str) -> Path:
    return store.path / f"session_{session_id}"


# -- the sessions directory ------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o703])
def test_a_world_writable_directory_is_refused(tmp_path: Path, mode: int) -> None:
    directory = tmp_path / "sessions"
    directory.mkdir()
    directory.chmod(mode)
    with pytest.raises(ws.StoreError, match="world-writable") as info:
        ws.FilesystemStore(directory, *KEYS)
    assert f"chmod o-w {directory}" in str(info.value)
    assert f"{mode:04o}" in str(info.value)
    assert names(directory) == []  # nothing written before refusing


@pytest.mark.parametrize("mode", [0o700, 0o750, 0o770, 0o755])
def test_a_directory_others_cannot_write_is_used(tmp_path: Path, mode: int) -> None:
    directory = tmp_path / "sessions"
    directory.mkdir()
    directory.chmod(mode)
    store = ws.FilesystemStore(directory, *KEYS)
    cookie, session_id = login(store, {"user": "ada"})
    assert names(directory) == [f"session_{session_id}"]
    assert store.get(environ(cookie), NAME).values == {"user": "ada"}
    assert stat.S_IMODE(directory.stat().st_mode) == mode  # left as it was


def test_a_symlink_to_a_world_writable_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "open"
    target.mkdir()
    target.chmod(0o777)
    link = tmp_path / "sessions"
    link.symlink_to(target)
    with pytest.raises(ws.StoreError, match="world-writable"):
        ws.FilesystemStore(link, *KEYS)


def test_a_symlink_of_this_users_to_the_directory_is_followed(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir(mode=0o700)
    link = tmp_path / "sessions"
    link.symlink_to(target)
    store = ws.FilesystemStore(link, *KEYS)
    _, session_id = login(store, {"user": "ada"})
    assert names(target) == [f"session_{session_id}"]


@needs_root
def test_a_symlink_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir(mode=0o700)
    link = tmp_path / "sessions"
    link.symlink_to(target)
    os.lchown(link, OTHER_UID, OTHER_UID)
    with pytest.raises(ws.StoreError, match=f"symlink owned by uid {OTHER_UID}") as info:
        ws.FilesystemStore(link, *KEYS)
    assert "pass the real directory path" in str(info.value)
    assert names(target) == []
    # Owned by root (or by this user): whoever may change it could do worse anyway.
    os.lchown(link, 0, 0)
    ws.FilesystemStore(link, *KEYS)


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private stand-in for the system temp directory (the default store's parent)."""
    root = tmp_path / "tmp"
    root.mkdir()
    root.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def default_dir(temp_root: Path) -> Path:
    return temp_root / f"websessions-{os.getuid()}"


def test_the_default_directory_is_made_private_in_a_world_writable_parent(
    temp_root: Path,
) -> None:
    store = ws.FilesystemStore(None, *KEYS)
    assert store.path == default_dir(temp_root)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o700
    cookie, _ = login(store, {"user": "ada"})
    # Made again by another store (another process): the same directory, accepted.
    assert ws.FilesystemStore(None, *KEYS).get(environ(cookie), NAME).values == {"user": "ada"}


def test_a_default_directory_planted_as_a_symlink_is_refused(temp_root: Path) -> None:
    elsewhere = temp_root / "attacker"
    elsewhere.mkdir(mode=0o700)
    default_dir(temp_root).symlink_to(elsewhere)
    with pytest.raises(ws.StoreError, match="is a symlink") as info:
        ws.FilesystemStore(None, *KEYS)
    assert f"rm {default_dir(temp_root)}" in str(info.value)
    assert names(elsewhere) == []


def test_a_default_directory_writable_by_others_is_refused(temp_root: Path) -> None:
    default_dir(temp_root).mkdir()
    default_dir(temp_root).chmod(0o775)
    with pytest.raises(ws.StoreError, match="writable by others") as info:
        ws.FilesystemStore(None, *KEYS)
    assert "chmod 700" in str(info.value)


@needs_root
def test_a_default_directory_made_by_another_user_is_refused(temp_root: Path) -> None:
    default_dir(temp_root).mkdir(mode=0o700)
    os.chown(default_dir(temp_root), OTHER_UID, OTHER_UID)
    with pytest.raises(ws.StoreError, match=f"belongs to uid {OTHER_UID}"):
        ws.FilesystemStore(None, *KEYS)


def test_a_path_that_is_a_file_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ws.StoreError, match="cannot create the sessions directory"):
        ws.FilesystemStore(path, *KEYS)


# -- symlinks, FIFOs and directories in a record's place ---------------------------------


@pytest.fixture
def backend(tmp_path: Path) -> FilesystemBackend:
    return FilesystemBackend(tmp_path / "sessions")


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "target"
    path.write_bytes(b"the target's bytes")
    return path


def plant_symlink(backend: FilesystemBackend, target: Path, *, age: float = 0) -> str:
    session_id = ws.stores.new_session_id()
    link = backend.path / f"session_{session_id}"
    link.symlink_to(target)
    if age:
        then = time.time() - age
        os.utime(link, (then, then), follow_symlinks=False)
    return session_id


def test_loading_through_a_symlink_is_refused(backend: FilesystemBackend, target: Path) -> None:
    session_id = plant_symlink(backend, target)
    with pytest.raises(ws.StoreError, match="cannot read session file") as info:
        backend.load(session_id)
    assert "a symlink stands where a session file should be" in str(info.value)


def test_a_compare_and_set_never_writes_through_a_symlink(
    backend: FilesystemBackend, target: Path
) -> None:
    session_id = plant_symlink(backend, target)
    with pytest.raises(ws.StoreError, match="cannot write session file"):
        backend.save_if(session_id, b"new", 60, b"the target's bytes")
    assert target.read_bytes() == b"the target's bytes"
    assert (backend.path / f"session_{session_id}").is_symlink()
    assert [n for n in names(backend.path) if n.startswith(".")] == []  # temp file gone


def test_a_plain_save_replaces_a_symlink_and_leaves_its_target(
    backend: FilesystemBackend, target: Path
) -> None:
    session_id = plant_symlink(backend, target)
    backend.save(session_id, b"mine", 60)
    path = backend.path / f"session_{session_id}"
    assert not path.is_symlink()
    assert path.read_bytes() == b"mine"
    assert target.read_bytes() == b"the target's bytes"


def test_delete_removes_a_symlink_and_never_its_target(
    backend: FilesystemBackend, target: Path
) -> None:
    session_id = plant_symlink(backend, target)
    backend.delete(session_id)
    assert names(backend.path) == []
    assert target.read_bytes() == b"the target's bytes"


def test_delete_leaves_a_directory_in_a_records_place(backend: FilesystemBackend) -> None:
    session_id = ws.stores.new_session_id()
    (backend.path / f"session_{session_id}").mkdir()
    backend.delete(session_id)  # not a record: nothing to lock or remove, no error
    assert (backend.path / f"session_{session_id}").is_dir()


def test_purge_skips_what_is_not_a_regular_file(backend: FilesystemBackend, target: Path) -> None:
    day = 86400
    link_id = plant_symlink(backend, target, age=2 * day)
    fifo_id, dir_id, old_id, new_id = (ws.stores.new_session_id() for _ in range(4))
    os.mkfifo(backend.path / f"session_{fifo_id}")
    (backend.path / f"session_{dir_id}").mkdir()
    backend.save(old_id, b"old", day)
    backend.save(new_id, b"new", day)
    then = time.time() - 2 * day
    for name in (f"session_{fifo_id}", f"session_{dir_id}", f"session_{old_id}"):
        os.utime(backend.path / name, (then, then))
    assert backend.purge_expired(day) == 1  # only the expired regular record
    assert names(backend.path) == sorted(f"session_{i}" for i in (link_id, fifo_id, dir_id, new_id))
    assert target.read_bytes() == b"the target's bytes"


def outcome_of(call: Callable[[], object]) -> object:
    """What ``call`` returned or raised, run in a thread so that a call that
    blocks for good fails the test instead of hanging the run."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the call blocked"
    return outcome[0]


def test_a_fifo_in_a_records_place_never_blocks(backend: FilesystemBackend) -> None:
    session_id = ws.stores.new_session_id()
    fifo = backend.path / f"session_{session_id}"
    os.mkfifo(fifo)
    for call in (
        lambda: backend.load(session_id),
        lambda: backend.save_if(session_id, b"x", 60, b""),
    ):
        outcome = outcome_of(call)
        assert isinstance(outcome, ws.StoreError)
        assert "not a regular file" in str(outcome)
    assert outcome_of(lambda: backend.delete(session_id)) is None
    assert not os.path.lexists(fifo)  # deleting the session removes it
    assert names(backend.path) == []


# -- a full disk -------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted for this test (root only), unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if not IS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (the RLIMIT_FSIZE test covers the rest)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=False)


def write_for_ever(fd: int, chunk: bytes) -> None:
    while True:
        os.write(fd, chunk)


def fill(directory: Path) -> Path:
    """Fill the file system of ``directory`` to the last byte; the filler file."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (b"\0" * 4096, b"\0"):  # then the last partial page, byte by byte
            with pytest.raises(OSError) as info:
                write_for_ever(fd, chunk)
            assert info.value.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_keeps_the_old_record_and_sets_no_cookie(small_disk: Path) -> None:
    store = ws.FilesystemStore(small_disk / "sessions", *KEYS)
    cookie, session_id = login(store, {"note": "old"})
    before = record(store, session_id).read_bytes()
    filler = fill(small_disk)

    # An update: the temp file cannot be written; the record stays whole.
    req, rsp = environ(cookie), list[tuple[str, str]]()
    session = store.get(req, NAME)
    assert session.values == {"note": "old"}
    session.values["note"] = "new " * 500
    with pytest.raises(ws.StoreError, match="No space left on device") as info:
        session.save(req, rsp)
    assert "the old record was kept" in str(info.value)
    assert rsp == []
    assert record(store, session_id).read_bytes() == before
    assert names(store.path) == [f"session_{session_id}"]  # no temp file left behind
    assert store.get(environ(cookie), NAME).values == {"note": "old"}

    # A new session: no record, so no cookie either.
    req, rsp = environ(), []
    store.get(req, NAME).values["user"] = "ada"
    with pytest.raises(ExceptionGroup) as group:
        ws.save(req, rsp)
    assert [type(e) for e in group.value.exceptions] == [ws.StoreError]
    assert rsp == []
    assert names(store.path) == [f"session_{session_id}"]

    # Room again: the same update goes through.
    filler.unlink()
    req, rsp = environ(cookie), []
    session = store.get(req, NAME)
    session.values["note"] = "new"
    session.save(req, rsp)
    assert len(rsp) == 1
    assert store.get(environ(cookie), NAME).values == {"note": "new"}


FSIZE_CHILD = """
import json, resource, sys
import websessions as ws
from websessions.testing import KEYS, NAME

directory, cookie, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = ws.FilesystemStore(directory, *KEYS)
req = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": cookie}
session = store.get(req, NAME)
loaded = dict(session.values)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
session.values["note"] = "x" * (4 * limit)
try:
    session.save(req, [])
    outcome = "saved"
except ws.StoreError as exc:
    outcome = str(exc)
again = store.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": cookie}, NAME).values
print(json.dumps({"loaded": loaded, "outcome": outcome, "again": again}))
"""


def test_a_write_over_the_file_size_limit_keeps_the_old_record(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a child process: the write stops part-way (EFBIG), as on a full disk."""
    store = ws.FilesystemStore(tmp_path / "sessions", *KEYS)
    cookie, session_id = login(store, {"note": "old"})
    before = record(store, session_id).read_bytes()
    limit = len(before) + 100  # the new record is longer: its write stops part-way
    done = subprocess.run(
        [sys.executable, "-c", FSIZE_CHILD, str(store.path), cookie, str(limit)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["loaded"] == {"note": "old"}
    assert "cannot write session file" in result["outcome"]
    assert "File too large" in result["outcome"]
    assert "file size limit" in result["outcome"]
    assert result["again"] == {"note": "old"}
    assert record(store, session_id).read_bytes() == before
    assert names(store.path) == [f"session_{session_id}"]


# -- permission errors -----------------------------------------------------------------------

PERMISSION_CHILD = """
import json, os, sys
import websessions as ws
from websessions.stores.filesystem import FilesystemBackend

directory, existing, new, uid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
backend = FilesystemBackend(directory)
if uid >= 0:  # root: become an unprivileged user, for whom the modes count
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
out = {}
for verb, call in [
    ("load", lambda: backend.load(existing)),
    ("save", lambda: backend.save(new, b"x", 60)),
    ("save_if", lambda: backend.save_if(existing, b"x", 60, b"record")),
    ("delete", lambda: backend.delete(existing)),
]:
    try:
        call()
        out[verb] = "ok"
    except ws.StoreError as exc:
        out[verb] = str(exc)
print(json.dumps(out))
"""


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can reach (pytest's tmp_path is private to root)."""
    parent = Path(tempfile.mkdtemp(prefix="ws-perm-"))
    parent.chmod(0o755)
    try:
        yield parent
    finally:
        for path in (parent, *parent.rglob("*")):
            with contextlib.suppress(OSError):
                path.chmod(0o700)
        shutil.rmtree(parent, ignore_errors=True)


def test_permission_errors_say_what_to_fix(shared_dir: Path) -> None:
    directory = shared_dir / "sessions"
    backend = FilesystemBackend(directory)
    existing, new = ws.stores.new_session_id(), ws.stores.new_session_id()
    backend.save(existing, b"record", 60)
    if IS_ROOT:
        directory.chmod(0o755)  # others may look, not write; the record stays 0600
        uid = OTHER_UID
    else:
        directory.chmod(0o555)
        (directory / f"session_{existing}").chmod(0o000)
        uid = -1
    done = subprocess.run(
        [sys.executable, "-c", PERMISSION_CHILD, str(directory), existing, new, str(uid)],
        capture_output=True,
        text=True,
        cwd="/",
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    who = f"uid {uid if IS_ROOT else os.geteuid()}"
    for verb, what in [
        ("load", "read"),
        ("save", "write"),
        ("save_if", "write"),
        ("delete", "delete"),
    ]:
        message = out[verb]
        assert message.startswith(f"cannot {what} session file session_"), (verb, message)
        assert "Permission denied" in message, (verb, message)
        assert f"must be readable and writable by {who}" in message, (verb, message)
    directory.chmod(0o700)
    (directory / f"session_{existing}").chmod(0o600)
    assert names(directory) == [f"session_{existing}"]  # nothing written, nothing removed
    assert backend.load(existing) == b"record"
