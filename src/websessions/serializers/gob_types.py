"""Go types for :mod:`websessions.serializers.gob`: the type model, Go-typed
Python values, and the registry of Go structs bound to dataclasses.

A :class:`GoType` is one Go type, named as Go's ``reflect.Type.String()``
names it (``int64``, ``[]string``, ``map[string]interface {}``,
``main.Person``). Go type names travel inside a gob stream with every
interface value; :meth:`GobRegistry.parse` turns them back into types.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
import typing
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from .gob_registry import GobStruct

MAX_DEPTH = 100
MAX_NAME = 1024  # Go rejects longer interface type names


class Kind(enum.IntEnum):
    """A Go type's shape; the basic kinds carry their predefined gob type id."""

    BOOL = 1
    INT = 2
    UINT = 3
    FLOAT = 4
    BYTES = 5
    STRING = 6
    COMPLEX = 7
    INTERFACE = 8
    ARRAY = 20
    SLICE = 21
    STRUCT = 22
    MAP = 23
    TIME = 24  # time.Time, sent through its GobEncoder


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class GoType:
    """One Go type. ``name`` is Go's ``reflect`` spelling of it."""

    name: str
    kind: Kind
    bits: int = 0  # width of ints, uints, floats and complexes
    elem: GoType | None = None
    key: GoType | None = None
    length: int = 0
    struct: GobStruct | None = None  # for Kind.STRUCT

    @property
    def base(self) -> str:
        """The name without pointers: ``*main.P`` and ``main.P`` are one gob type."""
        return self.name.lstrip("*")

    @property
    def short_name(self) -> str:
        """Go's ``Type.Name()``: ``Person`` for ``main.Person``, ``""`` when unnamed."""
        if self.kind is Kind.STRUCT or self.kind is Kind.TIME:
            return self.base.rsplit(".", 1)[-1]
        return ""


_BASICS: dict[str, GoType] = {
    "bool": GoType("bool", Kind.BOOL),
    "string": GoType("string", Kind.STRING),
    "[]uint8": GoType("[]uint8", Kind.BYTES),
    "interface {}": GoType("interface {}", Kind.INTERFACE),
    "time.Time": GoType("time.Time", Kind.TIME),
    "float32": GoType("float32", Kind.FLOAT, 32),
    "float64": GoType("float64", Kind.FLOAT, 64),
    "complex64": GoType("complex64", Kind.COMPLEX, 64),
    "complex128": GoType("complex128", Kind.COMPLEX, 128),
    "int": GoType("int", Kind.INT, 64),
    "uint": GoType("uint", Kind.UINT, 64),
    "uintptr": GoType("uintptr", Kind.UINT, 64),
}
for _bits in (8, 16, 32, 64):
    _BASICS[f"int{_bits}"] = GoType(f"int{_bits}", Kind.INT, _bits)
    _BASICS[f"uint{_bits}"] = GoType(f"uint{_bits}", Kind.UINT, _bits)
_ALIASES = {"byte": "uint8", "rune": "int32", "any": "interface {}", "interface{}": "interface {}"}

BOOL = _BASICS["bool"]
INT = _BASICS["int"]
UINT64 = _BASICS["uint64"]
FLOAT64 = _BASICS["float64"]
COMPLEX128 = _BASICS["complex128"]
STRING = _BASICS["string"]
BYTES = _BASICS["[]uint8"]
INTERFACE = _BASICS["interface {}"]
TIME = _BASICS["time.Time"]


def slice_of(elem: GoType) -> GoType:
    if elem.name == "uint8":
        return BYTES
    return GoType("[]" + elem.name, Kind.SLICE, elem=elem)


def map_of(key: GoType, elem: GoType) -> GoType:
    if key.kind in (Kind.SLICE, Kind.MAP, Kind.BYTES):
        raise _BadType(f"invalid map key type {key.name}")
    return GoType(f"map[{key.name}]{elem.name}", Kind.MAP, key=key, elem=elem)


SLICE_ANY = slice_of(INTERFACE)
MAP_STR_ANY = map_of(STRING, INTERFACE)
MAP_ANY_ANY = map_of(INTERFACE, INTERFACE)


class _BadType(Exception):
    """A Go type name that does not parse or names an unregistered type."""

    def __init__(self, message: str, unknown: str | None = None) -> None:
        super().__init__(message)
        self.unknown = unknown


# -- Go-typed Python values ---------------------------------------------------


