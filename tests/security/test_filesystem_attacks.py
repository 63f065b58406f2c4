"""Attacks on FilesystemStore's files: traversal IDs, symlinks, record spam.

The session ID comes from a cookie, so a validly signed cookie (a leaked
key, or a bug elsewhere) may hold any string. Only IDs of the exact shape
the store makes (52 base32 characters) may ever become a file name; any
other gives a new session with ``MalformedValue``, and no file outside the
store directory is read, written or deleted. Canary files, each holding a
*valid* record of ``{"pwned": True}``, sit where a traversal would land, and
pre-made directories make those paths resolvable, so a missing check shows.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

import websessions as ws

from ._attack import HASH_KEY, NAME, cookie_pair, environ, response, set_cookies

PWNED = {"pwned": True}
_RECORD_FILE = re.compile(r"session_[A-Z2-7]{52}")


class Arena:
    """A store directory inside ``root``, with canaries around and inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "store"
        self.store = ws.FilesystemStore(self.dir, HASH_KEY)
        self.record = self._mint_record()
        self.canaries = [
            root / "canary",
            root / "etc" / "passwd",
            self.dir / "etc" / "passwd",
            self.dir / ("session_" + "a" * 52),
            self.dir / ("session_" + "A" * 51 + "a"),
        ]
        for path in self.canaries:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.record)
        # Directories that make the traversals below resolve to the canaries.
        for name in ("session_..", "session_X", "session_"):
            (self.dir / name).mkdir()
        self.before = self.snapshot()

    def _mint_record(self) -> bytes:
        """A valid record of PWNED for NAME, made by a sibling store with our keys."""
        mint = ws.FilesystemStore(self.root / "mint", HASH_KEY)
        req, rsp = environ(), response()
        session = mint.get(req, NAME)
        session.values.update(PWNED)
        session.save(req, rsp)
        assert session.id is not None
        return (mint.path / f"session_{session.id}").read_bytes()

    def cookie(self, inner: Any) -> str:
        """A validly signed cookie of ours holding ``inner`` (an ID, or anything)."""
        return ws.SecureCookie(HASH_KEY).encode(NAME, inner)

    def snapshot(self) -> dict[str, str | bytes | None]:
        """Every path under root but the store's own regular record files.

        A directory maps to None, a symlink to its target (str), a file to its bytes.
        """
        state: dict[str, str | bytes | None] = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    state[path] = os.readlink(path)
                elif os.path.isdir(path):
                    state[path] = None
                elif not (Path(dirpath) == self.dir and _RECORD_FILE.fullmatch(name)):
                    state[path] = Path(path).read_bytes()
        return state

    def records(self) -> list[str]:
        return sorted(f for f in os.listdir(self.dir) if _RECORD_FILE.fullmatch(f))


@pytest.fixture
def arena(tmp_path: Path) -> Arena:
    return Arena(tmp_path)


TRAVERSALS: dict[str, Any] = {
    "etc-passwd": "../../etc/passwd",
    "etc-passwd-up-3": "../../../etc/passwd",
    "dot-dot": "..",
    "dot-dot-slash": "../",
    "absolute": "/etc/passwd",
    "absolute-canary": "<root>/canary",
    "52-lowercase": "a" * 52,
    "52-one-lowercase": "A" * 51 + "a",
    "52-with-slash": "X" + "/." * 19 + "/../../canary",
    "nul-byte": "A" * 51 + "\x00",
    "trailing-newline": "A" * 52 + "\n",
    "51-chars": "A" * 51,
    "53-chars": "A" * 53,
    "base32-padding": "A" * 48 + "====",
    "digits-0-1-8-9": "A" * 48 + "0189",
    "empty": "",
}


def _id(arena: Arena, case: str) -> Any:
    value = TRAVERSALS[case]
    return value.replace("<root>", str(arena.root)) if isinstance(value, str) else value


def test_traversal_ids_resolve_to_the_canaries(arena: Arena) -> None:
    """The arena is armed: without the ID check these paths would reach a canary."""
    for case, canary in (
        ("etc-passwd", arena.dir / "etc" / "passwd"),
        ("etc-passwd-up-3", arena.root / "etc" / "passwd"),
        ("52-with-slash", arena.root / "canary"),
        ("52-lowercase", arena.canaries[3]),
        ("52-one-lowercase", arena.canaries[4]),
    ):
        target = os.path.join(arena.dir, "session_" + _id(arena, case))
        assert os.path.realpath(target) == str(canary.resolve()), case
        assert Path(target).read_bytes() == arena.record
    assert len(TRAVERSALS["52-with-slash"]) == 52


