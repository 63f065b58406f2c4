"""PickleSerializer: explicit opt-in only, and why it is dangerous."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import websessions as ws

KEY = b"h" * 32
EVIDENCE: list[str] = []


def _note(text: str) -> None:
    EVIDENCE.append(text)


class _Exploit:
    """What an attacker who knows the hash key puts in a cookie."""

    def __reduce__(self) -> Any:
        return (_note, ("code ran on load",))


class Point:
    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.x == self.x

    __hash__ = None  # type: ignore[assignment]


def test_round_trips_anything_picklable():
    s = ws.PickleSerializer()
    value = {"p": Point(3), (1, 2): {1, 2}, "when": dt.datetime(2020, 1, 1)}
    assert s.loads(s.dumps(value)) == value


PICKLABLE = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(), st.binary()
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.frozensets(st.integers(), max_size=3)
        | st.dictionaries(st.one_of(st.integers(), st.text()), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(PICKLABLE)
def test_round_trip_through_a_codec(value):
    codec = ws.SecureCookie(KEY, bytes(16), serializer=ws.PickleSerializer(), max_length=0)
    assert codec.decode("s", codec.encode("s", value)) == value


def test_never_a_default():
    assert not isinstance(ws.CookieStore(KEY).codecs[0].serializer, ws.PickleSerializer)
    assert not isinstance(ws.SecureCookie(KEY).serializer, ws.PickleSerializer)
    assert isinstance(ws.SecureCookie(KEY).serializer, ws.DefaultSerializer)


def test_docstring_explains_the_danger():
    doc = ws.PickleSerializer.__doc__ or ""
    assert "Dangerous" in doc
    assert "leak" in doc
    assert "runs any command" in doc


def test_a_leaked_key_means_code_execution_with_pickle_only():
    """Mint a cookie with the (leaked) key: pickle runs it, the safe default does not."""
    EVIDENCE.clear()
    minted = ws.SecureCookie(KEY, serializer=_Minter()).encode("s", _Exploit())
    pickled = ws.CookieStore(KEY, serializer=ws.PickleSerializer())
    session = pickled.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": f"s={minted}"}, "s")
    assert EVIDENCE == ["code ran on load"]
    assert session.is_new  # the payload was not even a dict: no trace but the side effect
    EVIDENCE.clear()
    safe = ws.CookieStore(KEY)
    session = safe.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": f"s={minted}"}, "s")
    assert EVIDENCE == []
    assert isinstance(session.error, ws.DecodeError)


class _Minter:
    def dumps(self, value: Any) -> bytes:
        return pickle.dumps(value)

    def loads(self, data: bytes) -> Any:
        raise NotImplementedError


def test_unpicklable_value_is_a_usage_error():
    with pytest.raises(ws.UsageError, match="cannot pickle"):
        ws.PickleSerializer().dumps({"f": lambda: 1})


def test_protocol_is_checked():
    with pytest.raises(ws.UsageError, match="protocol"):
        ws.PickleSerializer(protocol=99)
    assert ws.PickleSerializer(protocol=2).dumps(1)[:2] == b"\x80\x02"


def test_garbage_is_a_decode_error_through_the_codec():
    codec = ws.SecureCookie(KEY, serializer=ws.PickleSerializer())
    raw = ws.SecureCookie(KEY, serializer=_Raw()).encode("s", b"not a pickle")
    with pytest.raises(ws.DeserializeFailed):
        codec.decode("s", raw)


class _Raw:
    def dumps(self, value: Any) -> bytes:
        return bytes(value)

    def loads(self, data: bytes) -> Any:
        return data
