"""Go structs bound to dataclasses, and Go type names parsed: the registry behind
:func:`websessions.gob_register`, Python's side of Go's ``gob.Register``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..errors import UsageError
from .gob_types import (
    _ALIASES,
    _BASICS,
    BOOL,
    BYTES,
    COMPLEX128,
    FLOAT64,
    INT,
    INTERFACE,
    MAP_STR_ANY,
    MAX_DEPTH,
    MAX_NAME,
    STRING,
    TIME,
    Complex64,
    Float32,
    GoInt,
    GoType,
    Kind,
    _BadType,
    map_of,
    slice_of,
)

T = TypeVar("T", bound=type)


# -- Go structs bound to dataclasses -------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class GobField:
    py_name: str
    go_name: str
    type: GoType
    optional: bool  # None is allowed (a nil pointer: the field is left out)


def _go_field_name(py_name: str) -> str:
    """``user_name`` -> ``UserName``; a name already capitalized is kept."""
    if py_name[:1].isupper():
        return py_name
    return "".join(part[:1].upper() + part[1:] for part in py_name.split("_") if part)


class GobStruct:
    """A Go struct type (by its gob name) bound to a Python dataclass."""

    def __init__(
        self,
        registry: GobRegistry,
        go_name: str,
        cls: type,
        fields: Mapping[str, str],
        types: Mapping[str, str],
    ) -> None:
        self.registry = registry
        self.go_name = go_name
        self.cls = cls
        self._names = dict(fields)
        self._types = dict(types)
        self._fields: tuple[GobField, ...] | None = None
        self.by_go: dict[str, GobField] = {}

    def __repr__(self) -> str:
        return f"<GobStruct {self.go_name} = {self.cls.__qualname__}>"

    @property
    def fields(self) -> tuple[GobField, ...]:
        """The fields in Go order; resolved on first use, so types may refer ahead."""
        if self._fields is None:
            self._resolve()
        assert self._fields is not None
        return self._fields

    def _resolve(self) -> None:
        own = [f for f in dataclasses.fields(self.cls) if f.init]
        names = {f.name for f in own}
        for extra in (set(self._names) | set(self._types)) - names:
            raise UsageError(f"gob_register({self.go_name!r}): {extra!r} is not a field")
        try:
            hints = typing.get_type_hints(self.cls)
        except NameError as exc:
            raise UsageError(
                f"gob_register({self.go_name!r}): cannot resolve the annotations of "
                f"{self.cls.__qualname__}: {exc}"
            ) from None
        fields = []
        for f in own:
            go_name = self._names.get(f.name) or _go_field_name(f.name)
            if not go_name[:1].isupper():
                raise UsageError(
                    f"gob_register({self.go_name!r}): Go field name {go_name!r} for "
                    f"{f.name!r} is not exported (must start with an upper-case letter)"
                )
            if f.name in self._types:
                gotype = self.registry.parse_for_user(self._types[f.name])
                optional = _allows_none(hints.get(f.name, Any))
            else:
                gotype, optional = self._from_annotation(f.name, hints.get(f.name, Any))
            fields.append(GobField(f.name, go_name, gotype, optional))
        self.by_go = {f.go_name: f for f in fields}
        if len(self.by_go) != len(fields):
            raise UsageError(f"gob_register({self.go_name!r}): two fields share a Go name")
        self._fields = tuple(fields)

    def _from_annotation(self, name: str, hint: Any) -> tuple[GoType, bool]:
        try:
            return annotation_type(self.registry, hint, 0)
        except _BadType as exc:
            raise UsageError(
                f"gob_register({self.go_name!r}): field {name!r}: {exc}; "
                f"pass types={{{name!r}: 'GoType'}}"
            ) from None


def _allows_none(hint: Any) -> bool:
    if hint is Any or hint is object or hint is None or hint is type(None):
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _allows_none(typing.get_args(hint)[0])
    if origin is typing.Union or origin is types.UnionType:
        return type(None) in typing.get_args(hint)
    return False


def annotation_type(registry: GobRegistry, hint: Any, depth: int) -> tuple[GoType, bool]:
    """The Go type for a Python annotation, and whether it allows None."""
    if depth > 20:
        raise _BadType("annotation nested too deeply")
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return annotation_type(registry, args[0], depth + 1)
    if origin is typing.Union or origin is types.UnionType:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return annotation_type(registry, rest[0], depth + 1)[0], True
        return INTERFACE, True
    if hint is Any or hint is object:
        return INTERFACE, True
    simple = _SIMPLE_HINTS.get(hint)
    if simple is not None:
        return simple, False
    if isinstance(hint, type):
        if issubclass(hint, GoInt | Float32 | Complex64):
            return _BASICS[hint.go_type], False
        reg = registry.for_type(hint)
        if reg is not None:
            return registry.struct_type(reg, reg.go_name), False
    if origin in (list, tuple, Sequence) or hint in (list, tuple):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            raise _BadType(f"cannot map {hint!r} to a Go type (only tuple[X, ...])")
        elem = annotation_type(registry, args[0], depth + 1)[0] if args else INTERFACE
        return slice_of(elem), False
    if origin in (dict, Mapping) or hint is dict:
        if not args:
            return MAP_STR_ANY, False
        key = annotation_type(registry, args[0], depth + 1)[0]
        return map_of(key, annotation_type(registry, args[1], depth + 1)[0]), False
    raise _BadType(f"cannot map {hint!r} to a Go type")


_SIMPLE_HINTS: dict[Any, GoType] = {
    bool: BOOL,
    int: INT,
    float: FLOAT64,
    complex: COMPLEX128,
    str: STRING,
    bytes: BYTES,
    dt.datetime: TIME,
}


class GobRegistry:
    """Go type names <-> dataclasses for :class:`GobSerializer` (``gob.Register``)."""

    def __init__(self) -> None:
        self._by_name: dict[str, GobStruct] = {}
        self._by_type: dict[type, GobStruct] = {}
        self._lock = threading.Lock()
        self._cache: dict[str, GoType] = {}

    def register(
        self,
        go_name: str,
        cls: type,
        *,
        fields: Mapping[str, str] | None = None,
        types: Mapping[str, str] | None = None,
    ) -> GobStruct:
        base = go_name.lstrip("*") if isinstance(go_name, str) else ""
        if not _is_named(base) or base in _BASICS or base in _ALIASES:
            raise UsageError(
                f"gob_register() needs the Go type's gob name, like 'main.Person' "
                f"(what gob.Register uses: package path, a dot, the type name), got {go_name!r}"
            )
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise UsageError(f"gob_register({go_name!r}, ...) takes a dataclass, got {cls!r}")
        reg = GobStruct(self, go_name, cls, fields or {}, types or {})
        with self._lock:
            old = self._by_name.get(go_name)
            if old is not None and old.cls is not cls:
                raise UsageError(f"the Go type {go_name!r} is already bound to {old.cls!r}")
            old = self._by_type.get(cls)
            if old is not None and old.go_name != go_name:
                raise UsageError(f"{cls.__qualname__} is already bound to Go type {old.go_name!r}")
            self._by_name[go_name] = reg
            self._by_type[cls] = reg
            self._cache = {}
        try:
            reg.fields  # noqa: B018 (resolve now to report mistakes at registration)
        except UsageError as exc:
            if "cannot resolve" not in str(exc):  # a forward reference: resolve later
                with self._lock:
                    del self._by_name[go_name], self._by_type[cls]
                raise
            reg._fields = None
        return reg

    def for_type(self, cls: type) -> GobStruct | None:
        return self._by_type.get(cls)

    def struct_type(self, reg: GobStruct, name: str) -> GoType:
        return GoType(name, Kind.STRUCT, struct=reg)

    def parse(self, name: str) -> GoType:
        """The type a gob interface value names; raises ``_BadType``."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        gotype = _Parser(self, name).parse()
        if len(self._cache) < 4096:
            self._cache[name] = gotype
        return gotype

    def parse_for_user(self, name: str) -> GoType:
        try:
            return self.parse(name)
        except _BadType as exc:
            raise UsageError(f"bad Go type {name!r}: {exc}") from None

    def named(self, name: str) -> GoType:
        basic = _BASICS.get(_ALIASES.get(name, name))
        if basic is not None:
            return basic
        for candidate in (name, name[1:] if name[:1] == "*" else "*" + name):
            reg = self._by_name.get(candidate)
            if reg is not None:
                return self.struct_type(reg, name)
        if name.lstrip("*") == "time.Time":
            return GoType(name, Kind.TIME)
        raise _BadType(f"unknown Go type {name!r}", unknown=name)