@pytest.mark.parametrize("case", list(TRAVERSALS))
def test_traversal_id_gives_new_session_and_touches_nothing(arena: Arena, case: str) -> None:
    cookie = f"{NAME}={arena.cookie(_id(arena, case))}"

    # Load: a new session, MalformedValue, nothing read.
    req = environ(cookie)
    session = arena.store.get(req, NAME)
    assert session.is_new
    assert session.values == {}
    assert session.id is None
    assert isinstance(session.error, ws.MalformedValue), repr(session.error)

    # Save in the same request: a fresh ID of the right shape, never the hostile one.
    session.values["user"] = "victim"
    rsp: list[tuple[str, str]] = []
    session.save(req, rsp)
    assert session.id is not None
    assert session.id != _id(arena, case)
    assert ws.stores.is_valid_session_id(session.id)
    assert arena.records() == [f"session_{session.id}"]

    # Log out with the hostile cookie (max_age=-1), and destroy(): nothing deleted.
    req = environ(cookie)
    session = arena.store.get(req, NAME)
    session.options.max_age = -1
    session.save(req, [])
    req = environ(cookie)
    arena.store.get(req, NAME).destroy()

    assert arena.snapshot() == arena.before
    for canary in arena.canaries:
        assert canary.read_bytes() == arena.record


@pytest.mark.parametrize("inner", [["../canary"], {"id": "../canary"}, 42, None, b"../canary"])
def test_non_string_id_in_a_signed_cookie_is_rejected(arena: Arena, inner: Any) -> None:
    session = arena.store.get(environ(f"{NAME}={arena.cookie(inner)}"), NAME)
    assert session.is_new
    assert session.values == {}
    assert isinstance(session.error, ws.DecodeError)
    assert arena.snapshot() == arena.before


async def test_traversal_id_async(arena: Arena) -> None:
    cookie = f"{NAME}={arena.cookie(_id(arena, 'etc-passwd'))}"
    req = environ(cookie)
    session = await arena.store.aget(req, NAME)
    assert isinstance(session.error, ws.MalformedValue)
    session.options.max_age = -1
    await session.asave(req, [])
    assert arena.snapshot() == arena.before


# -- symlinked session files ----------------------------------------------------------


def _plant_symlink(arena: Arena, target: Path, session_id: str | None = None) -> str:
    session_id = session_id or ws.stores.new_session_id()
    os.symlink(target, arena.dir / f"session_{session_id}")
    arena.before = arena.snapshot()
    return session_id


@pytest.mark.parametrize("kind", ["to-record", "to-directory", "dangling", "loop"])
def test_symlinked_session_file_is_never_read_through(arena: Arena, kind: str) -> None:
    """A ``session_<ID>`` symlink to a valid record elsewhere: its values never load.

    Today the store raises StoreError (it opens with O_NOFOLLOW: ELOOP); a new
    session would be acceptable too.
    """
    target = {
        "to-record": arena.root / "canary",
        "to-directory": arena.root / "etc",
        "dangling": arena.root / "nowhere",
        "loop": arena.dir / "session_LOOP",
    }[kind]
    session_id = _plant_symlink(arena, target)
    if kind == "loop":
        os.symlink(arena.dir / f"session_{session_id}", target)
        arena.before = arena.snapshot()
    cookie = f"{NAME}={arena.cookie(session_id)}"
    req = environ(cookie)
    try:
        session = arena.store.get(req, NAME)
    except ws.StoreError:
        pass
    else:
        assert session.is_new
        assert session.values == {}
        assert "pwned" not in session.values
        session.values["user"] = "victim"
        session.save(req, [])
        assert session.id != session_id
    # Logging out with that cookie removes at most the link, never its target.
    req = environ(cookie)
    try:
        session = arena.store.get(req, NAME)
        session.options.max_age = -1
        session.save(req, [])
    except ws.StoreError:
        pass
    after = arena.snapshot()
    after.pop(str(arena.dir / f"session_{session_id}"), None)
    before = dict(arena.before)
    before.pop(str(arena.dir / f"session_{session_id}"), None)
    assert after == before
    assert (arena.root / "canary").read_bytes() == arena.record


