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
import math
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import UsageError
from . import fast as fast_module
from .compact_json import make_decoder, make_encoder
from .registry import TypeRegistry, default_registry

MAX_DEPTH = 64
_TAGGED = b"~"


_plain_decode = make_decoder()
_dumps = make_encoder()


# Exact types JSON holds as they are. Floats count too: NaN and infinities
# make the encoder (allow_nan=False) raise, and then the tagged form is used.
_PLAIN_SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def _plain_items(items: Any, depth: int, scalars: frozenset[type]) -> bool:
    # Scalars are checked inline: one call per container, not per value.
    for item in items:
        cls = type(item)
        if cls in scalars:
            continue
        if depth >= MAX_DEPTH or not _plain_container(item, cls, depth + 1, scalars):
            return False
    return True


def _plain_container(value: Any, cls: type, depth: int, scalars: frozenset[type]) -> bool:
    """Whether ``value`` is a str-keyed dict or a list of ``scalars`` and such containers."""
    if cls is dict:
        for key in value:
            if type(key) is not str:
                return False
        return _plain_items(value.values(), depth, scalars)
    if cls is list:
        return _plain_items(value, depth, scalars)
    return False


def _is_plain(value: Any) -> bool:
    """Whether standard JSON holds ``value`` exactly (tuples, int keys... don't)."""
    cls = type(value)
    return cls in _PLAIN_SCALARS or _plain_container(value, cls, 0, _PLAIN_SCALARS)


# The fast path: orjson for plain values (the same exact types as
# _is_plain, found in C), with floats only where orjson spells them as
# repr() does; the bytes are then the stdlib's.
_fast_dumps = fast_module.make_plain_encoder(
    allowed=frozenset({dict, list, *_PLAIN_SCALARS}),
    max_levels=MAX_DEPTH,
    floats_ok=fast_module.repr_floats_ok,
)
_fast_plain_decode = fast_module.make_decoder(_plain_decode)


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

    __slots__ = ("_fast", "_registry", "_tagged_decode")

    def __init__(self, registry: TypeRegistry | None = None, *, fast: bool | None = None) -> None:
        self._registry = registry or default_registry
        self._tagged_decode = make_decoder(self._untag)
        self._fast = fast_module.use_fast(fast)

    @property
    def fast(self) -> bool:
        """Whether orjson/msgspec are used (same bytes, same values as without)."""
        return self._fast

    def dumps(self, value: Any) -> bytes:
        if self._fast and _fast_dumps is not None:
            data = _fast_dumps(value)
            if data is not None:
                return data
        if _is_plain(value):
            try:
                return _dumps(value).encode("utf-8")
            except ValueError:
                pass  # a NaN or infinity: tag it
        tagged = self._tag(value, 0)
        try:
            return _TAGGED + _dumps(tagged).encode("utf-8")
        except ValueError as exc:  # an int of more than 4300 digits
            raise UsageError(f"cannot store this session value: {exc}") from None

    def loads(self, data: bytes) -> Any:
        if data[:1] == _TAGGED:
            return self._tagged_decode(data[1:].decode("utf-8"))
        if self._fast and _fast_plain_decode is not None:
            return _fast_plain_decode(bytes(data))
        return _plain_decode(data.decode("utf-8"))

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
