"""Cookies cross between websessions.SecureCookie and gorilla/securecookie, both ways.

Encoded cookies hold a random IV and the current time, so they are compared
by decoding, never byte for byte; the decoded payload bytes are compared
exactly (Go hands them back through json.RawMessage).
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

import websessions as ws

from ._go import GoHelper, canon, derive_key, hexkeys, wire
from ._values import BYTES, MATRIX

NAME = "session-name"
VALUES: dict[str, Any] = {**MATRIX, **{f"bytes:{k}": v for k, v in BYTES.items()}}
Keys = tuple[bytes, bytes | None]


def codec(keys: Keys, **kwargs: Any) -> ws.SecureCookie:
    return ws.SecureCookie(keys[0], keys[1], serializer=ws.JSONSerializer(), **kwargs)


def go_encode(go: GoHelper, keys: Keys, values: dict[str, Any], **extra: Any) -> dict[str, str]:
    ops = [
        {"op": "encode", "name": NAME, "keys": hexkeys(*keys), "value": wire(v), **extra}
        for v in values.values()
    ]
    cookies = {}
    for label, result in zip(values, go.run(ops), strict=True):
        assert "error" not in result, (label, result)
        cookies[label] = result["cookie"]
    return cookies


def test_go_encoded_cookies_decode_in_python(go: GoHelper, keys: Keys) -> None:
    cookies = go_encode(go, keys, VALUES)
    py = codec(keys)
    wrong: dict[str, Any] = {}
    for label, cookie in cookies.items():
        decoded = py.decode(NAME, cookie)
        if canon(decoded) != canon(VALUES[label]):
            wrong[label] = (decoded, VALUES[label])
    assert wrong == {}


def test_python_encoded_cookies_decode_in_go(go: GoHelper, keys: Keys) -> None:
    py = codec(keys)
    serializer = ws.JSONSerializer()
    cookies = {label: py.encode(NAME, value) for label, value in VALUES.items()}
    ops = []
    for cookie in cookies.values():
        for into in ("any", "raw"):
            ops.append(
                {
                    "op": "decode",
                    "name": NAME,
                    "keys": hexkeys(*keys),
                    "cookie": cookie,
                    "into": into,
                }
            )
    results = go.run(ops)
    wrong: dict[str, Any] = {}
    for i, (label, value) in enumerate(VALUES.items()):
        as_any, as_raw = results[2 * i], results[2 * i + 1]
        assert "error" not in as_any, (label, as_any)
        assert "error" not in as_raw, (label, as_raw)
        # Go's interface{} holds every number as a float64.
        if canon(as_any["value"], go_numbers=True) != canon(value, go_numbers=True):
            wrong[label] = ("value", as_any["value"], value)
        # The payload Go verified and decrypted is exactly what we serialized.
        raw = base64.b64decode(as_raw["raw_b64"])
        if raw != serializer.dumps(value).rstrip(b"\n"):
            wrong[label] = ("raw", raw, serializer.dumps(value))
    assert wrong == {}


def test_key_rotation_across_languages(go: GoHelper, keys: Keys) -> None:
    old = (derive_key("old-hash", 32), derive_key("old-block", 16))
    rotated = hexkeys(keys[0], keys[1], *old)
    go_cookie = go_encode(go, old, {"v": {"who": "go"}})["v"]
    py_cookie = codec(old).encode(NAME, {"who": "python"})
    py_codecs = ws.codecs_from_pairs(keys[0], keys[1], *old, serializer=ws.JSONSerializer())
    assert ws.decode_multi_index(NAME, go_cookie, py_codecs) == ({"who": "go"}, 1)
    result = go.one({"op": "decode", "name": NAME, "keys": rotated, "cookie": py_cookie})
    assert result == {"value": {"who": "python"}}


# -- rejections both sides agree on --------------------------------------------


def tampered(cookie: str) -> list[str]:
    """The cookie with one character changed at several places (none in the padding)."""
    body = cookie.rstrip("=")
    out = []
    for pos in (0, 1, len(body) // 4, len(body) // 2, 3 * len(body) // 4, len(body) - 2):
        swap = "A" if body[pos] != "A" else "B"
        out.append(cookie[:pos] + swap + cookie[pos + 1 :])
    return out


def test_tampered_go_cookie_is_rejected_by_python(go: GoHelper, keys: Keys) -> None:
    cookie = go_encode(go, keys, {"v": {"user": 1, "admin": False}})["v"]
    py = codec(keys)
    for bad in tampered(cookie):
        with pytest.raises((ws.MacInvalid, ws.MalformedValue)):
            py.decode(NAME, bad)
    with pytest.raises(ws.MacInvalid):
        py.decode("another-name", cookie)
    with pytest.raises(ws.MacInvalid):
        codec((derive_key("wrong", 32), keys[1])).decode(NAME, cookie)
    assert py.decode(NAME, cookie) == {"user": 1, "admin": False}


def test_python_cookie_is_rejected_by_go_when_misused(go: GoHelper, keys: Keys) -> None:
    cookie = codec(keys).encode(NAME, {"user": 1})
    base = {"op": "decode", "name": NAME, "keys": hexkeys(*keys)}
    ops = [
        {**base, "cookie": cookie},
        {**base, "cookie": cookie, "name": "another-name"},
        {**base, "cookie": cookie, "keys": hexkeys(derive_key("wrong", 32), keys[1])},
        *({**base, "cookie": bad} for bad in tampered(cookie)),
    ]
    good, other_name, wrong_key, *bad = go.run(ops)
    assert good == {"value": {"user": 1}}
    assert other_name == {"error": "securecookie: the value is not valid"}
    assert wrong_key == {"error": "securecookie: the value is not valid"}
    for result in bad:
        assert "error" in result, result
        assert "value" not in result


def test_timestamps_are_checked_the_same_way(go: GoHelper, keys: Keys) -> None:
    now = time.time()
    old_cookie = codec(keys, clock=lambda: now - 1000).encode(NAME, "old")
    fresh_cookie = codec(keys).encode(NAME, "fresh")
    base = {"op": "decode", "name": NAME, "keys": hexkeys(*keys)}
    expired, old_ok, too_new, fresh_ok = go.run(
        [
            {**base, "cookie": old_cookie, "max_age": 100},
            {**base, "cookie": old_cookie, "max_age": 5000},
            {**base, "cookie": fresh_cookie, "min_age": 3600},
            {**base, "cookie": fresh_cookie},
        ]
    )
    assert expired == {"error": "securecookie: expired timestamp"}
    assert old_ok == {"value": "old"}
    assert too_new == {"error": "securecookie: timestamp is too new"}
    assert fresh_ok == {"value": "fresh"}

    go_cookie = go_encode(go, keys, {"v": "from-go"})["v"]
    with pytest.raises(ws.Expired):
        codec(keys, max_age=100, clock=lambda: time.time() + 1000).decode(NAME, go_cookie)
    with pytest.raises(ws.TooNew):
        codec(keys, min_age=3600).decode(NAME, go_cookie)
    assert codec(keys, max_age=5000, clock=lambda: time.time() + 1000).decode(NAME, go_cookie) == (
        "from-go"
    )


def test_max_length_is_checked_the_same_way(go: GoHelper, keys: Keys) -> None:
    big = {"blob": "x" * 4000}
    py_cookie = codec(keys, max_length=0).encode(NAME, big)
    assert len(py_cookie) > 4096
    base = {"op": "decode", "name": NAME, "keys": hexkeys(*keys), "cookie": py_cookie}
    too_long, unbounded = go.run([base, {**base, "max_length": 0}])
    assert too_long == {"error": "securecookie: the value is too long"}
    assert unbounded == {"value": big}

    go_too_long, go_unbounded = go.run(
        [
            {"op": "encode", "name": NAME, "keys": hexkeys(*keys), "value": big},
            {"op": "encode", "name": NAME, "keys": hexkeys(*keys), "value": big, "max_length": 0},
        ]
    )
    assert go_too_long == {"error": "securecookie: the value is too long"}
    with pytest.raises(ws.UsageError):
        codec(keys).encode(NAME, big)
    with pytest.raises(ws.ValueTooLong):
        codec(keys).decode(NAME, go_unbounded["cookie"])
    assert codec(keys, max_length=0).decode(NAME, go_unbounded["cookie"]) == big