class GoInt(int):
    """An int that keeps its Go type (``int64``, ``uint8``...) through a round trip.

    Arithmetic gives plain ints (which gob writes as Go ``int``).
    """

    __slots__ = ()
    go_type: typing.ClassVar[str] = "int"
    _min: typing.ClassVar[int] = -(2**63)
    _max: typing.ClassVar[int] = 2**63 - 1

    def __new__(cls, value: Any = 0) -> typing.Self:
        self = super().__new__(cls, value)
        if not cls._min <= self <= cls._max:
            raise UsageError(f"{int(self)} is out of range for Go {cls.go_type}")
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self)})"


class Int8(GoInt):
    """Go ``int8``."""

    __slots__ = ()
    go_type = "int8"
    _min = -(2**7)
    _max = 2**7 - 1


class Int16(GoInt):
    """Go ``int16``."""

    __slots__ = ()
    go_type = "int16"
    _min = -(2**15)
    _max = 2**15 - 1


class Int32(GoInt):
    """Go ``int32``."""

    __slots__ = ()
    go_type = "int32"
    _min = -(2**31)
    _max = 2**31 - 1


class Int64(GoInt):
    """Go ``int64``."""

    __slots__ = ()
    go_type = "int64"
    _min = -(2**63)
    _max = 2**63 - 1


class Uint(GoInt):
    """Go ``uint``."""

    __slots__ = ()
    go_type = "uint"
    _min = 0
    _max = 2**64 - 1


class Uint8(GoInt):
    """Go ``uint8``."""

    __slots__ = ()
    go_type = "uint8"
    _min = 0
    _max = 2**8 - 1


class Uint16(GoInt):
    """Go ``uint16``."""

    __slots__ = ()
    go_type = "uint16"
    _min = 0
    _max = 2**16 - 1


class Uint32(GoInt):
    """Go ``uint32``."""

    __slots__ = ()
    go_type = "uint32"
    _min = 0
    _max = 2**32 - 1


class Uint64(GoInt):
    """Go ``uint64``."""

    __slots__ = ()
    go_type = "uint64"
    _min = 0
    _max = 2**64 - 1


class Uintptr(GoInt):
    """Go ``uintptr``."""

    __slots__ = ()
    go_type = "uintptr"
    _min = 0
    _max = 2**64 - 1


INT_TYPES: dict[str, type[GoInt]] = {
    c.go_type: c for c in (Int8, Int16, Int32, Int64, Uint, Uint8, Uint16, Uint32, Uint64, Uintptr)
}


def to_float32(value: float) -> float:
    """Round to the nearest float32, as Go's ``float32(x)`` does."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        raise UsageError(f"{value!r} is out of range for Go float32") from None


class Float32(float):
    """A float that is a Go ``float32``: rounded to float32 precision when made."""

    __slots__ = ()
    go_type: typing.ClassVar[str] = "float32"

    def __new__(cls, value: Any = 0.0) -> typing.Self:
        return super().__new__(cls, to_float32(float(value)))

    def __repr__(self) -> str:
        return f"Float32({float(self)!r})"


class Complex64(complex):
    """A complex that is a Go ``complex64`` (float32 parts)."""

    __slots__ = ()
    go_type: typing.ClassVar[str] = "complex64"

    def __new__(cls, real: Any = 0.0, imag: float = 0.0) -> typing.Self:
        c = complex(real) + complex(0, imag)
        return super().__new__(cls, to_float32(c.real), to_float32(c.imag))

    def __repr__(self) -> str:
        return f"Complex64({complex(self)!r})"


class GoSlice(list[Any]):
    """A list that is a Go slice or array of a given type, e.g. ``GoSlice("[]string", ["a"])``.

    Plain lists are written as ``[]interface {}``; decoding any other slice
    type gives a ``GoSlice`` so writing it back keeps the Go type.
    """

    __slots__ = ("go_type",)

    def __init__(self, go_type: str, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self.go_type = go_type

    def __repr__(self) -> str:
        return f"GoSlice({self.go_type!r}, {list.__repr__(self)})"

    def __reduce__(self) -> Any:
        return (GoSlice, (self.go_type, list(self)))


class GoMap(dict[Any, Any]):
    """A dict that is a Go map of a given type, e.g. ``GoMap("map[string]int", {"a": 1})``."""

    __slots__ = ("go_type",)

    def __init__(self, go_type: str, items: Mapping[Any, Any] | Iterable[Any] = ()) -> None:
        super().__init__(items)
        self.go_type = go_type

    def __repr__(self) -> str:
        return f"GoMap({self.go_type!r}, {dict.__repr__(self)})"

    def __reduce__(self) -> Any:
        return (GoMap, (self.go_type, dict(self)))