def _is_named(name: str) -> bool:
    return bool(name) and not any(c in name for c in "[]* {}") and name.isprintable()


class _Parser:
    """Go type expressions: ``*T``, ``[]T``, ``[N]T``, ``map[K]V``, ``interface {}``, names."""

    def __init__(self, registry: GobRegistry, text: str) -> None:
        self.registry = registry
        self.text = text
        self.pos = 0

    def parse(self) -> GoType:
        if len(self.text) > MAX_NAME:
            raise _BadType("type name too long")
        gotype = self._type(0)
        if self.pos != len(self.text):
            raise _BadType(f"cannot parse Go type {self.text!r}")
        return gotype

    def _type(self, depth: int) -> GoType:
        if depth > MAX_DEPTH:
            raise _BadType("type name nested too deeply")
        text, pos = self.text, self.pos
        if text.startswith("[]", pos):
            self.pos += 2
            return slice_of(self._type(depth + 1))
        if text.startswith("[", pos):
            end = text.find("]", pos)
            digits = text[pos + 1 : end] if end > 0 else ""
            if not (digits.isascii() and digits.isdigit() and len(digits) < 10):
                raise _BadType(f"cannot parse Go type {text!r}")
            self.pos = end + 1
            elem = self._type(depth + 1)
            return GoType(f"[{int(digits)}]{elem.name}", Kind.ARRAY, elem=elem, length=int(digits))
        if text.startswith("map[", pos):
            self.pos += 4
            key = self._type(depth + 1)
            if not text.startswith("]", self.pos):
                raise _BadType(f"cannot parse Go type {text!r}")
            self.pos += 1
            return map_of(key, self._type(depth + 1))
        for spelling in ("interface {}", "interface{}"):
            if text.startswith(spelling, pos):
                self.pos += len(spelling)
                return INTERFACE
        if text.startswith("*", pos):
            stars = len(text) - len(text[pos:].lstrip("*")) - pos
            self.pos += stars
            inner = self._type(depth + 1)
            if inner.kind is Kind.STRUCT or inner.kind is Kind.TIME:
                return dataclasses.replace(inner, name="*" * stars + inner.name)
            return inner  # gob flattens pointers
        end = pos
        while end < len(text) and text[end] not in "[]* {}":
            end += 1
        if end == pos:
            raise _BadType(f"cannot parse Go type {text!r}")
        self.pos = end
        return self.registry.named(text[pos:end])


default_gob_registry = GobRegistry()

Decorator = Callable[[T], T]
