"""The error tree: who is at fault, and what catching each branch catches."""

from __future__ import annotations

import pytest

import websessions as ws
from websessions import errors

DECODE_ERRORS = [
    ws.MalformedValue,
    ws.ValueTooLong,
    ws.MacInvalid,
    ws.TimestampInvalid,
    ws.Expired,
    ws.TooNew,
    ws.DecryptionFailed,
    ws.DeserializeFailed,
    ws.SessionNotFound,
]


@pytest.mark.parametrize("cls", DECODE_ERRORS)
def test_decode_errors(cls: type[ws.DecodeError]) -> None:
    assert issubclass(cls, ws.DecodeError)
    assert issubclass(cls, ws.SessionError)
    assert issubclass(cls, ValueError)
    assert not issubclass(cls, ws.UsageError | ws.StoreError)
    error = cls()
    assert str(error) == cls.reason
    assert cls.reason
    assert str(cls("custom")) == "custom"


def test_reasons_differ() -> None:
    reasons = [cls.reason for cls in DECODE_ERRORS]
    assert len(set(reasons)) == len(reasons)
    assert ws.DecodeError.reason not in reasons


def test_usage_error() -> None:
    assert issubclass(ws.UsageError, ws.SessionError)
    assert issubclass(ws.UsageError, ValueError)
    assert not issubclass(ws.UsageError, ws.DecodeError)
    assert str(ws.UsageError("fix it")) == "fix it"


def test_store_error_hint() -> None:
    assert issubclass(ws.StoreError, ws.SessionError)
    assert not issubclass(ws.StoreError, ValueError)
    plain = ws.StoreError("disk full")
    assert str(plain) == "disk full"
    assert plain.hint is None
    hinted = ws.StoreError("cannot write", hint="check permissions")
    assert str(hinted) == "cannot write (check permissions)"
    assert hinted.hint == "check permissions"


def test_root() -> None:
    assert issubclass(ws.SessionError, Exception)
    for cls in (ws.DecodeError, ws.UsageError, ws.StoreError):
        with pytest.raises(ws.SessionError):
            raise cls("x")


def test_exported() -> None:
    for name in errors.__all__:
        assert getattr(ws, name) is getattr(errors, name)
        assert name in ws.__all__


def test_codec_raises_the_documented_classes() -> None:
    codec = ws.SecureCookie(b"k" * 32, max_length=10)
    with pytest.raises(ws.ValueTooLong):
        codec.decode("n", "x" * 11)
    with pytest.raises(ws.MalformedValue):
        codec.decode("n", "!")
    with pytest.raises(ws.MacInvalid):
        codec.decode("n", "fHx8")  # '|||'
    with pytest.raises(ws.UsageError):
        codec.encode("n", "far too long for ten characters")
