"""Cookie text for the ``websessions`` command: finding cookies, reading them, showing values.

Pure functions, no click: what a person pastes (a bare value, ``name=value``
pairs, a ``Cookie:`` or ``Set-Cookie:`` header, a block of response headers,
a curl/Netscape ``cookies.txt``) becomes ``(name, value)`` pairs.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import enum
import json
import math
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .cookies import parse_cookie_header
from .errors import MalformedValue, TimestampInvalid

_HEADER = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*)")
_BARE = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_HTTPONLY_PREFIX = "#HttpOnly_"
_JAR_FIELDS = 7
_ATTRIBUTES = frozenset(
    {"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "partitioned"}
)


@dataclass(frozen=True)
class FoundCookie:
    """A cookie found in the input; ``name`` is ``None`` for a bare value."""

    name: str | None
    value: str
    line: int
    source: str  # "value", "pairs", "Cookie header", "Set-Cookie header", "cookies.txt"


def _set_cookie(text: str, line: int) -> Iterator[FoundCookie]:
    name, sep, value = text.split(";", 1)[0].strip().partition("=")
    name, value = name.strip(), value.strip()
    if len(value) > 1 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if sep and name:
        yield FoundCookie(name, value, line, "Set-Cookie header")


def _pairs(text: str, line: int, source: str) -> Iterator[FoundCookie]:
    for name, values in parse_cookie_header(text, max_bytes=len(text) + 1).items():
        for value in values:
            yield FoundCookie(name, value, line, source)


def _looks_like_set_cookie(line: str) -> bool:
    """``name=value; Path=/; HttpOnly``: a Set-Cookie value pasted without its header name."""
    attributes = (part.strip().partition("=")[0].lower() for part in line.split(";")[1:])
    return any(attribute in _ATTRIBUTES for attribute in attributes)


def find_cookies(text: str) -> list[FoundCookie]:
    """Every cookie in ``text``, line by line, in order.

    A line is one of: a bare secure-cookie value; ``name=value; ...`` pairs;
    a Set-Cookie value (``name=value; Path=/; ...``: pairs with cookie
    attributes); a ``Cookie:`` or ``Set-Cookie:`` header (other headers are skipped, so a
    whole block of response headers works); a Netscape ``cookies.txt`` line
    (seven tab-separated fields, ``#HttpOnly_`` prefix included). Other
    ``#`` lines are comments.
    """
    found: list[FoundCookie] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith(_HTTPONLY_PREFIX):
            raw = raw[len(_HTTPONLY_PREFIX) :]  # noqa: PLW2901
        elif raw.lstrip().startswith("#"):
            continue
        fields = raw.split("\t")
        if len(fields) == _JAR_FIELDS:
            found.append(FoundCookie(fields[5], fields[6].strip(), number, "cookies.txt"))
            continue
        line = raw.strip()
        if not line:
            continue
        header = _HEADER.fullmatch(line)
        if header is not None:
            field = header.group(1).lower()
            if field == "cookie":
                found += _pairs(header.group(2), number, "Cookie header")
            elif field == "set-cookie":
                found += _set_cookie(header.group(2), number)
            continue
        if line.startswith("HTTP/"):
            continue  # a status line in a pasted response
        if _BARE.fullmatch(line):
            found.append(FoundCookie(None, line, number, "value"))
        elif _looks_like_set_cookie(line):
            found += _set_cookie(line, number)
        else:
            found += _pairs(line, number, "pairs")
    return found


# -- the parts of a secure cookie that can be read without keys ---------------


@dataclass(frozen=True)
class CookieParts:
    """``b64url(date|b64url(payload)|mac)`` taken apart, nothing verified."""

    timestamp: int
    payload: bytes
    mac: bytes


def _b64url(data: str) -> bytes:
    if _BARE.fullmatch(data) is None:
        raise MalformedValue("not URL-safe base64")
    try:
        return base64.b64decode(data.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error as exc:
        raise MalformedValue(f"base64 decode failed: {exc}") from None


def split_cookie(value: str) -> CookieParts:
    """The timestamp, payload and MAC of a secure cookie value, unverified.

    Raises :class:`~websessions.MalformedValue` or
    :class:`~websessions.TimestampInvalid` if it is not in the format.
    """
    parts = _b64url(value).split(b"|", 2)
    if len(parts) != 3:
        raise MalformedValue("not date|payload|mac once base64-decoded")
    date, payload, mac = parts
    if not date.isdigit() or len(date) > 19:
        raise TimestampInvalid
    try:
        return CookieParts(int(date), _b64url(payload.decode("ascii")), mac)
    except UnicodeDecodeError:
        raise MalformedValue("the payload is not base64") from None


class RawSerializer:
    """A serializer that leaves bytes alone: verify and decrypt, read later."""

    def dumps(self, value: Any) -> bytes:
        return bytes(value)

    def loads(self, data: bytes) -> Any:
        return data

    def __repr__(self) -> str:
        return "RawSerializer()"


# -- showing values as JSON ----------------------------------------------------


class _Converter:
    """Turns what a session can hold into JSON, noting what JSON can't say exactly."""

    def __init__(self) -> None:
        self.lossy: set[str] = set()

    def key(self, key: Any) -> str:
        if isinstance(key, str):
            return key
        self.lossy.add(f"{type(key).__name__} keys")
        return json.dumps(self.value(key))

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            self.lossy.add("non-finite floats")
            return repr(value)
        if isinstance(value, dict):
            return {self.key(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        self.lossy.add(type(value).__name__)
        if isinstance(value, tuple):
            return [self.value(v) for v in value]
        if isinstance(value, set | frozenset):
            return sorted((self.value(v) for v in value), key=repr)
        if isinstance(value, bytes | bytearray):
            return base64.b64encode(value).decode("ascii")
        if isinstance(value, dt.datetime | dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, uuid.UUID | Decimal):
            return str(value)
        if isinstance(value, enum.Enum):
            return self.value(value.value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.value({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
        return repr(value)


def to_json(value: Any) -> tuple[Any, list[str]]:
    """``value`` as JSON-ready data, and the kinds of values JSON could not hold exactly."""
    converter = _Converter()
    return converter.value(value), sorted(converter.lossy)


def describe_age(seconds: int) -> str:
    """``3d 4h``, ``5m 2s``: a duration for people."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    units = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    parts: list[str] = []
    for suffix, size in units:
        count, seconds = divmod(seconds, size)
        if count or (suffix == "s" and not parts):
            parts.append(f"{count}{suffix}")
    return sign + " ".join(parts[:2])


def iso_time(timestamp: int) -> str:
    """Unix seconds as an ISO 8601 UTC time, or the number if out of range."""
    try:
        return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(timestamp)
