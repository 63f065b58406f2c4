"""Build and take apart secure cookies by hand, independently of websessions.codec.

gorilla/securecookie's wire format: ``b64url(date|b64url(payload)|mac)`` with
``mac = HMAC-SHA256(hash_key, name|date|b64url(payload))`` and, with a block
key, ``payload = iv + AES-CTR(block_key, iv, serialized)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HASH_KEY = b"h" * 32
AES128 = b"a" * 16
AES192 = b"b" * 24
AES256 = b"c" * 32
NOW = 1_700_000_000


def b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data)


def unb64url(data: bytes | str) -> bytes:
    raw = data.encode("ascii") if isinstance(data, str) else data
    return base64.urlsafe_b64decode(raw)


def sign(hash_key: bytes, name: str, date: bytes, value_b64: bytes) -> bytes:
    message = name.encode("utf-8") + b"|" + date + b"|" + value_b64
    return hmac.new(hash_key, message, hashlib.sha256).digest()


def forge(
    name: str,
    date: bytes,
    value_b64: bytes,
    *,
    hash_key: bytes = HASH_KEY,
    good_mac: bool = True,
) -> str:
    """A cookie with exactly these parts and a correct (or deliberately wrong) MAC."""
    mac = sign(hash_key, name, date, value_b64)
    if not good_mac:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return b64url(date + b"|" + value_b64 + b"|" + mac).decode("ascii")


def ctr(block_key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CTR as Go's cipher.NewCTR: the whole 16-byte IV is a big-endian counter."""
    ctx = Cipher(algorithms.AES(block_key), modes.CTR(iv)).encryptor()
    return ctx.update(data) + ctx.finalize()


def ctr_reference(block_key: bytes, iv: bytes, data: bytes) -> bytes:
    """The same, block by block, with the counter wrapping modulo 2**128 (as Go's does)."""
    ecb = Cipher(algorithms.AES(block_key), modes.ECB()).encryptor()
    counter = int.from_bytes(iv, "big")
    out = bytearray()
    for start in range(0, len(data), 16):
        keystream = ecb.update(counter.to_bytes(16, "big"))
        chunk = data[start : start + 16]
        out += bytes(a ^ b for a, b in zip(chunk, keystream, strict=False))
        counter = (counter + 1) % (1 << 128)
    return bytes(out)


def split(cookie: str) -> tuple[bytes, bytes, bytes]:
    """``(date, value_b64, mac)`` of a cookie."""
    date, value_b64, mac = unb64url(cookie).split(b"|", 2)
    return date, value_b64, mac
