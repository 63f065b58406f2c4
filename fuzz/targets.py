"""Fuzz targets shared by the atheris runner and the hypothesis tests.

Each target takes raw bytes and raises AssertionError (or anything
unexpected) only when websessions misbehaves.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac

import websessions as ws
from websessions.cookies import is_valid_name

HASH_KEY = bytes(range(32))
BLOCK_KEY = bytes(range(32, 64))
_STORE = ws.CookieStore(HASH_KEY, BLOCK_KEY)
_CODECS = {
    "default": ws.SecureCookie(HASH_KEY, serializer=ws.DefaultSerializer(), max_length=0),
    "json": ws.SecureCookie(HASH_KEY, serializer=ws.JSONSerializer(), max_length=0),
}


def _b64(data: bytes) -> bytes:
    import base64

    return base64.urlsafe_b64encode(data)


def cookie_header(data: bytes) -> None:
    """Any Cookie header: get() never raises, the session is new or verified."""
    header = data.decode("latin-1")
    environ = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": header}
    session = _STORE.get(environ, "session")
    assert session.is_new or session.error is None
    parsed = ws.parse_cookie_header(header)
    for name in parsed:
        assert is_valid_name(name)


def signed_payload(data: bytes) -> None:
    """Arbitrary bytes behind a valid MAC: each codec raises only DecodeError."""
    name = "session"
    body = b"%d|%s" % (1_700_000_000, _b64(data[1:]))
    mac = hmac.digest(HASH_KEY, name.encode() + b"|" + body, hashlib.sha256)
    cookie = _b64(body + b"|" + mac).decode()
    codec = _CODECS["json" if data[:1] == b"j" else "default"]
    codec.max_age = 0  # the fixed timestamp must not expire
    with contextlib.suppress(ws.DecodeError):
        codec.decode(name, cookie)


_GOB = ws.GobSerializer()
# Valid streams to mutate: random bytes alone rarely get past gob's framing.
_GOB_SEEDS = [
    _GOB.dumps(value)
    for value in (
        {"user": "ana", "id": 42, "admin": False},
        {"roles": ["a", "b"], "score": 1.5, "raw": b"\x00\xff", 7: -(2**40)},
        {"_flash": ["saved", "again"], "nested": {"k": {"x": True, "y": [1, 2.5, "z"]}}},
        {"big": 2**63 - 1, "neg": -(2**63), "u": "\u00e9\u4e2d\U0001f600", "e": ""},
    )
]


def gob_stream(data: bytes) -> None:
    """A mutated or raw gob stream: DecodeError raised by the decoder's own checks
    (never the catch-all for an unexpected exception), and the same value on every
    decode (its caches keep no state that changes a result)."""
    if not data:
        return
    if data[0] & 0x80:
        stream = data[1:]
    else:  # overwrite bytes of a seed: pairs of (position / 256 of the seed, byte)
        seed = bytearray(_GOB_SEEDS[data[0] % len(_GOB_SEEDS)])
        for i in range(1, len(data) - 1, 2):
            seed[data[i] * len(seed) // 256] = data[i + 1]
        stream = bytes(seed)
    try:
        first = _GOB.loads(stream)
    except ws.DecodeError as exc:
        if exc.__cause__ is not None and not isinstance(exc.__cause__, ws.DecodeError):
            raise AssertionError(f"the decoder did not check this: {exc!r}") from exc
        return
    assert repr(_GOB.loads(stream)) == repr(first)
    assert repr(ws.GobSerializer().loads(stream)) == repr(first)


TARGETS = {
    "cookie_header": cookie_header,
    "signed_payload": signed_payload,
    "gob_stream": gob_stream,
}
