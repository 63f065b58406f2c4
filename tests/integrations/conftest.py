"""Stores for the integration tests: the cookie store and two server-side ones."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import websessions as ws

HASH_KEY = b"integration-hash-key-0123456789a"
BLOCK_KEY = b"integration-aes-key-0123456789ab"
OLD_HASH_KEY = b"old-integration-hash-key-0123456"

STORE_KINDS = ["cookie", "filesystem", "memory", "sql"]


class DictBackend(ws.Backend):
    """A real (if simple) backend: records in a dict, as a custom backend would keep them."""

    def __init__(self) -> None:
        self.records: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def load(self, session_id: str) -> bytes | None:
        with self.lock:
            return self.records.get(session_id)

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        with self.lock:
            self.records[session_id] = data

    def delete(self, session_id: str) -> None:
        with self.lock:
            self.records.pop(session_id, None)


def make_store(kind: str, tmp_path: Path, **options: Any) -> ws.Store:
    """A store of ``kind`` with test keys; ``options`` go to :class:`ws.Options`."""
    opts = ws.Options(**{"secure": False, **options})
    if kind == "cookie":
        return ws.CookieStore(HASH_KEY, BLOCK_KEY, options=opts)
    if kind == "filesystem":
        return ws.FilesystemStore(tmp_path / "sessions", HASH_KEY, BLOCK_KEY, options=opts)
    if kind == "memory":
        return ws.ServerSideStore(DictBackend(), HASH_KEY, BLOCK_KEY, options=opts)
    if kind == "sql":
        url = f"sqlite:///{tmp_path / 'sessions.db'}"
        return ws.SQLStore.from_url(url, HASH_KEY, BLOCK_KEY, options=opts)
    raise AssertionError(kind)


def records(store: ws.Store) -> int:
    """How many server-side records ``store`` holds (0 for the cookie store)."""
    if isinstance(store, ws.FilesystemStore):
        return len([p for p in store.path.iterdir() if p.name.startswith("session_")])
    if isinstance(store, ws.SQLStore):
        with store.backend.engine.connect() as connection:  # type: ignore[attr-defined]
            table = store.backend.table  # type: ignore[attr-defined]
            count = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            return int(count or 0)
    if isinstance(store, ws.ServerSideStore):
        assert isinstance(store.backend, DictBackend)
        return len(store.backend.records)
    return 0


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ws.Store]:
    store = make_store(request.param, tmp_path)
    yield store
    close = getattr(store, "close", None)
    if close is not None:
        close()


def cookie_header(headers: list[str], name: str) -> str:
    """The one Set-Cookie header for ``name`` among ``headers`` (asserts there is one)."""
    found = [h for h in headers if h.split("=", 1)[0] == name]
    assert len(found) == 1, headers
    return found[0]


def attributes(header: str) -> dict[str, str]:
    """A Set-Cookie header's attributes, lower-cased names (flags map to '')."""
    out = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        out[key.lower()] = value
    return out
