"""websessions gc: purge expired records through the store's own purge_expired()."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import websessions as ws
from websessions.cli_app import Progress, Unsupported, describe_purge, purge
from websessions.stores.server import new_session_id

from .conftest import Keys, Run, assert_no_secrets, set_cookie_from


def write_expired_record(store: ws.FilesystemStore, keys: Keys, age: int) -> Path:
    """A record as the store writes it, but signed ``age`` seconds ago (and as old on disk)."""
    then = time.time() - age
    codec = ws.SecureCookie(*keys.pair, clock=lambda: then, max_length=0)
    path = store.path / f"session_{new_session_id()}"
    path.write_text(codec.encode("session", {"stale": True}))
    os.utime(path, (then, then))
    return path


def test_gc_purges_a_filesystem_store(run: Run, keys: Keys, tmp_path: Path) -> None:
    store = ws.FilesystemStore(tmp_path, *keys.pair)
    set_cookie_from(store, "session", {"fresh": True})
    [fresh] = list(tmp_path.glob("session_*"))
    stale = [write_expired_record(store, keys, 7200) for _ in range(3)]
    result = run(
        "gc", str(tmp_path), "--max-age", "3600", "--json", env={"WEBSESSIONS_KEYS": keys.text}
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["removed"] == 3
    assert fresh.exists()
    assert not any(path.exists() for path in stale)
    assert_no_secrets(result, [keys])


def test_gc_keeps_records_younger_than_max_age(run: Run, keys: Keys, tmp_path: Path) -> None:
    store = ws.FilesystemStore(tmp_path, *keys.pair)
    young = write_expired_record(store, keys, 7200)  # two hours: within the 30-day default
    result = run("gc", str(tmp_path), "--json", env={"WEBSESSIONS_KEYS": keys.text})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["removed"] == 0
    assert young.exists()


def test_purge_refuses_a_store_without_purge_expired(keys: Keys) -> None:
    with pytest.raises(Unsupported, match="CookieStore cannot purge expired records yet"):
        purge(ws.CookieStore(*keys.pair), Progress("purging", shown=False))


@pytest.mark.parametrize(
    ("target", "code", "message"),
    [
        ("/nonexistent/sessions", 2, "/nonexistent/sessions is not a directory"),
        ("ftp://example.com/x", 2, "don't know a store for ftp:// URLs"),
    ],
)
def test_gc_targets_it_cannot_open(
    run: Run, keys: Keys, target: str, code: int, message: str
) -> None:
    result = run("gc", target, env={"WEBSESSIONS_KEYS": keys.text})
    assert result.exit_code == code
    assert message in result.stderr


def test_gc_file_url_is_a_directory(run: Run, keys: Keys, tmp_path: Path) -> None:
    result = run("gc", f"file://{tmp_path}", env={"WEBSESSIONS_KEYS": keys.text})
    assert result.exit_code == 0, result.stderr


def test_gc_needs_keys(run: Run, tmp_path: Path) -> None:
    result = run("gc", str(tmp_path))
    assert result.exit_code == 2
    assert "no keys" in result.stderr


# -- the purge protocol, with a custom backend as users write them ------------


class DictBackend(ws.Backend):
    """Records in a dict with their expiry: the smallest real backend."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[bytes, float]] = {}

    def load(self, session_id: str) -> bytes | None:
        record = self.records.get(session_id)
        return record[0] if record else None

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        self.records[session_id] = (data, time.time() + ttl)

    def delete(self, session_id: str) -> None:
        self.records.pop(session_id, None)


class DictStore(ws.ServerSideStore):
    def purge_expired(self, *, progress: Callable[[int, int], None] | None = None) -> int:
        backend = self.backend
        assert isinstance(backend, DictBackend)
        items = list(backend.records.items())
        removed = 0
        for done, (session_id, (_, expires)) in enumerate(items, 1):
            if expires < time.time():
                backend.delete(session_id)
                removed += 1
            if progress is not None:
                progress(done, len(items))
        return removed


class AsyncDictStore(DictStore):
    async def apurge_expired(self) -> int:  # only the async flavour
        await asyncio.sleep(0)
        return DictStore.purge_expired(self)

    purge_expired = None  # type: ignore[assignment]


def filled(store_class: type[DictStore], keys: Keys) -> DictStore:
    backend = DictBackend()
    store = store_class(backend, *keys.pair)
    for n in range(5):
        set_cookie_from(store, f"s{n}", {"n": n})
    for session_id in list(backend.records)[:2]:
        data, _ = backend.records[session_id]
        backend.records[session_id] = (data, time.time() - 1)
    return store


def test_progress_is_reported_to_a_bar_on_stderr(
    keys: Keys, capsys: pytest.CaptureFixture[str]
) -> None:
    store = filled(DictStore, keys)
    with Progress("purging", shown=True) as progress:
        assert purge(store, progress) == 2
    assert progress.calls == 5
    assert progress.done == 5
    assert "purging" in capsys.readouterr().err
    assert isinstance(store.backend, DictBackend)
    assert len(store.backend.records) == 3


def test_quiet_progress_prints_nothing(keys: Keys, capsys: pytest.CaptureFixture[str]) -> None:
    with Progress("purging", shown=False) as progress:
        assert purge(filled(DictStore, keys), progress) == 2
    assert progress.calls == 5
    assert capsys.readouterr().err == ""


def test_an_async_only_purge_is_awaited(keys: Keys) -> None:
    assert purge(filled(AsyncDictStore, keys), Progress("purging", shown=False)) == 2


@dataclass
class PurgeResult:
    scanned: int
    removed: int
    kept: int


@pytest.mark.parametrize(
    ("result", "summary", "fields"),
    [
        (1, "removed 1 expired record", {"removed": 1}),
        (0, "removed 0 expired records", {"removed": 0}),
        (None, "purged the expired records", {}),
        (
            PurgeResult(10, 4, 6),
            "scanned 10, removed 4, kept 6",
            {"scanned": 10, "removed": 4, "kept": 6},
        ),
        ("odd", "done: odd", {"result": "odd"}),
    ],
)
def test_describe_purge(result: object, summary: str, fields: dict[str, object]) -> None:
    assert describe_purge(result) == (summary, fields)


def test_progress_without_a_total_counts_quietly_off_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Progress("purging", shown=True) as progress:
        for done in (10, 20, 30):
            progress(done)
    assert (progress.calls, progress.done, progress.bar) == (3, 30, None)
    assert capsys.readouterr().err == ""
