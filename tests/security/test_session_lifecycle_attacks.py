"""Attacks on the session lifecycle: fixation, logout, and a save racing a logout.

- Fixation: an ID the attacker chose (unsigned, signed with another key, or
  signed but unknown to the server) is never adopted: saving issues a fresh
  ID. An attacker's own live session planted in a victim's browser is
  defused by ``regenerate_id()`` at login.
- Logout (``max_age=-1`` or ``destroy()``) deletes the server-side record,
  so a copied cookie stops working.
- A slow request that loaded the session before a concurrent logout must not
  bring it back when it saves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import websessions as ws

from ._attack import ATTACKER_KEY, HASH_KEY, NAME, cookie_pair, environ, response, set_cookies

USER = {"user": "ada", "role": "admin"}


@pytest.fixture
def store(tmp_path: Path) -> ws.FilesystemStore:
    return ws.FilesystemStore(tmp_path / "sessions", HASH_KEY)


def records(store: ws.FilesystemStore) -> set[str]:
    return {
        p.name[len("session_") :] for p in store.path.iterdir() if p.name.startswith("session_")
    }


def login(store: ws.Store, header: str | None = None) -> tuple[str, ws.Session]:
    """A login request: sets USER, saves; the cookie a browser sends back."""
    req, rsp = environ(header), response()
    session = store.get(req, NAME)
    session.values.update(USER)
    session.save(req, rsp)
    (set_cookie,) = set_cookies(rsp)
    return cookie_pair(set_cookie), session


def load(store: ws.Store, cookie: str | None) -> ws.Session:
    return store.get(environ(cookie), NAME)


def assert_logged_out(store: ws.Store, cookie: str | None) -> None:
    """Nothing of the logged-in session comes back with this cookie."""
    session = load(store, cookie)
    assert not set(USER) & set(session.values), session.values


def logout(store: ws.Store, cookie: str, how: str) -> list[tuple[str, str]]:
    req, rsp = environ(cookie), response()
    session = store.get(req, NAME)
    assert session.values == USER
    if how == "max_age":
        session.options.max_age = -1
    else:
        session.destroy()
    session.save(req, rsp)
    return rsp


# -- fixation ---------------------------------------------------------------------------


def _attacker_cookies() -> dict[str, tuple[str, str]]:
    """(attacker-chosen ID, cookie value the attacker plants)."""
    chosen = ws.stores.new_session_id()
    return {
        "unsigned": (chosen, chosen),
        "attacker-key": (chosen, ws.SecureCookie(ATTACKER_KEY).encode(NAME, chosen)),
        # Signed with our key (a leaked key, or an ID the server once issued and
        # has since deleted): still unknown to the server.
        "signed-unknown": (chosen, ws.SecureCookie(HASH_KEY).encode(NAME, chosen)),
    }


@pytest.mark.parametrize("kind", list(_attacker_cookies()))
def test_attacker_chosen_id_is_never_adopted(store: ws.FilesystemStore, kind: str) -> None:
    chosen, planted = _attacker_cookies()[kind]
    cookie, session = login(store, f"{NAME}={planted}")
    assert session.id is not None
    assert session.id != chosen
    assert records(store) == {session.id}
    # The attacker's cookie gives them nothing; the victim's new one works.
    assert_logged_out(store, f"{NAME}={planted}")
    assert load(store, cookie).values == USER


@pytest.mark.parametrize("kind", list(_attacker_cookies()))
async def test_attacker_chosen_id_is_never_adopted_async(
    store: ws.FilesystemStore, kind: str
) -> None:
    chosen, planted = _attacker_cookies()[kind]
    req = environ(f"{NAME}={planted}")
    session = await store.aget(req, NAME)
    session.values.update(USER)
    await session.asave(req, response())
    assert session.id not in (None, chosen)
    assert records(store) == {session.id}


def test_planted_live_session_is_defused_by_regenerate_id(store: ws.FilesystemStore) -> None:
    """The attacker's own valid session cookie, planted in the victim's browser:
    at login the app calls regenerate_id(), so the attacker's cookie is worthless."""
    attacker_cookie, attacker_session = login(store)
    req, rsp = environ(attacker_cookie), response()
    victim = store.get(req, NAME)
    assert not victim.is_new  # the planted session loads: fixation is the app's login step
    victim.regenerate_id()
    victim.values.update({"user": "victim", "role": "admin"})
    victim.save(req, rsp)
    assert victim.id != attacker_session.id
    assert records(store) == {victim.id}
    assert_logged_out(store, attacker_cookie)
    victim_cookie = cookie_pair(set_cookies(rsp)[0])
    assert load(store, victim_cookie).values["user"] == "victim"


