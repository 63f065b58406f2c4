"""gorilla/sessions' store-level tests (sessions_test.go, store_test.go), ported.

Each test is named after the Go test it ports. Where websessions differs
from gorilla on purpose, the test says so and checks our behaviour:

- ``Options`` default to ``secure=True``, ``http_only=True``,
  ``same_site="Lax"`` (gorilla's zero-value Options send none of them);
- a server-side store deletes its record only for ``max_age < 0``; gorilla's
  FilesystemStore also deletes for ``max_age == 0``, ours keeps the record
  and sends a browser-session cookie (no Max-Age);
- a FilesystemStore's record has no length bound unless
  ``record_max_length`` is given (gorilla: 4096 by default);
- a new server-side session with no values writes nothing and sets no
  cookie (gorilla writes an empty record).
"""

from __future__ import annotations

import dataclasses
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

import websessions as ws

from ._http import HASH_KEY, attributes, cookie_pair, environ, headers, set_cookies

StoreT = TypeVar("StoreT", bound=ws.Store)


@ws.register(name="tests.stores.gorilla.FlashMessage")
@dataclasses.dataclass
class FlashMessage:
    type: int
    message: str


def weak(make: Callable[[], StoreT]) -> StoreT:
    """gorilla's tests use short keys ("secret-key"): keep them, and expect the warning."""
    with pytest.warns(ws.WeakKeyWarning):
        return make()


@pytest.fixture(params=["cookie", "filesystem"])
def flash_store(request: pytest.FixtureRequest, tmp_path: Path) -> ws.Store:
    if request.param == "cookie":
        return weak(lambda: ws.CookieStore(b"secret-key"))
    return weak(lambda: ws.FilesystemStore(tmp_path, b"secret-key"))


# -- sessions_test.go --------------------------------------------------------------------


def test_TestFlashes(flash_store: ws.Store) -> None:
    store = flash_store

    # Round 1: no flashes yet; two under the default key, one under a custom key.
    req, rsp = environ(), headers()
    session = store.get(req, "session-key")
    assert session.flashes() == []
    session.add_flash("foo")
    session.add_flash("bar")
    session.add_flash("baz", "custom_key")
    ws.save(req, rsp)
    cookies = set_cookies(rsp)
    assert len(cookies) == 1
    with pytest.raises(ws.UsageError, match="invalid cookie name"):
        store.get(req, "session:key")

    # Round 2: all of them come back, each queue only once.
    req, rsp = environ(cookie_pair(cookies[0])), headers()
    session = store.get(req, "session-key")
    assert session.error is None
    assert not session.is_new
    assert session.flashes() == ["foo", "bar"]
    assert session.flashes() == []
    assert session.flashes("custom_key") == ["baz"]
    assert session.flashes("custom_key") == []

    # Round 3: a custom type (gob.Register there, ws.register here).
    req, rsp = environ(), headers()
    session = store.get(req, "session-key")
    assert session.flashes() == []
    session.add_flash(FlashMessage(42, "foo"))
    ws.save(req, rsp)
    cookies = set_cookies(rsp)
    assert len(cookies) == 1

    # Round 4: it comes back as that type.
    req, rsp = environ(cookie_pair(cookies[0])), headers()
    session = store.get(req, "session-key")
    flashes = session.flashes()
    assert len(flashes) == 1
    custom = flashes[0]
    assert type(custom) is FlashMessage
    assert custom.type == 42
    assert custom.message == "foo"

    # Round 5: a shallow copy of the request keeps its sessions (Go: WithContext).
    req = environ()
    session = store.get(req, "session-key")
    session.values["test"] = "test-value"
    req = dict(req)
    again = store.get(req, "session-key")
    assert again is session
    assert again.values["test"] == "test-value"


def test_TestCookieStoreMapPanic() -> None:
    store = ws.CookieStore(b"aaa0defe5d2839cbc46fc4f080cd7adc")
    req, rsp = environ(), headers()
    session = ws.Session(store, "hello")
    session.values["data"] = "hello-world"
    session.save(req, rsp)
    (header,) = set_cookies(rsp)
    assert header.startswith("hello=")
    # Our default options are the safe ones (gorilla's zero Options send none).
    attrs = attributes(header)
    assert {"httponly", "secure"} <= attrs.keys()
    assert attrs["samesite"] == "Lax"
    assert attrs["path"] == "/"
    assert attrs["max-age"] == str(86400 * 30)
    back = store.get(environ(cookie_pair(header)), "hello")
    assert back.values == {"data": "hello-world"}


# -- store_test.go ---------------------------------------------------------------------


def test_TestGH8CookieStore() -> None:
    original_path = "/"
    store = ws.CookieStore(HASH_KEY)  # Go's test passes no keys; ours requires one
    store.options.path = original_path
    session = store.new(environ(), "hello")
    store.options.path = "/foo"
    assert session.options.path == original_path


