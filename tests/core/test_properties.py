"""Property tests (hypothesis) for the codec, both serializers and cookie parsing."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import websessions as ws
from websessions.cookies import format_set_cookie, is_valid_name, parse_cookie_header

from ._wire import AES128, AES256, HASH_KEY, NOW, b64url, forge

KEY_MODES = {"sign-only": None, "aes128": AES128, "aes256": AES256}
MODE_IDS = list(KEY_MODES)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def codec_for(block_key: bytes | None, serializer: ws.Serializer) -> ws.SecureCookie:
    return ws.SecureCookie(
        HASH_KEY, block_key, serializer=serializer, max_length=0, clock=lambda: NOW
    )


@ws.register(name="tests.core.properties.Item")
@dataclasses.dataclass(frozen=True)
class Item:
    sku: str
    count: int
    tags: tuple[str, ...] = ()


@ws.register(name="tests.core.properties.Suit")
class Suit(enum.Enum):
    HEARTS = "h"
    SPADES = 2


# -- equality that sees types (and NaN) ------------------------------------------------


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, set | frozenset):
        return a == b and all(any(same(x, y) for y in b) for x in a)
    if isinstance(a, dt.datetime | dt.time):
        return bool(a == b and a.utcoffset() == b.utcoffset())
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, Suit):
        return a is b
    return bool(a == b)


# -- strategies -------------------------------------------------------------------------

ZONES = st.sampled_from(
    [
        dt.UTC,
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(dt.timedelta(hours=-9)),
        dt.timezone(dt.timedelta(hours=-3, seconds=15, microseconds=7)),
    ]
)
MAYBE_ZONE = st.none() | ZONES
TAGGY_TEXT = st.sampled_from(["~t", "~m", "~o", "~", "~b", "~dt", "~zz"]) | st.text(max_size=12)

hashable_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.binary(max_size=12)
    | st.uuids()
    | st.dates()
    | st.decimals(allow_nan=False)
    | st.timedeltas()
    | st.sampled_from(Suit)
)
hashables = st.recursive(
    hashable_leaves,
    lambda inner: (
        st.tuples(inner, inner)
        | st.lists(inner, max_size=3).map(tuple)
        | st.frozensets(inner, max_size=3)
    ),
    max_leaves=6,
)
items = st.builds(
    Item, st.text(max_size=8), st.integers(), st.lists(st.text(max_size=4), max_size=3).map(tuple)
)
default_leaves = (
    hashable_leaves
    | st.floats()
    | st.datetimes(timezones=MAYBE_ZONE)
    | st.times(timezones=MAYBE_ZONE)
    | items
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(TAGGY_TEXT, inner, max_size=4)
        | st.dictionaries(hashables, inner, max_size=4)
        | st.sets(hashables, max_size=4)
        | st.frozensets(hashables, max_size=4)
    )


default_values = st.recursive(default_leaves, _containers, max_leaves=25)

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


def json_same(original: Any, back: Any) -> bool:
    """What a JSON round trip keeps: tuples become lists, integral floats may become ints."""
    if isinstance(original, bool) or original is None or isinstance(original, str):
        return type(back) is type(original) and back == original
    if isinstance(original, float):
        return (
            isinstance(back, int | float) and not isinstance(back, bool) and float(back) == original
        )
    if isinstance(original, int):
        return type(back) is int and back == original
    if isinstance(original, list | tuple):
        return (
            type(back) is list
            and len(back) == len(original)
            and all(json_same(a, b) for a, b in zip(original, back, strict=True))
        )
    assert isinstance(original, dict)
    return (
        type(back) is dict
        and sorted(back) == sorted(original)
        and all(json_same(original[k], back[k]) for k in original)
    )


# -- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("block_key", KEY_MODES.values(), ids=MODE_IDS)
@PROPERTY
@given(value=default_values)
@example(value={"~t": [1]})
@example(value={(1, (2, 3)): float("nan")})
def test_default_serializer_roundtrip(block_key: bytes | None, value: Any) -> None:
    codec = codec_for(block_key, ws.DefaultSerializer())
    assert same(codec.decode("session", codec.encode("session", value)), value)


@pytest.mark.parametrize("block_key", KEY_MODES.values(), ids=MODE_IDS)
@PROPERTY
@given(value=json_values)
@example(value={"b": [1.0, -0.0, 1e20, 1e21, 1e-7], "a": "<&>\u2028"})
def test_json_serializer_roundtrip(block_key: bytes | None, value: Any) -> None:
    codec = codec_for(block_key, ws.JSONSerializer())
    back = codec.decode("session", codec.encode("session", value))
    assert json_same(value, back)


def _check_sorted(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    assert keys == sorted(keys)
    return dict(pairs)


@PROPERTY
@given(value=json_values)
def test_json_serializer_output_is_go_shaped(value: Any) -> None:
    data = ws.JSONSerializer().dumps(value)
    assert data.endswith(b"\n")
    assert data.count(b"\n") == 1  # compact: the trailing newline only
    for raw in (b"<", b">", b"&", "\u2028".encode(), "\u2029".encode()):
        assert raw not in data
    back = json.loads(data, object_pairs_hook=_check_sorted)
    assert json_same(value, back)


@PROPERTY
@given(value=default_values)
def test_default_serializer_plain_iff_standard_json(value: Any) -> None:
    data = ws.DefaultSerializer().dumps(value)
    if not data.startswith(b"~"):
        # The plain form is standard JSON that means the same thing.
        assert same(json.loads(data), value)


# -- decoding untrusted input ------------------------------------------------------------

DECODERS = [
    pytest.param(codec_for(block_key, serializer), id=f"{mode}-{type(serializer).__name__}")
    for mode, block_key in KEY_MODES.items()
    for serializer in (ws.DefaultSerializer(), ws.JSONSerializer())
]

base64ish = st.from_regex(r"[A-Za-z0-9_\-]*={0,2}", fullmatch=True)
piped = st.tuples(st.binary(max_size=40), st.binary(max_size=40), st.binary(max_size=40)).map(
    lambda parts: b64url(b"|".join(parts)).decode("ascii")
)


@pytest.mark.parametrize("codec", DECODERS)
@PROPERTY
@given(value=st.text() | base64ish | piped | st.binary().map(lambda b: b64url(b).decode()))
def test_decode_garbage_raises_decode_error(codec: ws.SecureCookie, value: str) -> None:
    with pytest.raises(ws.DecodeError):
        codec.decode("session", value)


@st.composite
def mutations(draw: st.DrawFn, original: str) -> str:
    chars = list(original)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "swap"]))
        at = draw(st.integers(0, max(len(chars) - 1, 0)))
        char = draw(st.sampled_from("AZaz09-_=+/ \n.|é") | st.characters())
        if op == "replace" and chars:
            chars[at] = char
        elif op == "insert":
            chars.insert(at, char)
        elif op == "delete" and chars:
            del chars[at]
        elif op == "truncate":
            chars = chars[:at]
        elif op == "swap" and len(chars) > 1:
            other = draw(st.integers(0, len(chars) - 1))
            chars[at], chars[other] = chars[other], chars[at]
    return "".join(chars)


ORIGINAL = {"user": "ada", "n": 1}


@pytest.mark.parametrize("codec", DECODERS)
@PROPERTY
@given(data=st.data())
def test_decode_mutated_cookie(codec: ws.SecureCookie, data: st.DataObject) -> None:
    cookie = codec.encode("session", ORIGINAL)
    mutated = data.draw(mutations(cookie))
    try:
        value = codec.decode("session", mutated)
    except ws.DecodeError:
        return
    # Only a mutation that leaves the decoded bytes as they were may pass
    # (say, other unused bits in the last base64 character).
    assert value == ORIGINAL


tag_objects = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "~t",
                    "~s",
                    "~fs",
                    "~m",
                    "~b",
                    "~dt",
                    "~d",
                    "~tm",
                    "~td",
                    "~u",
                    "~n",
                    "~f",
                    "~o",
                    "~x",
                ]
            ),
            inner,
            min_size=1,
            max_size=1,
        )
        | st.builds(lambda v: {"~o": ["tests.core.properties.Item", v]}, inner)
        | st.builds(lambda v: {"~o": ["tests.core.properties.Suit", v]}, inner)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)
signed_payloads = (
    st.binary(max_size=64)
    | tag_objects.map(lambda obj: b"~" + json.dumps(obj).encode())
    | tag_objects.map(lambda obj: json.dumps(obj).encode())
)


@pytest.mark.parametrize(
    "serializer", [ws.DefaultSerializer(), ws.JSONSerializer()], ids=["default", "json"]
)
@PROPERTY
@given(payload=signed_payloads)
def test_decode_signed_arbitrary_payload(serializer: ws.Serializer, payload: bytes) -> None:
    # Even with a valid MAC (a leaked key), bad payloads only ever raise DecodeError.
    codec = codec_for(None, serializer)
    cookie = forge("session", str(NOW).encode(), b64url(payload))
    with contextlib.suppress(ws.DecodeError):
        codec.decode("session", cookie)


@pytest.mark.parametrize("block_key", [AES128, AES256], ids=["aes128", "aes256"])
@PROPERTY
@given(sealed=st.binary(max_size=80))
def test_decode_signed_arbitrary_ciphertext(block_key: bytes, sealed: bytes) -> None:
    codec = codec_for(block_key, ws.DefaultSerializer())
    cookie = forge("session", str(NOW).encode(), b64url(sealed))
    with contextlib.suppress(ws.DecodeError):
        codec.decode("session", cookie)


# -- cookie header parsing --------------------------------------------------------------

header_text = st.text(
    alphabet=st.sampled_from(list('ab=; "\t,\\é\x00\x7f_-~')) | st.characters(), max_size=200
)
BARE = ws.Options(path="", max_age=0, secure=False, http_only=False, same_site=None)


@PROPERTY
@given(
    headers=header_text | st.lists(header_text, max_size=4),
    max_bytes=st.integers(0, 300),
    max_pairs=st.integers(0, 20),
)
def test_parse_cookie_header_never_raises(
    headers: str | list[str], max_bytes: int, max_pairs: int
) -> None:
    parsed = parse_cookie_header(headers, max_bytes=max_bytes, max_pairs=max_pairs)
    pairs = [(name, value) for name, values in parsed.items() for value in values]
    assert len(pairs) <= max_pairs
    assert sum(len(name) + 1 + len(value) for name, value in pairs) <= max_bytes
    for name, value in pairs:
        assert is_valid_name(name)
        header = format_set_cookie(name, value, BARE)  # the validators accept both
        assert header.startswith(name + "=")
    default = parse_cookie_header(headers)
    for name, values in default.items():
        assert values
        assert is_valid_name(name)


cookie_names = st.from_regex(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}", fullmatch=True)
cookie_values = st.from_regex(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{0,20}", fullmatch=True)


@PROPERTY
@given(pairs=st.lists(st.tuples(cookie_names, cookie_values), max_size=12))
def test_parse_cookie_header_roundtrip(pairs: list[tuple[str, str]]) -> None:
    expected: dict[str, list[str]] = {}
    for name, value in pairs:
        expected.setdefault(name, []).append(value)
    assert parse_cookie_header("; ".join(f"{n}={v}" for n, v in pairs)) == expected
    quoted = parse_cookie_header(";".join(f'{n}="{v}"' for n, v in pairs))
    assert quoted == expected
