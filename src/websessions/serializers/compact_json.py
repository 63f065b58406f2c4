"""Reusable compact JSON coders from the stdlib, built once.

``json.dumps``/``json.loads`` with arguments, and even a kept
``JSONEncoder.encode``, build a new C encoder on every call: for a session
that costs as much as the encoding itself. Here the C encoder is built once
and reused. It is made without a circular-reference check, so callers must
bound the depth of what they pass (both serializers walk values first).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def make_encoder(*, sort_keys: bool = False) -> Callable[[Any], str]:
    """Compact, non-ASCII kept, NaN rejected (ValueError), keys sorted if asked."""
    fallback = json.JSONEncoder(
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=sort_keys,
        allow_nan=False,
        check_circular=False,
    ).encode
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:
        return fallback
    try:
        chunks = make(
            None, None, _encoder.encode_basestring, None, ":", ",", sort_keys, False, False
        )
    except TypeError:  # another CPython's signature: use the slower public API
        return fallback

    def encode(value: Any) -> str:
        if type(value) is str:
            return _encoder.encode_basestring(value)
        return "".join(chunks(value, 0))

    return encode


def make_decoder(
    object_hook: Callable[[dict[str, Any]], Any] | None = None,
) -> Callable[[str], Any]:
    """Strict JSON text -> value (no NaN/Infinity), optionally with an object hook."""
    return json.JSONDecoder(object_hook=object_hook, parse_constant=_reject_constant).decode