def test_TestGH8FilesystemStore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # NewFilesystemStore(""): the OS temp dir. Point it at tmp_path to keep /tmp clean.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    original_path = "/"
    store = ws.FilesystemStore("", HASH_KEY)
    assert store.path.parent == tmp_path
    assert store.path.is_dir()
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o700
    store.options.path = original_path
    session = store.new(environ(), "hello")
    store.options.path = "/foo"
    assert session.options.path == original_path


def test_TestGH2MaxLength(tmp_path: Path) -> None:
    req, rsp = environ(), headers()
    big = bytes(6144)  # base64.StdEncoding.DecodedLen(4096 * 2)

    # gorilla bounds records at 4096 by default; ours only when asked.
    unbounded = weak(lambda: ws.FilesystemStore(tmp_path / "unbounded", b"some key"))
    session = unbounded.new(req, "my-session")
    session.values["big"] = big
    session.save(req, rsp)
    assert session.id is not None
    assert (unbounded.path / f"session_{session.id}").exists()

    store = weak(
        lambda: ws.FilesystemStore(tmp_path / "bounded", b"some key", record_max_length=4096)
    )
    session = store.new(req, "my-session")
    session.values["big"] = big
    with pytest.raises(ws.UsageError, match="max_length=4096"):
        session.save(req, rsp)
    assert not any(store.path.iterdir())

    # store.MaxLength(n): a bit more than the value needs once encoded (our default
    # serializer base64s bytes inside the payload, so more headroom than Go's 4096 * 3).
    for codec in store.record_codecs:
        codec.max_length = 4096 * 4
    before = len(set_cookies(rsp))
    session.save(req, rsp)
    assert len(set_cookies(rsp)) == before + 1
    assert store.get(environ(cookie_pair(set_cookies(rsp)[-1])), "my-session").values == {
        "big": big
    }


def test_TestGH2MaxLength_name_with_a_space_is_usage_error(tmp_path: Path) -> None:
    # Go's test names its session "my session", which net/http would drop from the
    # Set-Cookie silently; here an invalid cookie name is a UsageError up front.
    store = weak(lambda: ws.FilesystemStore(tmp_path, b"some key"))
    with pytest.raises(ws.UsageError, match="invalid cookie name"):
        store.new(environ(), "my session")


def test_TestGH8FilesystemStoreDelete(tmp_path: Path) -> None:
    store = weak(lambda: ws.FilesystemStore(tmp_path, b"some key"))
    req, rsp = environ(), headers()
    session = store.new(req, "hello")
    session.save(req, rsp)
    # A new session with no values: no record and no cookie (gorilla writes both).
    assert set_cookies(rsp) == []
    assert list(tmp_path.iterdir()) == []

    session.values["user"] = "ada"
    session.save(req, rsp)
    session_id = session.id
    assert session_id is not None
    record = tmp_path / f"session_{session_id}"
    assert record.exists()

    session.options.max_age = -1
    session.save(req, rsp)
    assert not record.exists()
    assert session.id is None
    deleting = set_cookies(rsp)[-1]
    assert cookie_pair(deleting) == "hello="
    assert attributes(deleting)["max-age"] == "0"
    assert attributes(deleting)["expires"] == "Thu, 01 Jan 1970 00:00:01 GMT"


def test_TestGH8FilesystemStoreDelete2(tmp_path: Path) -> None:
    store = weak(lambda: ws.FilesystemStore(tmp_path, b"some key"))
    req, rsp = environ(), headers()
    session = store.new(req, "hello")
    session.values["user"] = "ada"
    session.save(req, rsp)
    record = tmp_path / f"session_{session.id}"
    assert record.exists()

    # gorilla deletes for MaxAge <= 0; ours keeps the record for max_age == 0 and
    # sends a browser-session cookie (no Max-Age, no Expires) for the same ID.
    session.options.max_age = 0
    session.save(req, rsp)
    assert record.exists()
    kept = set_cookies(rsp)[-1]
    assert "max-age" not in attributes(kept)
    assert "expires" not in attributes(kept)
    back = store.get(environ(cookie_pair(kept)), "hello")
    assert back.id == session.id
    assert back.values == {"user": "ada"}


def test_TestGH8FilesystemStoreDelete_never_saved(tmp_path: Path) -> None:
    # Deleting a session that never had a record only expires the cookie.
    store = weak(lambda: ws.FilesystemStore(tmp_path, b"some key"))
    req, rsp = environ(), headers()
    session = store.new(req, "hello")
    session.options.max_age = -1
    session.save(req, rsp)
    (header,) = set_cookies(rsp)
    assert attributes(header)["max-age"] == "0"
    assert os.listdir(tmp_path) == []
