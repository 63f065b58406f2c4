"""Value shapes shared by the codec and session interop tests, as typed Go values."""

from __future__ import annotations

import datetime as dt
import math

from websessions.serializers import gob as g

from .goside import BOOL, NIL, VALUES, B, C, F, I, L, M, S, T, address_tv, person_tv

UTC = dt.UTC
BORN = dt.datetime(1990, 5, 17, 8, 30, 0, 250000, tzinfo=UTC)

SHAPES = {
    "unicode": VALUES(
        [
            (S("greeting"), S("héllo wörld ✓ 日本語 🎉")),
            (S("html"), S("<script>&amp;</script>\u2028")),
            (S("ctl"), S("nul\x00tab\tnl\n")),
            (S(""), S("")),
            (S("ключ"), S("значение")),
        ]
    ),
    "ints": VALUES(
        [
            (S("zero"), I("int", 0)),
            (S("neg"), I("int", -1)),
            (S("big"), I("int", 2**53 + 1)),
            (S("min"), I("int64", -(2**63))),
            (S("max"), I("int", 2**63 - 1)),
            (S("i8"), I("int8", -128)),
            (S("i16"), I("int16", 32767)),
            (S("i32"), I("int32", -(2**31))),
            (S("u"), I("uint", 2**64 - 1)),
            (S("u8"), I("uint8", 255)),
            (S("u16"), I("uint16", 65535)),
            (S("u32"), I("uint32", 2**32 - 1)),
            (S("u64"), I("uint64", 2**63)),
            (S("ptr"), I("uintptr", 4096)),
        ]
    ),
    "floats": VALUES(
        [
            (S("tenth"), F("float64", 0.1)),
            (S("negzero"), F("float64", -0.0)),
            (S("huge"), F("float64", 1e300)),
            (S("tiny"), F("float64", 5e-324)),
            (S("inf"), F("float64", math.inf)),
            (S("ninf"), F("float64", -math.inf)),
            (S("nan"), F("float64", math.nan)),
            (S("f32"), F("float32", 1.5)),
            (S("f32b"), F("float32", float(g.Float32(0.1)))),
            (S("c128"), C("complex128", 1.5 - 2j)),
            (S("c64"), C("complex64", 0.5 + 0.25j)),
        ]
    ),
    "bools-and-nil": VALUES([(S("yes"), BOOL(True)), (S("no"), BOOL(False)), (S("nothing"), NIL)]),
    "bytes": VALUES(
        [(S("raw"), B(bytes(range(256)))), (S("empty"), B(b"")), (S("nul"), B(b"\x00"))]
    ),
    "nested": VALUES(
        [
            (
                S("user"),
                M(
                    "map[string]interface {}",
                    [
                        (S("id"), I("int", 7)),
                        (S("roles"), L("[]interface {}", [S("admin"), I("int", 1), NIL])),
                        (
                            S("prefs"),
                            M("map[string]interface {}", [(S("theme"), S("dark"))]),
                        ),
                        (S("empty"), M("map[string]interface {}", [])),
                    ],
                ),
            ),
            (
                S("byid"),
                M(
                    "map[interface {}]interface {}",
                    [(I("int", 1), S("one")), (S("two"), I("int", 2))],
                ),
            ),
            (
                S("strkeys"),
                M("map[interface {}]interface {}", [(S("a"), L("[]interface {}", []))]),
            ),
            (S("deep"), L("[]interface {}", [L("[]interface {}", [L("[]interface {}", [])])])),
        ]
    ),
    "int-keys": VALUES(
        [
            (I("int", 42), I("int", 43)),
            (I("int", -7), S("negative key")),
            (I("int64", 2**40), BOOL(True)),
            (F("float64", 2.5), S("float key")),
            (BOOL(False), S("bool key")),
            (I("uint8", 3), S("uint8 key")),
        ]
    ),
    "flashes": VALUES([(S("_flash"), L("[]interface {}", [S("Saved!"), S("Again"), I("int", 3)]))]),
    "struct": VALUES(
        [
            (
                S("user"),
                person_tv(
                    "Ann",
                    age=41,
                    height=1.68,
                    admin=True,
                    tags=["a", "β"],
                    home=("Paris", "75001"),
                    meta=[(S("k"), I("int64", 5)), (S("n"), NIL)],
                    born=BORN,
                    rank=65535,
                    boss=("Rome", "00100"),
                ),
            ),
            (S("zero"), person_tv("")),
            (S("addr"), {**address_tv("Oslo"), "t": "*main.Address"}),
        ]
    ),
    "typed-containers": VALUES(
        [
            (S("strs"), L("[]string", [S("a"), S("")])),
            (S("ints"), L("[]int", [I("int", -1), I("int", 2**62)])),
            (S("i64s"), L("[]int64", [I("int64", 5)])),
            (S("fl"), L("[]float64", [F("float64", 0.5)])),
            (S("bools"), L("[]bool", [BOOL(True), BOOL(False)])),
            (S("u16s"), L("[]uint16", [I("uint16", 9)])),
            (S("empty"), L("[]string", [])),
            (S("ss"), M("map[string]string", [(S("a"), S("b"))])),
            (S("si"), M("map[string]int", [(S("n"), I("int", 1))])),
            (S("arr"), L("[3]int", [I("int", 1), I("int", 0), I("int", -3)])),
            (S("grid"), L("[][]string", [L("[]string", [S("x")]), L("[]string", [])])),
        ]
    ),
    "time": VALUES(
        [
            (S("utc"), T(BORN)),
            (S("zero"), T(dt.datetime(1, 1, 1, tzinfo=UTC))),
            (
                S("east"),
                T(
                    dt.datetime(
                        2024,
                        2,
                        29,
                        23,
                        59,
                        59,
                        tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)),
                    )
                ),
            ),
            (S("west"), T(dt.datetime(1969, 12, 31, tzinfo=dt.timezone(dt.timedelta(hours=-8))))),
        ]
    ),
}
