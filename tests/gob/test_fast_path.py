"""The fast path (orjson/msgspec): automatic, same bytes and values as the stdlib."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import websessions as ws
from websessions.serializers import default, fast, gorilla_json

pytestmark = pytest.mark.skipif(
    not (importlib.util.find_spec("orjson") and importlib.util.find_spec("msgspec")),
    reason="needs websessions[fast] (orjson, msgspec)",
)

TEXT = st.text(
    st.one_of(
        st.characters(),  # lone surrogates included
        st.sampled_from('<>&\u2028\u2029\x00\x1f\x7f\b\f"\\/é😀'),
    ),
    max_size=12,
)
INTS = st.one_of(st.integers(-(2**64), 2**64), st.integers(-(2**80), 2**80))
SCALARS = st.one_of(
    st.none(), st.booleans(), INTS, TEXT, st.floats(allow_nan=False, allow_infinity=False)
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=25,
)
GORILLA = st.recursive(
    st.one_of(SCALARS, st.binary(max_size=8)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=25,
)


def test_fast_is_automatic_when_installed_and_can_be_turned_off():
    assert ws.JSONSerializer().fast is True
    assert ws.DefaultSerializer().fast is True
    assert ws.JSONSerializer(fast=False).fast is False
    assert ws.DefaultSerializer(fast=False).fast is False
    assert repr(ws.JSONSerializer()) == "JSONSerializer()"
    assert repr(ws.JSONSerializer(fast=False)) == "JSONSerializer(fast=False)"


def test_fast_true_without_the_extra_is_a_usage_error(monkeypatch):
    monkeypatch.setattr(fast, "AVAILABLE", False)
    with pytest.raises(ws.UsageError, match=r"websessions\[fast\]"):
        ws.JSONSerializer(fast=True)
    assert ws.JSONSerializer().fast is False


class _Spy:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.inner(*args)


@pytest.mark.parametrize(
    ("module", "serializer", "name"),
    [
        (gorilla_json, ws.JSONSerializer, "_fast_plain_dumps"),
        (gorilla_json, ws.JSONSerializer, "_fast_loads"),
        (default, ws.DefaultSerializer, "_fast_dumps"),
        (default, ws.DefaultSerializer, "_fast_plain_decode"),
    ],
)
def test_the_fast_coders_do_the_work_unless_turned_off(monkeypatch, module, serializer, name):
    spy = _Spy(getattr(module, name))
    monkeypatch.setattr(module, name, spy)
    value = {"user": "ann", "ids": [1, 2], "ok": True}
    for s, calls in ((serializer(fast=False), 0), (serializer(), 1)):
        spy.calls = 0
        assert s.loads(s.dumps(value)) == value
        assert spy.calls == calls


@settings(max_examples=400, deadline=None)
@given(GORILLA)
def test_gorilla_json_fast_is_byte_identical(value):
    fast_s, slow_s = ws.JSONSerializer(), ws.JSONSerializer(fast=False)
    try:
        expected = slow_s.dumps(value)
    except ws.UsageError:
        with pytest.raises(ws.UsageError):
            fast_s.dumps(value)
        return
    assert fast_s.dumps(value) == expected
    assert fast_s.loads(expected) == slow_s.loads(expected)


@settings(max_examples=400, deadline=None)
@given(st.one_of(JSONISH, st.dictionaries(st.one_of(INTS, TEXT), JSONISH, max_size=4)))
def test_default_fast_is_byte_identical(value):
    fast_s, slow_s = ws.DefaultSerializer(), ws.DefaultSerializer(fast=False)
    try:
        expected = slow_s.dumps(value)
    except ws.UsageError:
        with pytest.raises(ws.UsageError):
            fast_s.dumps(value)
        return
    assert fast_s.dumps(value) == expected
    assert repr(fast_s.loads(expected)) == repr(slow_s.loads(expected))


EDGE_TEXTS = [
    b"1e400",
    b"-1e400",
    b"-0",
    b"-0.0",
    b'"\\ud800"',
    b'"\\udc00\\ud800"',
    b'{"a":1,"a":2}',
    b"18446744073709551616",
    b"-9223372036854775809",
    b"123456789012345678901234567890",
    b"0.1e-400",
    b" [ 1 , 2 ] ",
    b'"\\u0000\\b\\f\\n\\r\\t\\/"',
    b"[" * 50 + b"]" * 50,
]


@pytest.mark.parametrize("text", EDGE_TEXTS)
@pytest.mark.parametrize("serializer", [ws.JSONSerializer, ws.DefaultSerializer])
def test_fast_loads_what_the_stdlib_loads(serializer, text):
    assert repr(serializer().loads(text)) == repr(serializer(fast=False).loads(text))


@pytest.mark.parametrize(
    "text", [b"NaN", b"[Infinity]", b"{1:2}", b"[1,]", b"\xff", b"", b"[1] x", b"\xef\xbb\xbf[]"]
)
@pytest.mark.parametrize("serializer", [ws.JSONSerializer, ws.DefaultSerializer])
def test_fast_rejects_what_the_stdlib_rejects(serializer, text):
    with pytest.raises(ValueError):
        serializer(fast=False).loads(text)
    with pytest.raises(ValueError):
        serializer().loads(text)


@settings(max_examples=300, deadline=None)
@given(JSONISH)
def test_fast_loads_any_json_text_like_the_stdlib(value):
    text = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    for serializer in (ws.JSONSerializer, ws.DefaultSerializer):
        try:
            expected = repr(serializer(fast=False).loads(text))
        except ValueError:
            with pytest.raises(ValueError):
                serializer().loads(text)
            continue
        assert repr(serializer().loads(text)) == expected
