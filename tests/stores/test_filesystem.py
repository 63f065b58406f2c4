"""FilesystemStore: IDs, file names and modes, atomic writes, deletion, expiry.

Real files in pytest's tmp_path. The tests run as whatever user runs the
suite (root in CI containers), so faults are injected without permissions:
a path that is a file, a removed directory, or ``os.replace`` patched to fail.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest

import websessions as ws
from websessions.stores import FilesystemBackend, is_valid_session_id, new_session_id

from ._http import (
    BLOCK_KEY,
    HASH_KEY,
    attributes,
    cookie_pair,
    cookie_value,
    environ,
    headers,
    set_cookies,
)

NAME = "sess"
ID_RE = re.compile(r"[A-Z2-7]{52}")


class CountingBackend(FilesystemBackend):
    """The real filesystem backend, counting the calls that reach it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.loads: list[str] = []
        self.saves: list[str] = []
        self.deletes: list[str] = []

    def load(self, session_id: str) -> bytes | None:
        self.loads.append(session_id)
        return super().load(session_id)

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        self.saves.append(session_id)
        super().save(session_id, data, ttl)

    def delete(self, session_id: str) -> None:
        self.deletes.append(session_id)
        super().delete(session_id)


@pytest.fixture
def sessions_dir(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


@pytest.fixture
def store(sessions_dir: Path) -> ws.FilesystemStore:
    return ws.FilesystemStore(sessions_dir, HASH_KEY, BLOCK_KEY)


@pytest.fixture
def counting(store: ws.FilesystemStore) -> CountingBackend:
    backend = CountingBackend(store.path)
    store.backend = backend
    return backend


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def login(store: ws.FilesystemStore, values: dict[str, object] | None = None) -> str:
    """One request that stores values; returns the Set-Cookie header."""
    req, rsp = environ(), headers()
    session = store.get(req, NAME)
    session.values.update({"user": "ada"} if values is None else values)
    ws.save(req, rsp)
    (header,) = set_cookies(rsp)
    return header


def id_cookie(store: ws.FilesystemStore, session_id: object, name: str = NAME) -> str:
    """A validly signed cookie carrying ``session_id``, made with the store's own codecs."""
    return f"{name}={ws.encode_multi(name, session_id, store.codecs)}"


def record_path(store: ws.FilesystemStore, session_id: str | None) -> Path:
    assert session_id is not None
    return store.path / f"session_{session_id}"


# -- IDs -------------------------------------------------------------------------------


def test_new_ids_are_52_base32_chars_of_32_random_bytes() -> None:
    ids = {new_session_id() for _ in range(500)}
    assert len(ids) == 500
    for session_id in ids:
        assert ID_RE.fullmatch(session_id)
        assert len(base64.b32decode(session_id + "====")) == 32
        assert is_valid_session_id(session_id)
    # 256 random bits: every base32 symbol turns up, in every position but the last.
    assert set("".join(ids)) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_saved_session_id_and_file(store: ws.FilesystemStore) -> None:
    header = login(store)
    session = store.get(environ(cookie_pair(header)), NAME)
    assert session.id is not None
    assert ID_RE.fullmatch(session.id)
    assert files(store.path) == [f"session_{session.id}"]


@pytest.mark.parametrize(
    "bad_id",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "ABC",
        "A" * 51,
        "A" * 53,
        "a" * 52,
        "A" * 51 + "1",
        "A" * 51 + "=",
        "A" * 50 + "/.",
        "A" * 51 + "\n",
        "",
    ],
)
def test_signed_bad_id_is_rejected_before_any_path(
    store: ws.FilesystemStore, counting: CountingBackend, bad_id: str
) -> None:
    session = store.get(environ(id_cookie(store, bad_id)), NAME)
    assert session.is_new
    assert session.id is None
    assert isinstance(session.error, ws.MalformedValue)
    assert counting.loads == []
    assert files(store.path) == []


def test_traversal_id_cannot_reach_a_planted_record(
    store: ws.FilesystemStore, tmp_path: Path
) -> None:
    # Were the ID not validated, "session_" + "/../../planted" would resolve to a
    # record the attacker planted outside the directory (valid for this name).
    (store.path / "session_").mkdir()
    planted = ws.encode_multi(NAME, {"user": "admin"}, store.record_codecs)
    (tmp_path / "planted").write_text(planted)
    assert (store.path / "session_/../../planted").read_text() == planted
    session = store.get(environ(id_cookie(store, "/../../planted")), NAME)
    assert session.values == {}
    assert isinstance(session.error, ws.MalformedValue)


