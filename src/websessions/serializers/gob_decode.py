"""Reading a gob stream, as Go's ``gob.NewDecoder(r).Decode(&v)`` does, safely.

The input is untrusted (a verified cookie can still come from a leaked key,
a stored record from a compromised disk), so every step is bounded: each
count is checked against the bytes left before anything is allocated,
each element consumes at least one byte (linear time), nesting is capped at
``MAX_DEPTH``, and every failure is a :class:`~websessions.DeserializeFailed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import DeserializeFailed, UsageError
from .gob_registry import GobStruct
from .gob_stream import _BASIC_BY_ID, _FLOAT32_MAX, Stream, fail
from .gob_time import EPOCH as _EPOCH
from .gob_time import time_from_binary
from .gob_types import (
    INT_TYPES,
    MAX_DEPTH,
    MAX_NAME,
    Complex64,
    Float32,
    GoMap,
    GoSlice,
    GoType,
    Kind,
    _BadType,
    map_of,
    slice_of,
)


class Decoder(Stream):
    """Values, guided by the Go type each must be (from its interface name)."""

    __slots__ = ()

    # -- values ----------------------------------------------------------

    def decode(self) -> Any:
        """The top-level value: what ``dec.Decode(&v)`` reads."""
        tid = self.type_sequence(False)
        gotype = self.derive(tid, 0)
        return self.wrap(self.contents(tid, gotype), gotype, top=True)

    def derive(self, tid: int, depth: int) -> GoType:
        """A Go type for a wire type (top level only: there is no name to go by)."""
        if depth > MAX_DEPTH:
            fail("type nested too deeply")
        if tid in _BASIC_BY_ID:
            return self.registry.named(_BASIC_BY_ID[tid])
        wire = self.wire.get(tid)
        if wire is None:
            fail(f"undefined type id {tid}")
        if wire.kind is Kind.SLICE:
            return slice_of(self.derive(wire.elem, depth + 1))
        if wire.kind is Kind.ARRAY:
            elem = self.derive(wire.elem, depth + 1)
            return GoType(f"[{wire.length}]{elem.name}", Kind.ARRAY, elem=elem, length=wire.length)
        if wire.kind is Kind.MAP:
            try:
                return map_of(self.derive(wire.key, depth + 1), self.derive(wire.elem, depth + 1))
            except _BadType as exc:
                fail(str(exc))
        kind = wire.kind.name.lower()
        raise DeserializeFailed(
            f"gob: cannot decode a top-level {kind} {wire.name!r} without its Go type"
        )

    def contents(self, tid: int, gotype: GoType) -> Any:
        """A value of ``gotype`` as a message body: a struct, or a singleton field."""
        if gotype.kind is Kind.STRUCT:
            return self.struct(tid, gotype)
        if self.uint() != 0:
            fail("corrupted data: non-zero delta for a singleton")
        return self.value(tid, gotype)

    def value(self, tid: int, gotype: GoType) -> Any:
        kind = gotype.kind
        if kind < Kind.ARRAY:
            if tid != kind:
                self.mismatch(tid, gotype)
            if kind is Kind.STRING:
                return self.string()
            if kind is Kind.INT:
                value = self.sint()
                if gotype.bits < 64 and not -(1 << (gotype.bits - 1)) <= value < 1 << (
                    gotype.bits - 1
                ):
                    fail(f"value {value} out of range for {gotype.name}")
                return value
            if kind is Kind.INTERFACE:
                return self.interface()
            if kind is Kind.BOOL:
                return self.uint() != 0
            if kind is Kind.UINT:
                value = self.uint()
                if gotype.bits < 64 and value >> gotype.bits:
                    fail(f"value {value} out of range for {gotype.name}")
                return value
            if kind is Kind.FLOAT:
                return self.float32(self.f64()) if gotype.bits == 32 else self.f64()
            if kind is Kind.BYTES:
                return self.raw()
            return complex(self.f64(), self.f64())  # COMPLEX
        self.depth += 1
        if self.depth > MAX_DEPTH:
            fail(f"value nested deeper than {MAX_DEPTH} levels")
        try:
            if kind is Kind.TIME:
                self.wire_of(tid, Kind.TIME, gotype)
                return time_from_binary(self.raw())
            if kind is Kind.STRUCT:
                return self.struct(tid, gotype)
            elem = gotype.elem
            assert elem is not None
            if kind is Kind.MAP:
                wire = self.wire_of(tid, Kind.MAP, gotype)
                key = gotype.key
                assert key is not None
                result = {}
                for _ in range(self.count(2)):
                    k = self.value(wire.key, key)
                    v = self.value(wire.elem, elem)
                    try:
                        result[k] = v
                    except TypeError:
                        fail(f"map key {k!r:.40} is not hashable in Python")
                return result
            if kind is Kind.ARRAY:
                wire = self.wire_of(tid, Kind.ARRAY, gotype)
                if wire.length != gotype.length or self.count() != wire.length:
                    fail(f"array length mismatch for {gotype.name}")
                items = [self.value(wire.elem, elem) for _ in range(wire.length)]
                return bytes(items) if elem.name == "uint8" else items
            wire = self.wire_of(tid, Kind.SLICE, gotype)
            return [self.value(wire.elem, elem) for _ in range(self.count())]
        finally:
            self.depth -= 1

    def float32(self, value: float) -> float:
        if _FLOAT32_MAX < abs(value) < float("inf"):
            fail(f"value {value} out of range for float32")
        return value

    def interface(self) -> Any:
        n = self.uint()
        if n == 0:
            return None
        if n > MAX_NAME or n > self.end - self.pos:
            fail(f"invalid type name length {n}")
        raw = self.data[self.pos : self.pos + n]
        self.pos += n
        try:
            name = raw.decode("utf-8")
            gotype = self.registry.parse(name)
        except UnicodeDecodeError:
            fail("type name is not UTF-8")
        except _BadType as exc:
            if exc.unknown is not None:
                fail(
                    f"unknown Go type {exc.unknown!r} in the data: register it with "
                    f"websessions.gob_register({exc.unknown!r}, YourDataclass)"
                )
            fail(f"bad type name {name!r}: {exc}")
        tid = self.type_sequence(True)
        self.uint()  # the value's byte count: Go reads it and goes on
        # No depth step here: an interface holds a concrete value, never
        # another interface, so containers alone bound the recursion.
        return self.wrap(self.contents(tid, gotype), gotype, top=False)

    def wrap(self, value: Any, gotype: GoType, *, top: bool) -> Any:
        """Give a value decoded from an interface a Python type that writes back as ``gotype``."""
        kind = gotype.kind
        if kind is Kind.INT or kind is Kind.UINT:
            cls = INT_TYPES.get(gotype.name)
            return value if cls is None else cls(value)
        if kind is Kind.FLOAT:
            return Float32(value) if gotype.bits == 32 else value
        if kind is Kind.COMPLEX:
            return Complex64(value) if gotype.bits == 64 else value
        if kind is Kind.SLICE or kind is Kind.ARRAY:
            return value if gotype.name == "[]interface {}" else GoSlice(gotype.name, value)
        if kind is Kind.MAP:
            if gotype.name == "map[interface {}]interface {}":
                plain = top or any(type(k) is not str for k in value)
            else:
                plain = gotype.name == "map[string]interface {}" and not top
            return value if plain else GoMap(gotype.name, value)
        return value

    def struct(self, tid: int, gotype: GoType) -> Any:
        reg = gotype.struct
        assert reg is not None
        wire = self.wire_of(tid, Kind.STRUCT, gotype)
        try:
            fields = reg.fields
        except UsageError as exc:
            fail(str(exc))
        values: dict[str, Any] = {}
        for num in self.fields(len(wire.fields)):
            go_name, ftid = wire.fields[num]
            field = reg.by_go.get(go_name)
            if field is None:
                self.skip(ftid)
            else:
                values[field.py_name] = self.value(ftid, field.type)
        sent = {name for name, _ in wire.fields}
        for field in fields:
            if field.py_name not in values and field.go_name in sent:
                values[field.py_name] = None if field.optional else self.zero(field.type, 0)
        try:
            return reg.cls(**values)
        except Exception as exc:  # the dataclass's own checks, missing fields
            fail(f"cannot make {reg.cls.__qualname__} from {reg.go_name}: {exc}")

    def zero(self, gotype: GoType, depth: int) -> Any:
        """Go's zero value of ``gotype``: what a field left out of the stream holds."""
        if depth > MAX_DEPTH:
            fail("zero value nested too deeply")
        make = _ZEROS.get(gotype.kind)
        if make is not None:
            return make()
        if gotype.kind is Kind.ARRAY:
            assert gotype.elem is not None
            if gotype.elem.name == "uint8":
                return bytes(gotype.length)
            return [self.zero(gotype.elem, depth + 1) for _ in range(gotype.length)]
        if gotype.kind is Kind.STRUCT:
            reg: GobStruct | None = gotype.struct
            assert reg is not None
            try:
                fields = reg.fields
            except UsageError as exc:
                fail(str(exc))
            values = {
                f.py_name: None if f.optional else self.zero(f.type, depth + 1) for f in fields
            }
            try:
                return reg.cls(**values)
            except Exception as exc:  # the dataclass's own checks
                fail(f"cannot make a zero {reg.cls.__qualname__}: {exc}")
        return None  # interface

    def skip(self, tid: int, depth: int = 0) -> None:
        """Read past a value nobody wants, as Go's ignore ops do."""
        if depth > MAX_DEPTH:
            fail(f"value nested deeper than {MAX_DEPTH} levels")
        if tid in (1, 2, 3, 4):
            self.uint()
        elif tid == 7:
            self.uint()
            self.uint()
        elif tid in (5, 6):
            self.raw()
        elif tid == 8:
            n = self.uint()
            if n == 0:
                return
            if n > self.end - self.pos:
                fail(f"invalid type name length {n}")
            self.pos += n
            self.type_sequence(True)
            self.raw()
        else:
            wire = self.wire.get(tid)
            if wire is None:
                fail(f"undefined type id {tid}")
            if wire.kind is Kind.STRUCT:
                for num in self.fields(len(wire.fields)):
                    self.skip(wire.fields[num][1], depth + 1)
            elif wire.kind is Kind.MAP:
                for _ in range(self.count(2)):
                    self.skip(wire.key, depth + 1)
                    self.skip(wire.elem, depth + 1)
            elif wire.kind is Kind.SLICE or wire.kind is Kind.ARRAY:
                for _ in range(self.count()):
                    self.skip(wire.elem, depth + 1)
            else:
                self.raw()


_ZEROS: dict[Kind, Callable[[], Any]] = {
    Kind.BOOL: lambda: False,
    Kind.INT: int,
    Kind.UINT: int,
    Kind.FLOAT: float,
    Kind.COMPLEX: complex,
    Kind.STRING: str,
    Kind.BYTES: bytes,
    Kind.SLICE: list,
    Kind.MAP: dict,
    Kind.TIME: lambda: _EPOCH,
}
