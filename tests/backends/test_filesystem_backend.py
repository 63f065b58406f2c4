"""FilesystemStore beyond the kit: crash safety, gorilla's file format, locks, clean-up."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import websessions as ws
from websessions.stores.filesystem import STALE_TEMP_SECONDS
from websessions.testing import KEYS, NAME, Client

ROOT = Path(__file__).resolve().parents[2]


def files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


async def test_a_writer_killed_at_random_points_never_leaves_a_partial_record(
    tmp_path: Path,
) -> None:
    store = ws.FilesystemStore(tmp_path, *KEYS)
    browser = Client(store, "sync")
    first = await browser.visit(n=0)
    record = tmp_path / f"session_{first.session.id}"
    rng = random.Random(4)
    seen = set()
    for _ in range(12):
        writer = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, str(Path(__file__).with_name("fs_writer.py")), str(tmp_path),
             str(browser.header()), KEYS[0].hex(), KEYS[1].hex()],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )  # fmt: skip
        assert writer.stdout is not None
        assert writer.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0, 0.15))  # noqa: ASYNC251 - a random point in the loop
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        # The record is the old or the new one, whole: it decodes.
        values = store._decode_record(NAME, record.read_bytes())
        assert isinstance(values["n"], int)
        seen.add(values["n"])
        session = (await browser.open()).session
        assert not session.is_new
        assert session.values["n"] == values["n"]
    assert len(seen) > 1  # the writer did get to write
    # Temp files of killed writers are left over; purge removes them once stale.
    leftovers = [n for n in files(tmp_path) if n.startswith(".")]
    later = time.time() + STALE_TEMP_SECONDS + 1
    aged = ws.FilesystemStore(tmp_path, *KEYS, clock=lambda: later, ttl=10**8)
    aged.purge_expired()
    assert [n for n in files(tmp_path) if n.startswith(".")] == []
    assert files(tmp_path) == [record.name], leftovers


async def test_records_keep_gorillas_file_format(tmp_path: Path) -> None:
    """``session_<ID>`` holding securecookie(values) under the session name: nothing else."""
    store = ws.FilesystemStore(tmp_path, *KEYS)
    browser = Client(store, "sync")
    first = await browser.visit(a=1)
    request = await browser.open()
    request.session.values["b"] = 2
    await browser.commit(request)
    assert files(tmp_path) == [f"session_{first.session.id}"]  # no lock or version files
    text = (tmp_path / f"session_{first.session.id}").read_text()
    codec = ws.SecureCookie(*KEYS, max_length=0)
    assert codec.decode(NAME, text) == {"a": 1, "b": 2}


async def test_a_save_if_on_a_replaced_file_compares_the_new_one(tmp_path: Path) -> None:
    backend = ws.stores.FilesystemBackend(tmp_path)
    sid = ws.stores.new_session_id()
    backend.save(sid, b"one", 60)
    assert backend.save_if(sid, b"two", 60, b"one")
    assert not backend.save_if(sid, b"three", 60, b"one")  # stale expectation
    assert backend.load(sid) == b"two"
    backend.delete(sid)
    assert not backend.save_if(sid, b"four", 60, b"two")  # gone: never re-created
    assert backend.load(sid) is None
    assert files(tmp_path) == []


def test_several_processes_purging_at_once(tmp_path: Path) -> None:
    then = time.time() - 7200
    store = ws.FilesystemStore(tmp_path, *KEYS, ttl=3600)
    backend = store._fs
    for _ in range(60):
        sid = ws.stores.new_session_id()
        backend.save(sid, b"x", 3600)
        os.utime(tmp_path / f"session_{sid}", (then, then))
    script = (
        "import sys, websessions as ws;"
        "s = ws.FilesystemStore(sys.argv[1], b'k' * 32, ttl=3600);"
        "print(s.purge_expired(limit=1000))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    removed = 0
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        removed += int(out)
    assert removed == 60  # each record removed exactly once
    assert files(tmp_path) == []


def test_purge_reports_progress(tmp_path: Path) -> None:
    store = ws.FilesystemStore(tmp_path, *KEYS, ttl=60)
    for _ in range(3):
        store._fs.save(ws.stores.new_session_id(), b"x", 60)
    calls: list[tuple[int, int]] = []
    assert store.purge_expired(progress=lambda done, total: calls.append((done, total))) == 0
    assert calls == [(3, 3)]
