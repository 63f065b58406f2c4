"""The optional fast path (``pip install websessions[fast]``): orjson and msgspec.

Used automatically when installed, by the JSON-shaped serializers, only
where the result is byte for byte (encoding) or value for value (decoding)
what the standard library gives, and falling back to it otherwise:

- encoding with orjson: for values without floats (orjson spells some
  floats differently, ``0.00001`` for ``1e-05``) and within 64-bit ints;
  orjson refuses bigger ints and lone surrogates, and then the stdlib runs;
- decoding with msgspec (orjson turns ints past 64 bits into floats):
  whatever msgspec refuses (``1e400``, lone surrogate escapes) the stdlib
  decoder gets, so what loads is exactly what loaded before.

``JSONSerializer(fast=False)`` and ``DefaultSerializer(fast=False)`` force
the standard library; ``fast=True`` requires the extra.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import UsageError

Encode = Callable[[Any], bytes | None]
Decode = Callable[[bytes], Any]

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


def make_encoder(*, sort_keys: bool) -> Encode | None:
    """UTF-8 compact JSON like the stdlib's, or None when it can't be (caller falls back)."""
    if _orjson is None:
        return None
    dumps = _orjson.dumps
    error = _orjson.JSONEncodeError
    option = _orjson.OPT_SORT_KEYS if sort_keys else 0

    def encode(value: Any) -> bytes | None:
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
