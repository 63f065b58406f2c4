"""Keys: the weak-key warning, which pair verified a session, and the rotation procedure.

The procedure (docs/security.md, docs/key-rotation.md): add the new pair
first (old pair still encoding), then make it encode (new pair first),
keep the old pair for ``max_age``, then drop it. ``session.key_index``
tells the app a session is still on an old pair; saving it re-encodes it
with the newest.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

import websessions as ws
from websessions.testing import START, Clock, SessionClient, client_for

NEW = (b"new-hash-key-of-32-bytes-exactly", b"new-aes-key-16b!")
OLD = (b"old-hash-key-of-32-bytes-exactly", b"old-aes-key-16b!")
MAX_AGE = 3600


# -- the weak-key warning ---------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 5, 16, 31])
def test_a_hash_key_under_32_bytes_warns(size: int) -> None:
    with pytest.warns(ws.WeakKeyWarning, match=f"the hash key is {size} bytes") as record:
        codec = ws.SecureCookie(b"k" * size)
    assert record[0].filename == __file__  # it points at the caller's line
    assert "generate_random_key(32)" in str(record[0].message)
    assert codec.decode("n", codec.encode("n", 1)) == 1  # still works, as in gorilla


@pytest.mark.parametrize("size", [32, 33, 64, 128])
def test_a_hash_key_of_32_bytes_or_more_does_not_warn(size: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ws.SecureCookie(b"k" * size, b"b" * 16)
        ws.CookieStore(b"k" * size)


def test_the_warning_is_a_user_warning_exported_from_websessions() -> None:
    assert issubclass(ws.WeakKeyWarning, UserWarning)
    assert not issubclass(ws.WeakKeyWarning, ws.SessionError)
    assert "WeakKeyWarning" in ws.__all__


@pytest.mark.parametrize(
    "make",
    [
        ws.CookieStore,
        ws.MemoryStore,
        lambda key: ws.codecs_from_pairs(b"s" * 32, None, key),
        lambda key: ws.CookieStore(b"s" * 32, None, key, None),  # a weak *old* pair too
    ],
    ids=["cookie-store", "memory-store", "codecs_from_pairs", "old-pair"],
)
def test_every_way_to_a_weak_key_warns_at_the_callers_line(make: Any) -> None:
    with pytest.warns(ws.WeakKeyWarning) as record:
        make(b"secret")
    assert {w.filename for w in record} == {__file__}


def test_a_filesystem_store_with_a_weak_key_warns(tmp_path: Path) -> None:
    with pytest.warns(ws.WeakKeyWarning):
        ws.FilesystemStore(tmp_path, b"12345")


def test_generated_keys_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ws.CookieStore(ws.generate_random_key(32), ws.generate_random_key(32))


# -- the new error classes ------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ws.IdleTimeout, ws.AbsoluteTimeout])
def test_timeouts_are_decode_errors(cls: type[ws.DecodeError]) -> None:
    assert issubclass(cls, ws.DecodeError)
    assert not issubclass(cls, ws.UsageError | ws.StoreError | ws.Expired)
    assert str(cls()) == cls.reason
    assert cls.__name__ in ws.__all__
    assert ws.IdleTimeout.reason != ws.AbsoluteTimeout.reason


# -- which pair verified ----------------------------------------------------------------------


@pytest.mark.parametrize("store_kind", ["cookie", "memory"])
@pytest.mark.parametrize("api", ["sync", "async"])
async def test_the_documented_re_issue_moves_a_session_to_the_newest_pair(
    store_kind: str, api: str
) -> None:
    """``if session.key_index: session.save(...)``: the recipe in docs/security.md."""
    clock = Clock()
    kind = ws.CookieStore if store_kind == "cookie" else ws.MemoryStore
    old_store = kind(*OLD, clock=clock, rolling=False)
    rotated = kind(*NEW, *OLD, clock=clock, rolling=False)
    if isinstance(rotated, ws.ServerSideStore) and isinstance(old_store, ws.ServerSideStore):
        rotated.backend = old_store.backend  # one memory, as two processes would share Redis
    browser = client_for(old_store, api)
    await browser.visit(user="ada")
    browser.store = rotated
    request = await browser.open()
    assert request.session.key_index == 1
    headers: list[tuple[Any, Any]] = []
    if request.session.key_index:  # the recipe
        if api == "sync":
            request.session.save(request.env, headers)
        else:
            await request.session.asave(request.env, headers)
    [(_, value)] = headers
    header = value if isinstance(value, str) else value.decode("latin-1")
    assert request.session.key_index == 0
    browser.cookies[browser.name] = header.split(";", 1)[0].split("=", 1)[1]
    assert (await browser.open()).session.key_index == 0


def test_key_index_of_a_tampered_cookie_is_none() -> None:
    store = ws.CookieStore(*NEW)
    session = store.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": "session=garbage"}, "session")
    assert session.is_new
    assert session.key_index is None
    assert isinstance(session.error, ws.DecodeError)


# -- the rotation procedure, end to end --------------------------------------------------------


async def test_the_rotation_procedure_keeps_every_active_user(tmp_path: Path) -> None:
    """Steps: A; A+B (A encodes); B+A (B encodes); wait max_age; B. Nobody active is lost."""
    clock = Clock()
    options = ws.Options(max_age=MAX_AGE)

    def store(*keys: bytes | None) -> ws.FilesystemStore:
        return ws.FilesystemStore(tmp_path, *keys, clock=clock, options=options)

    active, idle = SessionClient(store(*OLD), "sync"), SessionClient(store(*OLD), "sync")
    await active.visit(user="active")
    await idle.visit(user="idle")

    # Step 2: every instance accepts B; A still encodes, so un-updated instances read everything.
    for browser in (active, idle):
        browser.store = store(*OLD, *NEW)
    assert (await active.visit()).session.key_index == 0

    # Step 3: B encodes. Sessions on A still load (index 1) and move to B when saved.
    for browser in (active, idle):
        browser.store = store(*NEW, *OLD)
    clock.advance(60)
    request = await active.open()
    assert request.session.key_index == 1
    await active.commit(request)
    assert (await active.open()).session.key_index == 0

    # Step 4: wait max_age (the active user keeps coming back).
    for _ in range(4):
        clock.advance(MAX_AGE // 4)
        assert (await active.visit()).session.values == {"user": "active"}

    # The idle user's session, still on A, has expired by now: nothing needs A any more.
    assert isinstance((await idle.open()).session.error, ws.Expired)

    # Step 5: drop A. The active user is fine; the idle one had expired anyway.
    for browser in (active, idle):
        browser.store = store(*NEW)
    assert (await active.open()).session.values == {"user": "active"}
    gone = await idle.open()
    assert gone.session.is_new
    assert isinstance(gone.session.error, ws.DecodeError)
    assert clock.now - START > MAX_AGE
