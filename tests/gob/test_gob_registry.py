"""gob_register: binding Go struct names to dataclasses."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import websessions as ws
from websessions.serializers import gob as g


def test_snake_case_fields_map_to_go_names_and_can_be_named():
    reg = g.GobRegistry()

    @dataclasses.dataclass
    class User:
        user_name: str = ""
        user_id: int = 0
        Raw: bool = False

    struct = reg.register("main.User", User, fields={"user_id": "UserID"})
    assert [(f.py_name, f.go_name, f.type.name) for f in struct.fields] == [
        ("user_name", "UserName", "string"),
        ("user_id", "UserID", "int"),
        ("Raw", "Raw", "bool"),
    ]


@dataclasses.dataclass
class Inner:
    x: int = 0


@dataclasses.dataclass
class Outer:
    a: list[str]
    b: dict[str, Any]
    c: dict[int, list[float]]
    d: Any
    e: Inner
    f: Inner | None
    raw: bytes
    h: g.Int32
    i: tuple[int, ...]
    j: int


def test_annotations_give_go_types_and_types_overrides():
    reg = g.GobRegistry()
    reg.register("app.Inner", Inner)
    struct = reg.register("app.Outer", Outer, types={"j": "uint8"})
    assert {f.py_name: (f.type.name, f.optional) for f in struct.fields} == {
        "a": ("[]string", False),
        "b": ("map[string]interface {}", False),
        "c": ("map[int][]float64", False),
        "d": ("interface {}", True),
        "e": ("app.Inner", False),
        "f": ("app.Inner", True),
        "raw": ("[]uint8", False),
        "h": ("int32", False),
        "i": ("[]int", False),
        "j": ("uint8", False),
    }


def test_forward_references_resolve_on_first_use():
    reg = g.GobRegistry()

    @dataclasses.dataclass
    class Node:
        name: str = ""
        children: list[Later] = dataclasses.field(default_factory=list)

    reg.register("main.Node", Node)  # Later is not defined yet: resolved later

    @dataclasses.dataclass
    class Later:
        n: int = 0

    globals()["Later"] = Later
    try:
        reg.register("main.Later", Later)
        s = g.GobSerializer(reg)
        value = {"tree": Node("root", [Later(1), Later(2)])}
        assert s.loads(s.dumps(value)) == value
    finally:
        del globals()["Later"]


@pytest.mark.parametrize(
    ("go_name", "cls", "kw", "needle"),
    [
        ("string", "dc", {}, "gob name"),
        ("*time.Time", "dc", {}, "gob name"),
        ("main.P[int]", "dc", {}, "gob name"),
        ("main.P", int, {}, "takes a dataclass"),
        ("main.P", "dc", {"fields": {"x": "lower"}}, "not exported"),
        ("main.P", "dc", {"fields": {"nope": "X"}}, "not a field"),
        ("main.P", "dc", {"types": {"x": "map[[]int]int"}}, "bad Go type"),
        ("main.P", "dc", {"types": {"x": "main.Unknown"}}, "unknown Go type"),
        ("main.P", "weird", {}, "types="),
    ],
)
def test_registration_mistakes_are_usage_errors(go_name, cls, kw, needle):
    @dataclasses.dataclass
    class DC:
        x: int = 0

    @dataclasses.dataclass
    class Weird:
        x: set[int] = dataclasses.field(default_factory=set)

    target: Any = {"dc": DC, "weird": Weird}.get(cls, cls) if isinstance(cls, str) else cls
    with pytest.raises(ws.UsageError, match=needle):
        g.GobRegistry().register(go_name, target, **kw)


def test_one_name_one_class():
    reg = g.GobRegistry()

    @dataclasses.dataclass
    class A:
        x: int = 0

    @dataclasses.dataclass
    class B:
        x: int = 0

    reg.register("main.A", A)
    reg.register("main.A", A)  # again: fine
    with pytest.raises(ws.UsageError, match="already bound"):
        reg.register("main.A", B)
    with pytest.raises(ws.UsageError, match="already bound"):
        reg.register("main.Other", A)


def test_global_gob_register_and_decorator_feed_the_default_serializer():
    @ws.gob_register("websessions_tests.Flag")
    @dataclasses.dataclass
    class Flag:
        on: bool = False

    s = ws.GobSerializer()
    assert s.loads(s.dumps({"f": Flag(True)})) == {"f": Flag(True)}
    assert g.default_gob_registry.for_type(Flag) is not None
