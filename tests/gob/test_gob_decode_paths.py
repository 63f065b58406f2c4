"""The decoder's fast paths read every stream exactly as its general path does.

``Decoder`` reads the values a session holds (strings, small ints, floats,
``[]interface {}``, ``map[string]interface {}``, ``map[interface {}]interface {}``)
through loops that look bytes up in caches shared by all decodes (keys and
entry heads seen before) and hand over to the general code at the first byte
out of the ordinary. ``General`` below turns all of that off; on any bytes,
valid or not, both must give the same value (types included) or the same
error.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import websessions as ws
from websessions.serializers import gob as g
from websessions.serializers.gob_decode import (
    _MAP_STR,
    _SESSION_START,
    _SLICE,
    Decoder,
    _definition,
)
from websessions.serializers.gob_encode import put_int, put_uint
from websessions.serializers.gob_stream import fail
from websessions.serializers.gob_types import INTERFACE, MAX_DEPTH, STRING

from .goside import VALUES, Address, F, I, L, M, Person, S, sig


class General(Decoder):
    """The decoder with its fast paths off: each value through ``value()``."""

    def session(self) -> None:
        return None

    def interface(self) -> Any:
        return self.any_interface()

    def slice_any(self, n: int) -> list[Any]:
        return [self.value(8, INTERFACE) for _ in range(n)]

    def map_str(self, n: int) -> dict[str, Any]:
        result = {}
        for _ in range(n):
            k = self.value(6, STRING)
            result[k] = self.value(8, INTERFACE)
        return result

    def map_any(self, n: int) -> dict[Any, Any]:
        result = {}
        for _ in range(n):
            k = self.value(8, INTERFACE)
            v = self.value(8, INTERFACE)
            try:
                result[k] = v
            except TypeError:
                fail(f"map key {k!r:.40} is not hashable in Python")
        return result


def _outcome(cls: type[Decoder], data: bytes, registry: g.GobRegistry) -> Any:
    try:
        value = cls(data, registry).decode()
    except ws.DecodeError as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("value", repr(value), sig(value))


def _same(gob: g.GobSerializer, data: bytes) -> Any:
    fast = _outcome(Decoder, data, gob.registry)
    assert fast == _outcome(General, data, gob.registry)
    # A second time, with the caches filled by the first.
    assert _outcome(Decoder, data, gob.registry) == fast
    return fast


TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "string", "int", "float64", "\x06string\x0c", "é", "日本", "k" * 45]),
)
KEYS = st.one_of(TEXT, st.integers(-(2**63), 2**63 - 1), st.booleans())
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-100, 100),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.sampled_from([0.0, -0.0, 9.5, 1e300, 2.0**-1074]),
    TEXT,
    st.binary(max_size=6),
    st.just(g.Int8(-3)),
    st.just(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
)
VALUES_ = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(TEXT, inner, max_size=5)
        | st.dictionaries(KEYS, inner, max_size=3)
        | st.lists(st.dictionaries(st.sampled_from(["sku", "qty", "t"]), inner), max_size=4)
    ),
    max_leaves=30,
)
SESSIONS = st.dictionaries(KEYS, VALUES_, max_size=6)


def _cart(n: int) -> dict[str, Any]:
    return {
        "user_id": 42,
        "roles": ["admin", "editor"],
        "cart": [
            {"sku": f"SKU-{i:05d}", "title": "x" * (i * 7 % 130), "qty": i % 70, "price": 9.5 + i}
            for i in range(n)
        ],
        "history": [f"/products/{i}" for i in range(n)],
    }


STREAMS = {
    "cart": lambda gob: gob.dumps(_cart(24)),
    "long values": lambda gob: gob.dumps(_cart(3) | {"big": {"m": "v" * 300, "n": 2**40}}),
    "many entries": lambda gob: gob.dumps({"m": {f"k{i}": i for i in range(200)}, "s": [1] * 150}),
    "odd keys": lambda gob: gob.dumps(
        {"\udcff": {"\udcfe": 1.5, "string": "int"}, 7: [{"": b"\xff"}], (1.5): None}
    ),
    "typed": lambda gob: gob.dumps(
        {
            "p": Person("Ann", tags=["a"], meta={"n": g.Int8(-3)}, boss=Address("R")),
            "s": g.GoSlice("[][]string", [["x"]]),
            "m": g.GoMap("map[string]int", {"a": 1}),
            "maps": [g.GoMap("map[string]int", {"a": 1}), {"b": [{"c": 2}]}],
        }
    ),
    "not a session": lambda gob: gob.dumps([{"a": 1}, {"a": 2}, "x"]),
}


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_known_streams_read_the_same(gob, name):
    data = STREAMS[name](gob)
    assert _same(gob, data)[0] == "value"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SESSIONS)
def test_any_session_reads_the_same(gob, value):
    assert _same(gob, gob.dumps(value))[0] == "value"


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_mutated_streams_read_the_same(gob, name):
    """Each byte flipped, set to a boundary value, dropped or doubled; and cuts."""
    data = STREAMS[name](gob)
    rng = random.Random(name)
    for _ in range(600):
        mutated = bytearray(data)
        for _ in range(rng.choice([1, 1, 2, 3])):
            i = rng.randrange(len(mutated) or 1)
            op = rng.choice(["flip", "set", "delete", "insert", "cut"])
            byte = rng.choice([0, 1, 2, 3, 6, 7, 0x7F, 0x80, 0xF8, 0xFE, 0xFF, rng.randrange(256)])
            if op == "insert":
                mutated.insert(i, byte)
            elif i >= len(mutated):
                continue
            elif op == "flip":
                mutated[i] ^= 1 << rng.randrange(8)
            elif op == "set":
                mutated[i] = byte
            elif op == "delete":
                del mutated[i]
            else:
                del mutated[i:]
        _same(gob, bytes(mutated))


SMALL_STREAMS = {
    "session": lambda gob: gob.dumps({"user_id": 42, "name": "Ada", "roles": ["a", "b"], "f": 0.5}),
    "maps in a slice": lambda gob: gob.dumps(
        {"x": [{"a": 1, "f": 1.5, "s": "t"}, {"a": 2, "f": 2.0, "s": "u"}], "y": {"k": 3}}
    ),
    "long map": lambda gob: gob.dumps({"m": {"k": "v" * 130, "n": 1}, 5: -2}),
    # An empty map or slice as the last value: its count, the message's last byte.
    "empty map in a slice": lambda gob: gob.dumps({"x": [{"a": 1}, {}]}),
    "empty map": lambda gob: gob.dumps({"x": {"a": 1}, "y": {}}),
    "empty slice": lambda gob: gob.dumps({"x": ["a"], "y": []}),
    "int last": lambda gob: gob.dumps({"a": "b", "n": 42}),
    "float last": lambda gob: gob.dumps({"x": {"a": "b", "f": 9.5}}),
    "two maps in a slice": lambda gob: gob.dumps({"x": [{"a": 1}, {"bb": 1}]}),
    "long tail": lambda gob: gob.dumps({"x": [{"a": 1}, {"a": 1}], "z": "v" * 300}),
}
INTERESTING = [0, 1, 2, 3, 0x7E, 0x7F, 0x80, 0x81, 0xF7, 0xF8, 0xF9, 0xFE, 0xFF]


@pytest.mark.parametrize("name", sorted(SMALL_STREAMS))
def test_every_byte_set_to_boundary_values_reads_the_same(gob, name):
    data = SMALL_STREAMS[name](gob)
    _same(gob, data)
    values = range(256) if len(data) < 160 else INTERESTING
    for i, byte in enumerate(data):
        for value in {*values, (byte + 1) & 0xFF, (byte - 1) & 0xFF, (byte + 2) & 0xFF}:
            _same(gob, data[:i] + bytes((value,)) + data[i + 1 :])


def _messages(data: bytes) -> list[bytes]:
    """The bodies of a stream's messages."""
    out = []
    pos = 0
    while pos < len(data):
        d = Decoder(data, g.GobSerializer().registry)
        d.pos = pos
        d.next_message()
        out.append(data[d.pos : d.end])
        pos = d.end
    return out


