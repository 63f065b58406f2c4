"""``SecureCookie.seal``/``open``: the codec on serialized payloads, as stores compare them."""

from __future__ import annotations

import pytest

import websessions as ws
from websessions.codec import open_multi

HASH, BLOCK = bytes(range(32)), bytes(range(32, 64))


@pytest.mark.parametrize("block", [None, BLOCK])
def test_seal_and_open_are_encode_and_decode_without_the_serializer(block: bytes | None) -> None:
    codec = ws.SecureCookie(HASH, block)
    payload = codec.serializer.dumps({"a": [1, 2]})
    value, stamp = codec.seal("s", payload)
    assert codec.open("s", value) == (payload, stamp)
    assert codec.decode("s", value) == {"a": [1, 2]}
    assert codec.open("s", codec.encode("s", {"a": [1, 2]}))[0] == payload
    assert ws.stores.base.signed_time(value) == stamp


def test_open_checks_like_decode() -> None:
    codec = ws.SecureCookie(HASH)
    value, _ = codec.seal("s", b"{}")
    with pytest.raises(ws.MacInvalid):
        codec.open("other", value)
    with pytest.raises(ws.DeserializeFailed):
        codec.decode("s", codec.seal("s", b"not json")[0])


def test_open_multi_names_the_pair_that_verified() -> None:
    old, new = ws.SecureCookie(b"o" * 32), ws.SecureCookie(HASH)
    value, stamp = old.seal("s", b"{}")
    assert open_multi("s", value, [new, old]) == (b"{}", stamp, 1)
    with pytest.raises(ws.MacInvalid):
        open_multi("s", value, [new])
