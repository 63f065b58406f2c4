"""Sessions cross between websessions' stores and gorilla/sessions' stores.

Both sides use gorilla's JSON encoding. gorilla's ``JSONEncoder`` cannot
encode ``Session.Values`` (a ``map[interface{}]interface{}``) by itself, so
the Go peer wraps it to convert the map to ``map[string]interface{}`` (the
shim a Go service needs to share JSON sessions; see gohelper/main.go).
Requests are real WSGI environs on our side, ``http.Request`` and
``httptest.ResponseRecorder`` on Go's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import websessions as ws

from ._go import GoHelper, canon, derive_key, hexkeys, wire

NAME = "app-session"
OPTIONS: dict[str, Any] = {
    "path": "/",
    "domain": "",
    "max_age": 3600,
    "secure": True,
    "http_only": True,
    "same_site": "Lax",
}
VALUES: dict[str, Any] = {
    "user": "zoë",
    "id": 42,
    "big": 2**62 + 1,
    "ratio": 0.1,
    "ok": True,
    "nothing": None,
    "tags": ["a", "<b>", "😀"],
    "profile": {"name": "Zoë & co", "langs": ["fr", "en"], "age": 33.5},
}
OLD = (derive_key("old-hash", 64), derive_key("old-block", 32))
Keys = tuple[bytes, bytes | None]


def py_options(**changes: Any) -> ws.Options:
    return ws.Options(**{**OPTIONS, "domain": None, **changes})


def environ(cookie_header: str = "") -> dict[str, Any]:
    env: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    if cookie_header:
        env["HTTP_COOKIE"] = cookie_header
    return env


def wsgi(cookie_header: str = "") -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A WSGI environ and the headers list a response collects."""
    return environ(cookie_header), []


def cookie_pair(set_cookie: str) -> str:
    """What a browser sends back for a Set-Cookie header: ``name=value``."""
    return set_cookie.split(";", 1)[0]


def set_cookies(headers: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in headers if name == "Set-Cookie"]


def attributes(set_cookie: str) -> str:
    """The header without its value and Expires time."""
    return re.sub(r"; Expires=[^;]*", "", set_cookie.split(";", 1)[1])


def go_store(kind: str, keys: list[str | None], **extra: Any) -> dict[str, Any]:
    return {"store": kind, "name": NAME, "keys": keys, "options": OPTIONS, **extra}


def go_values(result: dict[str, Any], field: str = "values_after_flashes") -> Any:
    return canon(result[field], go_numbers=True)


# -- CookieStore -------------------------------------------------------------


def py_cookie_store(*pairs: bytes | None) -> ws.CookieStore:
    return ws.CookieStore(*pairs, options=py_options(), serializer=ws.JSONSerializer())


def test_python_cookie_session_read_by_go(go: GoHelper, keys: Keys) -> None:
    store = py_cookie_store(*keys)
    env, response = wsgi()
    session = store.get(env, NAME)
    session.values.update(VALUES)
    session.add_flash("Saved!")
    session.add_flash({"level": "info", "text": "Welcome back"})
    session.add_flash("Bad input", key="errors")
    session.save(env, response)
    (header,) = set_cookies(response)

    result = go.one(
        {
            "op": "store_get",
            **go_store("cookie", hexkeys(*keys)),
            "cookie_header": cookie_pair(header),
            "flash_keys": ["_flash", "errors", "none"],
        }
    )
    assert result["error"] is None
    assert result["is_new"] is False
    assert result["flashes"] == {
        "_flash": ["Saved!", {"level": "info", "text": "Welcome back"}],
        "errors": ["Bad input"],
        "none": None,
    }
    assert go_values(result) == canon(VALUES, go_numbers=True)


