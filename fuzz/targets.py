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


TARGETS = {"cookie_header": cookie_header, "signed_payload": signed_payload}
