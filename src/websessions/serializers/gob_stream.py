"""The bytes of a gob stream: integers, messages and type definitions.

Go's decoder is emulated exactly: one buffer holds the current message; a
new message is read only where Go reads one (before a type id), and every
length is checked against the bytes left before anything is allocated.
"""

from __future__ import annotations

import struct
from typing import Any, NoReturn

from ..errors import DeserializeFailed
from .gob_registry import GobRegistry
from .gob_types import GoType, Kind

FIRST_USER_ID = 65
_MAX_TYPES = 10_000
_FLOAT32_MAX = 3.4028234663852886e38
_UNPACK_DOUBLE = struct.Struct("<d").unpack
_BASIC_BY_ID = {1: "bool", 2: "int", 3: "uint", 4: "float64", 5: "[]uint8", 6: "string"}
_BASIC_BY_ID |= {7: "complex128", 8: "interface {}"}


# Shapes of the composite types a session holds, for the decoder's fast paths.
SLICE_ANY_SHAPE = 5  # []interface {}
MAP_STR_SHAPE = 6  # map[string]interface {}
MAP_ANY_SHAPE = 7  # map[interface {}]interface {}


class _Wire:
    """A type definition received in the stream."""

    __slots__ = ("elem", "fields", "key", "kind", "length", "name", "shape")

    def __init__(self, kind: Kind, name: str = "") -> None:
        self.kind = kind
        self.name = name
        self.elem = 0
        self.key = 0
        self.length = 0
        self.fields: list[tuple[str, int]] = []
        self.shape = 0  # one of the *_SHAPE if it is one of those types (set when read)

    def set_shape(self) -> None:
        if self.elem == 8:
            if self.kind is Kind.SLICE:
                self.shape = SLICE_ANY_SHAPE
            elif self.kind is Kind.MAP and self.key == 6:
                self.shape = MAP_STR_SHAPE
            elif self.kind is Kind.MAP and self.key == 8:
                self.shape = MAP_ANY_SHAPE


def fail(message: str) -> NoReturn:
    raise DeserializeFailed("gob: " + message)


