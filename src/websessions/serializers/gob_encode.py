"""Writing a gob stream byte for byte as a fresh Go ``gob.NewEncoder(w).Encode(v)`` does.

Go's encoder is emulated step by step (type ids handed out in Go's order,
type definitions flushed at the same points, the same nested buffers), so
for a map with at most one key, or any value without maps, the output is
the exact bytes a new Go process writes; with more keys only the order of
map entries can differ, as it does between two Go runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import struct
from typing import Any

from ..errors import UsageError
from .gob_registry import GobRegistry
from .gob_time import EPOCH as _EPOCH
from .gob_time import time_to_binary
from .gob_types import (
    BOOL,
    BYTES,
    COMPLEX128,
    FLOAT64,
    INT,
    MAP_ANY_ANY,
    MAP_STR_ANY,
    MAX_DEPTH,
    SLICE_ANY,
    STRING,
    TIME,
    UINT64,
    Complex64,
    Float32,
    GoInt,
    GoMap,
    GoSlice,
    GoType,
    Kind,
    to_float32,
)

_PACK_DOUBLE = struct.Struct("<d").pack
_WIRE_FIELD = {Kind.ARRAY: 0, Kind.SLICE: 1, Kind.STRUCT: 2, Kind.MAP: 3, Kind.TIME: 4}
_INT64 = (-(2**63), 2**63 - 1)


def put_uint(buf: bytearray, x: int) -> None:
    if x < 0x80:
        buf.append(x)
    else:
        n = (x.bit_length() + 7) >> 3
        buf.append(256 - n)
        buf += x.to_bytes(n, "big")


def put_int(buf: bytearray, i: int) -> None:
    put_uint(buf, (~i << 1) | 1 if i < 0 else i << 1)


def put_float(buf: bytearray, f: float) -> None:
    put_uint(buf, int.from_bytes(_PACK_DOUBLE(f), "big"))


def put_bytes(buf: bytearray, data: bytes) -> None:
    put_uint(buf, len(data))
    buf += data


def _what(value: Any) -> str:
    return f"{type(value).__qualname__} {value!r:.80}"


class Encoder:
    """One ``Encode`` call in a fresh Go process (type ids start at 65)."""

    __slots__ = ("built", "depth", "ids", "next_id", "registry", "sent", "writers")

    def __init__(self, registry: GobRegistry) -> None:
        self.registry = registry
        self.ids: dict[str, int] = {}
        self.built: dict[str, str] = {}  # type -> the CommonType name it was built with
        self.sent: set[str] = set()
        self.next_id = 65
        self.writers: list[bytearray] = []
        self.depth = 0

    def encode(self, value: Any) -> bytes:
        gotype = self.infer(value, top=True)
        if gotype is None:
            raise UsageError("gob cannot encode None at top level (Go cannot encode nil)")
        out = bytearray()
        self.writers = [out]
        buf = bytearray()
        self.send_type_descriptor(out, buf, gotype)
        put_int(buf, self.type_id(gotype))
        self.message_body(buf, value, gotype)
        self.write_message(out, buf)
        return bytes(out)

    # -- what Go type a Python value is ------------------------------------

    def infer(self, value: Any, *, top: bool = False) -> GoType | None:
        cls = type(value)
        if cls is str:
            return STRING
        if cls is int or (
            isinstance(value, int) and cls is not bool and not issubclass(cls, GoInt)
        ):
            if _INT64[0] <= value <= _INT64[1]:
                return INT
            if 0 <= value < 2**64:
                return UINT64
            raise UsageError(f"gob cannot encode {_what(value)}: out of the int64 and uint64 range")
        if cls is bool:
            return BOOL
        if value is None:
            return None
        if cls is dict or cls is GoMap or isinstance(value, dict):
            if isinstance(value, GoMap):
                return self.registry.parse_for_user(value.go_type)
            if top or not all(isinstance(k, str) for k in value):
                return MAP_ANY_ANY
            return MAP_STR_ANY
        if isinstance(value, GoSlice):
            return self.registry.parse_for_user(value.go_type)
        if cls is list or cls is tuple or isinstance(value, list | tuple):
            return SLICE_ANY
        if isinstance(value, GoInt | Float32 | Complex64):
            return self.registry.named(value.go_type)
        if isinstance(value, float):
            return FLOAT64
        if isinstance(value, str):
            return STRING
        if isinstance(value, bytes | bytearray | memoryview):
            return BYTES
        if isinstance(value, complex):
            return COMPLEX128
        if isinstance(value, dt.datetime):
            return TIME
        reg = self.registry.for_type(cls)
        if reg is not None:
            return self.registry.struct_type(reg, reg.go_name)
        hint = ""
        if dataclasses.is_dataclass(value):
            name = cls.__name__
            hint = f"; bind it to its Go struct: websessions.gob_register('pkg.{name}', {name})"
        raise UsageError(f"gob cannot encode {_what(value)}: no Go type for it{hint}")

    # -- type ids and definitions, in Go's order ----------------------------

    def type_id(self, gotype: GoType) -> int:
        if gotype.kind <= Kind.INTERFACE:
            return int(gotype.kind)
        if gotype.base not in self.ids:
            self.build(gotype, gotype.short_name)
        return self.ids[gotype.base]

    def assign(self, gotype: GoType) -> None:
        if gotype.kind > Kind.INTERFACE and gotype.base not in self.ids:
            self.ids[gotype.base] = self.next_id
            self.next_id += 1

    def build(self, gotype: GoType, name: str) -> None:
        """Go's newTypeObject: ids for arrays, maps and slices after their elements'."""
        if gotype.kind <= Kind.INTERFACE or gotype.base in self.built:
            return
        self.built[gotype.base] = name
        kind = gotype.kind
        if kind is Kind.STRUCT:
            self.assign(gotype)
            assert gotype.struct is not None
            for field in gotype.struct.fields:
                ftype = field.type
                fname = ftype.short_name or ftype.base
                self.build(ftype, fname)
                self.assign(ftype)
        elif kind is Kind.MAP:
            assert gotype.key is not None
            assert gotype.elem is not None
            self.build(gotype.key, "")
            self.build(gotype.elem, "")
            self.assign(gotype)
        elif kind is Kind.SLICE or kind is Kind.ARRAY:
            assert gotype.elem is not None
            named = kind is Kind.SLICE and gotype.elem.name[:1] != "*"
            self.build(gotype.elem, gotype.elem.short_name if named else "")
            self.assign(gotype)
            self.assign(gotype.elem)
        else:  # TIME: a GobEncoder
            self.assign(gotype)

    def send_type_descriptor(self, w: bytearray, buf: bytearray, gotype: GoType) -> None:
        if gotype.kind > Kind.INTERFACE and gotype.base not in self.sent:
            self.send_type(w, buf, gotype)

    def send_type(self, w: bytearray, buf: bytearray, gotype: GoType) -> None:
        if gotype.kind <= Kind.INTERFACE or gotype.base in self.sent:
            return
        tid = self.type_id(gotype)
        put_int(buf, -tid)
        self.wire_type(buf, gotype, tid)
        self.write_message(w, buf)
        self.sent.add(gotype.base)
        if gotype.kind is Kind.STRUCT:
            assert gotype.struct is not None
            for field in gotype.struct.fields:
                self.send_type(w, buf, field.type)
        elif gotype.kind is Kind.MAP:
            assert gotype.key is not None
            assert gotype.elem is not None
            self.send_type(w, buf, gotype.key)
            self.send_type(w, buf, gotype.elem)
        elif gotype.elem is not None:
            self.send_type(w, buf, gotype.elem)

    def wire_type(self, buf: bytearray, gotype: GoType, tid: int) -> None:
        put_uint(buf, _WIRE_FIELD[gotype.kind] + 1)
        put_uint(buf, 1)  # CommonType
        name = self.built.get(gotype.base, "")
        if name:
            put_uint(buf, 1)
            put_bytes(buf, name.encode("utf-8"))
        put_uint(buf, 1 if name else 2)
        put_int(buf, tid)
        buf.append(0)
        if gotype.kind is Kind.STRUCT:
            assert gotype.struct is not None
            fields = gotype.struct.fields
            if fields:
                put_uint(buf, 1)
                put_uint(buf, len(fields))
                for field in fields:
                    put_uint(buf, 1)
                    put_bytes(buf, field.go_name.encode("utf-8"))
                    put_uint(buf, 1)
                    put_int(buf, self.type_id(field.type))
                    buf.append(0)
        elif gotype.kind is Kind.MAP:
            assert gotype.key is not None
            assert gotype.elem is not None
            put_uint(buf, 1)
            put_int(buf, self.type_id(gotype.key))
            put_uint(buf, 1)
            put_int(buf, self.type_id(gotype.elem))
        elif gotype.elem is not None:
            put_uint(buf, 1)
            put_int(buf, self.type_id(gotype.elem))
            if gotype.kind is Kind.ARRAY and gotype.length:
                put_uint(buf, 1)
                put_int(buf, gotype.length)
        buf += b"\x00\x00"  # end of the XxxType, end of the wireType

    def write_message(self, w: bytearray, buf: bytearray) -> None:
        put_uint(w, len(buf))
        w += buf
        buf.clear()

    # -- values ----------------------------------------------------------

    def message_body(self, buf: bytearray, value: Any, gotype: GoType) -> None:
        if gotype.kind is Kind.STRUCT:
            self.struct(buf, value, gotype)
        else:
            buf.append(0)  # a singleton: field delta 0
            self.value(buf, value, gotype)

    def interface(self, buf: bytearray, value: Any) -> None:
        gotype = self.infer(value)
        if gotype is None:
            buf.append(0)
            return
        name = gotype.name.encode("utf-8")
        put_uint(buf, len(name))
        buf += name
        self.send_type_descriptor(self.writers[-1], buf, gotype)
        put_int(buf, self.type_id(gotype))
        self.writers.append(buf)
        data = bytearray()
        self.message_body(data, value, gotype)
        self.writers.pop()
        self.write_message(buf, data)

    def nested(self, buf: bytearray, value: Any, gotype: GoType, how: Any) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise UsageError(f"gob: session value nested deeper than {MAX_DEPTH} levels")
        how(buf, value, gotype)
        self.depth -= 1

    def value(self, buf: bytearray, value: Any, gotype: GoType) -> None:
        kind = gotype.kind
        if kind is Kind.INTERFACE:
            self.interface(buf, value)
        elif kind is Kind.STRING:
            if not isinstance(value, str):
                self.wrong(value, gotype)
            try:
                put_bytes(buf, value.encode("utf-8", "surrogateescape"))
            except UnicodeEncodeError:
                raise UsageError(
                    f"gob cannot encode {_what(value)}: it holds a lone surrogate"
                ) from None
        elif kind is Kind.INT or kind is Kind.UINT:
            if not isinstance(value, int) or isinstance(value, bool):
                self.wrong(value, gotype)
            bits = gotype.bits
            lo, hi = (
                (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
                if kind is Kind.INT
                else (0, (1 << bits) - 1)
            )
            if not lo <= value <= hi:
                raise UsageError(
                    f"gob cannot encode {_what(value)}: out of range for Go {gotype.name}"
                )
            (put_int if kind is Kind.INT else put_uint)(buf, int(value))
        elif kind is Kind.BOOL:
            if not isinstance(value, bool):
                self.wrong(value, gotype)
            buf.append(1 if value else 0)
        elif kind is Kind.FLOAT:
            if not isinstance(value, float | int) or isinstance(value, bool):
                self.wrong(value, gotype)
            put_float(buf, to_float32(value) if gotype.bits == 32 else float(value))
        elif kind is Kind.BYTES:
            if not isinstance(value, bytes | bytearray | memoryview):
                self.wrong(value, gotype)
            put_bytes(buf, bytes(value))
        elif kind is Kind.COMPLEX:
            if not isinstance(value, complex | float | int) or isinstance(value, bool):
                self.wrong(value, gotype)
            c = complex(value)
            parts = (
                (to_float32(c.real), to_float32(c.imag)) if gotype.bits == 64 else (c.real, c.imag)
            )
            put_float(buf, parts[0])
            put_float(buf, parts[1])
        elif kind is Kind.TIME:
            if not isinstance(value, dt.datetime):
                self.wrong(value, gotype)
            put_bytes(buf, time_to_binary(value))
        else:
            self.nested(buf, value, gotype, self.composite)

    def composite(self, buf: bytearray, value: Any, gotype: GoType) -> None:
        kind = gotype.kind
        if kind is Kind.STRUCT:
            self.struct(buf, value, gotype)
            return
        elem = gotype.elem
        assert elem is not None
        if kind is Kind.MAP:
            if not isinstance(value, dict):
                self.wrong(value, gotype)
            key = gotype.key
            assert key is not None
            put_uint(buf, len(value))
            for k, v in value.items():
                if key.kind is Kind.INTERFACE and isinstance(k, tuple | bytes | bytearray):
                    raise UsageError(
                        f"gob cannot encode the map key {_what(k)}: Go cannot use a "
                        f"{'slice' if isinstance(k, tuple) else '[]byte'} as a map key"
                    )
                self.value(buf, k, key)
                self.value(buf, v, elem)
            return
        if kind is Kind.ARRAY and elem.name == "uint8" and isinstance(value, bytes | bytearray):
            value = list(value)
        if not isinstance(value, list | tuple):
            self.wrong(value, gotype)
        if kind is Kind.ARRAY and len(value) != gotype.length:
            raise UsageError(f"gob cannot encode {_what(value)} as Go {gotype.name}: wrong length")
        put_uint(buf, len(value))
        for item in value:
            self.value(buf, item, elem)

    def struct(self, buf: bytearray, value: Any, gotype: GoType) -> None:
        reg = gotype.struct
        assert reg is not None
        if not isinstance(value, reg.cls):
            self.wrong(value, gotype)
        last = -1
        for i, field in enumerate(reg.fields):
            x = getattr(value, field.py_name)
            if _is_zero(x, field.type):
                continue
            put_uint(buf, i - last)
            last = i
            try:
                self.value(buf, x, field.type)
            except UsageError as exc:
                raise UsageError(f"{exc} (in field {field.py_name!r} of {reg.go_name})") from None
        buf.append(0)

    def wrong(self, value: Any, gotype: GoType) -> None:
        raise UsageError(f"gob cannot encode {_what(value)} as Go {gotype.name}")


def _is_zero(value: Any, gotype: GoType) -> bool:
    """Whether Go leaves this struct field out of the stream (its zero value)."""
    if value is None:
        return True
    kind = gotype.kind
    if kind in (Kind.STRUCT, Kind.ARRAY, Kind.MAP, Kind.INTERFACE):
        return False
    if kind is Kind.SLICE or kind is Kind.BYTES or kind is Kind.STRING:
        return isinstance(value, str | bytes | bytearray | list | tuple) and len(value) == 0
    if kind is Kind.TIME:
        return (
            isinstance(value, dt.datetime)
            and value.utcoffset() == dt.timedelta(0)
            and value == _EPOCH
        )
    if kind is Kind.FLOAT and isinstance(value, float) and math.isnan(value):
        return False
    return bool(value == 0) and not isinstance(value, str)
