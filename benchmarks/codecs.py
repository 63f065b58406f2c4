"""Codec candidates: websessions' codecs next to the peers' and the floors.

Each group is one (operation, payload); its baseline is the floor: the least
work that could make such a cookie (json + HMAC-SHA256 + base64 for signed
values, AES-256-GCM for encrypted ones, orjson for the fast path).

The "sign" and "encrypt" rows of websessions are what a plain
``pip install websessions`` runs: the stdlib's json and base64 (binascii),
as the floors use. The "fast" rows are ``websessions[fast]``: orjson and
msgspec for JSON, pybase64 for base64; one more "sign" row shows what
pybase64 alone changes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from typing import Any

import websessions as ws
from benchmarks.harness import Candidate
from benchmarks.payloads import BLOCK_KEY, HASH_KEY, PAYLOADS

Pair = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _floor_sign() -> Pair:
    dumps = json.JSONEncoder(separators=(",", ":")).encode

    def enc(v: Any) -> bytes:
        body = base64.urlsafe_b64encode(dumps(v).encode())
        return body + b"." + base64.urlsafe_b64encode(hmac.digest(HASH_KEY, body, "sha256"))

    def dec(s: bytes) -> Any:
        body, _, mac = s.rpartition(b".")
        if not hmac.compare_digest(
            base64.urlsafe_b64decode(mac), hmac.digest(HASH_KEY, body, "sha256")
        ):
            raise ValueError
        return json.loads(base64.urlsafe_b64decode(body))

    return enc, dec


def _floor_gcm() -> Pair:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(BLOCK_KEY)
    dumps = json.JSONEncoder(separators=(",", ":")).encode

    def enc(v: Any) -> bytes:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + aead.encrypt(nonce, dumps(v).encode(), None))

    def dec(s: bytes) -> Any:
        raw = base64.urlsafe_b64decode(s)
        return json.loads(aead.decrypt(raw[:12], raw[12:], None))

    return enc, dec


def _floor_orjson() -> Pair | None:
    try:
        import orjson
    except ImportError:
        return None

    def enc(v: Any) -> bytes:
        body = base64.urlsafe_b64encode(orjson.dumps(v))
        return body + b"." + base64.urlsafe_b64encode(hmac.digest(HASH_KEY, body, "sha256"))

    def dec(s: bytes) -> Any:
        body, _, mac = s.rpartition(b".")
        if not hmac.compare_digest(
            base64.urlsafe_b64decode(mac), hmac.digest(HASH_KEY, body, "sha256")
        ):
            raise ValueError
        return orjson.loads(base64.urlsafe_b64decode(body))

    return enc, dec


def _ws(serializer: ws.Serializer | None, block: bytes | None = None) -> Pair:
    codec = ws.SecureCookie(HASH_KEY, block, serializer=serializer, max_length=0)
    return (lambda v: codec.encode("session", v)), (lambda s: codec.decode("session", s))


def _stdlib_base64(pair: Pair) -> Pair:
    """``pair`` with the codec's base64 done by binascii, as without pybase64 installed.

    The codec picks its base64 functions at import; each call here swaps the
    stdlib's in and back (a few hundred instructions of some 60,000).
    """
    from websessions import codec

    stdlib = (codec._b64encode_stdlib, codec._b64decode_stdlib)

    def with_stdlib(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def call(value: Any) -> Any:
            saved = codec._b64encode, codec._b64decode
            codec._b64encode, codec._b64decode = stdlib
            try:
                return fn(value)
            finally:
                codec._b64encode, codec._b64decode = saved

        return call

    enc, dec = pair
    return with_stdlib(enc), with_stdlib(dec)


def _ws_stdlib(serializer: ws.Serializer | None, block: bytes | None = None) -> Pair:
    return _stdlib_base64(_ws(serializer, block))


def _flask() -> Pair:
    from flask.json.tag import TaggedJSONSerializer
    from itsdangerous import URLSafeTimedSerializer

    s = URLSafeTimedSerializer(
        HASH_KEY.hex(),
        salt="cookie-session",
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    return s.dumps, (lambda v: s.loads(v, max_age=86400 * 31))


def _starlette() -> Pair:
    import itsdangerous

    signer = itsdangerous.TimestampSigner(HASH_KEY.hex())

    def enc(v: Any) -> bytes:
        return signer.sign(base64.b64encode(json.dumps(v).encode("utf-8")))

    def dec(s: bytes) -> Any:
        return json.loads(base64.b64decode(signer.unsign(s, max_age=14 * 86400)))

    return enc, dec


def _django() -> Pair:
    from django.conf import settings

    if not settings.configured:
        settings.configure(SECRET_KEY=HASH_KEY.hex())
    from django.core import signing

    salt = "django.contrib.sessions.backends.signed_cookies"

    def enc(v: Any) -> str:
        return signing.dumps(v, salt=salt, serializer=signing.JSONSerializer, compress=True)

    def dec(s: str) -> Any:
        return signing.loads(s, salt=salt, serializer=signing.JSONSerializer, max_age=1209600)

    return enc, dec


def _aiohttp_session() -> Pair:
    # aiohttp-session's EncryptedCookieStorage: Fernet over json.dumps of
    # {"created": ..., "session": ...}.
    import time

    from cryptography.fernet import Fernet

    fernet = Fernet(base64.urlsafe_b64encode(BLOCK_KEY))

    def enc(v: Any) -> bytes:
        return fernet.encrypt(json.dumps({"created": int(time.time()), "session": v}).encode())

    def dec(s: bytes) -> Any:
        return json.loads(fernet.decrypt(s, ttl=86400 * 30).decode())["session"]

    return enc, dec


def candidates() -> list[Candidate]:
    std_default = ws.DefaultSerializer(fast=False)
    std_json = ws.JSONSerializer(fast=False)
    makers: list[tuple[str, Callable[[], Pair | None], str]] = [
        ("floor: json+HMAC-SHA256+base64", _floor_sign, "sign"),
        ("websessions (default serializer)", lambda: _ws_stdlib(std_default), "sign"),
        ("websessions (gorilla JSON)", lambda: _ws_stdlib(std_json), "sign"),
        ("websessions (gob)", lambda: _ws_stdlib(ws.GobSerializer()), "sign"),
        ("websessions (default serializer) + pybase64", lambda: _ws(std_default), "sign"),
        ("Flask (itsdangerous + TaggedJSON)", _flask, "sign"),
        ("Starlette SessionMiddleware scheme", _starlette, "sign"),
        ("Django signing (cookie sessions)", _django, "sign"),
        ("floor: json+AES-256-GCM", _floor_gcm, "encrypt"),
        (
            "websessions hash+AES-256 (default)",
            lambda: _ws_stdlib(std_default, BLOCK_KEY),
            "encrypt",
        ),
        (
            "websessions hash+AES-256 (gorilla JSON)",
            lambda: _ws_stdlib(std_json, BLOCK_KEY),
            "encrypt",
        ),
        ("aiohttp-session (Fernet)", _aiohttp_session, "encrypt"),
        ("floor: orjson+HMAC-SHA256+base64", _floor_orjson, "fast"),
        ("websessions fast path (default serializer)", lambda: _ws(ws.DefaultSerializer()), "fast"),
        ("websessions fast path (gorilla JSON)", lambda: _ws(ws.JSONSerializer()), "fast"),
    ]
    out: list[Candidate] = []
    for label, make, kind in makers:
        pair = make()
        if pair is None:
            continue
        enc, dec = pair
        for size, payload in PAYLOADS.items():
            token = enc(payload)
            out.append(
                Candidate(
                    f"encode {size} ({kind})",
                    label,
                    functools.partial(enc, payload),
                    baseline=label.startswith("floor"),
                )
            )
            out.append(
                Candidate(
                    f"decode {size} ({kind})",
                    label,
                    functools.partial(dec, token),
                    baseline=label.startswith("floor"),
                )
            )
    return out