class Stream:
    """One ``Decode`` call over ``data``: Go's message framing, emulated exactly."""

    __slots__ = ("data", "depth", "end", "pos", "registry", "wire")

    def __init__(self, data: bytes, registry: GobRegistry) -> None:
        # (Decoder.__init__ repeats this.)
        self.data = data
        self.registry = registry
        self.pos = 0
        self.end = 0  # end of the current message
        self.depth = 0
        self.wire: dict[int, _Wire] = {}

    # -- primitives ------------------------------------------------------

    def uint(self) -> int:
        pos = self.pos
        if pos >= self.end:
            fail("unexpected end of message")
        b = self.data[pos]
        if b < 0x80:
            self.pos = pos + 1
            return b
        n = 256 - b
        if n > 8:
            fail("invalid unsigned integer")
        stop = pos + 1 + n
        if stop > self.end:
            fail("unexpected end of message")
        self.pos = stop
        return int.from_bytes(self.data[pos + 1 : stop], "big")

    def sint(self) -> int:
        u = self.uint()
        return ~(u >> 1) if u & 1 else u >> 1

    def f64(self) -> float:
        return float(_UNPACK_DOUBLE(self.uint().to_bytes(8, "big"))[0])

    def raw(self) -> bytes:
        n = self.uint()
        if n > self.end - self.pos:
            fail(f"length {n} exceeds the message")
        start = self.pos
        self.pos = start + n
        return self.data[start : self.pos]

    def count(self, per_item: int = 1) -> int:
        """An element count: each element takes a byte at least (maybe in later messages)."""
        n = self.uint()
        if n * per_item > len(self.data) - self.pos:
            fail(f"count {n} exceeds the data")
        return n

    # -- messages and type definitions ------------------------------------

    def next_message(self) -> None:
        self.end = len(self.data)
        n = self.uint()
        if n > self.end - self.pos:
            fail(f"message length {n} exceeds the data")
        self.end = self.pos + n

    def type_sequence(self, in_interface: bool) -> int:
        """Type definitions up to the id of the value that follows (Go's decodeTypeSequence)."""
        while True:
            if self.pos == self.end:
                self.next_message()
            tid = self.sint()
            if tid >= 0:
                return tid
            self.recv_type(-tid)
            if self.pos < self.end:
                if not in_interface:
                    fail("extra data after a type definition")
                self.uint()

    def fields(self, count: int) -> Any:
        """Field numbers of a struct value, from their deltas, up to the terminator."""
        fieldnum = -1
        while self.pos < self.end:
            delta = self.uint()
            if delta == 0:
                return
            fieldnum += delta
            if fieldnum >= count:
                fail("field number out of range")
            yield fieldnum

    def common(self, wire: _Wire) -> None:
        for f in self.fields(2):
            if f == 0:
                wire.name = self.string()
            else:
                self.sint()

    def recv_type(self, tid: int) -> None:
        if tid < FIRST_USER_ID or tid in self.wire:
            fail(f"duplicate or reserved type id {tid}")
        if len(self.wire) >= _MAX_TYPES:
            fail("too many type definitions")
        # A stream mostly defines the same few types: one read before is
        # taken from the cache when the bytes here start with its bytes.
        start, end, data = self.pos, self.end, self.data
        for size in _SIZES:
            if start + size <= end:
                known = _DEFINITIONS.get(data[start : start + size])
                if known is not None:
                    self.wire[tid] = known
                    self.pos = start + size
                    return
        self.wire[tid] = self.wire_type(tid)
        if self.pos - start <= _CACHED_SIZE:
            _remember(data[start : self.pos], self.registry)

    def wire_type(self, tid: int) -> _Wire:
        """One wireType (after its id): Go's decoding of it, checked."""
        found: list[_Wire] = []
        for f in self.fields(7):
            if f == 0:
                wire = _Wire(Kind.ARRAY)
                for g in self.fields(3):
                    if g == 0:
                        self.common(wire)
                    elif g == 1:
                        wire.elem = self.sint()
                    else:
                        wire.length = self.sint()
            elif f == 1:
                wire = _Wire(Kind.SLICE)
                for g in self.fields(2):
                    if g == 0:
                        self.common(wire)
                    else:
                        wire.elem = self.sint()
            elif f == 2:
                wire = _Wire(Kind.STRUCT)
                for g in self.fields(2):
                    if g == 0:
                        self.common(wire)
                        continue
                    for _ in range(self.count()):
                        name, ftid = "", 0
                        for h in self.fields(2):
                            if h == 0:
                                name = self.string()
                            else:
                                ftid = self.sint()
                        wire.fields.append((name, ftid))
            elif f == 3:
                wire = _Wire(Kind.MAP)
                for g in self.fields(3):
                    if g == 0:
                        self.common(wire)
                    elif g == 1:
                        wire.key = self.sint()
                    else:
                        wire.elem = self.sint()
            else:  # GobEncoder, BinaryMarshaler, TextMarshaler: opaque bytes
                wire = _Wire(Kind.TIME if f < 6 else Kind.BYTES)
                for _ in self.fields(1):
                    self.common(wire)
            found.append(wire)
        if len(found) != 1:
            fail(f"type definition {tid} describes {len(found)} types")
        if found[0].kind is Kind.ARRAY and found[0].length < 0:
            fail("negative array length")
        found[0].set_shape()
        return found[0]

    def wire_of(self, tid: int, kind: Kind, gotype: GoType) -> _Wire:
        wire = self.wire.get(tid)
        if wire is None or wire.kind is not kind:
            self.mismatch(tid, gotype)
        return wire

    def mismatch(self, tid: int, gotype: GoType) -> NoReturn:
        wire = self.wire.get(tid)
        sent = _BASIC_BY_ID.get(tid) or (wire and f"{wire.kind.name.lower()} type {tid}")
        fail(f"type mismatch: sent {sent or f'undefined type id {tid}'}, expected {gotype.name}")

    def string(self) -> str:
        return self.raw().decode("utf-8", "surrogateescape")


_CACHED_SIZE = 512  # bytes: longer definitions are not cached
_DEFINITIONS: dict[bytes, _Wire] = {}
_SIZES: list[int] = []  # the lengths of the cached definitions


def _remember(key: bytes, registry: GobRegistry) -> None:
    """Cache the definition read from the bytes ``key`` if they alone define it.

    It is read again from a stream of only ``key``: the checks of counts
    against the bytes left are the strictest there. And from ``key`` and one
    more byte in the message: all of ``key`` but no more must be read, so no
    loop over fields stopped at the end of the message. Then wherever a
    message holds ``key``, those bytes read the same, with the same result.
    """
    size = len(key)
    for data in (key, key + b"\x01"):
        alone = Stream(data, registry)
        alone.end = len(data)
        try:
            wire = alone.wire_type(0)
        except DeserializeFailed:
            return
        if alone.pos != size:
            return
    if (size not in _SIZES and len(_SIZES) >= 16) or len(_DEFINITIONS) >= 256:
        _DEFINITIONS.clear()  # a flood of odd definitions: start again
        _SIZES.clear()
    _DEFINITIONS[key] = wire
    if size not in _SIZES:
        _SIZES.append(size)
