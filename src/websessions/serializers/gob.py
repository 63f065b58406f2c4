"""``GobSerializer``: Go's ``encoding/gob``, gorilla/sessions' default format.

With it, a Python service and a Go service using gorilla/sessions (with its
default ``securecookie.GobEncoder``) read and write each other's sessions.

Go types become Python types on the way in, and come back as the same Go
types on the way out:

==================================  ==========================================
Go                                  Python
==================================  ==========================================
``bool``, ``string``                ``bool``, ``str``
``int``                             ``int``
``int8`` ... ``int64``, ``uint``    ``Int8`` ... ``Int64``, ``Uint`` ...: ``int``
``uint8`` ... ``uint64``, uintptr   subclasses that remember the Go type
``float64`` / ``float32``           ``float`` / ``Float32``
``complex128`` / ``complex64``      ``complex`` / ``Complex64``
``[]byte``                          ``bytes``
``[]interface {}``                  ``list`` (a tuple is written as one too)
``map[string]interface {}``         ``dict`` with ``str`` keys (when nested)
``map[interface {}]interface {}``   ``dict`` (at top level: ``session.values``)
other slices, arrays, maps          ``GoSlice`` / ``GoMap``: a list / dict that
                                    remembers its Go type, e.g. ``[]string``
``time.Time``                       aware ``datetime`` (microseconds)
a registered struct                 its dataclass (:func:`gob_register`)
``nil`` interface                   ``None``
==================================  ==========================================

A Python ``int`` outside int64 but within uint64 is written as ``uint64``;
beyond that, and for any value with no Go type, :meth:`GobSerializer.dumps`
raises :class:`~websessions.UsageError` naming the value. An unknown Go
type in a stream raises :class:`~websessions.DeserializeFailed` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, overload

from ..errors import DecodeError, DeserializeFailed
from .gob_decode import Decoder
from .gob_encode import Encoder
from .gob_registry import GobRegistry, T, default_gob_registry
from .gob_types import (
    Complex64,
    Float32,
    GoInt,
    GoMap,
    GoSlice,
    GoType,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
)


class GobSerializer:
    """Session values as Go's ``gob.NewEncoder(w).Encode(v)`` writes them.

    ``registry`` binds Go struct names to dataclasses; the global one filled
    by :func:`gob_register` unless given. Decoding is safe on hostile bytes:
    bounded depth and memory, linear time, only :class:`DecodeError` raised.
    """

    __slots__ = ("registry",)

    def __init__(self, registry: GobRegistry | None = None) -> None:
        self.registry = registry or default_gob_registry

    def dumps(self, value: Any) -> bytes:
        return Encoder(self.registry).encode(value)

    def loads(self, data: bytes) -> Any:
        try:
            return Decoder(data if type(data) is bytes else bytes(data), self.registry).decode()
        except DecodeError:
            raise
        except (ValueError, TypeError, OverflowError, RecursionError, IndexError) as exc:
            # Not reached on any input we know of: the decoder checks as it goes.
            raise DeserializeFailed(f"gob: invalid data ({exc!r:.200})") from exc

    def __repr__(self) -> str:
        return "GobSerializer()"


@overload
def gob_register(
    go_name: str,
    cls: T,
    *,
    fields: Mapping[str, str] | None = None,
    types: Mapping[str, str] | None = None,
    registry: GobRegistry | None = None,
) -> T: ...
@overload
def gob_register(
    go_name: str,
    cls: None = None,
    *,
    fields: Mapping[str, str] | None = None,
    types: Mapping[str, str] | None = None,
    registry: GobRegistry | None = None,
) -> Callable[[T], T]: ...
def gob_register(
    go_name: str,
    cls: T | None = None,
    *,
    fields: Mapping[str, str] | None = None,
    types: Mapping[str, str] | None = None,
    registry: GobRegistry | None = None,
) -> T | Callable[[T], T]:
    """Bind the Go struct ``go_name`` to the dataclass ``cls``: the Python side of ``gob.Register``.

    ``go_name`` is the name Go's ``gob.Register`` gives the type: the package
    path, a dot and the type name (``"main.Person"``,
    ``"github.com/me/app/models.User"``), with a ``*`` in front if Go
    registers a pointer (``gob.Register(&Person{})`` -> ``"*main.Person"``).

    Field ``snake_case`` maps to Go's ``SnakeCase``; ``fields={"user_id":
    "UserID"}`` names a Go field. Field types come from the annotations
    (``int`` -> ``int``, ``list[str]`` -> ``[]string``, ``dict[str, Any]``
    -> ``map[string]interface {}``, ``Any`` -> ``interface {}``, another
    registered dataclass -> that struct, ``X | None`` -> a field that may
    be left out); ``types={"age": "uint8"}`` gives a Go type instead. Usable
    as a decorator: ``@gob_register("main.Person")``.
    """
    target = registry or default_gob_registry

    def decorate(klass: T) -> T:
        target.register(go_name, klass, fields=fields, types=types)
        return klass

    return decorate if cls is None else decorate(cls)


__all__ = [
    "Complex64",
    "Float32",
    "GoInt",
    "GoMap",
    "GoSlice",
    "GoType",
    "GobRegistry",
    "GobSerializer",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Uint",
    "Uint8",
    "Uint16",
    "Uint32",
    "Uint64",
    "Uintptr",
    "default_gob_registry",
    "gob_register",
]
