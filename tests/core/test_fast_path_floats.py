"""The fast path with floats: orjson's bytes only where they are the stdlib's (and Go's).

orjson writes the same shortest digits as ``repr()`` but not always in the
same form (``0.00001``, ``1e-7``, ``null`` for NaN), and Go writes ``1``
for ``1.0``: the fast encoders take floats only where all three agree, and
every other value must come out of the stdlib path byte for byte.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import struct
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import websessions as ws
from websessions.serializers import default, fast, gorilla_json

pytestmark = pytest.mark.skipif(
    not (importlib.util.find_spec("orjson") and importlib.util.find_spec("msgspec")),
    reason="needs websessions[fast] (orjson, msgspec)",
)

EDGE_FLOATS = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    100.0,
    2.0**53,
    2.0**63,
    2.0**64,
    1e-4,
    math.nextafter(1e-4, 0),
    math.nextafter(1e-4, 1),
    -1e-4,
    1e-5,
    1.2e-5,
    1e-6,
    math.nextafter(1e-6, 0),
    2.5e-7,
    1e-7,
    1e-10,
    5e-324,
    2.2250738585072014e-308,
    9999999999999998.0,
    1e16,
    math.nextafter(1e16, 0),
    1.5e16,
    1e20,
    1e21,
    1e22,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    0.1,
    0.3,
    1 / 3,
    9.5,
    123456789.123,
    math.nan,
    math.inf,
    -math.inf,
]

FLOATS = st.one_of(
    st.floats(),  # any double: NaN, infinities, subnormals, huge
    st.sampled_from(EDGE_FLOATS),
    st.floats(min_value=1e-4, max_value=1e16, exclude_max=True),  # the fixed range
    st.floats(min_value=-1e16, max_value=-1e-4, exclude_min=True),
    st.integers(-(2**60), 2**60).map(float),  # integral
    st.builds(lambda m, e: m * 10.0**e, st.integers(-999, 999), st.integers(-12, 20)),
)
TEXT = st.text(
    st.one_of(st.characters(), st.sampled_from('<>&\u2028\u2029\x00\x1f\x7f"\\é€😀0.0000e-1')),
    max_size=10,
)
INTS = st.one_of(st.integers(-(2**63), 2**64), st.integers(-(2**80), 2**80))
SCALARS = st.one_of(st.none(), st.booleans(), INTS, TEXT, FLOATS, FLOATS)


def nested(scalars: st.SearchStrategy[Any], *, tuples: bool) -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        containers = st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5)
        return containers | st.tuples(inner, inner) if tuples else containers

    return st.recursive(scalars, extend, max_leaves=30)


def outcome(serializer: Any, value: Any) -> bytes | type[BaseException]:
    """The bytes, or the type of the error raised."""
    try:
        data: bytes = serializer.dumps(value)
    except Exception as exc:
        return type(exc)
    return data


@settings(max_examples=800, deadline=None)
@given(nested(SCALARS, tuples=True))
@example({"cart": [{"price": 9.5 + i, "qty": i} for i in range(22)]})
@example([1e-5, None])
@example({"a": math.nan, "b": None})
@example([1.0, -0.0, 0.0, 1e16, 1e-7])
@example(("~t", [1.5]))
def test_default_fast_floats_are_byte_identical(value):
    fast_s, slow_s = ws.DefaultSerializer(), ws.DefaultSerializer(fast=False)
    expected = outcome(slow_s, value)
    assert outcome(fast_s, value) == expected
    if isinstance(expected, bytes):
        assert repr(fast_s.loads(expected)) == repr(slow_s.loads(expected))


@settings(max_examples=800, deadline=None)
@given(nested(st.one_of(SCALARS, st.binary(max_size=6)), tuples=True))
@example({"cart": [{"price": 9.5 + i, "qty": i} for i in range(22)]})
@example([1.0, 0.0, -0.0, 1e-5, 2.5e-7, 1e16, 1e21])
@example({"<a>": [0.5, "&\u2028"]})
@example([math.nan])
def test_gorilla_json_fast_floats_are_byte_identical(value):
    expected = outcome(ws.JSONSerializer(fast=False), value)
    assert outcome(ws.JSONSerializer(), value) == expected


@settings(max_examples=1000, deadline=None)
@given(FLOATS)
def test_floats_taken_by_the_fast_path_are_spelled_as_repr_and_go(x):
    import orjson

    if fast.repr_floats_ok([x]):
        assert orjson.dumps(x) == repr(x).encode()
        assert orjson.dumps([x, x]) == json.dumps([x, x], separators=(",", ":")).encode()
    if gorilla_json._go_floats_ok([x]):
        assert orjson.dumps(x) == gorilla_json.go_float(x).encode()


def test_orjson_digits_match_repr_on_many_random_doubles():
    # The fast path trusts orjson's shortest digits in the fixed range: check
    # them against repr() on random bit patterns and decimals, in bulk.
    import orjson

    rng = random.Random(1234)
    values = [
        struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(40000)
    ]
    values += [rng.randrange(1, 10**17) * 10.0 ** rng.randrange(-21, 16) for _ in range(40000)]
    values += [(rng.getrandbits(53) + 0.5) * 2.0 ** rng.randrange(-60, 0) for _ in range(40000)]
    fixed = [x for x in values if fast.repr_floats_ok([x])]
    assert len(fixed) > 50000
    assert orjson.dumps(fixed) == json.dumps(fixed, separators=(",", ":")).encode()
    go = [x for x in fixed if gorilla_json._go_floats_ok([x])]
    assert orjson.dumps(go) == ("[" + ",".join(map(gorilla_json.go_float, go)) + "]").encode()


def test_the_installed_orjson_passed_the_probes():
    # Otherwise every value with a float would silently take the slow path.
    assert fast._REPR_FLOATS
    assert gorilla_json._GO_SPELLING


@pytest.mark.parametrize(
    ("floats", "repr_ok", "go_ok"),
    [
        ([], True, True),
        ([9.5, 10.5, -0.25], True, True),
        ([1e-4, 123456789012345.67], True, True),
        ([9999999999999998.0], True, False),
        ([0.0, -0.0, 1.5], True, False),  # Go writes 0 and -0
        ([2.0, 0.5], True, False),  # Go writes 2
        ([1e-5, 0.5], False, False),  # orjson writes 0.00001
        ([1e16 + 2, 0.5], False, False),
        ([0.5, math.nan], False, False),  # orjson writes null
        ([math.inf], False, False),
        ([-math.inf, 1.5], False, False),
    ],
)
def test_float_checks(floats, repr_ok, go_ok):
    assert fast.repr_floats_ok(floats) is repr_ok
    assert gorilla_json._go_floats_ok(floats) is go_ok


def fixed_range_model(floats: list[float], *, zero: bool) -> bool:
    return all(math.isfinite(x) and (1e-4 <= abs(x) < 1e16 or (zero and x == 0)) for x in floats)


@settings(max_examples=1000, deadline=None)
@given(st.lists(FLOATS, max_size=6), st.booleans())
def test_fixed_range_is_the_plain_check(floats, zero):
    assert fast.fixed_range(floats, zero=zero) is fixed_range_model(floats, zero=zero)


PLAIN: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None)})


class Text(str):
    pass


@pytest.mark.parametrize(
    ("value", "floats"),
    [
        ("a", []),
        (1.5, [1.5]),
        ({}, []),
        ({"a": [1, {"b": 2.5, "c": [None, True, 0.5]}], "d": 3.5}, [3.5, 2.5, 0.5]),
        ({1: 2.5}, [2.5]),  # non-str keys are orjson's to refuse
        ([(1, 2)], None),
        ({"a": Text("x")}, None),
        ({Text("k"): 1}, None),  # a str subclass as a key
        ([b"x"], None),
        ([[[[[[[[[[]]]]]]]]]], []),
        ([[[[[[[[[[[]]]]]]]]]]], None),  # a list 10 levels down: over max_levels
    ],
)
def test_plain_floats(value, floats):
    assert fast.plain_floats(value, PLAIN, 10) == floats


def test_plain_floats_gives_up_on_cycles_and_shared_blowups():
    cycle: list[Any] = []
    cycle.append(cycle)
    assert fast.plain_floats(cycle, PLAIN, 64) is None
    shared: list[Any] = [1.5]
    for _ in range(40):  # 2**40 paths: walking them all would never end
        shared = [shared, shared]
    assert fast.plain_floats(shared, PLAIN, 64) is None


def test_the_fast_encoders_take_in_range_floats():
    default_fast, gorilla_fast = default._fast_dumps, gorilla_json._fast_plain_dumps
    assert default_fast is not None
    assert gorilla_fast is not None
    value = {"cart": [{"sku": "A-1", "price": 9.5 + i, "qty": i} for i in range(22)]}
    assert default_fast(value) is not None
    assert gorilla_fast(value) is not None
    assert default_fast({"p": 1e-5}) is None
    assert default_fast({"t": (1, 2)}) is None
    assert gorilla_fast({"p": 2.0}) is None


def test_an_audit_hook_refusing_gc_get_referents_falls_back_to_the_stdlib():
    code = textwrap.dedent(
        """
        import sys
        import websessions as ws

        def hook(event, args):
            if event == "gc.get_referents":
                raise RuntimeError("refused")

        sys.addaudithook(hook)
        value = {"a": [1.5, "x", None], "b": {"c": 2}}
        for s in (ws.DefaultSerializer, ws.JSONSerializer):
            assert s().dumps(value) == s(fast=False).dumps(value)
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