@pytest.mark.parametrize("action", ["update", "logout", "destroy"])
def test_record_swapped_for_a_symlink_mid_request_is_not_followed(
    arena: Arena, action: str
) -> None:
    """A request loads its record; then the file becomes a symlink to a canary
    (a local attacker with write access to the directory); the save or logout
    must not write to, or delete, the canary."""
    req, rsp = environ(), response()
    session = arena.store.get(req, NAME)
    session.values["user"] = "ada"
    session.save(req, rsp)
    session_id = session.id
    assert session_id is not None
    cookie = cookie_pair(set_cookies(rsp)[0])

    req = environ(cookie)
    session = arena.store.get(req, NAME)
    assert session.values == {"user": "ada"}
    record = arena.dir / f"session_{session_id}"
    record.unlink()
    os.symlink(arena.root / "canary", record)
    try:
        if action == "update":
            session.values["user"] = "mallory"
            session.save(req, [])
        elif action == "logout":
            session.options.max_age = -1
            session.save(req, [])
        else:
            session.destroy()
    except ws.StoreError:
        pass
    assert (arena.root / "canary").read_bytes() == arena.record
    assert (arena.root / "canary").is_file()
    assert not (arena.root / "canary").is_symlink()


# -- no server records for anonymous requests and logouts --------------------------------


def test_requests_without_a_cookie_create_no_records(arena: Arena) -> None:
    for i in range(50):
        req, rsp = environ(None if i % 2 else "other=1"), response()
        session = arena.store.get(req, NAME)
        assert not session.flashes()  # reading touches nothing
        session.save(req, rsp)
        assert set_cookies(rsp) == []
    assert arena.records() == []


@pytest.mark.parametrize("junk", ["garbage", "AAAA", "sess-forged"])
def test_requests_with_a_rejected_cookie_create_no_records(arena: Arena, junk: str) -> None:
    value = junk
    if junk == "sess-forged":
        value = ws.SecureCookie(b"x" * 32).encode(NAME, ws.stores.new_session_id())
    for _ in range(20):
        req = environ(f"{NAME}={value}")
        arena.store.get(req, NAME).save(req, [])
    assert arena.records() == []


def test_logouts_create_no_records(arena: Arena) -> None:
    # A logout with no session at all, with a junk cookie, and via destroy().
    for header in (None, f"{NAME}=garbage"):
        req = environ(header)
        session = arena.store.get(req, NAME)
        session.options.max_age = -1
        session.save(req, [])
        req = environ(header)
        session = arena.store.get(req, NAME)
        session.destroy()
        session.save(req, [])
    assert arena.records() == []
    # A real login then logout leaves nothing behind either.
    req, rsp = environ(), response()
    session = arena.store.get(req, NAME)
    session.values["user"] = "ada"
    session.save(req, rsp)
    assert len(arena.records()) == 1
    cookie = cookie_pair(set_cookies(rsp)[0])
    req = environ(cookie)
    session = arena.store.get(req, NAME)
    session.options.max_age = -1
    session.save(req, [])
    assert arena.records() == []
    # Replaying the logged-out cookie, with a save, creates nothing.
    req = environ(cookie)
    arena.store.get(req, NAME).save(req, [])
    assert arena.records() == []
    assert arena.snapshot() == arena.before


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("__Host-x", {"secure": False}),
        (NAME, {"path": "/\r\n"}),
        (NAME, {"domain": "exa mple.com"}),
    ],
    ids=["host-prefix-not-secure", "bad-path", "bad-domain"],
)
def test_a_save_refused_with_usage_error_writes_no_record(
    arena: Arena, name: str, options: dict[str, Any]
) -> None:
    req, rsp = environ(), response()
    session = arena.store.get(req, name)
    session.values["user"] = "ada"
    for field, value in options.items():
        setattr(session.options, field, value)
    with pytest.raises(ws.UsageError):
        session.save(req, rsp)
    assert rsp == []
    assert arena.records() == []
