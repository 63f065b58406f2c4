"""The login/logout recipe of docs/security.md, run as written, with Flask's test client.

The first code block of "The login and logout recipe" is executed (so the
page cannot drift from what works) and driven like a browser would, on a
FilesystemStore and a CookieStore with a settable clock: fixation, logout,
a copied cookie, idle and absolute timeouts, the flashes shown once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

import websessions as ws
from websessions.testing import KEYS, Clock

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://localhost"
IDLE = 30 * 60
ABSOLUTE = 12 * 3600
USERS = {("ada", "lovelace"): "ada", ("mallory", "evil"): "mallory"}


def recipe_source() -> str:
    page = (ROOT / "docs" / "security.md").read_text()
    section = page.split("## The login and logout recipe", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def authenticate(form: Any) -> str | None:
    return USERS.get((form.get("user"), form.get("password")))


def recipe() -> Callable[[ws.Store], flask.Flask]:
    namespace: dict[str, Any] = {"__name__": "recipe", "authenticate": authenticate}
    exec(compile(recipe_source(), "docs/security.md", "exec"), namespace)
    create_app: Callable[[ws.Store], flask.Flask] = namespace["create_app"]
    return create_app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["filesystem", "cookie"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> ws.Store:
    settings: dict[str, Any] = {
        "clock": clock,
        "idle_timeout": IDLE,
        "absolute_timeout": ABSOLUTE,
        "options": ws.Options(max_age=0),
    }
    if request.param == "filesystem":
        return ws.FilesystemStore(tmp_path, *KEYS, **settings)
    return ws.CookieStore(*KEYS, **settings)


@pytest.fixture
def app(store: ws.Store) -> flask.Flask:
    return recipe()(store)


def home(client: FlaskClient) -> str:
    response = client.get("/", base_url=BASE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def log_in(client: FlaskClient, user: str, password: str) -> None:
    response = client.post("/login", data={"user": user, "password": password}, base_url=BASE)
    assert response.status_code == 302


def cookie(client: FlaskClient) -> str | None:
    found = client.get_cookie("session", domain="localhost")
    return None if found is None else found.value


def browser_with(app: flask.Flask, value: str | None) -> FlaskClient:
    client = app.test_client()
    if value is not None:
        client.set_cookie("session", value, domain="localhost", secure=True)
    return client


def records(store: ws.Store) -> set[str]:
    if not isinstance(store, ws.FilesystemStore):
        return set()
    return {p.name for p in store.path.iterdir() if p.name.startswith("session_")}


def test_login_and_logout(app: flask.Flask, store: ws.Store) -> None:
    browser = app.test_client()
    assert home(browser) == "user=None"
    log_in(browser, "ada", "wrong")
    assert home(browser) == "user=None"
    log_in(browser, "ada", "lovelace")
    assert home(browser) == "user=ada"
    browser.post("/logout", base_url=BASE)
    assert home(browser) == "user=None You have been logged out."
    assert home(browser) == "user=None"  # a flash shows once


def test_a_planted_session_never_becomes_the_victims(app: flask.Flask, store: ws.Store) -> None:
    attacker = app.test_client()
    log_in(attacker, "mallory", "evil")
    planted = cookie(attacker)
    victim = browser_with(app, planted)  # set from a sibling domain, say
    log_in(victim, "ada", "lovelace")
    assert home(victim) == "user=ada"
    assert cookie(victim) != planted
    replay = home(browser_with(app, planted))
    assert "ada" not in replay
    if isinstance(store, ws.FilesystemStore):
        # regenerate_id deleted the planted session: only the victim's is left.
        assert replay == "user=None"
        assert len(records(store)) == 1


def test_logout_kills_copies_of_the_cookie_on_a_server_side_store(
    app: flask.Flask, store: ws.Store, clock: Clock
) -> None:
    browser = app.test_client()
    log_in(browser, "ada", "lovelace")
    stolen = cookie(browser)
    browser.post("/logout", base_url=BASE)
    thief = browser_with(app, stolen)
    if isinstance(store, ws.ServerSideStore):
        assert home(thief) == "user=None"
        return
    # A cookie store cannot revoke the copy; the timeouts end it. Used without
    # pause it rolls on, until the absolute timeout.
    for _ in range(ABSOLUTE // (IDLE // 2) - 1):
        clock.advance(IDLE // 2)
        assert home(thief) == "user=ada"
    clock.advance(IDLE // 2 + 1)
    assert home(thief) == "user=None Your session has expired: please log in again."


def test_an_idle_session_ends_with_a_message(app: flask.Flask, clock: Clock) -> None:
    browser = app.test_client()
    log_in(browser, "ada", "lovelace")
    clock.advance(IDLE - 60)
    assert home(browser) == "user=ada"  # and that request counts as use
    clock.advance(IDLE - 60)
    assert home(browser) == "user=ada"
    clock.advance(IDLE + 1)
    assert home(browser) == "user=None Your session has expired: please log in again."
    assert home(browser) == "user=None"


def test_a_busy_session_ends_at_the_absolute_timeout(
    app: flask.Flask, store: ws.Store, clock: Clock
) -> None:
    browser = app.test_client()
    home(browser)
    clock.advance(3600)  # an hour anonymous does not count: the window starts at login
    log_in(browser, "ada", "lovelace")
    for _ in range(ABSOLUTE // 600):
        clock.advance(600)
        assert home(browser) == "user=ada"
    clock.advance(1)
    assert home(browser) == "user=None Your session has expired: please log in again."
    if isinstance(store, ws.FilesystemStore):
        assert records(store) == set()  # the timed-out record went at once
