"""``websessions.JSONSerializer`` writes exactly the bytes gorilla's ``JSONEncoder`` writes.

Go's side is ``securecookie.JSONEncoder{}.Serialize`` on typed Go values
(int64/uint64/*big.Int, float64, []byte, map[string]interface{}, ...).
Go 1.19 (installed here) writes ``\\b``/``\\f`` as ``\\u0008``/``\\u000c``
while websessions matches Go >= 1.22 (``\\b``, ``\\f``): those two
characters are left out of byte equality, and only checked to decode in Go.
"""

from __future__ import annotations

import base64
import math
import random
import struct
from typing import Any

import websessions as ws

from ._go import GoHelper, canon, wire
from ._values import BYTES, MATRIX

SERIALIZER = ws.JSONSerializer()
GO_119_DIFFERS = "\b\f"

EXTRA: dict[str, Any] = {
    "sorted-keys": {"b": 1, "a": 2, "é": 3, "E": 4, "😀": 5, "\uffff": 6, "\U00010000": 7},
    "prefix-keys": {"aa": 1, "a": 2, "a\x00": 3, "a\x7f": 4, "A": 5, "": 6},
    "html-keys": {"<k>": "&v", "a&b": ">", "\u2029": "\u2028"},
    "escaped-keys": {'"': 1, "\\": 2, "\n": 3, "\x01": 4},
    "tuple": (1, "a", (2.5, None)),
    # Go gets U+FFFD for each (its JSON decoder's reading of a lone "\\ud800").
    "lone-surrogates": ["\ud800", "a\udfffb", "\udc00\udbffx"],
    "mixed-list": [0, -0.0, 1.0, 1, True, False, None, "", [], {}],
    "bytes-in-map": {"raw": b"\x00\x01\xfe\xff", "empty": b""},
    "big-nested": {str(i): [i, i / 7, str(i) * 3, {"n": -i}] for i in range(40)},
}


def go_serialize(go: GoHelper, values: list[Any]) -> list[bytes | str]:
    """Go's bytes for each value, or Go's error message."""
    results = go.run([{"op": "serialize", "value": wire(v)} for v in values])
    return [base64.b64decode(r["b64"]) if "b64" in r else r["error"] for r in results]


def assert_bytes_equal(go: GoHelper, values: dict[str, Any]) -> None:
    go_bytes = go_serialize(go, list(values.values()))
    wrong = {
        label: (SERIALIZER.dumps(value), theirs)
        for (label, value), theirs in zip(values.items(), go_bytes, strict=True)
        if SERIALIZER.dumps(value) != theirs
    }
    assert wrong == {}


def test_value_matrix_is_byte_equal(go: GoHelper) -> None:
    values = {**MATRIX, **{f"bytes:{k}": v for k, v in BYTES.items()}, **EXTRA}
    assert_bytes_equal(go, values)


def random_float(rng: random.Random) -> float:
    value: float
    while True:
        kind = rng.randrange(4)
        if kind == 0:  # any bit pattern: subnormals, huge, tiny
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        elif kind == 1:  # around the 1e-6 / 1e21 format switches
            value = rng.choice((1e-6, 1e21, 1e-7, 1e20)) * rng.uniform(0.5, 2.0)
        elif kind == 2:  # short decimals, as people type them
            value = round(rng.uniform(-1e6, 1e6), rng.randrange(0, 8))
        else:
            value = rng.randrange(-(10**18), 10**18) * 10.0 ** rng.randrange(-30, 30)
        if math.isfinite(value):
            return value


def test_random_floats_and_ints_are_byte_equal(go: GoHelper) -> None:
    rng = random.Random(20240612)
    values: dict[str, Any] = {}
    for i in range(1500):
        value = random_float(rng)
        values[f"float-{i}:{value!r}"] = value
    for i in range(300):
        value = rng.randrange(-(2**63), 2**64)
        values[f"int-{i}:{value}"] = value
    assert_bytes_equal(go, values)


def random_text(rng: random.Random, *, surrogates: bool) -> str:
    ranges = [(0x00, 0x7F), (0x80, 0x7FF), (0x2020, 0x2030), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
    if surrogates:
        # Low surrogates only: a high+low pair would cross the wire as one astral character.
        ranges.append((0xDC00, 0xDFFF))
    chars = []
    for _ in range(rng.randrange(0, 12)):
        low, high = rng.choice(ranges)
        char = chr(rng.randint(low, high))
        chars.append("?" if char in GO_119_DIFFERS else char)
    return "".join(chars)


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 7)
    if kind == 0:
        return random_text(rng, surrogates=True)
    if kind == 1:
        return rng.randrange(-(2**63), 2**63)
    if kind == 2:
        return random_float(rng)
    if kind == 3:
        return rng.choice((True, False, None))
    if kind == 4:
        return rng.randbytes(rng.randrange(0, 10))
    if kind == 5:
        return rng.randrange(-1000, 1000)
    if kind == 6:
        return rng.choice(("<a href='x'>&amp;</a>", "line\u2028sep", "tab\tnl\n"))
    if kind == 7:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    return {
        random_text(rng, surrogates=False): random_value(rng, depth + 1)
        for _ in range(rng.randrange(0, 5))
    }


def test_random_nested_values_are_byte_equal(go: GoHelper) -> None:
    rng = random.Random(7)
    values = {f"value-{i}": random_value(rng) for i in range(400)}
    assert_bytes_equal(go, values)


def test_lone_surrogate_keys_sort_like_go(go: GoHelper) -> None:
    # Go decodes "\ud800" to U+FFFD, the key it would hold; U+E000 sorts before U+FFFD.
    assert_bytes_equal(go, {"surrogate-key": {"\ud800": 1, "\ue000": 2}})


def test_go_decodes_backspace_and_formfeed_as_we_write_them(go: GoHelper) -> None:
    values = ["\b", "\f", "a\bb\fc", {"\b\f": ["\f"]}]
    ours = [SERIALIZER.dumps(v) for v in values]
    assert ours[0] == b'"\\b"\n'
    assert ours[1] == b'"\\f"\n'
    results = go.run(
        [{"op": "deserialize", "b64": base64.b64encode(data).decode("ascii")} for data in ours]
    )
    assert [canon(r["value"]) for r in results] == [canon(v) for v in values]
    # And Go 1.19's own spelling reads back in Python.
    go_bytes = go_serialize(go, values)
    assert [SERIALIZER.loads(b) for b in go_bytes if isinstance(b, bytes)] == values


def test_go_reads_every_matrix_payload_back(go: GoHelper) -> None:
    """The reverse of byte equality: Go's decoder takes our bytes to the same value."""
    values = list(MATRIX.values())
    results = go.run(
        [
            {"op": "deserialize", "b64": base64.b64encode(SERIALIZER.dumps(v)).decode("ascii")}
            for v in values
        ]
    )
    got = [canon(r.get("value", r.get("error")), go_numbers=True) for r in results]
    assert got == [canon(v, go_numbers=True) for v in values]
