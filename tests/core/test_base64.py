"""The codec's base64: pybase64 (``websessions[fast]``) and binascii agree byte for byte,
on what they write and on what they accept or refuse."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import websessions as ws
from websessions import codec

pytest.importorskip("pybase64")

# The URL-safe alphabet, the standard one's extra characters, padding and junk.
CHARS = st.sampled_from(list(b"AQgw09azZ-_+/=\n !\x00\x80\xff"))
TEXTS = st.lists(CHARS, max_size=40).map(bytes)

EDGES = [
    b"",
    b"QUJD",
    b"QUI=",
    b"QQ==",
    b"QR==",  # non-zero trailing bits: accepted, as Go's URLEncoding does
    b"QUJD====",
    b"QQ=A",
    b"Q===",
    b"QU+D",
    b"QU/D",
    b"QU-D",
    b"QU_D",
    b"QUJ",
    b"QUJD\n",
    b"QU JD",
    b"QQ==QQ==",
    b"=QUJ",
    b"====",
]


def test_pybase64_is_what_the_codec_uses_when_installed() -> None:
    assert codec._b64decode is codec._b64decode_pybase64
    assert codec._b64encode is not codec._b64encode_stdlib


@settings(max_examples=500)
@given(st.binary(max_size=300))
def test_encodings_are_identical(data: bytes) -> None:
    expected = base64.urlsafe_b64encode(data)
    assert codec._b64encode_stdlib(data) == expected
    assert codec._b64encode(data) == expected


def _outcome(decode, data: bytes):
    try:
        return decode(data)
    except ws.MalformedValue:
        return "refused"


@pytest.mark.parametrize("data", EDGES)
def test_edge_cases_agree(data: bytes) -> None:
    assert _outcome(codec._b64decode_pybase64, data) == _outcome(codec._b64decode_stdlib, data)


@settings(max_examples=2000)
@given(TEXTS)
def test_decoders_accept_and_refuse_the_same(data: bytes) -> None:
    assert _outcome(codec._b64decode_pybase64, data) == _outcome(codec._b64decode_stdlib, data)


@settings(max_examples=500)
@given(st.binary(max_size=300))
def test_decoders_invert_the_encoding(data: bytes) -> None:
    encoded = base64.urlsafe_b64encode(data)
    assert codec._b64decode_pybase64(encoded) == data
    assert codec._b64decode_stdlib(encoded) == data


def test_refused_with_the_same_error_type() -> None:
    for decode in (codec._b64decode_pybase64, codec._b64decode_stdlib):
        with pytest.raises(ws.MalformedValue, match="base64"):
            decode(b"QU+D")
        with pytest.raises(ws.MalformedValue, match="base64"):
            decode(b"QUJD====")


def test_the_codec_writes_and_reads_the_same_with_either(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = ws.SecureCookie(b"k" * 32, b"b" * 32, clock=lambda: 1_700_000_000)
    value = {"user": "ada", "blob": "x" * 2000}
    with_pybase64 = sc.encode("session", value)
    monkeypatch.setattr(codec, "_b64encode", codec._b64encode_stdlib)
    monkeypatch.setattr(codec, "_b64decode", codec._b64decode_stdlib)
    assert sc.decode("session", with_pybase64) == value
    with_stdlib = sc.encode("session", value)
    monkeypatch.undo()
    assert sc.decode("session", with_stdlib) == value
    # Same layout either way (AES makes the bytes differ by their random IV).
    assert len(with_stdlib) == len(with_pybase64)
    plain = ws.SecureCookie(b"k" * 32, clock=lambda: 1_700_000_000)
    signed = plain.encode("session", value)
    monkeypatch.setattr(codec, "_b64encode", codec._b64encode_stdlib)
    assert plain.encode("session", value) == signed
