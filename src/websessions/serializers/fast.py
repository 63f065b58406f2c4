"""The optional fast path (``pip install websessions[fast]``): orjson and msgspec.

Used automatically when installed, by the JSON-shaped serializers, only
where the result is byte for byte (encoding) or value for value (decoding)
what the standard library gives, and falling back to it otherwise:

- encoding with orjson (:func:`make_plain_encoder`): for values made only
  of exact JSON types, found by one C call per nesting level rather than a
  Python walk, whose floats orjson spells as the serializer would. orjson
  writes the same shortest digits as ``repr()``, but not always in the same
  form (``0.00001`` for ``1e-05``, ``1e-7`` for ``1e-07``, ``null`` for NaN),
  so floats are checked by value: finite, and in the range where both
  write plain decimals (checked on probes at import, whatever the orjson
  version). orjson refuses ints past 64 bits, non-str keys and lone
  surrogates, and then the stdlib runs;
- decoding with msgspec (orjson turns ints past 64 bits into floats):
  whatever msgspec refuses (``1e400``, lone surrogate escapes) the stdlib
  decoder gets, so what loads is exactly what loaded before.

``JSONSerializer(fast=False)`` and ``DefaultSerializer(fast=False)`` force
the standard library; ``fast=True`` requires the extra.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import UsageError

Encode = Callable[[Any], bytes | None]
Decode = Callable[[bytes], Any]
FloatsOk = Callable[[list[float]], bool]

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

try:
    import msgspec as _msgspec
except ImportError:  # pragma: no cover - depends on the environment
    _msgspec = None  # type: ignore[assignment]

AVAILABLE = _orjson is not None or _msgspec is not None


def use_fast(fast: bool | None) -> bool:
    """Resolve a serializer's ``fast=`` argument: None means "if installed"."""
    if fast is None:
        return AVAILABLE
    if fast and not AVAILABLE:
        raise UsageError("fast=True needs orjson or msgspec: pip install 'websessions[fast]'")
    return bool(fast)


# Finding the types in a value: gc.get_referents(*objects) returns, in one C
# call, the items of the lists and tuples and the values of the dicts among
# ``objects`` (and the keys of dicts whose keys are not all exact str; the
# keys of the others are exact str). Scalars (str, int, float, bool, None)
# have none. So a value is walked one nesting level per call, and the types
# of a level are collected by set(map(type, ...)), both in C.
_referents = gc.get_referents
# Levels sharing subvalues grow exponentially ([a, a] nested 40 deep):
# past this many objects in a level, leave it to the stdlib path.
_MAX_LEVEL = 1 << 20


_CONTAINERS = frozenset({dict, list, tuple})


def plain_floats(value: Any, allowed: frozenset[type], max_levels: int) -> list[float] | None:
    """The floats in ``value`` if it holds only objects of exactly ``allowed`` types.

    None if it holds anything else (subclasses, tuples unless allowed, ...),
    has containers ``max_levels`` deep, or is too big to walk this way.
    """
    return _plain_floats(value, allowed, allowed - _CONTAINERS - {float}, max_levels)


def _plain_floats(
    value: Any, allowed: frozenset[type], leaves: frozenset[type], max_levels: int
) -> list[float] | None:
    cls = type(value)
    if cls not in allowed:
        return None
    if cls not in _CONTAINERS:
        return [value] if cls is float else []
    float_levels: list[list[Any]] | None = None
    depth = 0
    try:
        level = _referents(value)
        while level:
            types = {*map(type, level)}
            if types <= leaves:  # scalars but floats: the last level
                break
            if not types <= allowed:
                return None
            if float in types:
                if float_levels is None:
                    float_levels = [level]
                else:
                    float_levels.append(level)
            if types.isdisjoint(_CONTAINERS):
                break
            depth += 1
            if depth >= max_levels:
                return None
            level = _referents(*level)
            if len(level) > _MAX_LEVEL:
                return None
    except Exception:  # an audit hook refusing gc.get_referents
        return None
    if float_levels is None:
        return []
    if len(float_levels) == 1:
        return [x for x in float_levels[0] if type(x) is float]
    return [x for objs in float_levels for x in objs if type(x) is float]


