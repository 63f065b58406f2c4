"""The shared base: change tracking, the merge, settings, backends without compare-and-set,
the lifecycle on CookieStore, and that the docs show the custom backend the kit runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import websessions as ws
from websessions.stores.server import DELETED, apply_changes, changes, same
from websessions.testing import KEYS, Client, StoreConformance, StoreFactory

ROOT = Path(__file__).resolve().parents[2]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
sessions = st.dictionaries(st.text(max_size=4) | st.integers(0, 5), values, max_size=6)


@settings(max_examples=200)
@given(sessions, sessions)
def test_changes_reapplied_give_the_new_values(
    before: dict[Any, Any], after: dict[Any, Any]
) -> None:
    diff = changes(before, after)
    assert same(apply_changes(diff, before), after)
    assert (diff == {}) == same(before, after)


@settings(max_examples=200)
@given(sessions, sessions, sessions)
def test_a_merge_keeps_what_others_did_to_other_keys(
    base: dict[Any, Any], mine: dict[Any, Any], theirs: dict[Any, Any]
) -> None:
    diff = changes(base, mine)
    merged = apply_changes(diff, theirs)
    for key, value in diff.items():
        if value is DELETED:
            assert key not in merged
        else:
            assert same(merged[key], value)
    for key in theirs.keys() - diff.keys():
        assert same(merged[key], theirs[key])


def test_same_tells_types_apart() -> None:
    assert not same(1, True)
    assert not same(1, 1.0)
    assert not same([1], (1,))
    assert not same({"a": [1]}, {"a": [True]})
    assert same({"a": [1, {"b": (2,)}]}, {"a": [1, {"b": (2,)}]})


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("ttl", 0, "ttl must be a positive int"),
        ("ttl", -5, "ttl must be a positive int"),
        ("ttl", True, "ttl must be a positive int"),
        ("refresh_after", -1, "refresh_after must be a non-negative int"),
        ("max_retries", 1.5, "max_retries must be a non-negative int"),
    ],
)
def test_bad_settings_are_usage_errors(setting: str, value: object, message: str) -> None:
    with pytest.raises(ws.UsageError, match=message):
        ws.MemoryStore(*KEYS, **{setting: value})  # type: ignore[arg-type]


class PlainBackend(ws.Backend):
    """Only the three required methods: no compare-and-set."""

    def __init__(self) -> None:
        self.records: dict[str, bytes] = {}

    def load(self, session_id: str) -> bytes | None:
        return self.records.get(session_id)

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        self.records[session_id] = data

    def delete(self, session_id: str) -> None:
        self.records.pop(session_id, None)


class TestPlainBackend(StoreConformance):
    """A backend without save_if passes the kit too (its merge re-reads before writing)."""

    purges = False
    concurrency = 1  # without compare-and-set, true races can still lose updates

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        backend = PlainBackend()
        return lambda *keys, **settings: ws.ServerSideStore(backend, *keys, **settings)


def test_a_plain_backend_is_not_atomic() -> None:
    assert not PlainBackend().atomic
    assert ws.MemoryStore(*KEYS).backend.atomic


async def test_after_a_save_the_session_tracks_its_own_write() -> None:
    store = ws.MemoryStore(*KEYS)
    browser = Client(store, "sync")
    await browser.visit(a=1)
    request = await browser.open()
    request.session.values["b"] = 2
    await browser.commit(request)
    request.session.values["c"] = 3  # a second save in the same request
    await browser.commit(request)
    assert (await browser.open()).session.values == {"a": 1, "b": 2, "c": 3}


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_cookie_store_lifecycle(api: str) -> None:
    store = ws.CookieStore(*KEYS)
    env_cookie = ""

    async def request(act: Any) -> list[str]:
        nonlocal env_cookie
        env: dict[str, Any] = {"REQUEST_METHOD": "GET"}
        if env_cookie:
            env["HTTP_COOKIE"] = env_cookie
        session = store.get(env, "s") if api == "sync" else await store.aget(env, "s")
        result = act(session)
        if hasattr(result, "__await__"):
            await result
        headers: list[tuple[str, str]] = []
        if api == "sync":
            ws.save(env, headers)
        else:
            await store.asave(env, headers, session)
        found = [v for _, v in headers]
        if found:
            env_cookie = found[0].split(";")[0]
        return found

    await request(lambda s: s.values.update(user="ada"))
    before = env_cookie
    await request(lambda s: s.regenerate_id())  # no ID: nothing to do, values kept
    assert env_cookie != before  # re-signed
    assert ws.SecureCookie(*KEYS).decode("s", env_cookie.split("=", 1)[1]) == {"user": "ada"}
    [expired] = await request(lambda s: s.destroy() if api == "sync" else s.adestroy())
    assert "Max-Age=0" in expired
    assert expired.startswith("s=;")
    [fresh] = await request(lambda s: (s.destroy(), s.add_flash("bye")))
    assert "Max-Age=0" not in fresh


def test_the_docs_show_the_custom_backend_the_kit_runs() -> None:
    docs = (ROOT / "docs" / "stores.md").read_text()
    code = (ROOT / "tests" / "backends" / "custom_backend.py").read_text()
    assert code in docs


def test_the_core_imports_without_redis_or_sqlalchemy() -> None:
    import subprocess
    import sys

    script = (
        "import sys, websessions;"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('redis', 'sqlalchemy')]"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_refresh_after_defaults_to_a_tenth_of_the_ttl() -> None:
    assert ws.MemoryStore(*KEYS, ttl=1000).refresh_after == 100
    assert ws.MemoryStore(*KEYS, ttl=1000, refresh_after=0).refresh_after == 0
    assert ws.MemoryStore(*KEYS).ttl == 86400 * 30
    assert time.time() > 0


class CountingBackend(PlainBackend):
    """A plain backend that counts writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        self.writes += 1
        super().save(session_id, data, ttl)


