"""GobSerializer against Go's encoding/gob itself (the gohelper program).

Go -> Python: Go encodes a typed value, Python must decode exactly the
documented Python value (types included). Python -> Go: Python encodes that
Python value, Go must decode exactly the Go types. Byte identity: for
values whose encoding has one possible order, a fresh Go process and
Python write the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

import websessions as ws
from websessions.serializers import gob as g

from .goside import VALUES, Address, Person, S, T, canon, person_tv, py, sig
from .shapes import BORN, SHAPES, UTC


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_go_to_python(gohelper, gob, shape):
    tv = SHAPES[shape]
    value = gob.loads(gohelper.encode(tv))
    expected = py(tv)
    assert sig(value) == sig(expected)
    if shape != "floats":  # NaN != NaN; sig() covers it
        assert value == expected
    assert type(value) is dict


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_python_to_go(gohelper, gob, shape):
    tv = SHAPES[shape]
    answer = gohelper.decode(gob.dumps(py(tv)))
    assert "error" not in answer, answer
    assert canon(answer["value"]) == canon(tv)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_round_trip_through_go_keeps_go_types(gohelper, gob, shape):
    """Go -> Python -> Go: a Python service that saves a Go session changes no type."""
    tv = SHAPES[shape]
    answer = gohelper.decode(gob.dumps(gob.loads(gohelper.encode(tv))))
    assert canon(answer["value"]) == canon(tv)


def _one_order(tv: Any) -> bool:
    """Whether the encoding has one possible order (no map with two entries or more)."""
    if isinstance(tv, list):
        return all(_one_order(x) for x in tv)
    if not isinstance(tv, dict) or "t" not in tv:
        return True
    v = tv.get("v")
    if tv["t"].startswith("map[") and len(v or []) > 1:
        return False
    return _one_order(list(v.values()) if isinstance(v, dict) else v)


def _single_key_values() -> list[Any]:
    cases: list[Any] = []
    for name, tv in SHAPES.items():
        for pair in tv["v"]:
            # NaN payload bits differ (Go's ParseFloat sets one)
            if pair[1].get("v") != "nan" and _one_order(pair[1]):
                cases.append(pytest.param(VALUES([tuple(pair)]), id=f"{name}-{len(cases)}"))
    return cases


@pytest.mark.parametrize("tv", _single_key_values())
def test_same_bytes_as_a_fresh_go_encoder(gohelper, gob, tv):
    go = gohelper.fresh(op="gob-encode", value=tv)
    assert base64.b64decode(go["data"]) == gob.dumps(py(tv))


def test_session_id_string_same_bytes(gohelper, gob):
    ident = "A" * 52
    go = gohelper.fresh(op="gob-encode", value=S(ident))
    assert base64.b64decode(go["data"]) == gob.dumps(ident) == b"\x37\x0c\x00\x34" + ident.encode()
    assert gob.loads(gob.dumps(ident)) == ident
    assert gohelper.decode(gob.dumps(ident), into="string")["value"] == S(ident)


def test_python_values_map_to_documented_go_types(gohelper, gob):
    """Plain Python values at encode: the Go types a Go program sees."""
    values = {
        "s": "x",
        "i": 5,
        "big": 2**63,  # past int64: uint64
        "f": 1.25,
        "b": True,
        "raw": b"\x01",
        "ba": bytearray(b"\x02"),
        "l": [1, "a"],
        "t": (1, 2),
        "d": {"k": 1},  # nested, str keys: map[string]interface {}
        "dk": {1: "x"},  # nested, other keys: map[interface {}]interface {}
        "e": {},
        "n": None,
        "c": 1j,
        "when": BORN,
        "p": Person("Bo"),
        7: "int key",
    }
    answer = gohelper.decode(gob.dumps(values))
    types = {}
    for k, v in answer["value"]["v"]:
        types[py(k)] = v["t"]
    assert types == {
        "s": "string",
        "i": "int",
        "big": "uint64",
        "f": "float64",
        "b": "bool",
        "raw": "[]uint8",
        "ba": "[]uint8",
        "l": "[]interface {}",
        "t": "[]interface {}",
        "d": "map[string]interface {}",
        "dk": "map[interface {}]interface {}",
        "e": "map[string]interface {}",
        "n": "nil",
        "c": "complex128",
        "when": "time.Time",
        "p": "main.Person",
        7: "string",
    }
    assert answer["value"]["t"] == "map[interface {}]interface {}"


def test_go_typed_values_can_be_made_in_python(gohelper, gob):
    values = {
        "i64": g.Int64(-5),
        "u8": g.Uint8(200),
        "f32": g.Float32(0.1),
        "strs": g.GoSlice("[]string", ["a", "b"]),
        "ss": g.GoMap("map[string]string", {"k": "v"}),
        "arr": g.GoSlice("[3]int", [1, 2, 3]),
        "addr": Address("Oslo"),
    }
    answer = gohelper.decode(gob.dumps(values))
    types = {py(k): v["t"] for k, v in answer["value"]["v"]}
    assert types == {
        "i64": "int64",
        "u8": "uint8",
        "f32": "float32",
        "strs": "[]string",
        "ss": "map[string]string",
        "arr": "[3]int",
        "addr": "*main.Address",
    }


def test_arithmetic_on_go_ints_gives_plain_ints():
    assert type(g.Int64(5) + 1) is int
    assert g.Int64(5) == 5
    assert repr(g.Uint16(7)) == "Uint16(7)"


@pytest.mark.parametrize(
    ("cls", "bad"),
    [
        (g.Int8, 128),
        (g.Int8, -129),
        (g.Uint8, 256),
        (g.Uint, -1),
        (g.Int64, 2**63),
        (g.Uint64, 2**64),
    ],
)
def test_go_ints_check_their_range(cls, bad):
    with pytest.raises(ws.UsageError, match="out of range"):
        cls(bad)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ({"x": 2**64}, "18446744073709551616"),
        ({"x": -(2**63) - 1}, "-9223372036854775809"),
        ({"x": {1, 2}}, "set {1, 2}"),
        ({"x": object}, "type"),
        ({"x": dt.date(2020, 1, 1)}, "date"),
        ({"x": dt.datetime(2020, 1, 1)}, "naive datetime"),
        ({"x": "\ud800"}, "lone surrogate"),
        ({(1, 2): "tuple key"}, "map key"),
        ({b"k": "bytes key"}, "map key"),
        ({"x": g.GoSlice("[]string", [1])}, "as Go string"),
        ({"x": g.GoSlice("[2]int", [1])}, "wrong length"),
        ({"x": g.GoMap("map[string]main.Nope", {})}, "main.Nope"),
        (None, "None at top level"),
    ],
)
def test_unencodable_values_are_usage_errors_naming_the_value(gob, value, needle):
    with pytest.raises(ws.UsageError) as info:
        gob.dumps(value)
    assert needle in str(info.value)


def test_unregistered_dataclass_says_how_to_register(gob):
    import dataclasses

    @dataclasses.dataclass
    class Cart:
        items: list[str]

    with pytest.raises(ws.UsageError, match=r"gob_register\('pkg.Cart', Cart\)"):
        gob.dumps({"cart": Cart([])})


def test_struct_field_of_wrong_type_names_the_field(gob):
    with pytest.raises(ws.UsageError, match=r"in field 'age' of main\.Person"):
        gob.dumps({"p": Person("x", age="old")})  # type: ignore[arg-type]


def test_deep_value_is_a_usage_error(gob):
    value: list[Any] = []
    for _ in range(200):
        value = [value]
    with pytest.raises(ws.UsageError, match="nested deeper"):
        gob.dumps({"x": value})


def test_unknown_go_type_is_a_decode_error_naming_it(gohelper):
    """A stream with a struct this side never registered: DecodeError, not a crash."""
    data = gohelper.encode(VALUES([(S("user"), person_tv("Ann"))]))
    with pytest.raises(ws.DecodeError, match=r"unknown Go type 'main.Person'.*gob_register"):
        g.GobSerializer(g.GobRegistry()).loads(data)


def test_go_rejects_nothing_python_writes_for_unknown_go_field_names(gohelper, gob):
    """Go fields absent in Python are skipped; Python fields absent in Go ignored by Go."""
    data = gohelper.encode(VALUES([(S("u"), person_tv("Ann", meta=[(S("x"), person_tv("in"))]))]))
    reg = g.GobRegistry()

    import dataclasses

    @dataclasses.dataclass
    class Slim:
        name: str = ""
        nickname: str = "none"

    g.gob_register("main.Person", Slim, registry=reg)
    value = g.GobSerializer(reg).loads(data)
    assert value == {"u": Slim(name="Ann", nickname="none")}


def test_missing_fields_take_go_zero_values_not_python_defaults(gohelper, gob):
    data = gohelper.encode(VALUES([(S("u"), person_tv("Ann"))]))
    person = gob.loads(data)["u"]
    assert person == Person("Ann")
    assert person.boss is None
    assert person.born == dt.datetime(1, 1, 1, tzinfo=UTC)


def test_time_keeps_microseconds_and_offset(gohelper, gob):
    tz = dt.timezone(dt.timedelta(hours=-3, minutes=-30))
    when = dt.datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=tz)
    back = gob.loads(gob.dumps({"t": when}))["t"]
    assert back == when
    assert back.utcoffset() == when.utcoffset()
    answer = gohelper.decode(gob.dumps({"t": when}))
    assert answer["value"]["v"][0][1] == T(when) | {"v": "2001-02-03T04:05:06.789012-03:30"}
