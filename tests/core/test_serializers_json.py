"""JSONSerializer: byte for byte what Go's json.NewEncoder(buf).Encode(v) writes.

The expected bytes below follow Go's encoding/json rules: compact, map keys
sorted by their UTF-8 bytes, '<' '>' '&' U+2028 U+2029 escaped as \\uXXXX,
non-ASCII kept raw, float64 in the shortest form (no '.0'; exponent only
below 1e-6 or from 1e21, written 'e-7' not 'e-07'), []byte as standard
base64, and a trailing newline. (Each was also checked against Go once.)
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from typing import Any

import pytest

import websessions as ws

from ._wire import HASH_KEY, NOW, b64url, forge, split, unb64url

J = ws.JSONSerializer()


def test_gorilla_TestJSONSerialization() -> None:
    for value in ({"foo": "bar"}, {"baz": "ding"}):
        data = J.dumps(value)
        assert J.loads(data) == value
        assert str(J.loads(data)) == str(value)


GO_FLOATS = [
    (1.0, b"1"),
    (-1.0, b"-1"),
    (0.0, b"0"),
    (-0.0, b"-0"),
    (2.5, b"2.5"),
    (1e21, b"1e+21"),
    (1e20, b"100000000000000000000"),
    (9.999999999999999e20, b"999999999999999900000"),
    (1.2345678901234567e20, b"123456789012345670000"),
    (123456789.0, b"123456789"),
    (1e-6, b"0.000001"),
    (1e-7, b"1e-7"),
    (-1e-7, b"-1e-7"),
    (1.5e-7, b"1.5e-7"),
    (1.5e-10, b"1.5e-10"),
    (0.1 + 0.2, b"0.30000000000000004"),
    (5e-324, b"5e-324"),
    (1.7976931348623157e308, b"1.7976931348623157e+308"),
    (1e100, b"1e+100"),
]


@pytest.mark.parametrize(("value", "expected"), GO_FLOATS, ids=[e.decode() for _, e in GO_FLOATS])
def test_go_floats(value: float, expected: bytes) -> None:
    assert J.dumps(value) == expected + b"\n"
    assert J.dumps([value]) == b"[" + expected + b"]\n"
    assert J.dumps({"f": value}) == b'{"f":' + expected + b"}\n"
    # Integral output comes back as an int (documented); as a float64 it is the same.
    back = J.loads(J.dumps(value))
    assert float(back) == value


GO_OUTPUTS: list[tuple[Any, bytes]] = [
    (None, b"null"),
    (True, b"true"),
    (False, b"false"),
    (0, b"0"),
    (-5, b"-5"),
    (2**63, b"9223372036854775808"),
    ("", b'""'),
    ({}, b"{}"),
    ([], b"[]"),
    ((), b"[]"),
    ((1, "a", None), b'[1,"a",null]'),
    ("<x & y>", b'"\\u003cx \\u0026 y\\u003e"'),
    ("\u2028\u2029", b'"\\u2028\\u2029"'),
    ("\x01\x1f\t\n\r", b'"\\u0001\\u001f\\t\\n\\r"'),
    ('"\\/', b'"\\"\\\\/"'),
    ("\x7f é 😀 中", '"\x7f é 😀 中"'.encode()),
    ("\x08\x0c", b'"\\b\\f"'),  # Go 1.22+; older Go wrote \u0008\u000c
    (b"hi\x00", b'"aGkA"'),
    (b"\xfb\xff", b'"+/8="'),
    (b"", b'""'),
    (
        {"b": 1, "a": "<x & y>", "c": [True, None, 2.5]},
        b'{"a":"\\u003cx \\u0026 y\\u003e","b":1,"c":[true,null,2.5]}',
    ),
    (
        {"é": 1, "z": 2, "Z": 3, "😀": 4, "\uffff": 5},
        '{"Z":3,"z":2,"é":1,"\uffff":5,"😀":4}'.encode(),
    ),
    ({"<": {"&": ">"}}, b'{"\\u003c":{"\\u0026":"\\u003e"}}'),
    ({"f": 1.0, "b": b"x", "l": (1.0, "<")}, b'{"b":"eA==","f":1,"l":[1,"\\u003c"]}'),
    (
        {"b": {"d": 1, "c": [{"z": 0, "y": 1e21}]}, "a": 0},
        b'{"a":0,"b":{"c":[{"y":1e+21,"z":0}],"d":1}}',
    ),
]


@pytest.mark.parametrize(("value", "expected"), GO_OUTPUTS, ids=repr)
def test_go_outputs(value: Any, expected: bytes) -> None:
    assert J.dumps(value) == expected + b"\n"


class Level(enum.IntEnum):
    HIGH = 2


class Name(enum.StrEnum):
    ADA = "ada"


def test_int_and_str_subclasses_as_their_values() -> None:
    assert J.dumps({"l": Level.HIGH, "n": Name.ADA}) == b'{"l":2,"n":"ada"}\n'
    assert J.dumps([Level.HIGH, 1.0]) == b"[2,1]\n"


def test_loads_go_output() -> None:
    data = b'{"a":"\\u003cx \\u0026 y\\u003e","b":1,"c":[true,null,2.5],"d":"aGkA","e":1e+21}\n'
    assert J.loads(data) == {"a": "<x & y>", "b": 1, "c": [True, None, 2.5], "d": "aGkA", "e": 1e21}
    assert type(J.loads(b"1\n")) is int
    assert type(J.loads(b"1.5\n")) is float
    assert J.loads(b'"\\u0008\\u000c"\n') == "\x08\x0c"  # older Go's escapes


@pytest.mark.parametrize(
    "value",
    [
        {1: "a"},
        {None: 1},
        {(1,): 2},
        {True: 1},
        {"a": {1: 2}},
        [{"a": {2: 3}}],
        ({1.5: 0},),
    ],
    ids=repr,
)
def test_non_str_keys_are_usage_errors(value: Any) -> None:
    with pytest.raises(ws.UsageError, match="string keys"):
        J.dumps(value)


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, [math.nan], {"a": math.inf}, ("x", [-math.inf])],
    ids=repr,
)
def test_nan_and_infinities_are_usage_errors(value: Any) -> None:
    with pytest.raises(ws.UsageError):
        J.dumps(value)


@pytest.mark.parametrize(
    "value",
    [{1, 2}, frozenset(), dt.date(2020, 1, 1), object(), 1j, {"a": [object()]}],
    ids=repr,
)
def test_unsupported_types_are_usage_errors(value: Any) -> None:
    with pytest.raises(ws.UsageError, match="JSONSerializer"):
        J.dumps(value)


def test_depth_limit() -> None:
    value: Any = 1
    for _ in range(90):
        value = [value]
    assert J.loads(J.dumps(value)) == value
    for _ in range(20):
        value = {"k": value}
    with pytest.raises(ws.UsageError, match="deeper"):
        J.dumps(value)


def test_huge_int_is_usage_error() -> None:
    with pytest.raises(ws.UsageError):
        J.dumps([10**5000])


@pytest.mark.parametrize("data", [b"", b"{", b"NaN", b"Infinity", b"-Infinity", b"\xff", b"[1,]"])
def test_bad_payloads_raise(data: bytes) -> None:
    with pytest.raises(ValueError):
        J.loads(data)


def test_through_the_codec() -> None:
    codec = ws.SecureCookie(HASH_KEY, serializer=J, clock=lambda: NOW)
    encoded = codec.encode("sid", {"b": (1, 2), "a": 1.0})
    assert unb64url(split(encoded)[1]) == b'{"a":1,"b":[1,2]}\n'
    assert codec.decode("sid", encoded) == {"a": 1, "b": [1, 2]}
    with pytest.raises(ws.UsageError):
        codec.encode("sid", {1: 2})
    with pytest.raises(ws.DeserializeFailed):
        codec.decode("sid", forge("sid", str(NOW).encode(), b64url(b"NaN\n")))


def test_repr() -> None:
    assert repr(J) == "JSONSerializer()"
    assert isinstance(J, ws.Serializer)