@pytest.mark.parametrize(
    ("before", "after", "written"),
    [
        ({"n": 1}, {"n": 1}, False),
        ({"n": 1}, {"n": True}, True),  # equal in Python, not in the record
        ({"n": 1}, {"n": 1.0}, True),
        ({"cart": [1]}, {"cart": [1, 2]}, True),  # an in-place change
        ({"t": (1, 2)}, {"t": [1, 2]}, True),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),  # same items, new order: harmless write
    ],
)
async def test_a_save_writes_only_when_the_record_would_change(
    before: dict[str, Any], after: dict[str, Any], written: bool
) -> None:
    backend = CountingBackend()
    store = ws.ServerSideStore(backend, *KEYS)
    browser = Client(store, "sync")
    await browser.visit(before)
    request = await browser.open()
    request.session.values.clear()
    request.session.values.update(after)
    backend.writes = 0
    await browser.commit(request)
    assert backend.writes == int(written)
    assert (await browser.open()).session.values == after


async def test_a_record_in_another_spelling_is_read_and_rewritten_once() -> None:
    backend = CountingBackend()
    store = ws.ServerSideStore(backend, *KEYS)
    browser = Client(store, "sync")
    await browser.visit(a=1)
    [(session_id, _)] = backend.records.items()
    # As another encoder might write it: the same values, other bytes.
    record, _ = store.record_codecs[0].seal("session", b'{ "a" : 1 }')
    backend.records[session_id] = record.encode()
    writes = []
    for _ in range(3):
        backend.writes = 0
        request = await browser.open()
        assert request.session.values == {"a": 1}
        await browser.commit(request)
        writes.append(backend.writes)
    assert writes == [1, 0, 0]


async def test_a_merge_diffs_against_the_values_as_loaded() -> None:
    """The key diff is rebuilt from the loaded payload only on a conflict."""
    backend = CountingBackend()
    store = ws.ServerSideStore(backend, *KEYS)
    browser = Client(store, "sync")
    await browser.visit(a=1, b=1, gone=1)
    mine, theirs = await browser.open(), await browser.open()
    mine.session.values["a"] = 2
    del mine.session.values["gone"]
    theirs.session.values["b"] = 2
    theirs.session.values["new"] = 1
    await browser.commit(theirs)
    await browser.commit(mine)
    assert (await browser.open()).session.values == {"a": 2, "b": 2, "new": 1}