def test_go_cookie_session_read_by_python(go: GoHelper, keys: Keys) -> None:
    result = go.one(
        {
            "op": "store_save",
            **go_store("cookie", hexkeys(*keys)),
            "set": wire(VALUES),
            "flashes": [
                {"key": "_flash", "value": "Saved!"},
                {"key": "_flash", "value": {"n": 1}},
                {"key": "errors", "value": "Bad input"},
            ],
        }
    )
    assert "error" not in result, result
    (header,) = result["set_cookie"]

    store = py_cookie_store(*keys)
    session = store.get(environ(cookie_pair(header)), NAME)
    assert session.error is None
    assert session.is_new is False
    assert session.flashes() == ["Saved!", {"n": 1}]
    assert session.flashes("errors") == ["Bad input"]
    assert canon(session.values) == canon(VALUES)  # ints exact: Go held int64

    # Same store options give the same Set-Cookie attributes on both sides.
    response: list[tuple[str, str]] = []
    session.save(environ(), response)
    assert attributes(set_cookies(response)[0]) == attributes(header)


def test_session_ping_pong(go: GoHelper, keys: Keys) -> None:
    """Python writes, Go reads and changes, Python reads Go's change."""
    store = py_cookie_store(*keys)
    env, response = wsgi()
    session = store.get(env, NAME)
    session.values.update({"count": 1, "keep": "me", "drop": "me"})
    session.save(env, response)

    result = go.one(
        {
            "op": "store_save",
            **go_store("cookie", hexkeys(*keys)),
            "cookie_header": cookie_pair(set_cookies(response)[0]),
            "set": {"count": 2, "by": "go"},
            "delete": ["drop"],
        }
    )
    assert result["get_error"] is None
    assert result["was_new"] is False
    session = store.get(environ(cookie_pair(result["set_cookie"][0])), NAME)
    assert session.values == {"count": 2, "keep": "me", "by": "go"}


def test_key_rotation_go_old_pair_python_new_store(go: GoHelper, keys: Keys) -> None:
    # Go still signs with the old pair; Python has rotated to (new, old).
    result = go.one(
        {"op": "store_save", **go_store("cookie", hexkeys(*OLD)), "set": {"who": "go-old"}}
    )
    rotated = py_cookie_store(keys[0], keys[1], *OLD)
    session = rotated.get(environ(cookie_pair(result["set_cookie"][0])), NAME)
    assert (session.error, session.values) == (None, {"who": "go-old"})

    # Python re-saves with the new pair: Go with only the new keys reads it,
    # Go with only the old keys no longer does.
    response: list[tuple[str, str]] = []
    session.values["who"] = "python-new"
    session.save(environ(), response)
    cookie = cookie_pair(set_cookies(response)[0])
    new_only, old_only = go.run(
        [
            {"op": "store_get", **go_store("cookie", hexkeys(*keys)), "cookie_header": cookie},
            {"op": "store_get", **go_store("cookie", hexkeys(*OLD)), "cookie_header": cookie},
        ]
    )
    assert (new_only["error"], new_only["values"]) == (None, {"who": "python-new"})
    assert old_only["is_new"] is True
    assert old_only["error"] == "securecookie: the value is not valid"


def test_key_rotation_python_old_pair_go_new_store(go: GoHelper, keys: Keys) -> None:
    env, response = wsgi()
    session = py_cookie_store(*OLD).get(env, NAME)
    session.values["who"] = "python-old"
    session.save(env, response)
    result = go.one(
        {
            "op": "store_get",
            **go_store("cookie", hexkeys(keys[0], keys[1], *OLD)),
            "cookie_header": cookie_pair(set_cookies(response)[0]),
        }
    )
    assert (result["error"], result["values"]) == (None, {"who": "python-old"})


