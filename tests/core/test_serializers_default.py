"""DefaultSerializer: safe tagged JSON, and the type registry behind ws.register."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import uuid
from decimal import Decimal
from typing import Any

import pytest

import websessions as ws
from websessions.serializers import TypeRegistry

from ._wire import HASH_KEY, NOW, b64url, forge

S = ws.DefaultSerializer()
UTC = dt.UTC
PLUS_0530 = dt.timezone(dt.timedelta(hours=5, minutes=30))
ODD_OFFSET = dt.timezone(dt.timedelta(hours=-3, seconds=15, microseconds=7))


def roundtrip(value: Any, serializer: Any = S) -> Any:
    data = serializer.dumps(value)
    assert isinstance(data, bytes)
    return serializer.loads(data)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (and NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, set | frozenset):
        return a == b and all(any(same(x, y) for y in b) for x in a)
    if isinstance(a, dt.datetime | dt.time):
        return bool(a == b and a.tzinfo == b.tzinfo and a.utcoffset() == b.utcoffset())
    if isinstance(a, Decimal):
        return str(a) == str(b)
    return bool(a == b)


# -- round trips ----------------------------------------------------------------------

VALUES: list[Any] = [
    "",
    "héllo ✓ 😀",
    "~starts with a tilde",
    '{"~t": [1]}',
    0,
    -(2**70),
    2**63,
    1.5,
    -0.0,
    1e300,
    5e-324,
    float("inf"),
    float("-inf"),
    float("nan"),
    True,
    False,
    None,
    [],
    [1, "a", None, [2.5, [True]]],
    (),
    (1,),
    (1, (2, (3, "x")), [4]),
    [(1, 2), (3, 4)],
    {},
    {"a": 1, "b": [1, 2], "c": {"d": None}},
    {1: "one", 2: "two"},
    {True: "t", None: "n", 2.5: "f"},
    {(1, 2): "pair", (1, (2, 3)): "nested", (): "empty"},
    {frozenset({1, 2}): "fs"},
    {"a": 1, 5: "mixed"},
    {"~t": [1]},
    {"~m": [[1, 2]]},
    {"~": 1},
    [{"~b": "AA=="}],
    ({"~dt": "2020-01-01"},),
    {"~t": 1, "~s": 2},
    b"",
    b"\x00\xffbinary",
    dt.datetime(2024, 2, 29, 23, 59, 58, 123456),
    dt.datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC),
    dt.datetime(1, 1, 1, tzinfo=PLUS_0530),
    dt.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=ODD_OFFSET),
    dt.date(2024, 2, 29),
    dt.time(23, 59, 58, 1),
    dt.time(1, 2, tzinfo=PLUS_0530),
    dt.timedelta(days=-3, seconds=5, microseconds=7),
    dt.timedelta(0),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    uuid.uuid4(),
    Decimal("3.14159265358979323846264338327950288"),
    Decimal("-0"),
    Decimal("1E+2"),
    Decimal("Infinity"),
    set(),
    {1, "a", (2, 3)},
    frozenset(),
    frozenset({b"x", None}),
    [{1, 2}, frozenset({3})],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_roundtrip(value: Any) -> None:
    assert same(roundtrip(value), value)


def test_roundtrip_nested_in_everything() -> None:
    value = {
        ("k", 1): [dt.date(2020, 1, 1), {uuid.UUID(int=5): (b"x", Decimal("1.10"))}],
        "s": {frozenset({(1, 2)})},
        None: {"inner": {3: float("nan")}},
    }
    assert same(roundtrip(value), value)


def test_decimal_nan_roundtrips_as_nan() -> None:
    back = roundtrip(Decimal("NaN"))
    assert isinstance(back, Decimal)
    assert back.is_nan()


def test_tuple_and_list_stay_apart() -> None:
    back = roundtrip({"t": (1, 2), "l": [1, 2]})
    assert type(back["t"]) is tuple
    assert type(back["l"]) is list


def test_tag_lookalike_dicts_stay_dicts() -> None:
    for value in ({"~t": [1]}, {"~o": ["x", {}]}, {"~b": "AA=="}, {"~unknown": 1}):
        assert roundtrip(value) == value
        assert roundtrip([value]) == [value]
        assert roundtrip((value,)) == (value,)
        assert roundtrip({1: value}) == {1: value}


def test_builtin_subclasses_stored_as_base() -> None:
    class Markup(str):
        pass

    class Count(int):
        pass

    back = roundtrip({"m": Markup("<b>"), "c": Count(3)})
    assert back == {"m": "<b>", "c": 3}
    assert type(back["m"]) is str
    assert type(back["c"]) is int


# -- the plain form ----------------------------------------------------------------


PLAIN: list[Any] = [
    {"a": 1, "b": [1, 2.5, None, True, "é"], "c": {"d": {}}},
    [],
    "text",
    "~tilde",
    42,
    -0.0,
    1e300,
    None,
    False,
    {"~t": [1]},
]


@pytest.mark.parametrize("value", PLAIN, ids=repr)
def test_plain_values_are_standard_json(value: Any) -> None:
    data = S.dumps(value)
    assert not data.startswith(b"~")
    assert data == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert same(json.loads(data), value)
    assert same(S.loads(data), value)


def test_standard_json_from_elsewhere_loads() -> None:
    assert S.loads(b' { "a" : [1, 2.0, "\\u00e9"] } ') == {"a": [1, 2.0, "é"]}


@pytest.mark.parametrize(
    "value",
    [
        (1,),
        {1: 2},
        b"x",
        float("nan"),
        [float("inf")],
        {"a": (1,)},
        {"a": {1}},
        dt.date(2020, 1, 1),
    ],
    ids=repr,
)
def test_non_json_values_are_tagged(value: Any) -> None:
    data = S.dumps(value)
    assert data.startswith(b"~")
    json.loads(data[1:])  # the rest is standard JSON


def test_tag_formats() -> None:
    # The documented shapes: one-key objects whose key starts with '~'.
    assert S.dumps((1, 2)) == b'~{"~t":[1,2]}'
    assert S.dumps({1: "a"}) == b'~{"~m":[[1,"a"]]}'
    assert S.dumps({"~t": [1]}) == b'{"~t":[1]}'
    assert S.dumps(({"~t": [1]},)) == b'~{"~t":[{"~m":[["~t",[1]]]}]}'
    assert S.dumps(b"\x00\x01") == b'~{"~b":"AAE="}'
    assert S.dumps(float("nan")) == b'~{"~f":"nan"}'


# -- errors on dumps ----------------------------------------------------------------


class NotRegistered:
    pass


class UnregisteredColour(enum.Enum):
    RED = 1


class UnregisteredLevel(enum.IntEnum):
    LOW = 1


@pytest.mark.parametrize(
    "value",
    [
        NotRegistered(),
        [1, NotRegistered()],
        {"k": (NotRegistered(),)},
        UnregisteredColour.RED,
        {"c": UnregisteredColour.RED},
        UnregisteredLevel.LOW,
        [UnregisteredLevel.LOW],
        {UnregisteredLevel.LOW: 1},
    ],
    ids=repr,
)
def test_unregistered_types_are_usage_errors(value: Any) -> None:
    with pytest.raises(ws.UsageError, match=r"register\("):
        S.dumps(value)


@pytest.mark.parametrize("value", [object(), print, 1j, range(3), bytearray(b"x")], ids=repr)
def test_unsupported_builtins_are_usage_errors(value: Any) -> None:
    with pytest.raises(ws.UsageError):
        S.dumps(value)


def nested(depth: int, make: Any) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = make(value)
    return value


@pytest.mark.parametrize(
    "make",
    [lambda v: [v], lambda v: {"k": v}, lambda v: (v,), lambda v: {1: v}],
    ids=["list", "dict", "tuple", "intdict"],
)
def test_depth_limit(make: Any) -> None:
    ok = nested(40, make)
    assert roundtrip(ok) == ok
    with pytest.raises(ws.UsageError, match="deeper"):
        S.dumps(nested(200, make))


def test_self_referencing_value_is_usage_error() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ws.UsageError, match="deeper"):
        S.dumps(loop)


def test_huge_int_is_usage_error() -> None:
    with pytest.raises(ws.UsageError):
        S.dumps(10**5000)


# -- errors on loads -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"~",
        b"~[",
        b"{",
        b"\xff",
        b"NaN",
        b"Infinity",
        b'~{"~zz":1}',
        b'~{"~o":["tests.core.NoSuchType",{}]}',
        b'~{"~o":5}',
        b'~{"~td":"x"}',
        b'~{"~b":"!!"}',
        b'~{"~b":"AA"}',
        b'~{"~u":"zz"}',
        b'~{"~n":"abc"}',
        b'~{"~dt":"x"}',
        b'~{"~d":"2020-13-01"}',
        b'~{"~tm":5}',
        b'~{"~m":[[[1],2]]}',
        b'~{"~m":[[1]]}',
        b'~{"~s":[[1]]}',
        b'~{"~f":"one"}',
        b'~{"~td":[1e400, 0, 0]}',
    ],
)
def test_bad_payloads_raise(data: bytes) -> None:
    with pytest.raises(Exception):  # anything: the codec wraps it
        S.loads(data)
    codec = ws.SecureCookie(HASH_KEY, clock=lambda: NOW)
    with pytest.raises(ws.DeserializeFailed):
        codec.decode("n", forge("n", str(NOW).encode(), b64url(data)))


# -- registered types -----------------------------------------------------------------


@dataclasses.dataclass
class CoreQualnamePoint:
    x: int
    y: int


ws.register(CoreQualnamePoint)


@ws.register(name="tests.core.FlashMessage")
@dataclasses.dataclass(frozen=True)
class FlashMessage:
    type: int
    message: str
    tags: tuple[str, ...] = ()


@ws.register
@dataclasses.dataclass
class CoreDecoratedBox:
    items: list[Any]
    when: dt.date | None = None


@ws.register(name="tests.core.Colour")
class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@ws.register(name="tests.core.Level")
class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@ws.register(name="tests.core.Money")
class Money:
    """A plain class with the dump/load hooks."""

    def __init__(self, cents: int, currency: str) -> None:
        self.cents = cents
        self.currency = currency

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and (self.cents, self.currency) == (
            other.cents,
            other.currency,
        )

    def __hash__(self) -> int:
        return hash((self.cents, self.currency))

    def __session_dump__(self) -> Any:
        return [self.cents, self.currency]

    @classmethod
    def __session_load__(cls, data: Any) -> Money:
        return cls(*data)


class Temperature:
    def __init__(self, kelvin: float) -> None:
        self.kelvin = kelvin


ws.register(
    Temperature,
    name="tests.core.Temperature",
    dump=lambda t: t.kelvin,
    load=Temperature,
)


def test_registered_dataclass_default_name() -> None:
    data = S.dumps(CoreQualnamePoint(1, 2))
    assert b'"~o":["CoreQualnamePoint",' in data
    assert S.loads(data) == CoreQualnamePoint(1, 2)


def test_registered_dataclass_custom_name_decorator() -> None:
    value = FlashMessage(42, "foo", ("a", "b"))
    data = S.dumps(value)
    assert b'"tests.core.FlashMessage"' in data
    assert b"FlashMessage" not in data.replace(b"tests.core.FlashMessage", b"")
    back = S.loads(data)
    assert back == value
    assert type(back.tags) is tuple


def test_registered_dataclass_plain_decorator() -> None:
    value = CoreDecoratedBox([1, (2, 3), FlashMessage(1, "x")], dt.date(2020, 1, 1))
    assert b'"CoreDecoratedBox"' in S.dumps(value)
    assert same(roundtrip(value).items, value.items)
    assert roundtrip(value) == value


def test_registered_enums_keep_identity() -> None:
    back = roundtrip({"c": Colour.GREEN, Level.HIGH: [Level.LOW]})
    assert back["c"] is Colour.GREEN
    (key,) = [k for k in back if k != "c"]
    assert key is Level.HIGH
    assert back[Level.HIGH][0] is Level.LOW
    assert b'"tests.core.Colour","green"' in S.dumps(Colour.GREEN)


def test_session_hooks_class() -> None:
    value = {Money(5, "EUR"): [Money(100, "USD")]}
    data = S.dumps(value)
    assert b'"tests.core.Money",[5,"EUR"]' in data
    assert roundtrip(value) == value


def test_explicit_dump_load() -> None:
    back = roundtrip([Temperature(273.15)])
    assert isinstance(back[0], Temperature)
    assert back[0].kelvin == 273.15


def test_register_returns_the_class_and_is_idempotent() -> None:
    assert ws.register(CoreQualnamePoint) is CoreQualnamePoint
    assert ws.register(FlashMessage, name="tests.core.FlashMessage") is FlashMessage


def test_register_name_clash_is_usage_error() -> None:
    @dataclasses.dataclass
    class Other:
        a: int

    with pytest.raises(ws.UsageError, match="already registered"):
        ws.register(Other, name="tests.core.FlashMessage")


def test_register_needs_dataclass_enum_or_hooks() -> None:
    class Plain:
        pass

    with pytest.raises(ws.UsageError, match="__session_dump__"):
        ws.register(Plain, name="tests.core.Plain")
    with pytest.raises(ws.UsageError, match="both dump= and load="):
        ws.register(Plain, name="tests.core.Plain", dump=lambda p: 1)
    with pytest.raises(ws.UsageError, match="takes a class"):
        ws.register(Plain(), name="tests.core.Instance")  # type: ignore[call-overload]


def test_unknown_registered_name_fails_to_load() -> None:
    # A separate registry (another service) that doesn't know the type.
    data = S.dumps(FlashMessage(1, "x"))
    with pytest.raises(ValueError, match="unregistered"):
        ws.DefaultSerializer(registry=TypeRegistry()).loads(data)


def test_separate_registry() -> None:
    registry = TypeRegistry()
    registry.add(NotRegistered, name="Local", dump=lambda v: None, load=lambda d: NotRegistered())
    local = ws.DefaultSerializer(registry=registry)
    assert isinstance(local.loads(local.dumps(NotRegistered())), NotRegistered)
    with pytest.raises(ws.UsageError):
        S.dumps(NotRegistered())
    with pytest.raises(ws.UsageError):
        local.dumps(FlashMessage(1, "x"))


@pytest.mark.parametrize(
    "data",
    [
        b'~{"~o":["tests.core.FlashMessage",{"nope":1}]}',
        b'~{"~o":["tests.core.FlashMessage",[1]]}',
        b'~{"~o":["tests.core.Colour","blue"]}',
        b'~{"~o":["tests.core.FlashMessage"]}',
    ],
)
def test_bad_registered_payload_through_codec_is_deserialize_failed(data: bytes) -> None:
    codec = ws.SecureCookie(HASH_KEY, clock=lambda: NOW)
    with pytest.raises(ws.DeserializeFailed):
        codec.decode("n", forge("n", str(NOW).encode(), b64url(data)))


def test_repr() -> None:
    assert repr(S) == "DefaultSerializer()"
    assert isinstance(S, ws.Serializer)
