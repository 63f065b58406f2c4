"""The session model: values, flashes and options; gorilla's sessions_test.go ported.

Requests are real WSGI environs and responses real start_response header
lists: the plain-WSGI adapter needs nothing else.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import websessions as ws
from websessions.session import FLASH_KEY


@ws.register(name="tests.core.session.FlashMessage")
@dataclasses.dataclass
class FlashMessage:
    type: int
    message: str


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


# -- gorilla/sessions' sessions_test.go ----------------------------------------------


def test_gorilla_TestFlashes(store: ws.CookieStore) -> None:
    # Round 1: flashes, a custom key, one Set-Cookie.
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

    # Round 2: read them back; flashes() empties the queue.
    req, rsp = environ(cookie_pair(cookies[0])), headers()
    session = store.get(req, "session-key")
    assert session.error is None
    assert not session.is_new
    assert session.flashes() == ["foo", "bar"]
    assert session.flashes() == []
    assert session.flashes("custom_key") == ["baz"]
    assert session.flashes("custom_key") == []

    # Round 3: a custom (registered) type.
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
    assert custom == FlashMessage(42, "foo")

    # Round 5: a shallow copy of the request keeps the request's sessions.
    req = environ()
    session = store.get(req, "session-key")
    session.values["test"] = "test-value"
    req = dict(req)
    session = store.get(req, "session-key")
    assert session.values.get("test") == "test-value"


def test_gorilla_TestCookieStoreMapPanic() -> None:
    store = ws.CookieStore(b"aaa0defe5d2839cbc46fc4f080cd7adc")
    req, rsp = environ(), headers()
    session = ws.Session(store, "hello")
    session.values["data"] = "hello-world"
    session.save(req, rsp)
    (header,) = set_cookies(rsp)
    assert header.startswith("hello=")
    back = store.get(environ(cookie_pair(header)), "hello")
    assert back.values == {"data": "hello-world"}


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
