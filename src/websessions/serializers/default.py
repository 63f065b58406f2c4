"""``DefaultSerializer``: safe JSON that round-trips what session code stores.

Two forms, told apart by the first byte:

- *plain*: values that JSON holds exactly (str-keyed dicts, lists, str, int,
  finite float, bool, None) are written as compact standard JSON, readable
  by any language.
- *tagged*: anything else is written as ``~`` followed by JSON in which each
  non-JSON value is a one-key object whose key starts with ``~``
  (``{"~t": [...]}`` a tuple, ``{"~m": [[k, v], ...]}`` a dict with non-str
  keys, ...). A user dict that could be mistaken for a tag is written in the
  ``~m`` form, so nothing a user stores is ever read back as something else.

No code runs on load beyond constructors of types registered with
:func:`websessions.register`: unlike pickle, a leaked key lets an attacker
forge data, not execute code.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import UsageError
from .registry import TypeRegistry, default_registry

MAX_DEPTH = 64
_TAGGED = b"~"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def _is_plain(value: Any, depth: int = 0) -> bool:
    cls = type(value)
    if cls is str or cls is int or cls is bool or value is None:
        return True
    if cls is float:
        return math.isfinite(value)
    if depth >= MAX_DEPTH:
        return False  # the tagged path reports the depth error
    if cls is dict:
        for key, item in value.items():
            if type(key) is not str or not _is_plain(item, depth + 1):
                return False
        return True
    if cls is list:
        return all(_is_plain(item, depth + 1) for item in value)
    return False


def _float_tag(value: float) -> Any:
    return value if math.isfinite(value) else {"~f": repr(value)}


_LEAF_TAGGERS: dict[type, Callable[[Any], Any]] = {
    bytes: lambda v: {"~b": base64.b64encode(v).decode("ascii")},
    dt.datetime: lambda v: {"~dt": v.isoformat()},
    dt.date: lambda v: {"~d": v.isoformat()},
    dt.time: lambda v: {"~tm": v.isoformat()},
    dt.timedelta: lambda v: {"~td": [v.days, v.seconds, v.microseconds]},
    uuid.UUID: lambda v: {"~u": v.hex},
    Decimal: lambda v: {"~n": str(v)},
    float: _float_tag,
}

_UNTAGGERS: dict[str, Callable[[Any], Any]] = {
    "~t": tuple,
    "~s": set,
    "~fs": frozenset,
    "~m": lambda pairs: {k: v for k, v in pairs},  # noqa: C416 (pairs are lists)
    "~b": lambda s: base64.b64decode(s.encode("ascii"), validate=True),
    "~dt": dt.datetime.fromisoformat,
    "~d": dt.date.fromisoformat,
    "~tm": dt.time.fromisoformat,
    "~td": lambda parts: dt.timedelta(*parts),
    "~u": uuid.UUID,
    "~n": Decimal,
    "~f": float,
}


class DefaultSerializer:
    """The safe default: JSON plus tags for tuples, bytes, dates, UUIDs, ...

    ``registry`` holds the user types it may write and read; the global one
    filled by :func:`websessions.register` unless given.
    """

    __slots__ = ("_hook", "_registry")

    def __init__(self, registry: TypeRegistry | None = None) -> None:
        self._registry = registry or default_registry
        self._hook = self._untag

    def dumps(self, value: Any) -> bytes:
        if _is_plain(value):
            return _dumps(value).encode("utf-8")
        return _TAGGED + _dumps(self._tag(value, 0)).encode("utf-8")

    def loads(self, data: bytes) -> Any:
        if data[:1] == _TAGGED:
            return json.loads(
                data[1:].decode("utf-8"), object_hook=self._hook, parse_constant=_no_constants
            )
        return json.loads(data.decode("utf-8"), parse_constant=_no_constants)

    def _tag(self, value: Any, depth: int) -> Any:
        cls = type(value)
        if cls is str or cls is int or cls is bool or value is None:
            return value
        if depth >= MAX_DEPTH:
            raise UsageError(f"session value nested deeper than {MAX_DEPTH} levels")
        if cls is list:
            return [self._tag(v, depth + 1) for v in value]
        if cls is dict:
            if all(type(k) is str for k in value) and not (
                len(value) == 1 and next(iter(value)).startswith("~")
            ):
                return {k: self._tag(v, depth + 1) for k, v in value.items()}
            return {
                "~m": [[self._tag(k, depth + 1), self._tag(v, depth + 1)] for k, v in value.items()]
            }
        if cls is tuple:
            return {"~t": [self._tag(v, depth + 1) for v in value]}
        if cls is set or cls is frozenset:
            tag = "~s" if cls is set else "~fs"
            return {tag: [self._tag(v, depth + 1) for v in value]}
        leaf = _LEAF_TAGGERS.get(cls)
        if leaf is not None:
            return leaf(value)
        reg = self._registry.for_type(cls)
        if reg is not None:
            return {"~o": [reg.name, self._tag(reg.dump(value), depth + 1)]}
        return self._tag_subclass(value, depth)

    def _tag_subclass(self, value: Any, depth: int) -> Any:
        # Subclasses of builtins (markupsafe.Markup, a str subclass) are
        # stored as their base type; enums must be registered to keep theirs.
        if isinstance(value, enum.Enum):
            raise UsageError(
                f"{type(value).__qualname__} is not registered; call "
                f"websessions.register({type(value).__qualname__}) to store it in a session"
            )
        base: type[Any]
        for base in (str, int, float, list, tuple, dict, bytes):
            if isinstance(value, base):
                return self._tag(base(value), depth)
        raise UsageError(
            f"cannot store {type(value).__qualname__} {value!r:.80} in a session: "
            f"register it with websessions.register({type(value).__qualname__}) "
            "(dataclasses and enums work as they are)"
        )

    def _untag(self, obj: dict[str, Any]) -> Any:
        if len(obj) == 1:
            key = next(iter(obj))
            if key[:1] == "~":
                if key == "~o":
                    name, data = obj[key]
                    reg = self._registry.for_name(name)
                    if reg is None:
                        raise ValueError(f"session holds unregistered type {name!r}")
                    return reg.load(data)
                untag = _UNTAGGERS.get(key)
                if untag is None:
                    raise ValueError(f"unknown tag {key!r}")
                return untag(obj[key])
        return obj

    def __repr__(self) -> str:
        return "DefaultSerializer()"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