def test_tampered_session_cookies_are_rejected_both_ways(go: GoHelper, keys: Keys) -> None:
    env, response = wsgi()
    session = py_cookie_store(*keys).get(env, NAME)
    session.values["admin"] = False
    session.save(env, response)
    name, _, value = cookie_pair(set_cookies(response)[0]).partition("=")
    forged = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    get = {"op": "store_get", **go_store("cookie", hexkeys(*keys))}
    go_forged, go_renamed = go.run(
        [
            {**get, "cookie_header": f"{name}={forged}"},
            # The same cookie presented under another session name.
            {**get, "name": "other", "cookie_header": f"other={value}"},
        ]
    )
    for result in (go_forged, go_renamed):
        assert result["is_new"] is True
        assert result["error"] == "securecookie: the value is not valid"
        assert result["values"] == {}

    go_cookie = go.one(
        {"op": "store_save", **go_store("cookie", hexkeys(*keys)), "set": {"admin": False}}
    )["set_cookie"][0]
    name, _, value = cookie_pair(go_cookie).partition("=")
    forged = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
    store = py_cookie_store(*keys)
    for header, session_name in ((f"{name}={forged}", NAME), (f"other={value}", "other")):
        session = store.get(environ(header), session_name)
        assert session.is_new is True
        assert isinstance(session.error, ws.MacInvalid | ws.MalformedValue)
        assert session.values == {}


def test_plain_gorilla_json_encoder_cannot_hold_session_values(go: GoHelper) -> None:
    """Why the Go peer needs its shim: documented for Go users sharing JSON sessions."""
    keys = hexkeys(*OLD)
    saved = go.one(
        {"op": "store_save", **go_store("cookie", keys, serializer="gorilla_json"), "set": {"a": 1}}
    )
    assert "unsupported type: map[interface {}]interface {}" in saved["error"]

    env, response = wsgi()
    session = py_cookie_store(*OLD).get(env, NAME)
    session.values["a"] = 1
    session.save(env, response)
    loaded = go.one(
        {
            "op": "store_get",
            **go_store("cookie", keys, serializer="gorilla_json"),
            "cookie_header": cookie_pair(set_cookies(response)[0]),
        }
    )
    assert loaded["is_new"] is True
    assert "map[interface {}]interface {}" in loaded["error"]


# -- FilesystemStore ---------------------------------------------------------


def py_fs_store(path: Path, *pairs: bytes | None) -> ws.FilesystemStore:
    return ws.FilesystemStore(path, *pairs, options=py_options(), serializer=ws.JSONSerializer())


def session_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_python_filesystem_session_read_and_updated_by_go(
    go: GoHelper, keys: Keys, tmp_path: Path
) -> None:
    store = py_fs_store(tmp_path, *keys)
    env, response = wsgi()
    session = store.get(env, NAME)
    session.values.update(VALUES)
    session.add_flash("Saved!")
    session.save(env, response)
    assert session.id is not None
    assert session_files(tmp_path) == [f"session_{session.id}"]
    cookie = cookie_pair(set_cookies(response)[0])

    read, updated = go.run(
        [
            {
                "op": "store_get",
                **go_store("filesystem", hexkeys(*keys), path=str(tmp_path)),
                "cookie_header": cookie,
                "flash_keys": ["_flash"],
            },
            {
                "op": "store_save",
                **go_store("filesystem", hexkeys(*keys), path=str(tmp_path)),
                "cookie_header": cookie,
                "set": {"id": 43, "by": "go"},
                "delete": ["_flash"],
            },
        ]
    )
    assert (read["error"], read["is_new"], read["id"]) == (None, False, session.id)
    assert read["flashes"] == {"_flash": ["Saved!"]}
    assert go_values(read) == canon(VALUES, go_numbers=True)
    # Go rewrote the same file, under the same ID.
    assert (updated["get_error"], updated["id"]) == (None, session.id)
    assert session_files(tmp_path) == [f"session_{session.id}"]

    again = store.get(environ(cookie_pair(updated["set_cookie"][0])), NAME)
    assert (again.error, again.id) == (None, session.id)
    assert again.values["by"] == "go"
    assert again.values["id"] == 43
    assert "_flash" not in again.values
    assert again.values["user"] == VALUES["user"]


