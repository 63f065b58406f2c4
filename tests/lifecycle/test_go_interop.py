"""The start time and gorilla/sessions: a Go service sees it, keeps it, and can do without it.

The start time is one more session value, ``"_ws_created"`` (Unix seconds),
so a Go service sharing the cookie (real gorilla/sessions through the
interop suite's Go peer, gorilla's JSON encoding) reads it as a number,
writes it back unchanged when it saves, and a session Go made without one
counts from its signed time on the Python side.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import websessions as ws
from tests.interop._go import FIX, GoHelper, build, derive_key, hexkeys, missing_prerequisites
from websessions.stores.base import CREATED_KEY, signed_time

NAME = "app-session"
KEYS = (derive_key("lifecycle-hash", 32), derive_key("lifecycle-block", 32))
OPTIONS: dict[str, Any] = {
    "path": "/",
    "domain": "",
    "max_age": 3600,
    "secure": True,
    "http_only": True,
    "same_site": "Lax",
}
ABSOLUTE = 8 * 3600


@pytest.fixture(scope="module")
def go() -> GoHelper:
    missing = missing_prerequisites()
    if missing:
        pytest.fail(f"these tests need {', '.join(missing)}: {FIX}", pytrace=False)
    return GoHelper(build())


def py_store(**settings: Any) -> ws.CookieStore:
    options = ws.Options(**{**OPTIONS, "domain": None})
    return ws.CookieStore(*KEYS, options=options, serializer=ws.JSONSerializer(), **settings)


def go_store(**extra: Any) -> dict[str, Any]:
    return {"store": "cookie", "name": NAME, "keys": hexkeys(*KEYS), "options": OPTIONS, **extra}


def environ(cookie: str = "") -> dict[str, Any]:
    env: dict[str, Any] = {"REQUEST_METHOD": "GET"}
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


def pair(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0]


def python_login() -> tuple[str, int]:
    """A Python service with an absolute timeout starts a session; its cookie and start."""
    env, headers = environ(), list[tuple[str, str]]()
    session = py_store(absolute_timeout=ABSOLUTE).get(env, NAME)
    session.values["user"] = "ada"
    session.save(env, headers)
    assert session.created is not None
    return pair(headers[0][1]), session.created


def test_go_sees_the_start_time_as_a_number(go: GoHelper) -> None:
    cookie, created = python_login()
    result = go.one({"op": "store_get", **go_store(), "cookie_header": cookie, "flash_keys": []})
    assert result["error"] is None
    assert result["values_after_flashes"] == {"user": "ada", CREATED_KEY: created}


def test_a_go_save_keeps_the_start_time(go: GoHelper) -> None:
    cookie, created = python_login()
    result = go.one(
        {"op": "store_save", **go_store(), "cookie_header": cookie, "set": {"count": 2}}
    )
    assert result["get_error"] is None
    session = py_store(absolute_timeout=ABSOLUTE).get(environ(pair(result["set_cookie"][0])), NAME)
    assert session.error is None
    assert session.values == {"user": "ada", "count": 2}
    assert session.created == created


def test_a_go_session_without_a_start_time_counts_from_its_signed_time(go: GoHelper) -> None:
    before = int(time.time())
    result = go.one({"op": "store_save", **go_store(), "set": {"user": "from-go"}})
    cookie = pair(result["set_cookie"][0])
    session = py_store(absolute_timeout=ABSOLUTE).get(environ(cookie), NAME)
    assert session.values == {"user": "from-go"}
    signed = signed_time(cookie.split("=", 1)[1])
    assert session.created == signed
    assert before <= signed <= int(time.time())
    # Saved by Python, the start time (Go's signed time) goes in and stays.
    headers: list[tuple[str, str]] = []
    session.save(environ(cookie), headers)
    again = py_store().get(environ(pair(headers[0][1])), NAME)
    assert again.created == signed
    assert again.values == {"user": "from-go"}