def fixed_range(floats: list[float], *, zero: bool) -> bool:
    """Whether all ``floats`` are finite with 1e-4 <= |x| < 1e16 (or 0 if ``zero``).

    There ``repr()``, Go and orjson all write the shortest digits as a plain
    decimal; NaN and infinities (orjson writes ``null``) are refused.
    """
    if not floats:
        return True
    if not math.isfinite(sum(floats)):  # any NaN or infinity (or an overflow)
        return False
    ordered = sorted(floats)  # sorting floats is cheaper than min() and max()
    if ordered[0] <= -1e16 or ordered[-1] >= 1e16:
        return False
    # ordered[low:high] are the floats with |x| < 1e-4: none, or only zeros.
    low, high = bisect_right(ordered, -1e-4), bisect_left(ordered, 1e-4)
    return low == high or (zero and ordered[low] == 0 and ordered[high - 1] == 0)


def spells_like(spell: Callable[[float], str], probes: Iterable[float]) -> bool:
    """Whether the installed orjson writes each of ``probes`` as ``spell`` does."""
    if _orjson is None:
        return False
    probes = list(probes)
    expected = "[" + ",".join(spell(x) for x in probes) + "]"
    return _orjson.dumps(probes) == expected.encode("ascii")


# Floats in the fixed range, at its edges and in between, integral or not.
FIXED_RANGE_PROBES: tuple[float, ...] = (
    1e-4,
    1.0000000000000002e-4,
    -0.00012345678901234568,
    0.0009765625,
    0.001,
    0.1,
    0.3,
    1 / 3,
    -2 / 3,
    0.5,
    1.5,
    9.5,
    -30.5,
    123.456,
    100.0,
    -1.0,
    1.0,
    2.0**52 + 0.5,
    123456789.12345679,
    2.0**53,
    1e15,
    1e15 + 0.5,
    1234567890123456.8,
    9999999999999998.0,
    -9999999999999998.0,
)


def _repr_spelling_ok() -> bool:
    return spells_like(float.__repr__, (0.0, -0.0, *FIXED_RANGE_PROBES))


_REPR_FLOATS = _repr_spelling_ok()


def repr_floats_ok(floats: list[float]) -> bool:
    """Whether orjson writes all ``floats`` as ``repr()`` (the stdlib's json) does."""
    if not floats:
        return True
    return _REPR_FLOATS and fixed_range(floats, zero=True)


def make_plain_encoder(
    *,
    allowed: frozenset[type],
    max_levels: int,
    floats_ok: FloatsOk,
    sort_keys: bool = False,
    newline: bool = False,
) -> Encode | None:
    """orjson for values of exactly ``allowed`` types whose floats pass ``floats_ok``.

    The encoder returns None for any other value (the caller falls back).
    ``allowed`` must hold only JSON scalars, dict, list and tuple, which
    orjson writes as the stdlib does; ``newline`` appends ``\\n``.
    """
    if _orjson is None:
        return None
    dumps = _orjson.dumps
    error = _orjson.JSONEncodeError
    option = (_orjson.OPT_SORT_KEYS if sort_keys else 0) | (
        _orjson.OPT_APPEND_NEWLINE if newline else 0
    )

    leaves = allowed - _CONTAINERS - {float}

    def encode(value: Any) -> bytes | None:
        floats = _plain_floats(value, allowed, leaves, max_levels)
        if floats is None or (floats and not floats_ok(floats)):
            return None
        try:
            return dumps(value, option=option)
        except error:  # ints past 64 bits, lone surrogates, non-str keys...
            return None

    return encode


def make_decoder(fallback: Callable[[str], Any]) -> Decode | None:
    """Strict JSON bytes -> value with msgspec, else ``fallback`` on the text."""
    if _msgspec is None:
        return None
    decode = _msgspec.json.Decoder().decode
    errors = (_msgspec.DecodeError, _msgspec.ValidationError, RecursionError)

    def loads(data: bytes) -> Any:
        try:
            return decode(data)
        except errors:
            return fallback(data.decode("utf-8"))

    return loads
