"""ws.register: the type registry behind DefaultSerializer (gob.Register for Python).

tests/core/test_serializers_default.py covers the basics; these cover what
the issue asks beyond them: stable names across module renames, aliases,
dataclass evolution, hooks, and the error at save.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from typing import Any

import pytest

import websessions as ws
from websessions.serializers.registry import TypeRegistry


def _module_class(module_name: str) -> type:
    """A dataclass ``Cart`` defined in a module called ``module_name``."""
    module = types.ModuleType(module_name)
    source = (
        "import dataclasses\n"
        "@dataclasses.dataclass\n"
        "class Cart:\n"
        "    items: list\n"
        "    total: int = 0\n"
    )
    code = compile(source, module_name, "exec", dont_inherit=True)
    exec(code, module.__dict__)
    cls: type = module.Cart
    return cls


def test_renaming_the_module_keeps_stored_sessions():
    old_reg, new_reg = TypeRegistry(), TypeRegistry()
    OldCart = _module_class("shop.models")
    NewCart = _module_class("store.domain.cart")
    old_reg.add(OldCart)
    new_reg.add(NewCart)
    stored = ws.DefaultSerializer(old_reg).dumps({"cart": OldCart(["a"], 3)})
    assert b"shop" not in stored
    assert ws.DefaultSerializer(new_reg).loads(stored) == {"cart": NewCart(["a"], 3)}


def test_a_stable_name_survives_renaming_the_class():
    reg = TypeRegistry()
    Old = _module_class("m")
    reg.add(Old, name="shop.Cart")
    stored = ws.DefaultSerializer(reg).dumps(Old([], 0))
    reg2 = TypeRegistry()

    @dataclasses.dataclass
    class Basket:
        items: list[Any]
        total: int = 0

    reg2.add(Basket, name="shop.Cart")
    assert ws.DefaultSerializer(reg2).loads(stored) == Basket([], 0)


def test_registering_again_under_a_new_name_keeps_the_old_one_as_an_alias():
    reg = TypeRegistry()
    Cart = _module_class("m")
    reg.add(Cart, name="Cart")
    old = ws.DefaultSerializer(reg).dumps(Cart([1]))
    reg.add(Cart, name="shop.Cart")
    s = ws.DefaultSerializer(reg)
    assert b'"shop.Cart"' in s.dumps(Cart([1]))
    assert s.loads(old) == Cart([1])


def test_dataclasses_with_init_false_fields_round_trip():
    @dataclasses.dataclass
    class Total:
        price: int
        doubled: int = dataclasses.field(init=False)

        def __post_init__(self) -> None:
            self.doubled = self.price * 2

    reg = TypeRegistry()
    reg.add(Total)
    s = ws.DefaultSerializer(reg)
    back = s.loads(s.dumps({"t": Total(21)}))
    assert back == {"t": Total(21)}
    assert back["t"].doubled == 42


def test_dataclass_evolution_dropped_and_added_fields():
    reg_v1, reg_v2 = TypeRegistry(), TypeRegistry()

    @dataclasses.dataclass
    class Prefs:
        theme: str
        legacy: bool

    reg_v1.add(Prefs, name="Prefs")
    stored = ws.DefaultSerializer(reg_v1).dumps(Prefs("dark", True))

    @dataclasses.dataclass
    class PrefsV2:
        theme: str
        lang: str = "en"

    reg_v2.add(PrefsV2, name="Prefs")
    assert ws.DefaultSerializer(reg_v2).loads(stored) == PrefsV2("dark", "en")


def test_nested_registered_types_and_slots_and_frozen():
    reg = TypeRegistry()

    class Color(enum.Enum):
        RED = (255, 0, 0)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Pixel:
        at: tuple[int, int]
        color: Color

    reg.add(Color)
    reg.add(Pixel)
    s = ws.DefaultSerializer(reg)
    value = {Pixel((1, 2), Color.RED): [Pixel((0, 0), Color.RED)]}
    back = s.loads(s.dumps(value))
    assert back == value
    assert next(iter(back)).color is Color.RED


def test_documented_hooks_on_any_class():
    reg = TypeRegistry()

    class Money:
        def __init__(self, cents: int, currency: str) -> None:
            self.cents, self.currency = cents, currency

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Money) and vars(other) == vars(self)

        __hash__ = None  # type: ignore[assignment]

        def __session_dump__(self) -> object:
            return [self.cents, self.currency]

        @classmethod
        def __session_load__(cls, data: Any) -> Money:
            return cls(*data)

    reg.add(Money, name="Money")
    s = ws.DefaultSerializer(reg)
    assert s.loads(s.dumps({"m": Money(150, "EUR")})) == {"m": Money(150, "EUR")}
    assert b'"~o":["Money",[150,"EUR"]]' in s.dumps({"m": Money(150, "EUR")})


def test_unregistered_type_at_save_says_to_register_it():
    @dataclasses.dataclass
    class Unlisted:
        x: int

    store = ws.CookieStore(b"k" * 32, serializer=ws.DefaultSerializer(TypeRegistry()))
    environ = {"REQUEST_METHOD": "GET"}
    session = store.get(environ, "s")
    session.values["u"] = Unlisted(1)
    with pytest.raises(ws.UsageError, match=r"register.*Unlisted"):
        session.save(environ, [])


def test_unregistered_enum_at_save_says_to_register_it():
    class Mood(enum.Enum):
        OK = 1

    with pytest.raises(ws.UsageError, match=r"websessions\.register\(.*Mood\)"):
        ws.DefaultSerializer(TypeRegistry()).dumps({"m": Mood.OK})


def test_stored_data_of_the_wrong_shape_is_a_decode_error():
    reg = TypeRegistry()
    Cart = _module_class("m")
    reg.add(Cart)
    codec = ws.SecureCookie(b"k" * 32, serializer=ws.DefaultSerializer(reg))
    raw = ws.SecureCookie(b"k" * 32, serializer=_Raw()).encode("s", b'~{"~o":["Cart",[1,2]]}')
    with pytest.raises(ws.DeserializeFailed):
        codec.decode("s", raw)


class _Raw:
    def dumps(self, value: Any) -> bytes:
        return bytes(value)

    def loads(self, data: bytes) -> Any:
        return data
