"""The session model: values, flashes and options; gorilla's sessions_test.go ported.

Requests are real WSGI environs and responses real start_response header
lists: the plain-WSGI adapter needs nothing else.
"""

from __future__ import annotations

from typing import Any

import pytest

import websessions as ws
from websessions.session import FLASH_KEY


def environ(cookie: str | None = None) -> dict[str, Any]:
    env: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "localhost"}
    if cookie is not None:
        env["HTTP_COOKIE"] = cookie
    return env


def headers() -> list[tuple[str, str]]:
    """A WSGI response's header list, as passed to start_response."""
    return []


def set_cookies(headers: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in headers if name == "Set-Cookie"]


def cookie_pair(set_cookie: str) -> str:
    """What a browser sends back for a Set-Cookie header: its name=value."""
    return set_cookie.split(";", 1)[0]


@pytest.fixture
def store() -> ws.CookieStore:
    return ws.CookieStore(b"secret-key-of-32-bytes-for-tests")


# gorilla's TestFlashes and TestCookieStoreMapPanic are ported once, for both
# stores, in tests/stores/test_gorilla.py.


# -- flashes ---------------------------------------------------------------------------


def test_flashes_default_and_custom_keys(store: ws.CookieStore) -> None:
    session = ws.Session(store, "s")
    session.add_flash("a")
    session.add_flash({"level": "warn"})
    session.add_flash(1, key="other")
    assert session.values == {FLASH_KEY: ["a", {"level": "warn"}], "other": [1]}
    assert FLASH_KEY == "_flash"
    assert session.flashes("other") == [1]
    assert "other" not in session.values
    assert session.flashes() == ["a", {"level": "warn"}]
    assert session.values == {}
    assert session.flashes() == []
    assert session.flashes("never") == []


def test_flashes_returns_a_new_list(store: ws.CookieStore) -> None:
    session = ws.Session(store, "s")
    session.add_flash("x")
    queue = session.values[FLASH_KEY]
    flashes = session.flashes()
    flashes.append("y")
    assert queue == ["x"]


def test_flashes_of_non_list_values(store: ws.CookieStore) -> None:
    session = ws.Session(store, "s", values={FLASH_KEY: ("a", "b"), "one": "msg"})
    assert session.flashes() == ["a", "b"]
    assert session.flashes("one") == ["msg"]
    assert session.values == {}


def test_add_flash_onto_a_non_list_is_usage_error(store: ws.CookieStore) -> None:
    session = ws.Session(store, "s", values={"user": "ada"})
    with pytest.raises(ws.UsageError, match="flash"):
        session.add_flash("x", key="user")
    assert session.values == {"user": "ada"}


def test_flashes_survive_a_round_trip_only_once(store: ws.CookieStore) -> None:
    req, rsp = environ(), headers()
    store.get(req, "s").add_flash("saved!")
    ws.save(req, rsp)
    req2, rsp2 = environ(cookie_pair(set_cookies(rsp)[0])), headers()
    assert store.get(req2, "s").flashes() == ["saved!"]
    ws.save(req2, rsp2)
    req3 = environ(cookie_pair(set_cookies(rsp2)[0]))
    session = store.get(req3, "s")
    assert not session.is_new
    assert session.flashes() == []


# -- the model ------------------------------------------------------------------------


def test_new_session_defaults(store: ws.CookieStore) -> None:
    session = ws.Session(store, "name")
    assert session.name == "name"
    assert session.store is store
    assert session.values == {}
    assert session.is_new is True
    assert session.id is None
    assert session.error is None
    assert "name" in repr(session)
    assert "new" in repr(session)


def test_values_any_hashable_key(store: ws.CookieStore) -> None:
    req, rsp = environ(), headers()
    session = store.get(req, "s")
    session.values[42] = 43
    session.values[("a", 1)] = {"nested": (1, 2)}
    ws.save(req, rsp)
    back = store.get(environ(cookie_pair(set_cookies(rsp)[0])), "s")
    assert back.values == {42: 43, ("a", 1): {"nested": (1, 2)}}


def test_options_are_a_copy(store: ws.CookieStore) -> None:
    a = ws.Session(store, "a")
    b = ws.Session(store, "b")
    assert a.options == store.options
    assert a.options is not store.options
    assert a.options is not b.options
    a.options.max_age = 0
    a.options.path = "/private"
    assert store.options.max_age == 86400 * 30
    assert store.options.path == "/"
    assert b.options.max_age == 86400 * 30


def test_options_copy_per_request(store: ws.CookieStore) -> None:
    first = store.get(environ(), "s")
    first.options.max_age = -1
    second = store.get(environ(), "s")
    assert second.options.max_age == 86400 * 30


def test_explicit_options_used_as_given(store: ws.CookieStore) -> None:
    options = ws.Options(max_age=5)
    session = ws.Session(store, "s", options=options)
    assert session.options is options


def test_per_session_options_reach_the_header(store: ws.CookieStore) -> None:
    req, rsp = environ(), headers()
    session = store.get(req, "s")
    session.options.max_age = 0  # browser-session cookie ("remember me" off)
    session.options.path = "/app"
    session.save(req, rsp)
    (header,) = set_cookies(rsp)
    assert "; Path=/app;" in header
    assert "Max-Age" not in header
    assert "Expires" not in header


def test_bad_cookie_gives_new_session_with_error(store: ws.CookieStore) -> None:
    session = store.get(environ("s=garbage!; other=1"), "s")
    assert session.is_new
    assert session.values == {}
    assert isinstance(session.error, ws.DecodeError)
    assert store.get(environ(), "t").error is None
