"""CookieStore lifecycle: the kit's checks, and what is particular to a session in its cookie.

A cookie session has no server-side record, so "server-side" timeouts are
checked from what the keys signed: the timestamp inside the signed value
(the last save) and the start time stored among the signed values. The
browser's cookie expiry plays no part: a copied cookie replayed with any
Max-Age is refused all the same.
"""

from __future__ import annotations

from typing import Any

import pytest

import websessions as ws
from websessions.stores.base import CREATED_KEY, signed_time
from websessions.testing import (
    ABSOLUTE,
    IDLE,
    KEYS,
    NAME,
    START,
    AnyStoreFactory,
    Clock,
    LifecycleConformance,
    SessionClient,
)


class TestCookieStoreLifecycle(LifecycleConformance):
    @pytest.fixture
    def make_store(self) -> AnyStoreFactory:
        def make(*keys: bytes | None, **settings: Any) -> ws.Store:
            return ws.CookieStore(*keys, **settings)

        return make


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client(clock: Clock, api: str = "sync", **settings: Any) -> SessionClient:
    return SessionClient(ws.CookieStore(*KEYS, clock=clock, **settings), api)


# -- timeouts come from the signed value, not from the browser ---------------------------


@pytest.mark.parametrize("max_age", [0, 86400 * 365])
async def test_a_copied_cookie_is_refused_after_the_idle_timeout_whatever_its_max_age(
    clock: Clock, max_age: int
) -> None:
    browser = client(clock, idle_timeout=IDLE, options=ws.Options(max_age=max_age))
    await browser.visit(user="ada")
    stolen = browser.header()
    clock.advance(IDLE + 1)
    replay = await browser.open(cookie=stolen)
    assert replay.session.is_new
    assert replay.session.values == {}
    assert isinstance(replay.session.error, ws.IdleTimeout)


@pytest.mark.parametrize(
    "junk",
    [float("inf"), float("-inf"), float("nan"), "yesterday", None, True, [1], START + 10**6],
    ids=["inf", "-inf", "nan", "str", "none", "bool", "list", "future"],
)
async def test_a_junk_start_time_counts_from_the_signed_time(clock: Clock, junk: Any) -> None:
    """Only key holders can sign a start time; a junk one (a bug, another
    service) never turns the absolute timeout off: the session counts from its
    signed time instead."""
    browser = client(clock, absolute_timeout=ABSOLUTE)
    cookie = browser.store.codecs[0].encode(NAME, {"user": "ada", CREATED_KEY: junk})
    browser.cookies[NAME] = cookie
    request = await browser.open()
    assert request.session.values == {"user": "ada"}
    assert request.session.created == int(START)
    clock.advance(ABSOLUTE + 1)
    assert isinstance((await browser.open()).session.error, ws.AbsoluteTimeout)


async def test_a_signed_start_time_in_the_past_is_trusted(clock: Clock) -> None:
    browser = client(clock, absolute_timeout=ABSOLUTE)
    old = int(START) - ABSOLUTE - 1
    browser.cookies[NAME] = browser.store.codecs[0].encode(NAME, {"user": "ada", CREATED_KEY: old})
    request = await browser.open()
    assert isinstance(request.session.error, ws.AbsoluteTimeout)
    assert request.session.values == {}


async def test_a_duplicate_timed_out_cookie_does_not_shadow_a_live_one(clock: Clock) -> None:
    browser = client(clock, idle_timeout=IDLE)
    await browser.visit(who="old")
    old = browser.cookies[NAME]
    clock.advance(IDLE + 1)
    browser.cookies.clear()
    await browser.visit(who="new")
    request = await browser.open(cookie=f"{NAME}={old}; {NAME}={browser.cookies[NAME]}")
    assert request.session.values == {"who": "new"}


@pytest.mark.parametrize(
    "serializer",
    [ws.DefaultSerializer(), ws.JSONSerializer(), ws.GobSerializer()],
    ids=["default", "json", "gob"],
)
async def test_the_start_time_round_trips_in_every_serializer(
    clock: Clock, serializer: ws.Serializer
) -> None:
    browser = client(clock, absolute_timeout=ABSOLUTE, serializer=serializer)
    await browser.visit(user="ada")
    clock.advance(ABSOLUTE // 2)
    request = await browser.visit(n=1)
    assert request.session.created == int(START)
    assert await browser.signed_values() == {"user": "ada", "n": 1, CREATED_KEY: int(START)}
    clock.advance(ABSOLUTE // 2 + 1)
    assert isinstance((await browser.open()).session.error, ws.AbsoluteTimeout)


# -- rolling=False on a cookie store -------------------------------------------------------


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_without_rolling_a_cookie_is_sent_only_when_something_changed(
    clock: Clock, api: str
) -> None:
    browser = client(clock, api, rolling=False)
    assert len((await browser.visit()).set_cookies) == 1  # a new session: as gorilla
    assert len((await browser.visit(cart=["apple"])).set_cookies) == 1
    assert (await browser.visit()).set_cookies == []
    request = await browser.open()
    request.session.values["cart"].append("pear")  # a nested change counts
    assert len(await browser.commit(request)) == 1
    request = await browser.open()
    request.session.options.max_age = 86400 * 365  # "remember me"
    [header] = await browser.commit(request)
    assert "Max-Age=31536000" in header
    assert (await browser.open()).session.values == {"cart": ["apple", "pear"]}
    request = await browser.open()
    await browser.destroy(request)
    [header] = await browser.commit(request)
    assert "Max-Age=0" in header


async def test_without_rolling_regenerate_id_re_issues_the_cookie_with_a_new_window(
    clock: Clock,
) -> None:
    browser = client(clock, rolling=False, absolute_timeout=ABSOLUTE)
    await browser.visit(user="anon")
    clock.advance(600)
    request = await browser.open()
    request.session.regenerate_id()
    assert len(await browser.commit(request)) == 1
    assert request.session.created == int(START) + 600
    clock.advance(600)
    assert (await browser.open()).session.values == {"user": "anon"}


async def test_rolling_re_signs_every_save(clock: Clock) -> None:
    browser = client(clock)
    await browser.visit(user="ada")
    first = browser.cookies[NAME]
    clock.advance(5)
    assert len((await browser.visit()).set_cookies) == 1
    assert browser.cookies[NAME] != first
    assert signed_time(browser.cookies[NAME]) == int(START) + 5