def test_cookie_store_fixation_forged_values_are_never_adopted() -> None:
    store = ws.CookieStore(HASH_KEY)
    forged = ws.SecureCookie(ATTACKER_KEY).encode(NAME, {"user": "mallory"})
    session = load(store, f"{NAME}={forged}")
    assert session.is_new
    assert session.values == {}


# -- logout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["max_age", "destroy"])
def test_logout_invalidates_server_side_so_a_copied_cookie_stops_working(
    store: ws.FilesystemStore, how: str
) -> None:
    cookie, session = login(store)
    copied = cookie  # what an attacker who stole it holds
    assert load(store, copied).values == USER
    rsp = logout(store, cookie, how)
    assert records(store) == set()
    # The browser is told to drop it...
    (expire,) = set_cookies(rsp)
    assert "Max-Age=0" in expire
    assert cookie_pair(expire) == f"{NAME}="
    # ...and the copy no longer works, even though its MAC still verifies.
    replay = load(store, copied)
    assert replay.is_new
    assert replay.values == {}
    assert isinstance(replay.error, ws.SessionNotFound)
    # Saving the replayed request doesn't resurrect the ID.
    req, rsp = environ(copied), response()
    replayed = store.get(req, NAME)
    replayed.values["x"] = 1
    replayed.save(req, rsp)
    assert replayed.id != session.id
    assert session.id not in records(store)


def test_cookie_store_logout_cannot_revoke_a_copied_cookie() -> None:
    """The documented limit of client-side sessions (as in gorilla): logout
    only asks the browser to drop the cookie; a copy stays valid until it
    expires. Use a server-side store when revocation matters."""
    store = ws.CookieStore(HASH_KEY)
    cookie, _ = login(store)
    req, rsp = environ(cookie), response()
    session = store.get(req, NAME)
    session.options.max_age = -1
    session.save(req, rsp)
    assert "Max-Age=0" in set_cookies(rsp)[0]
    assert load(store, cookie).values == USER


# -- a slow request saving after a concurrent logout ------------------------------------------


def _race(
    store: ws.FilesystemStore, how: str, change: dict[str, Any]
) -> tuple[str, ws.Session, list[tuple[str, str]]]:
    """Request A loads; request B logs out; A (maybe changed) saves. A's response."""
    cookie, first = login(store)
    req_a = environ(cookie)
    session_a = store.get(req_a, NAME)
    assert session_a.values == USER
    logout(store, cookie, how)
    assert records(store) == set()
    session_a.values.update(change)
    rsp_a: list[tuple[str, str]] = []
    session_a.save(req_a, rsp_a)
    assert first.id is not None
    return first.id, session_a, rsp_a


RACES = {
    "unchanged": {},
    "other-key-changed": {"cart": [1, 2]},
}


@pytest.mark.parametrize("how", ["max_age", "destroy"])
@pytest.mark.parametrize("change", list(RACES))
@pytest.mark.parametrize("refresh_after", [None, 0], ids=["lazy-refresh", "eager-refresh"])
def test_save_after_concurrent_logout_does_not_bring_the_session_back(
    tmp_path: Path, how: str, change: str, refresh_after: int | None
) -> None:
    store = ws.FilesystemStore(tmp_path, HASH_KEY, refresh_after=refresh_after)
    old_id, _, rsp_a = _race(store, how, RACES[change])
    assert old_id not in records(store)
    # The old cookie stays logged out...
    replay = load(store, f"{NAME}={ws.SecureCookie(HASH_KEY).encode(NAME, old_id)}")
    assert replay.is_new
    assert "user" not in replay.values
    # ...and so does whatever cookie A's response set.
    for header in set_cookies(rsp_a):
        assert_logged_out(store, cookie_pair(header))
    # Only A's own changes may survive, under a new ID.
    for session_id in records(store):
        assert session_id != old_id
        stored = load(store, f"{NAME}={ws.SecureCookie(HASH_KEY).encode(NAME, session_id)}")
        assert "user" not in stored.values
        assert stored.values == RACES[change]


async def test_async_save_after_concurrent_logout_does_not_bring_the_session_back(
    store: ws.FilesystemStore,
) -> None:
    cookie, first = login(store)
    req_a = environ(cookie)
    session_a = await store.aget(req_a, NAME)
    req_b = environ(cookie)
    session_b = await store.aget(req_b, NAME)
    await session_b.adestroy()
    await session_b.asave(req_b, [])
    session_a.values["cart"] = [1]
    rsp_a: list[tuple[str, str]] = []
    await session_a.asave(req_a, rsp_a)
    assert first.id not in records(store)
    for header in set_cookies(rsp_a):
        assert "user" not in (await store.anew(environ(cookie_pair(header)), NAME)).values
    assert_logged_out(store, cookie)
