"""Finding cookies in pasted text, taking a value apart, showing values as JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest

import websessions as ws
from websessions.cli_cookies import (
    FoundCookie,
    RawSerializer,
    describe_age,
    find_cookies,
    iso_time,
    split_cookie,
    to_json,
)

VALUE = "MTcwMDAwMDAwMHxhYmN8eHl6"  # base64url of b"1700000000|abc|xyz" (shape only)


def names_values(text: str) -> list[tuple[str | None, str]]:
    return [(c.name, c.value) for c in find_cookies(text)]


def test_bare_value_has_no_name() -> None:
    assert find_cookies(f"  {VALUE}==\n") == [FoundCookie(None, VALUE + "==", 1, "value")]


def test_pairs_and_cookie_header() -> None:
    assert names_values(f"a=1; session={VALUE}") == [("a", "1"), ("session", VALUE)]
    assert names_values(f'cookie: a=1;session="{VALUE}"') == [("a", "1"), ("session", VALUE)]


def test_set_cookie_header_takes_the_first_pair_only() -> None:
    found = find_cookies(f"Set-Cookie: session={VALUE}; Path=/; Max-Age=60; HttpOnly")
    assert found == [FoundCookie("session", VALUE, 1, "Set-Cookie header")]


def test_a_pasted_response_keeps_only_cookie_headers() -> None:
    text = "\r\n".join(
        [
            "HTTP/1.1 302 Found",
            "Location: /next",
            f"Set-Cookie: session={VALUE}; Path=/",
            "Set-Cookie: flash=; Max-Age=0",
            "Content-Length: 0",
        ]
    )
    assert names_values(text) == [("session", VALUE), ("flash", "")]


def test_netscape_cookie_jar() -> None:
    text = (
        "# Netscape HTTP Cookie File\n"
        "# https://curl.se/docs/http-cookies.html\n"
        f"example.com\tFALSE\t/\tTRUE\t0\tsession\t{VALUE}\n"
        f"#HttpOnly_.example.com\tTRUE\t/\tTRUE\t1999999999\tother\t{VALUE}==\n"
        "example.com\tFALSE\t/\tFALSE\t0\tempty\t\n"
    )
    assert names_values(text) == [("session", VALUE), ("other", VALUE + "=="), ("empty", "")]
    assert [c.line for c in find_cookies(text)] == [3, 4, 5]


def test_lines_are_numbered_and_comments_skipped() -> None:
    found = find_cookies(f"# a comment\n\n{VALUE}\nsession={VALUE}\n")
    assert [(c.line, c.source) for c in found] == [(3, "value"), (4, "pairs")]


def test_split_cookie_reads_without_keys() -> None:
    codec = ws.SecureCookie(b"k" * 32, serializer=RawSerializer(), clock=lambda: 1_700_000_000)
    parts = split_cookie(codec.encode("s", b"payload"))
    assert parts.timestamp == 1_700_000_000
    assert parts.payload == b"payload"
    assert len(parts.mac) == 32


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("not base64!", ws.MalformedValue),
        ("YWJj", ws.MalformedValue),  # "abc": no separators
        ("eHx5fHo=", ws.TimestampInvalid),  # "x|y|z"
        ("MXwqfHo=", ws.MalformedValue),  # "1|*|z": payload not base64
    ],
)
def test_split_cookie_rejects(value: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        split_cookie(value)


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_to_json_exact_values_are_left_alone() -> None:
    values = {"a": [1, 2.5, None, True, "x"], "b": {"c": {}}}
    assert to_json(values) == (values, [])


def test_to_json_converts_and_says_what_it_could_not_keep() -> None:
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    key = uuid.UUID(int=1)
    shown, lossy = to_json(
        {
            42: (1, 2),
            "bytes": b"\x00\xff",
            "when": when,
            "id": key,
            "price": Decimal("1.10"),
            "set": {3, 1},
            "point": Point(1, 2),
            "nan": float("nan"),
            (1, "a"): None,
        }
    )
    assert shown == {
        "42": [1, 2],
        "bytes": "AP8=",
        "when": "2024-01-02T03:04:05+00:00",
        "id": str(key),
        "price": "1.10",
        "set": [1, 3],
        "point": {"x": 1, "y": 2},
        "nan": "nan",
        '[1, "a"]': None,
    }
    json.dumps(shown, allow_nan=False)
    expected = ["int keys", "tuple keys", "tuple", "bytes", "datetime", "UUID", "Decimal"]
    assert lossy == sorted([*expected, "set", "Point", "non-finite floats"])


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (61, "1m 1s"), (3600, "1h"), (90061, "1d 1h"), (-5, "-5s")],
)
def test_describe_age(seconds: int, text: str) -> None:
    assert describe_age(seconds) == text


def test_iso_time() -> None:
    assert iso_time(0) == "1970-01-01T00:00:00Z"
    assert iso_time(10**18) == str(10**18)


def test_a_set_cookie_value_without_its_header_name() -> None:
    found = find_cookies(f"session={VALUE}; Path=/; Max-Age=60; HttpOnly")
    assert found == [FoundCookie("session", VALUE, 1, "Set-Cookie header")]
    found = find_cookies(f"session={VALUE}; Secure")
    assert found == [FoundCookie("session", VALUE, 1, "Set-Cookie header")]
