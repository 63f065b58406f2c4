"""The demo site end to end in Chromium (headless, Playwright), served for real on loopback.

``python -m examples.demo --port 0 --store DIR`` runs as a subprocess with the
test keys in its environment. Covered: log in, a flash shown once after the
redirect, "remember me" surviving a browser restart (a persistent profile
closed and launched again) while a browser-session cookie does not, log out
replacing the cookie and deleting its record, a tampered cookie giving a
fresh session, the cart in its own cookie, and Secure / SameSite /
Partitioned / ``__Host-`` cookies stored by Chromium as the flags configure
them over plain http:// to 127.0.0.1 and localhost (Chromium treats both as
secure origins).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..examples._demo import running_demo
from ._demo import (
    add_to_cart,
    cookie,
    first_page,
    flashes,
    flip,
    launch,
    log_in,
    server_view,
    set_cookie_headers,
    submit,
)
from .test_cookies import CHROMIUM, CHROMIUM_ARGS

sync_api = pytest.importorskip("playwright.sync_api")

REMEMBER_ME = 30 * 86400
CART_MAX_AGE = 7 * 86400
TEA = "Green tea, 100 g"


class Demo:
    """A running demo: its URL and its sessions directory."""

    def __init__(self, url: str, sessions: Path) -> None:
        self.url = url.rstrip("/")
        self.sessions = sessions

    def session_ids(self) -> set[str]:
        return {p.name.removeprefix("session_") for p in self.sessions.glob("session_*")}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo as ``make demo`` runs it (insecure cookies, a FilesystemStore)."""
    cwd = tmp_path_factory.mktemp("demo")
    with running_demo(cwd, "--store", str(cwd / "sessions")) as (url, _):
        yield Demo(url, cwd / "sessions")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context
    context.close()


def test_login_then_the_flash_is_shown_once_after_the_redirect(context: Any, demo: Demo) -> None:
    page = context.new_page()
    page.goto(demo.url)
    assert "Not logged in." in page.inner_text("body")
    response = log_in(page, demo.url, "<b>alice</b>", remember=False)
    # The form's POST answered 303, and the flash waited for the GET it led to.
    login = response.request.redirected_from
    assert login is not None
    assert login.method == "POST"
    assert login.url == f"{demo.url}/login"
    assert login.response().status == 303
    assert page.url == f"{demo.url}/"
    assert flashes(page) == ["Welcome, <b>alice</b>"]  # shown as text, not markup
    assert page.locator("ul.flashes b").count() == 0
    assert "Logged in as <b>alice</b>." in page.inner_text("body")
    page.reload()
    assert flashes(page) == []
    assert "Logged in as <b>alice</b>." in page.inner_text("body")


@pytest.mark.parametrize("remember", [True, False], ids=["remember-me", "browser-session"])
def test_a_browser_restart_keeps_remember_me_but_not_a_browser_session_cookie(
    playwright: Any, demo: Demo, tmp_path: Path, remember: bool
) -> None:
    profile = tmp_path / "profile"
    context = launch(playwright, profile)
    try:
        page = first_page(context)
        before = time.time()
        log_in(page, demo.url, remember=remember)
        assert "Logged in as alice." in page.inner_text("body")
        add_to_cart(page, demo.url, TEA)
        login_cookie = cookie(context, "demo")
        assert login_cookie is not None
        if remember:
            assert abs(login_cookie["expires"] - (before + REMEMBER_ME)) < 60
        else:
            assert login_cookie["expires"] == -1  # no Max-Age: a browser-session cookie
        cart_cookie = cookie(context, "cart")
        assert cart_cookie is not None
        assert abs(cart_cookie["expires"] - (before + CART_MAX_AGE)) < 60
    finally:
        context.close()  # a normal close: Chromium writes its cookie store to the profile

    context = launch(playwright, profile)
    try:
        # Before any request: what Chromium kept across the restart.
        kept = cookie(context, "demo")
        if remember:
            assert kept is not None
            assert kept["value"] == login_cookie["value"]
        else:
            assert kept is None  # Chromium dropped the browser-session cookie
        kept_cart = cookie(context, "cart")
        assert kept_cart is not None  # the cart's 7-day cookie outlives the restart either way
        assert kept_cart["value"] == cart_cookie["value"]

        page = first_page(context)
        page.goto(demo.url)
        body = page.inner_text("body")
        if remember:
            assert "Logged in as alice." in body  # the cookie was sent, the record found
        else:
            assert "Not logged in." in body
            assert "rejected" not in body  # no cookie at all, not a bad one
        assert f"1 \u00d7 {TEA}" in body
    finally:
        context.close()


