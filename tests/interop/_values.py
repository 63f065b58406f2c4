"""Values both sides must agree on: what session code stores in a JSON session."""

from __future__ import annotations

from typing import Any

STRINGS: dict[str, str] = {
    "ascii": "hello, world",
    "empty": "",
    "latin1": "héllo wörld ß",
    "cjk": "日本語のテキスト",
    "emoji": "😀👍🏽🇫🇷",
    "html": "<script>alert('&amp;')</script>",
    "line-separators": "a\u2028b\u2029c",
    "controls": "\x00\x01\x07\x0b\x0e\x1b\x1f\t\n\r\x7f",
    "quotes-slashes": '"quoted" back\\slash /slash',
    "bmp-edge": "\ufffd\uffff\ue000",
    "astral": "\U0001f600\U00010000\U0010ffff",
}

INTS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "negative": -42,
    "int32-max": 2**31 - 1,
    "int32-min-1": -(2**31) - 1,
    "2^53": 2**53,
    "2^53+1": 2**53 + 1,
    "int64-max": 2**63 - 1,
    "int64-min": -(2**63),
    "uint64-max": 2**64 - 1,
    "10^30": 10**30,
}

FLOATS: dict[str, float] = {
    "0.1": 0.1,
    "0.3": 0.3,
    "1.0": 1.0,
    "-1.5": -1.5,
    "100.0": 100.0,
    "123456789.0": 123456789.0,
    "1e20": 1e20,
    "1e21": 1e21,
    "123e20": 123e20,
    "1e16": 1e16,
    "2^53-as-float": float(2**53),
    "1e-6": 1e-6,
    "0.000001": 0.000001,
    "9.99e-7": 9.999999999999999e-7,
    "1e-7": 1e-7,
    "1.2345e-5": 1.2345e-5,
    "5e-324": 5e-324,
    "max": 1.7976931348623157e308,
    "-1.5e300": -1.5e300,
    "-0.0": -0.0,
    "0.0": 0.0,
}

OTHERS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "empty-map": {},
    "empty-list": [],
    "list": [1, "two", 3.5, None, True, [], {}],
    "nested": {
        "user": {"id": 7, "name": "Zoë", "roles": ["admin", "<editor>"]},
        "cart": [{"sku": "A-1", "qty": 2, "price": 9.99}, {"sku": "B&2", "qty": 1}],
        "flags": {"beta": True, "dark": False, "none": None},
    },
    "unicode-keys": {"é": 1, "e": 2, "z": 3, "日本": 4, "😀": 5, "Z": 6, "": 7, "\u2028": 8},
    "deep": {"a": [{"b": [{"c": [1, [2, [3, {"d": "e"}]]]}]}]},
}


def matrix() -> dict[str, Any]:
    """Every value above, labelled by kind."""
    values: dict[str, Any] = {}
    for prefix, group in (("str", STRINGS), ("int", INTS), ("float", FLOATS), ("", OTHERS)):
        for label, value in group.items():
            values[f"{prefix}:{label}" if prefix else label] = value
    return values


MATRIX = matrix()

# Python bytes, Go []byte: both write standard base64 strings.
BYTES: dict[str, bytes] = {
    "empty": b"",
    "binary": b"\x00\xff\xfe\x80",
    "all": bytes(range(256)),
    "text": b"hello",
}