def test_id_cookie_holding_a_non_string(store: ws.FilesystemStore) -> None:
    for inner in (12345, ["A" * 52], {"id": "A" * 52}):
        session = store.get(environ(id_cookie(store, inner)), NAME)
        assert session.is_new
        assert isinstance(session.error, ws.DeserializeFailed)


# -- files and the directory -------------------------------------------------------------


def test_file_mode_0600_and_directory_0700(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "b" / "sessions"
    store = ws.FilesystemStore(directory, HASH_KEY)
    assert directory.is_dir()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    header = login(store)
    session = store.get(environ(cookie_pair(header)), NAME)
    path = record_path(store, session.id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Rewriting keeps the mode (a new temp file is renamed over it).
    session.values["n"] = 2
    session.save(environ(), headers())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_directory_is_used_as_is(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    (directory / "unrelated.txt").write_text("keep me")
    store = ws.FilesystemStore(directory, HASH_KEY)
    login(store)
    assert (directory / "unrelated.txt").read_text() == "keep me"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o755


def test_directory_path_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "not-a-dir"
    path.write_text("x")
    with pytest.raises(ws.StoreError, match="cannot create the sessions directory"):
        ws.FilesystemStore(path, HASH_KEY)


def test_record_is_signed_and_encrypted(store: ws.FilesystemStore) -> None:
    header = login(store, {"secret": "hunter2"})
    session_id = store.get(environ(cookie_pair(header)), NAME).id
    data = record_path(store, session_id).read_bytes()
    assert b"hunter2" not in data
    assert b"hunter2" not in base64.urlsafe_b64decode(data)
    assert ws.decode_multi(NAME, data.decode(), store.record_codecs) == {"secret": "hunter2"}
    # The cookie holds only the ID, never the values.
    assert cookie_value(header) != data.decode()
    assert ws.decode_multi(NAME, cookie_value(header), store.codecs) == session_id


def test_record_renamed_to_another_session_name_does_not_decode(
    store: ws.FilesystemStore,
) -> None:
    header = login(store, {"role": "admin"})
    session_id = store.get(environ(cookie_pair(header)), NAME).id
    # The same ID (and so the same file) presented as session "other".
    other = store.get(environ(id_cookie(store, session_id, name="other")), "other")
    assert other.is_new
    assert other.values == {}
    assert isinstance(other.error, ws.MacInvalid)
    assert record_path(store, session_id).exists()


def test_record_copied_under_another_id_still_decodes(store: ws.FilesystemStore) -> None:
    # The record is bound to the session name, not to the ID (as in gorilla).
    header = login(store)
    session_id = store.get(environ(cookie_pair(header)), NAME).id
    copy_id = new_session_id()
    shutil.copy(record_path(store, session_id), record_path(store, copy_id))
    assert store.get(environ(id_cookie(store, copy_id)), NAME).values == {"user": "ada"}


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", ws.MacInvalid),
        (b"garbage", ws.MalformedValue),
        ("zoë".encode(), ws.MalformedValue),
        (b"\xff\xfe", ws.MalformedValue),
    ],
)
def test_corrupt_record_gives_new_session(
    store: ws.FilesystemStore, content: bytes, error: type[ws.DecodeError]
) -> None:
    header = login(store)
    session_id = store.get(environ(cookie_pair(header)), NAME).id
    record_path(store, session_id).write_bytes(content)
    session = store.get(environ(cookie_pair(header)), NAME)
    assert session.is_new
    assert session.values == {}
    assert isinstance(session.error, error), repr(session.error)


def test_record_holding_a_non_dict(store: ws.FilesystemStore) -> None:
    session_id = new_session_id()
    record = ws.encode_multi(NAME, ["not", "a", "dict"], store.record_codecs)
    record_path(store, session_id).write_text(record)
    session = store.get(environ(id_cookie(store, session_id)), NAME)
    assert session.is_new
    assert isinstance(session.error, ws.DeserializeFailed)


def test_symlinked_record_is_not_followed(store: ws.FilesystemStore, tmp_path: Path) -> None:
    session_id = new_session_id()
    target = tmp_path / "elsewhere"
    target.write_text(ws.encode_multi(NAME, {"user": "admin"}, store.record_codecs))
    record_path(store, session_id).symlink_to(target)
    with pytest.raises(ws.StoreError, match="cannot read session file"):
        store.get(environ(id_cookie(store, session_id)), NAME)


# -- atomic writes ---------------------------------------------------------------------


def test_many_saves_leave_one_file_that_always_decodes(store: ws.FilesystemStore) -> None:
    header = login(store, {"n": 0})
    req = environ(cookie_pair(header))
    session = store.get(req, NAME)
    path = record_path(store, session.id)
    for n in range(1, 101):
        session.values["n"] = n
        session.save(req, headers())
        assert ws.decode_multi(NAME, path.read_text(), store.record_codecs) == {"n": n}
    assert files(store.path) == [path.name]


def test_reader_never_sees_half_a_record(store: ws.FilesystemStore) -> None:
    header = login(store, {"blob": "x"})
    session = store.get(environ(cookie_pair(header)), NAME)
    path = record_path(store, session.id)
    done = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(300):
                session.values["blob"] = str(n) * (n % 50 + 1)
                session.save(environ(), headers())
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while not done.is_set() or reads == 0:
        values = ws.decode_multi(NAME, path.read_text(), store.record_codecs)
        assert set(values) == {"blob"}
        reads += 1
    thread.join()
    assert failures == []
    assert files(store.path) == [path.name]


def test_failed_rename_keeps_the_old_record(
    store: ws.FilesystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = login(store, {"v": "old"})
    req = environ(cookie_pair(header))
    session = store.get(req, NAME)
    path = record_path(store, session.id)
    before = path.read_bytes()

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    session.values["v"] = "new"
    rsp = headers()
    with pytest.raises(ws.StoreError, match="No space left on device"):
        session.save(req, rsp)
    monkeypatch.undo()

    assert rsp == []  # no cookie for a record that wasn't written
    assert path.read_bytes() == before
    assert files(store.path) == [path.name]  # the temp file was removed
    assert store.get(environ(cookie_pair(header)), NAME).values == {"v": "old"}


def test_failed_write_through_ws_save_is_grouped(
    store: ws.FilesystemStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(src: object, dst: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", fail)
    req, rsp = environ(), headers()
    store.get(req, NAME).values["a"] = 1
    with pytest.raises(ExceptionGroup) as info:
        ws.save(req, rsp)
    assert [type(e) for e in info.value.exceptions] == [ws.StoreError]
    assert rsp == []
    assert files(store.path) == []


def test_directory_removed_after_start(store: ws.FilesystemStore) -> None:
    shutil.rmtree(store.path)
    req, rsp = environ(), headers()
    session = store.get(req, NAME)  # a missing cookie needs no I/O
    session.values["a"] = 1
    with pytest.raises(ws.StoreError, match="cannot write session file"):
        session.save(req, rsp)
    assert rsp == []


def test_directory_replaced_by_a_file(store: ws.FilesystemStore) -> None:
    header = login(store)
    shutil.rmtree(store.path)
    store.path.write_text("not a directory")
    with pytest.raises(ws.StoreError):
        store.get(environ(cookie_pair(header)), NAME)


# -- deleting, missing records, empty sessions -------------------------------------------


def test_max_age_negative_deletes_file_and_expires_cookie(store: ws.FilesystemStore) -> None:
    header = login(store)
    req, rsp = environ(cookie_pair(header)), headers()
    session = store.get(req, NAME)
    path = record_path(store, session.id)
    assert path.exists()
    session.options.max_age = -1
    ws.save(req, rsp)
    assert not path.exists()
    assert files(store.path) == []
    (deleting,) = set_cookies(rsp)
    assert cookie_pair(deleting) == f"{NAME}="
    assert attributes(deleting)["max-age"] == "0"
    # Sending the old cookie again finds nothing.
    again = store.get(environ(cookie_pair(header)), NAME)
    assert again.is_new
    assert isinstance(again.error, ws.SessionNotFound)


def test_delete_is_idempotent(store: ws.FilesystemStore) -> None:
    header = login(store)
    for _ in range(2):
        req, rsp = environ(cookie_pair(header)), headers()
        session = store.get(req, NAME)
        session.options.max_age = -1
        session.save(req, rsp)
        assert attributes(set_cookies(rsp)[0])["max-age"] == "0"
    assert files(store.path) == []


def test_missing_record_gets_a_new_id_on_save(
    store: ws.FilesystemStore, counting: CountingBackend
) -> None:
    stale_id = new_session_id()
    req, rsp = environ(id_cookie(store, stale_id)), headers()
    session = store.get(req, NAME)
    assert counting.loads == [stale_id]
    assert session.is_new
    assert session.id is None
    assert isinstance(session.error, ws.SessionNotFound)
    session.values["user"] = "ada"
    ws.save(req, rsp)
    assert session.id is not None
    assert session.id != stale_id
    assert counting.saves == [session.id]
    assert not record_path(store, stale_id).exists()
    assert files(store.path) == [f"session_{session.id}"]
    (header,) = set_cookies(rsp)
    assert ws.decode_multi(NAME, cookie_value(header), store.codecs) == session.id


def test_get_only_request_creates_no_record_and_no_cookie(
    store: ws.FilesystemStore, counting: CountingBackend
) -> None:
    req, rsp = environ(), headers()
    session = store.get(req, NAME)
    session.save(req, rsp)
    ws.save(req, rsp)
    assert rsp == []
    assert counting.saves == []
    assert files(store.path) == []
    assert session.id is None


def test_emptied_session_keeps_its_record(store: ws.FilesystemStore) -> None:
    # A loaded session whose values were all removed is still that session.
    header = login(store)
    req, rsp = environ(cookie_pair(header)), headers()
    session = store.get(req, NAME)
    session.values.clear()
    ws.save(req, rsp)
    assert len(set_cookies(rsp)) == 1
    back = store.get(environ(cookie_pair(header)), NAME)
    assert not back.is_new
    assert back.values == {}


def test_loaded_session_keeps_its_id(store: ws.FilesystemStore) -> None:
    header = login(store, {"n": 1})
    req, rsp = environ(cookie_pair(header)), headers()
    session = store.get(req, NAME)
    first_id = session.id
    session.values["n"] = 2
    ws.save(req, rsp)
    assert session.id == first_id
    (renewed,) = set_cookies(rsp)
    assert store.get(environ(cookie_pair(renewed)), NAME).values == {"n": 2}
    assert files(store.path) == [f"session_{first_id}"]


# -- expiry and set_max_age ---------------------------------------------------------------


def test_set_max_age_updates_options_and_codecs(store: ws.FilesystemStore) -> None:
    store.set_max_age(60)
    assert store.options.max_age == 60
    assert [c.max_age for c in store.codecs] == [60]
    assert [c.max_age for c in store.record_codecs] == [60]
    assert store.record_ttl == 60
    # New sessions copy the new default.
    assert store.new(environ(), NAME).options.max_age == 60
    # Browser-session cookies keep a server-side limit.
    store.set_max_age(0)
    assert store.options.max_age == 0
    assert [c.max_age for c in store.codecs + store.record_codecs] == [60, 60]
    with pytest.raises(ws.UsageError):
        store.set_max_age(1.5)  # type: ignore[arg-type]


def test_set_max_age_expires_old_cookies_and_records(store: ws.FilesystemStore) -> None:
    old_cookie = ws.SecureCookie(HASH_KEY, BLOCK_KEY, clock=lambda: time.time() - 120)
    session_id = new_session_id()
    record_path(store, session_id).write_text(ws.encode_multi(NAME, {"a": 1}, store.record_codecs))
    aged = f"{NAME}={old_cookie.encode(NAME, session_id)}"
    assert store.get(environ(aged), NAME).values == {"a": 1}
    store.set_max_age(60)
    session = store.get(environ(aged), NAME)
    assert session.is_new
    assert isinstance(session.error, ws.Expired)
    # A fresh cookie pointing at an old record: the record has expired too.
    record_path(store, session_id).write_text(old_cookie.encode(NAME, {"a": 1}))
    session = store.get(environ(id_cookie(store, session_id)), NAME)
    assert session.is_new
    assert isinstance(session.error, ws.Expired)


def test_cookie_store_set_max_age() -> None:
    store = ws.CookieStore(HASH_KEY)
    store.set_max_age(10)
    assert store.options.max_age == 10
    assert store.codecs[0].max_age == 10
    req, rsp = environ(), headers()
    store.get(req, NAME).values["a"] = 1
    ws.save(req, rsp)
    assert attributes(set_cookies(rsp)[0])["max-age"] == "10"


# -- duplicates --------------------------------------------------------------------------


def test_planted_cookie_of_another_live_session_wins_when_first(
    store: ws.FilesystemStore,
) -> None:
    # "The first cookie that verifies wins": a live session planted first is used.
    mine = cookie_pair(login(store, {"user": "me"}))
    theirs = cookie_pair(login(store, {"user": "them"}))
    assert store.get(environ(theirs, mine), NAME).values == {"user": "them"}
    assert store.get(environ(mine, theirs), NAME).values == {"user": "me"}


def test_planted_stale_id_before_the_good_cookie_does_not_log_out(
    store: ws.FilesystemStore,
) -> None:
    # Anyone can get a validly signed ID from the site, log out, and plant it.
    stale = cookie_pair(login(store, {"user": "attacker"}))
    req, rsp = environ(stale), headers()
    session = store.get(req, NAME)
    session.options.max_age = -1
    session.save(req, rsp)
    good = cookie_pair(login(store, {"user": "victim"}))
    session = store.get(environ(stale, good), NAME)
    assert session.error is None
    assert session.values == {"user": "victim"}
