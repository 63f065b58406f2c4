"""Writing a gob stream byte for byte as a fresh Go ``gob.NewEncoder(w).Encode(v)`` does.

Go's encoder is emulated step by step (type ids handed out in Go's order,
type definitions flushed at the same points, the same nested buffers), so
for a map with at most one key, or any value without maps, the output is
the exact bytes a new Go process writes; with more keys only the order of
map entries can differ, as it does between two Go runs.

Go's nested buffers are regions of one ``bytearray``: each region starts
after a one-byte placeholder for its message length. Go writes a buffer as
a message into the buffer below it (its writer), and that one always ends
where the region starts, so a message is written by filling in the
placeholder (rarely widening it), and a new region starts with a new one.

Values of the plain Python types a session holds (``str``, ``int``,
``bool``, ``float``, ``None``, ``bytes``, ``list``, ``tuple``, ``dict``)
take fast paths with precomputed bytes; everything else, and the first use
of a composite type in a stream, takes the general path. Both write the
same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
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
_INT64_MIN = -(2**63)
_INT64_END = 2**63
_INTERFACE = Kind.INTERFACE
_MAP = Kind.MAP
_STRUCT = Kind.STRUCT


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


def _uint_bytes(x: int) -> bytes:
    out = bytearray()
    put_uint(out, x)
    return bytes(out)


def _int_bytes(i: int) -> bytes:
    out = bytearray()
    put_int(out, i)
    return bytes(out)


def _what(value: Any) -> str:
    return f"{type(value).__qualname__} {value!r:.80}"


# -- precomputed bytes of interface values ----------------------------------------
#
# An interface value is: the Go type's name (length, bytes), its type id, then
# the value as a message of its own: the length, a 0 (singleton field delta),
# the value. For a basic type none of this depends on the stream.

_STR_NAME = b"\x06string\x0c"  # "string", type id 6
_INT_NAME = b"\x03int\x04"  # "int", type id 2
_FLOAT_NAME = b"\x07float64\x08"  # "float64", type id 4
_BYTES_NAME = b"\x07[]uint8\x0a"  # "[]uint8", type id 5
# A string of n < 126 bytes: name, message length, delta, string length.
_STR_HEAD = [_STR_NAME + bytes((n + 2, 0, n)) for n in range(126)]
# A typed string (a map[string]... key) of n < 128 bytes: its length.
_LEN = [bytes((n,)) for n in range(128)]
_ID_BYTES = [_int_bytes(tid) for tid in range(128)]  # type ids of up to two bytes
# Ints -64..63 (one byte zig-zagged), whole; wider ones: the head for k bytes.
_SMALL_INT = [_INT_NAME + bytes((2, 0, (~i << 1) | 1 if i < 0 else i << 1)) for i in range(-64, 64)]
_INT_HEAD = [b""] + [_INT_NAME + bytes((k + 2, 0, 256 - k)) for k in range(1, 9)]
_FLOAT_SHORT = _FLOAT_NAME + b"\x02\x00"  # then one byte < 0x80
_FLOAT_HEAD = [b""] + [_FLOAT_NAME + bytes((k + 2, 0, 256 - k)) for k in range(1, 9)]
_TRUE = b"\x04bool\x02\x02\x00\x01"
_FALSE = b"\x04bool\x02\x02\x00\x00"


def _name_bytes(gotype: GoType) -> bytes:
    name = gotype.name.encode()
    return _uint_bytes(len(name)) + name


_SLICE_NAME = _name_bytes(SLICE_ANY)
_MAP_STR_NAME = _name_bytes(MAP_STR_ANY)
_MAP_ANY_NAME = _name_bytes(MAP_ANY_ANY)
# wireType field numbers + 1 and the CommonType.Id delta (no name: field 1 skipped).
_COMMON_WIRE = {
    SLICE_ANY.base: (b"\x02\x01\x02", b"\x00\x01\x10\x00\x00"),  # SliceT{Elem: 8}
    MAP_STR_ANY.base: (b"\x04\x01\x02", b"\x00\x01\x0c\x01\x10\x00\x00"),  # MapT{6, 8}
    MAP_ANY_ANY.base: (b"\x04\x01\x02", b"\x00\x01\x10\x01\x10\x00\x00"),  # MapT{8, 8}
}


@functools.lru_cache(maxsize=256)
def _common_definition(base: str, tid: int) -> bytes:
    """The message body defining ``tid`` as one of the common unnamed types."""
    head, tail = _COMMON_WIRE[base]
    tid_bytes = _int_bytes(tid)
    return _int_bytes(-tid) + head + tid_bytes + tail


# The bytes of short ASCII strings met as map keys: in an interface (the keys
# of map[interface {}]...), and not (the keys of map[string]...).
_KEYS: dict[str, bytes] = {}
_NAMES: dict[str, bytes] = {}
_CACHED_KEYS = 512


def _key(key: str) -> bytes:
    """``key`` as a string in an interface, cached; b"" if it is not cached (not written)."""
    n = len(key)
    if n > 40 or not key.isascii():
        return b""
    if len(_KEYS) >= _CACHED_KEYS:
        _KEYS.clear()
    data = _KEYS[key] = _STR_HEAD[n] + key.encode()
    return data


def _name(key: str) -> bytes:
    """``key`` as a string, cached; b"" if it is not cached (not written)."""
    n = len(key)
    if n > 40 or not key.isascii():
        return b""
    if len(_NAMES) >= _CACHED_KEYS:
        _NAMES.clear()
    data = _NAMES[key] = _LEN[n] + key.encode()
    return data


# A session, as the first value of a stream: map[interface {}]interface {} is
# type 65, defined in the first message; the second starts with its id.
_SESSION_START = _uint_bytes(len(_common_definition(MAP_ANY_ANY.base, 65)))
_SESSION_START += _common_definition(MAP_ANY_ANY.base, 65)


class Encoder:
    """One ``Encode`` call in a fresh Go process (type ids start at 65)."""

    __slots__ = (
        "b",
        "built",
        "depth",
        "ids",
        "map_any_head",
        "map_str_head",
        "next_id",
        "registry",
        "sent",
        "slice_head",
        "start",
    )

    def __init__(self, registry: GobRegistry) -> None:
        self.registry = registry
        self.ids: dict[str, int] = {}
        self.built: dict[str, str] = {}  # type -> the CommonType name it was built with
        self.sent: set[str] = set()
        self.next_id = 65
        self.depth = 0
        self.b = bytearray()
        self.start = 0  # where the current buffer (region) starts in b
        # Name and type id of the common composite types once they are sent.
        self.slice_head: bytes | None = None
        self.map_str_head: bytes | None = None
        self.map_any_head: bytes | None = None

    def encode(self, value: Any) -> bytes:
        b = self.b = bytearray()
        if type(value) is dict:  # a session: what almost every call is
            base = MAP_ANY_ANY.base
            self.ids[base] = 65
            self.built[base] = ""
            self.sent.add(base)
            self.next_id = 66
            b += _SESSION_START
            b.append(0)  # placeholder: the length of the value's message
            self.start = len(b)
            b += b"\xff\x82\x00"  # type id 65, singleton delta
            self.depth = 1
            self.map_any(b, value)
            self.depth = 0
            self.end_message(b)
            return bytes(b)
        gotype = self.infer(value, top=True)
        if gotype is None:
            raise UsageError("gob cannot encode None at top level (Go cannot encode nil)")
        b.append(0)
        self.start = 1
        self.send_type_descriptor(b, gotype)
        put_int(b, self.type_id(gotype))
        self.message_body(b, value, gotype)
        self.end_message(b)
        return bytes(b)

    # -- messages: regions of one buffer -----------------------------------

    def end_message(self, b: bytearray) -> None:
        """Write the current buffer as a message into its writer: fill in the length."""
        start = self.start
        n = len(b) - start
        if n < 0x80:
            b[start - 1] = n
        else:
            b[start - 1 : start] = _uint_bytes(n)

    def write_message(self, b: bytearray) -> None:
        """Go's writeMessage(writer, buf): the buffer goes out and starts again, empty."""
        self.end_message(b)
        b.append(0)
        self.start = len(b)

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
        if gotype.kind <= _INTERFACE:
            return int(gotype.kind)
        if gotype.base not in self.ids:
            self.build(gotype, gotype.short_name)
        return self.ids[gotype.base]

    def assign(self, gotype: GoType) -> None:
        if gotype.kind > _INTERFACE and gotype.base not in self.ids:
            self.ids[gotype.base] = self.next_id
            self.next_id += 1

    def build(self, gotype: GoType, name: str) -> None:
        """Go's newTypeObject: ids for arrays, maps and slices after their elements'."""
        if gotype.kind <= _INTERFACE or gotype.base in self.built:
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

    def send_type_descriptor(self, b: bytearray, gotype: GoType) -> None:
        base = gotype.base
        if gotype.kind <= _INTERFACE or base in self.sent:
            return
        if base in _COMMON_WIRE and base not in self.built:
            # What build() and send_type() do for these, from precomputed bytes.
            tid = self.ids[base] = self.next_id
            self.next_id = tid + 1
            self.built[base] = ""
            b += _common_definition(base, tid)
            self.write_message(b)
            self.sent.add(base)
            return
        self.send_type(b, gotype)

    def send_type(self, b: bytearray, gotype: GoType) -> None:
        if gotype.kind <= _INTERFACE or gotype.base in self.sent:
            return
        tid = self.type_id(gotype)
        put_int(b, -tid)
        self.wire_type(b, gotype, tid)
        self.write_message(b)
        self.sent.add(gotype.base)
        if gotype.kind is Kind.STRUCT:
            assert gotype.struct is not None
            for field in gotype.struct.fields:
                self.send_type(b, field.type)
        elif gotype.kind is Kind.MAP:
            assert gotype.key is not None
            assert gotype.elem is not None
            self.send_type(b, gotype.key)
            self.send_type(b, gotype.elem)
        elif gotype.elem is not None:
            self.send_type(b, gotype.elem)

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

    def common_head(self, b: bytearray, gotype: GoType, name: bytes) -> bytes:
        """Write the name and type id of a common composite type; return them for next time."""
        b += name
        base = gotype.name  # no pointers in these
        if base not in self.sent:
            self.send_type_descriptor(b, gotype)
        tid = self.ids[base]
        tid_bytes = _ID_BYTES[tid] if tid < 128 else _int_bytes(tid)
        b += tid_bytes
        return name + tid_bytes

    # -- values: the fast paths ----------------------------------------------

    def interface(self, b: bytearray, value: Any) -> None:  # noqa: PLR0915 (one hot path)
        """A value in an ``interface {}``: its Go type's name, id, then a message."""
        cls = type(value)
        if cls is str:
            try:
                data = value.encode()
            except UnicodeEncodeError:
                self.any_interface(b, value)
                return
            n = len(data)
            if n < 126:
                b += _STR_HEAD[n]
            else:
                size = _uint_bytes(n)
                b += _STR_NAME
                b += _uint_bytes(1 + len(size) + n)
                b.append(0)
                b += size
            b += data
        elif cls is int:
            if -64 <= value < 64:
                b += _SMALL_INT[value + 64]
            elif _INT64_MIN <= value < _INT64_END:
                u = (~value << 1) | 1 if value < 0 else value << 1
                k = (u.bit_length() + 7) >> 3
                b += _INT_HEAD[k]
                b += u.to_bytes(k, "big")
            else:
                self.any_interface(b, value)
        elif cls is bool:
            b += _TRUE if value else _FALSE
        elif value is None:
            b.append(0)
        elif cls is float:
            raw = _PACK_DOUBLE(value).lstrip(b"\x00")  # the reversed bytes, as a uint
            k = len(raw)
            if k == 0:
                b += _FLOAT_SHORT
                b.append(0)
            elif k == 1 and raw[0] < 0x80:
                b += _FLOAT_SHORT
                b += raw
            else:
                b += _FLOAT_HEAD[k]
                b += raw
        elif cls is bytes:
            n = len(value)
            size = _LEN[n] if n < 0x80 else _uint_bytes(n)
            b += _BYTES_NAME
            m = 1 + len(size) + n
            b += _LEN[m] if m < 0x80 else _uint_bytes(m)
            b.append(0)
            b += size
            b += value
        else:
            if cls is list or cls is tuple:
                head = self.slice_head
                if head is None:
                    self.slice_head = self.common_head(b, SLICE_ANY, _SLICE_NAME)
                else:
                    b += head
                fill: Any = self.items
            elif cls is dict:
                for key in value:
                    if not isinstance(key, str):
                        head = self.map_any_head
                        if head is None:
                            self.map_any_head = self.common_head(b, MAP_ANY_ANY, _MAP_ANY_NAME)
                        else:
                            b += head
                        fill = self.map_any
                        break
                else:
                    head = self.map_str_head
                    if head is None:
                        self.map_str_head = self.common_head(b, MAP_STR_ANY, _MAP_STR_NAME)
                    else:
                        b += head
                    fill = self.map_str
            else:
                self.any_interface(b, value)
                return
            # The value's own message, one level deeper.
            depth = self.depth = self.depth + 1
            if depth > MAX_DEPTH:
                raise UsageError(f"gob: session value nested deeper than {MAX_DEPTH} levels")
            outer = self.start
            b += b"\x00\x00"  # placeholder for the length, singleton delta
            self.start = len(b) - 1
            fill(b, value)
            start = self.start
            n = len(b) - start
            if n < 0x80:
                b[start - 1] = n
            else:
                b[start - 1 : start] = _uint_bytes(n)
            self.start = outer
            self.depth = depth - 1

    # In the loops below, ASCII strings (their length is their size in bytes)
    # and small ints are written in place: the same bytes interface() writes.

    def items(self, b: bytearray, value: list[Any] | tuple[Any, ...]) -> None:
        """The count and elements of a []interface {}."""
        n = len(value)
        b += _LEN[n] if n < 0x80 else _uint_bytes(n)
        interface = self.interface
        for v in value:
            if type(v) is str and (size := len(v)) < 126 and v.isascii():
                b += _STR_HEAD[size]
                b += v.encode()
            elif type(v) is int and -64 <= v < 64:
                b += _SMALL_INT[v + 64]
            else:
                interface(b, v)

    def map_any(self, b: bytearray, value: dict[Any, Any]) -> None:
        """The count and entries of a map[interface {}]interface {}."""
        n = len(value)
        b += _LEN[n] if n < 0x80 else _uint_bytes(n)
        interface = self.interface
        for k, v in value.items():
            if type(k) is str and ((data := _KEYS.get(k)) is not None or (data := _key(k))):
                b += data
            elif isinstance(k, tuple | bytes | bytearray):
                raise UsageError(
                    f"gob cannot encode the map key {_what(k)}: Go cannot use a "
                    f"{'slice' if isinstance(k, tuple) else '[]byte'} as a map key"
                )
            else:
                interface(b, k)
            if type(v) is str and (size := len(v)) < 126 and v.isascii():
                b += _STR_HEAD[size]
                b += v.encode()
            elif type(v) is int and -64 <= v < 64:
                b += _SMALL_INT[v + 64]
            else:
                interface(b, v)

    def map_str(self, b: bytearray, value: dict[str, Any]) -> None:
        """The count and entries of a map[string]interface {}."""
        n = len(value)
        b += _LEN[n] if n < 0x80 else _uint_bytes(n)
        interface = self.interface
        for k, v in value.items():
            if type(k) is str and ((data := _NAMES.get(k)) is not None or (data := _name(k))):
                b += data
            else:
                self.value(b, k, STRING)
            if type(v) is str and (size := len(v)) < 126 and v.isascii():
                b += _STR_HEAD[size]
                b += v.encode()
            elif type(v) is int and -64 <= v < 64:
                b += _SMALL_INT[v + 64]
            else:
                interface(b, v)

    # -- values: the general path ----------------------------------------------

    def message_body(self, buf: bytearray, value: Any, gotype: GoType) -> None:
        if gotype.kind is Kind.STRUCT:
            self.struct(buf, value, gotype)
        else:
            buf.append(0)  # a singleton: field delta 0
            self.value(buf, value, gotype)

    def any_interface(self, b: bytearray, value: Any) -> None:
        gotype = self.infer(value)
        if gotype is None:
            b.append(0)
            return
        name = gotype.name.encode("utf-8")
        put_uint(b, len(name))
        b += name
        self.send_type_descriptor(b, gotype)
        put_int(b, self.type_id(gotype))
        # The value's own buffer, written into this one when done.
        outer = self.start
        b.append(0)
        self.start = len(b)
        self.message_body(b, value, gotype)
        self.end_message(b)
        self.start = outer

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
