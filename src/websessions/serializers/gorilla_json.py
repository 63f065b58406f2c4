"""``JSONSerializer``: byte-for-byte what gorilla/securecookie's ``JSONEncoder`` writes.

Go's ``json.NewEncoder(buf).Encode(v)`` writes compact JSON with map keys
sorted, ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, non-ASCII as raw
UTF-8, floats in Go's shortest form (``1`` not ``1.0``, exponent only below
1e-6 or from 1e21), ``[]byte`` as standard base64, and a trailing newline.
Matches the output of Go 1.22 and newer, which writes ``\\b`` and ``\\f``
as short escapes (older Go wrote ``\\u0008`` and ``\\u000c``; both decode).

Session values must then have string keys: Go's JSON cannot encode a map
with interface keys either. Decoded numbers without a fraction or exponent
come back as ``int`` (Go would give ``float64``).
"""

from __future__ import annotations

import base64
import json
import math
import re
from decimal import Decimal
from typing import Any

from ..errors import UsageError
from . import fast as fast_module
from .compact_json import make_decoder, make_encoder

_MAX_DEPTH = 100

# Characters only ever found inside JSON strings, so replacing them in the
# whole document is safe.
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_NEEDS_GO_ESCAPE = re.compile("[<>&\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_encode_str: Any = json.encoder.encode_basestring


def go_float(value: float) -> str:
    """Format a float the way Go's ``encoding/json`` does for float64."""
    if not math.isfinite(value):
        raise UsageError(f"JSON cannot encode the float {value!r}; store it as a string")
    text = repr(value)
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        # repr already uses an exponent here; Go trims e-07 to e-7.
        if len(text) >= 4 and text[-4] == "e" and text[-3] == "-" and text[-2] == "0":
            text = text[:-2] + text[-1]
        return text
    if "e" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


_SIMPLE = frozenset({str, int, bool, type(None)})


def _scan(value: Any, depth: int) -> bool:
    """Check ``value`` is encodable; return whether it holds bytes or a float
    whose Go spelling differs from ``repr``."""
    cls = type(value)
    if cls in _SIMPLE:
        return False
    if depth > _MAX_DEPTH:
        raise UsageError(f"value nested deeper than {_MAX_DEPTH} levels")
    if cls is dict or isinstance(value, dict):
        for key in value:
            if type(key) is not str and not isinstance(key, str):
                raise UsageError(
                    f"JSONSerializer needs string keys, got {key!r}; "
                    "use DefaultSerializer (or GobSerializer) for other keys"
                )
        items = value.values()
    elif cls is list or cls is tuple or isinstance(value, list | tuple):
        items = value
    elif isinstance(value, float):
        # repr() is already Go's form for non-integral floats in [1e-4, 1e16),
        # so the C encoder may write those; 1.0, 1e-7, 1e16 or NaN need go_float.
        return not (1e-4 <= abs(value) < 1e16 and value != int(value))
    elif isinstance(value, bytes):
        return True
    elif isinstance(value, str | int) or value is None:
        return False  # subclasses: str and int enums, markupsafe.Markup
    else:
        raise UsageError(
            f"JSONSerializer cannot encode {cls.__name__} {value!r:.80}; "
            "convert it to str/int/float/bool/list/dict, or use DefaultSerializer"
        )
    special = False
    for item in items:
        # Scalars inline: one call per container, not per value.
        if type(item) not in _SIMPLE:
            special = _scan(item, depth + 1) or special
    return special


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(go_float(value))
    elif isinstance(value, bytes):
        out.append('"' + base64.b64encode(value).decode("ascii") + '"')
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value)):
            if i:
                out.append(",")
            out.append(_encode_str(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:  # list or tuple, checked by _scan
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")


_dumps = make_encoder(sort_keys=True)
_loads = make_decoder()


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_surrogates(v) for v in value]
    return value


# Whether the installed orjson writes non-integral floats in the fixed range
# as Go does (it writes integral ones as 1.0 where Go writes 1).
_GO_SPELLING = fast_module.spells_like(
    go_float, (x for x in fast_module.FIXED_RANGE_PROBES if not x.is_integer())
)


def _go_floats_ok(floats: list[float]) -> bool:
    """Whether orjson writes all ``floats`` as :func:`go_float` does."""
    return (
        _GO_SPELLING
        and not any(map(float.is_integer, floats))
        and fast_module.fixed_range(floats, zero=False)
    )


# orjson for values of exact JSON types (tuples are arrays here too) with
# floats it spells as Go does; Go's escapes are then applied to the bytes.
_fast_plain_dumps = fast_module.make_plain_encoder(
    allowed=frozenset({dict, list, tuple, str, int, float, bool, type(None)}),
    max_levels=_MAX_DEPTH,
    floats_ok=_go_floats_ok,
    sort_keys=True,
    newline=True,
)
_fast_loads = fast_module.make_decoder(_loads)
_GO_ESCAPES_BYTES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    (b"\xe2\x80\xa8", b"\\u2028"),
    (b"\xe2\x80\xa9", b"\\u2029"),
)


def _go_escape_bytes(data: bytes) -> bytes:
    """Go's escapes on compact JSON in UTF-8 (these bytes only occur in strings)."""
    # One-byte find() is a memchr, the fastest test; E2 leads U+2028/U+2029.
    if (
        data.find(b"<") < 0
        and data.find(b">") < 0
        and data.find(b"&") < 0
        and (data.isascii() or data.find(b"\xe2") < 0)
    ):
        return data
    for raw, escaped in _GO_ESCAPES_BYTES:
        data = data.replace(raw, escaped)
    return data


class JSONSerializer:
    """gorilla/securecookie's ``JSONEncoder``, byte for byte.

    With orjson/msgspec installed (``websessions[fast]``) they do the work
    wherever the bytes come out the same; ``fast=False`` forces the stdlib.
    """

    __slots__ = ("_fast",)

    def __init__(self, *, fast: bool | None = None) -> None:
        self._fast = fast_module.use_fast(fast)

    @property
    def fast(self) -> bool:
        """Whether orjson/msgspec are used."""
        return self._fast

    def dumps(self, value: Any) -> bytes:
        if self._fast and _fast_plain_dumps is not None:
            data = _fast_plain_dumps(value)
            if data is not None:
                return _go_escape_bytes(data)
        try:
            if _scan(value, 0):
                parts: list[str] = []
                _write(value, parts)
                text = "".join(parts)
            else:
                text = _dumps(value)
        except ValueError as exc:  # an int of more than 4300 digits
            raise UsageError(f"JSONSerializer cannot encode this value: {exc}") from None
        if _NEEDS_GO_ESCAPE.search(text):
            text = text.translate(_GO_ESCAPES)
        try:
            return text.encode("utf-8") + b"\n"
        except UnicodeEncodeError:
            # Go holds invalid UTF-8 (here: lone surrogates) as U+FFFD before
            # it sorts keys, so replace them in the value and encode again.
            return self.dumps(_without_surrogates(value))

    def loads(self, data: bytes) -> Any:
        if self._fast and _fast_loads is not None:
            return _fast_loads(bytes(data))
        return _loads(data.decode("utf-8"))

    def __repr__(self) -> str:
        forced = self._fast != fast_module.AVAILABLE
        return f"JSONSerializer(fast={self._fast})" if forced else "JSONSerializer()"