def test_go_filesystem_session_read_by_python(go: GoHelper, keys: Keys, tmp_path: Path) -> None:
    result = go.one(
        {
            "op": "store_save",
            **go_store("filesystem", hexkeys(*keys), path=str(tmp_path)),
            "set": wire(VALUES),
            "flashes": [{"key": "_flash", "value": "from go"}],
        }
    )
    assert result["was_new"] is True
    go_id = result["id"]
    assert session_files(tmp_path) == [f"session_{go_id}"]

    store = py_fs_store(tmp_path, *keys)
    session = store.get(environ(cookie_pair(result["set_cookie"][0])), NAME)
    assert (session.error, session.is_new, session.id) == (None, False, go_id)
    assert session.flashes() == ["from go"]
    assert canon(session.values) == canon(VALUES)

    # Python saves over Go's file; Go reads Python's version.
    env, response = wsgi()
    session.values["by"] = "python"
    session.save(env, response)
    assert session_files(tmp_path) == [f"session_{go_id}"]
    read = go.one(
        {
            "op": "store_get",
            **go_store("filesystem", hexkeys(*keys), path=str(tmp_path)),
            "cookie_header": cookie_pair(set_cookies(response)[0]),
        }
    )
    assert (read["error"], read["id"], read["values"]["by"]) == (None, go_id, "python")


def test_filesystem_deletion_is_seen_by_the_other_side(
    go: GoHelper, keys: Keys, tmp_path: Path
) -> None:
    store = py_fs_store(tmp_path, *keys)
    env, response = wsgi()
    session = store.get(env, NAME)
    session.values["a"] = 1
    session.save(env, response)
    cookie = cookie_pair(set_cookies(response)[0])

    # Go deletes the session (MaxAge < 0): the file goes, Python starts afresh.
    deleted = go.one(
        {
            "op": "store_save",
            **go_store("filesystem", hexkeys(*keys), path=str(tmp_path)),
            "cookie_header": cookie,
            "session_options": {**OPTIONS, "max_age": -1},
        }
    )
    assert deleted["get_error"] is None
    assert "Max-Age=0" in deleted["set_cookie"][0]
    assert session_files(tmp_path) == []
    after = store.get(environ(cookie), NAME)
    assert after.is_new is True
    assert isinstance(after.error, ws.SessionNotFound)

    # Python deletes a session Go created: Go no longer finds its file.
    created = go.one(
        {
            "op": "store_save",
            **go_store("filesystem", hexkeys(*keys), path=str(tmp_path)),
            "set": {"b": 2},
        }
    )
    go_cookie = cookie_pair(created["set_cookie"][0])
    env, response = wsgi(go_cookie)
    session = store.get(env, NAME)
    assert session.values == {"b": 2}
    session.options.max_age = -1
    session.save(env, response)
    assert session_files(tmp_path) == []
    gone = go.one(
        {
            "op": "store_get",
            **go_store("filesystem", hexkeys(*keys), path=str(tmp_path)),
            "cookie_header": go_cookie,
        }
    )
    assert gone["is_new"] is True
    assert "no such file or directory" in gone["error"]


@pytest.mark.parametrize("max_age", [60, 86400 * 7])
def test_store_set_cookie_attributes_match(go: GoHelper, tmp_path: Path, max_age: int) -> None:
    """For the same options both stores send the same attributes (values differ: IV, time)."""
    options: dict[str, Any] = {
        **OPTIONS,
        "max_age": max_age,
        "domain": "example.com",
        "same_site": "Strict",
    }
    save = {"op": "store_save", "options": options, "set": {"a": 1}}
    go_cookie, go_fs = go.run(
        [
            {**go_store("cookie", hexkeys(*OLD)), **save},
            {**go_store("filesystem", hexkeys(*OLD), path=str(tmp_path)), **save},
        ]
    )
    py_opts = ws.Options(**{**options, "domain": "example.com"})
    for py_store, go_result in (
        (ws.CookieStore(*OLD, options=py_opts, serializer=ws.JSONSerializer()), go_cookie),
        (
            ws.FilesystemStore(tmp_path, *OLD, options=py_opts, serializer=ws.JSONSerializer()),
            go_fs,
        ),
    ):
        env, response = wsgi()
        session = py_store.get(env, NAME)
        session.values["a"] = 1
        session.save(env, response)
        assert attributes(set_cookies(response)[0]) == attributes(go_result["set_cookie"][0])