@pytest.mark.parametrize("name", sorted({*SMALL_STREAMS, "cart", "odd keys", "typed"}))
def test_messages_ending_anywhere_read_the_same(gob, name):
    """Each message declared shorter than it is, by every amount: the value's
    bytes past its end then read as the next message (or are missing)."""
    data = (SMALL_STREAMS | STREAMS)[name](gob)
    _same(gob, data)  # the caches hold its keys and heads
    bodies = _messages(data)
    for m, body in enumerate(bodies):
        before, after = (
            b"".join(map(_message, bodies[:m])),
            b"".join(map(_message, bodies[m + 1 :])),
        )
        for size in range(len(body)):
            _same(gob, before + _message(body[:size]) + body[size:] + after)


def test_a_map_bigger_than_127_bytes_in_an_interface(gob):
    """The byte count before a map or slice value is then more than one byte."""
    value = {"m": {"k": "v" * 200}, "s": ["w" * 200], "n": {1: "x" * 200}}
    assert _same(gob, gob.dumps(value)) == _outcome(General, gob.dumps(value), gob.registry)
    assert gob.loads(gob.dumps(value)) == value


def _message(body: bytes) -> bytes:
    out = bytearray()
    put_uint(out, len(body))
    return bytes(out) + body


def _maps_in_slices(levels: int) -> bytes:
    """{"y": {"b": 1}, "x": [[...[{"a": 1}]...]]}: a map in ``levels`` slices,
    its type (66) defined before, so the slices' loop reads it in short."""
    map_name, slice_name = b"\x17map[string]interface {}", b"\x0e[]interface {}"
    body = bytearray()
    put_int(body, 65)
    body += b"\x00\x02"  # singleton delta, two entries
    body += b"\x06string\x0c\x03\x00\x01y" + map_name + _definition(_MAP_STR, 66) + b"\x00"
    body += b"\xff\x84\x00\x00\x01\x01b\x03int\x04\x02\x00\x02"  # id 66, one entry
    body += b"\x06string\x0c\x03\x00\x01x"
    for level in range(levels):
        body += slice_name
        if level == 0:
            body += _definition(_SLICE, 67) + b"\x00"
        body += b"\xff\x86\x00\x00\x01"  # id 67, byte count, delta, one element
    body += map_name + b"\xff\x84\x00\x00\x01\x01a\x03int\x04\x02\x00\x02"
    return _message(_SESSION_START[1:]) + _message(bytes(body))


