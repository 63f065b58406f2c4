"""GobSerializer round trips (hypothesis) and its decoder under hostile input.

The decoder must only ever raise DecodeError on any bytes, within bounded
depth and memory. The fuzz tests drive ``gob_decode.Decoder`` directly, so
the serializer's last-resort exception net cannot hide a bug.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import websessions as ws
from websessions.serializers import gob as g
from websessions.serializers.gob_decode import Decoder
from websessions.serializers.gob_encode import put_int, put_uint

from .goside import Address, Person, sig

INT64 = st.integers(-(2**63), 2**63 - 1)
TZ = (
    st.integers(-14 * 60, 14 * 60)
    .filter(lambda m: m != -1)
    .map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
)
TIMES = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=TZ
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
GO_INTS = st.sampled_from(
    [g.Int8, g.Int16, g.Int32, g.Int64, g.Uint, g.Uint8, g.Uint16, g.Uint32, g.Uint64, g.Uintptr]
).flatmap(lambda cls: st.integers(cls._min, cls._max).map(cls))

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    INT64,
    GO_INTS,
    st.floats(allow_nan=False),
    st.floats(allow_nan=False, width=32).map(g.Float32),
    st.complex_numbers(allow_nan=False, allow_infinity=True),
    TEXT,
    st.binary(max_size=20),
    TIMES,
)
KEYS = st.one_of(st.booleans(), INT64, TEXT, st.floats(allow_nan=False), GO_INTS)
TYPED = st.one_of(
    st.lists(TEXT, max_size=4).map(lambda x: g.GoSlice("[]string", x)),
    st.lists(INT64, max_size=4).map(lambda x: g.GoSlice("[]int64", x)),
    st.lists(st.lists(TEXT, max_size=2), max_size=3).map(lambda x: g.GoSlice("[][]string", x)),
    st.dictionaries(TEXT, INT64, max_size=3).map(lambda x: g.GoMap("map[string]int", x)),
    st.lists(st.integers(0, 255), min_size=4, max_size=4).map(lambda x: g.GoSlice("[4]uint8", x)),
)
ADDRESSES = st.builds(Address, TEXT, TEXT)
PEOPLE = st.builds(
    Person,
    name=TEXT,
    age=INT64,
    height=st.floats(allow_nan=False),
    admin=st.booleans(),
    tags=st.lists(TEXT, max_size=3),
    home=ADDRESSES,
    meta=st.dictionaries(TEXT, LEAVES, max_size=3),
    born=TIMES,
    rank=st.integers(0, 65535),
    boss=st.none() | ADDRESSES,
)
VALUES = st.recursive(
    st.one_of(LEAVES, TYPED, PEOPLE, ADDRESSES),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(TEXT, inner, max_size=4)
        | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=20,
)
SESSIONS = st.dictionaries(KEYS, VALUES, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SESSIONS)
@example({"_flash": ["a", 1], 42: 43, "n": {"k": [None, b"\x00"]}})
@example({"u": g.Uint64(2**64 - 1), "i": -(2**63), "z": -0.0, "e": {}})
def test_round_trip_keeps_values_and_types(gob, value):
    data = gob.dumps(value)
    back = gob.loads(data)
    assert back == value
    assert sig(back) == sig(value)
    # Nothing is lost for a second trip: the bytes are the same.
    assert gob.dumps(back) == data


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(TEXT, st.floats(), max_size=5))
def test_round_trip_of_any_float_including_nan(gob, value):
    back = gob.loads(gob.dumps(value))
    assert back.keys() == value.keys()
    for k, v in value.items():
        assert math.isnan(back[k]) if math.isnan(v) else back[k] == v
        assert math.copysign(1, back[k]) == math.copysign(1, v)


@settings(max_examples=100, deadline=None)
@given(st.integers(2**63, 2**64 - 1))
def test_ints_past_int64_go_as_uint64(gob, n):
    back = gob.loads(gob.dumps({"n": n}))["n"]
    assert back == n
    assert type(back) is g.Uint64


@given(st.one_of(st.integers(2**64), st.integers(max_value=-(2**63) - 1)))
def test_ints_past_uint64_are_usage_errors(gob, n):
    with pytest.raises(ws.UsageError, match=str(n)):
        gob.dumps({"n": n})


def test_tuples_go_as_slices_and_come_back_as_lists(gob):
    assert gob.loads(gob.dumps({"t": (1, (2, "x"))})) == {"t": [1, [2, "x"]]}


# -- hostile input ----------------------------------------------------------------


def _decode(gob: g.GobSerializer, data: bytes) -> Any:
    """The bare decoder: any exception but DecodeError is a bug, even a harmless one."""
    return Decoder(data, gob.registry).decode()


def _assert_only_decode_errors(gob: g.GobSerializer, data: bytes) -> None:
    with contextlib.suppress(ws.DecodeError):
        _decode(gob, data)
    with contextlib.suppress(ws.DecodeError):
        gob.loads(data)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_decode_errors(gob, data):
    _assert_only_decode_errors(gob, data)


def _valid_streams(gob: g.GobSerializer) -> list[bytes]:
    return [
        gob.dumps(
            {
                "_flash": ["hi", 2],
                7: {"k": [1.5, None, b"x"]},
                "p": Person("Ann", tags=["a"], meta={"n": g.Int8(-3)}, boss=Address("R")),
                "t": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                "s": g.GoSlice("[][]string", [["x"]]),
                "m": g.GoMap("map[string]int", {"a": 1}),
                "arr": g.GoSlice("[3]int", [1, 2, 3]),
            }
        ),
        gob.dumps("SESSIONID"),
        gob.dumps({"deep": [[[[[{"x": {1: [True]}}]]]]]}),
    ]


@settings(max_examples=1500, deadline=None)
@given(
    st.integers(0, 2),
    st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "delete", "cut", "set"]),
            st.integers(0, 10**6),
            st.integers(0, 255),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_valid_streams_only_decode_errors(gob, which, edits):
    data = bytearray(_valid_streams(gob)[which])
    for op, pos, byte in edits:
        i = pos % (len(data) + 1)
        if op == "flip" and i < len(data):
            data[i] ^= 1 << (byte % 8)
        elif op == "set" and i < len(data):
            data[i] = byte
        elif op == "insert":
            data.insert(i, byte)
        elif op == "delete" and i < len(data):
            del data[i]
        elif op == "cut":
            del data[i:]
    _assert_only_decode_errors(gob, bytes(data))


def _message(body: bytes) -> bytes:
    out = bytearray()
    put_uint(out, len(body))
    return bytes(out) + body


def _map_header() -> bytes:
    """Type 65 = map[interface {}]interface {} and the start of a value of it."""
    definition = bytearray()
    put_int(definition, -65)
    definition += bytes.fromhex("040102ff8200011001100000")
    return _message(bytes(definition))


def _nested_slices(levels: int) -> bytes:
    """A session value of ``levels`` nested []interface {}: a depth bomb."""
    body = bytearray()
    put_int(body, 65)
    body += b"\x00\x01"  # singleton delta, one entry
    body += b"\x06string\x0c\x00\x00\x01x"  # key "x"
    name = b"[]interface {}"
    for level in range(levels):
        put_uint(body, len(name))
        body += name
        if level == 0:  # define type 66 = []interface {} inline
            put_int(body, -66)
            body += bytes.fromhex("020102ff840001100000")  # SliceT{CommonType{Id: 66}, Elem: 8}
            body += b"\x00"  # the count Go skips after an inline definition
        put_int(body, 66)
        body += b"\x00\x00\x01"  # byte count (ignored), singleton delta, one element
    body += b"\x00"  # nil at the bottom
    return _map_header() + _message(bytes(body))


def test_nesting_within_the_limit_decodes(gob):
    value = gob.loads(_nested_slices(90))["x"]
    for _ in range(90):
        assert type(value) is list
        [value] = value
    assert value is None


def test_deep_nesting_is_a_decode_error_not_a_recursion_error(gob):
    data = _nested_slices(50_000)
    with pytest.raises(ws.DecodeError, match="nested deeper"):
        _decode(gob, data)
    with pytest.raises(ws.DecodeError, match="nested deeper"):
        gob.loads(data)


def _peak_memory(gob: g.GobSerializer, data: bytes) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(ws.DecodeError):
            _decode(gob, data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _uint(n: int) -> bytes:
    out = bytearray()
    put_uint(out, n)
    return bytes(out)


HUGE = 2**64 - 1
HOSTILE = {
    "message length": _uint(HUGE) + b"\x0c\x00\x00",
    "string length": _message(b"\x0c\x00" + _uint(2**62) + b"abc"),
    "byte slice length": _message(b"\x0a\x00" + _uint(HUGE) + b"abc"),
    "slice count": _message(b"\xff\x81\x02\x01\x02\xff\x82\x00\x01\x10\x00\x00")
    + _message(b"\xff\x82\x00" + _uint(2**60) + b"\x00"),
    "map count": _map_header() + _message(b"\xff\x82\x00" + _uint(HUGE // 2)),
    "type name length": _map_header() + _message(b"\xff\x82\x00\x01" + _uint(2**40) + b"string"),
    "long type name": _map_header() + _message(b"\xff\x82\x00\x01" + _uint(2000) + b"x" * 2000),
    "array length": _message(
        b"\xff\x81"  # define 65 = [2**40]int
        + b"\x01\x01\x02\xff\x82\x00\x01\x04\x01"
        + b"\xfb\x02\x00\x00\x00\x00"
        + b"\x00\x00"
    )
    + _message(b"\xff\x82\x00" + _uint(2**40)),
    "field delta": _map_header()
    + _message(
        b"\xff\x82\x00\x01\x06string\x0c\x00\x00\x01p"
        + b"\x0d*main.Address"
        + b"\xff\x83\x03\x01\x01\x07Address\x01\xff\x84\x00"  # type 66 = struct Address
        + b"\x01\x01\x01\x04City\x01\x0c\x00\x00\x00"  # { City string }
        + b"\x00\xff\x84\x00"
        + _uint(HUGE)
    ),
    "uint too long": _message(b"\x0c\x00\xf7" + b"\x01" * 9),
}


NEEDLES = {
    "message length": "message length",
    "string length": "exceeds the message",
    "byte slice length": "exceeds the message",
    "slice count": "exceeds the data",
    "map count": "exceeds the data",
    "type name length": "type name length",
    "long type name": "type name length",
    "array length": "exceeds the data",
    "field delta": "field number out of range",
    "uint too long": "invalid unsigned",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_huge_declared_sizes_fail_before_allocating(gob, case):
    """Each hostile size is caught by its own check, with little memory used."""
    assert _peak_memory(gob, HOSTILE[case]) < 256 * 1024
    with pytest.raises(ws.DecodeError, match=NEEDLES[case]):
        gob.loads(HOSTILE[case])


def test_many_type_definitions_are_bounded(gob):
    stream = bytearray()
    for tid in range(65, 65 + 20_000):
        body = bytearray()
        put_int(body, -tid)
        body += bytes.fromhex("0201") + bytes([1]) + _uint(0) + b"\x01\x10\x00\x00"  # slice
        stream += _message(bytes(body))
    with pytest.raises(ws.DecodeError):
        _decode(gob, bytes(stream))


def test_recursive_type_definition_is_safe(gob):
    """Type 65 = []T where T is 65 itself: values are finite, so decoding ends."""
    definition = bytearray()
    put_int(definition, -65)
    definition += b"\x02\x01\x01\x02\xff\x82\x00\x01\xff\x82\x00\x00"
    value = bytearray()
    put_int(value, 65)
    value += b"\x00" + b"\x01" * 200 + b"\x00"
    with pytest.raises(ws.DecodeError):
        _decode(gob, _message(bytes(definition)) + _message(bytes(value)))


def test_trailing_bytes_after_the_value_are_ignored_as_go_does(gob):
    assert gob.loads(gob.dumps("abc") + b"garbage") == "abc"


def test_codec_turns_hostile_payloads_into_a_new_session(gob):
    """A verified cookie with a hostile payload gives a new session, never a crash."""
    codec = ws.SecureCookie(b"k" * 32, serializer=_Raw(), max_length=0)
    store = ws.CookieStore(b"k" * 32, serializer=gob, max_length=0)
    for data in [_nested_slices(120), *HOSTILE.values()]:
        cookie = codec.encode("s", data)
        session = store.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": f"s={cookie}"}, "s")
        assert session.is_new
        assert isinstance(session.error, ws.DecodeError)


class _Raw:
    def dumps(self, value: Any) -> bytes:
        return bytes(value)

    def loads(self, data: bytes) -> Any:
        return data