def test_logout_removes_the_cookie_and_its_record(browser: Any, context: Any, demo: Demo) -> None:
    page = context.new_page()
    log_in(page, demo.url, remember=True)
    old_cookie = cookie(context, "demo")
    assert old_cookie is not None
    old_id = server_view(page, demo.url)["id"]
    assert old_id in demo.session_ids()

    page.goto(demo.url)
    response = submit(page, "Log out")
    logout = response.request.redirected_from
    assert logout is not None
    assert logout.url == f"{demo.url}/logout"
    (header,) = set_cookie_headers(logout.response(), "demo")  # one Set-Cookie, not two
    assert not header.startswith(f"demo={old_cookie['value']};")
    assert flashes(page) == ["You are logged out."]
    assert "Not logged in." in page.inner_text("body")

    new_cookie = cookie(context, "demo")
    assert new_cookie is not None
    assert new_cookie["value"] != old_cookie["value"]  # the remember-me cookie is gone
    assert old_id not in demo.session_ids()  # and so is its record
    new_id = server_view(page, demo.url)["id"]
    assert new_id != old_id
    assert new_id in demo.session_ids()
    page.goto(demo.url)
    assert flashes(page) == []

    # A copy of the old cookie, replayed from another browser, finds nothing.
    other = browser.new_context()
    try:
        other.add_cookies([old_cookie])
        replay = other.new_page()
        seen = server_view(replay, demo.url)
        assert seen["is_new"] == "True"
        assert seen["error"] == "SessionNotFound"
        replay.goto(demo.url)
        assert "Not logged in." in replay.inner_text("body")
    finally:
        other.close()


def test_a_tampered_cookie_gives_a_fresh_session(browser: Any, context: Any, demo: Demo) -> None:
    page = context.new_page()
    log_in(page, demo.url, remember=True)
    add_to_cart(page, demo.url, TEA)
    good, good_cart = cookie(context, "demo"), cookie(context, "cart")
    assert good is not None
    assert good_cart is not None
    context.add_cookies(
        [{**good, "value": flip(good["value"])}, {**good_cart, "value": flip(good_cart["value"])}]
    )
    tampered = cookie(context, "demo")
    assert tampered is not None
    assert tampered["value"] == flip(good["value"])

    seen = server_view(page, demo.url)
    assert seen["is_new"] == "True"
    assert seen["error"] == "MacInvalid"
    assert "values['user']" not in seen
    cart = server_view(page, demo.url, "cart")
    assert cart["error"] == "MacInvalid"
    page.goto(demo.url)
    body = page.inner_text("body")
    assert "Your demo cookie was rejected (MacInvalid): new session." in body
    assert "Your cart cookie was rejected (MacInvalid): new session." in body
    assert "Not logged in." in body
    assert "Visits in this session: 1" in body
    assert "Your cart is empty." in body
    fresh = cookie(context, "demo")
    assert fresh is not None
    assert fresh["value"] not in (good["value"], tampered["value"])  # a new, valid session
    page.reload()
    body = page.inner_text("body")
    assert "rejected (MacInvalid)" not in body.split("Your cart")[0]
    assert "Visits in this session: 2" in body

    # The real session is intact: its cookie, in another browser, is still logged in.
    other = browser.new_context()
    try:
        other.add_cookies([good, good_cart])
        replay = other.new_page()
        replay.goto(demo.url)
        body = replay.inner_text("body")
        assert "Logged in as alice." in body
        assert f"1 \u00d7 {TEA}" in body
    finally:
        other.close()


# -- cookie attributes as configured -------------------------------------------------

# flags, login cookie name, cart cookie name, secure, SameSite, partitioned
CONFIGS: dict[str, tuple[list[str], str, str, bool, str, bool]] = {
    "insecure-default": ([], "demo", "cart", False, "Lax", False),
    "secure-prefix": (
        ["--secure", "--cookie-name", "__Secure-demo"],
        "__Secure-demo",
        "__Secure-cart",
        True,
        "Lax",
        False,
    ),
    "host-prefix-strict": (
        ["--secure", "--cookie-name", "__Host-demo", "--same-site", "Strict"],
        "__Host-demo",
        "__Host-cart",
        True,
        "Strict",
        False,
    ),
    "host-prefix-partitioned": (
        ["--secure", "--cookie-name", "__Host-demo", "--same-site", "None", "--partitioned"],
        "__Host-demo",
        "__Host-cart",
        True,
        "None",
        True,
    ),
}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_cookies_are_stored_as_configured(browser: Any, tmp_path: Path, config: str) -> None:
    flags, name, cart_name, secure, same_site, partitioned = CONFIGS[config]
    with running_demo(tmp_path, "--store", str(tmp_path / "sessions"), *flags) as (served, _):
        for host in ("127.0.0.1", "localhost"):  # both secure origins to Chromium
            url = served.rstrip("/").replace("127.0.0.1", host)
            context = browser.new_context()
            try:
                page = context.new_page()
                before = time.time()
                log_in(page, url, remember=True)
                add_to_cart(page, url, TEA)
                stored = {c["name"]: c for c in context.cookies()}
                assert set(stored) == {name, cart_name}, stored
                for cookie_name, max_age in ((name, REMEMBER_ME), (cart_name, CART_MAX_AGE)):
                    c = stored[cookie_name]
                    assert c["domain"] == host
                    assert c["path"] == "/"
                    assert c["secure"] is secure
                    assert c["httpOnly"] is True
                    assert c["sameSite"] == same_site
                    assert ("partitionKey" in c) is partitioned
                    assert abs(c["expires"] - (before + max_age)) < 60
                # Chromium sends them back: the login and the cart hold on the next page.
                page.goto(url)
                body = page.inner_text("body")
                assert "Logged in as alice." in body
                assert f"1 \u00d7 {TEA}" in body
                assert server_view(page, url)["name"] == name
                assert server_view(page, url, "cart")["name"] == cart_name
            finally:
                context.close()