@pytest.mark.parametrize("width", range(10))
@pytest.mark.parametrize("value", [[1], {"k": 1}, {2: 1}], ids=["slice", "map", "any map"])
def test_byte_counts_of_any_width_before_a_map_or_slice(gob, value, width):
    """Go skips the byte count: a uint of up to 8 bytes, whatever it says."""
    data = gob.dumps({"x": value})
    *before, body = _messages(data)
    tid = b"\xff\x82" if 2 in value else b"\xff\x84"  # 65 is the session's type
    i = body.rindex(tid) + 2  # after the value's type id
    assert body[i + 1 : i + 3] == b"\x00\x01"  # its byte count, the delta, the count
    count = b"\x07" if width == 0 else bytes((256 - width,)) + bytes(width)
    body = body[:i] + count + body[i + 1 :]
    outcome = _same(gob, b"".join(map(_message, [*before, body])))
    assert outcome == (_same(gob, data) if width <= 8 else outcome)
    assert outcome[0] == ("value" if width <= 8 else "error")


def test_maps_in_slices_at_the_depth_limit(gob):
    outcomes = [
        _same(gob, _maps_in_slices(levels)) for levels in range(MAX_DEPTH - 4, MAX_DEPTH + 2)
    ]
    assert outcomes[0][0] == "value"
    assert outcomes[-1][0] == "error"
    assert "nested deeper" in outcomes[-1][2]
    value = gob.loads(_maps_in_slices(3))
    assert value == {"y": {"b": 1}, "x": [[[{"a": 1}]]]}


def test_go_streams_read_the_same(gohelper, gob):
    """Go writes maps in random order and its own byte counts."""
    cart = [
        M(
            "map[string]interface {}",
            [
                (S("sku"), S(f"SKU-{i}")),
                (S("qty"), I("int", i)),
                (S("price"), F("float64", i + 0.5)),
            ],
        )
        for i in range(10)
    ]
    tv = VALUES(
        [
            (S("cart"), L("[]interface {}", cart)),
            (S("roles"), L("[]interface {}", [S("a"), S("b")])),
            (S("n"), I("int", -5)),
        ]
    )
    for _ in range(3):
        assert _same(gob, gohelper.encode(tv))[0] == "value"
