"""Shared pieces of the attack suite: real WSGI/ASGI requests, hand-made cookies, bombs.

Requests are plain WSGI environs (``HTTP_COOKIE``) or ASGI scopes (one
``cookie`` header per field); responses are the header lists an app passes
on. Hostile cookies are signed by hand with the test's own key
(:mod:`tests.core._wire`), so a valid MAC can wrap any payload.

This module imports nothing from pytest: ``python -m tests.security._attack``
runs the nesting bombs in a child process (see test_codec_attacks.py).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any
from wsgiref.util import setup_testing_defaults

import websessions as ws
from tests.core._wire import b64url, ctr, forge, sign, split, unb64url

HASH_KEY = b"security-suite-hash-key-32-bytes"
BLOCK_KEY = b"security-aes-key"  # 16 bytes: AES-128
OLD_HASH_KEY = b"old-rotated-out-hash-key-32bytes"
OLD_BLOCK_KEY = b"old-rotated-aes!"
ATTACKER_KEY = b"the-attackers-own-hash-key-32-by"
NAME = "sess"

Headers = list[tuple[str, str]]

__all__ = [
    "ATTACKER_KEY",
    "BLOCK_KEY",
    "HASH_KEY",
    "NAME",
    "OLD_BLOCK_KEY",
    "OLD_HASH_KEY",
    "asgi_scope",
    "b64url",
    "cookie_pair",
    "ctr",
    "environ",
    "forge",
    "gob_int",
    "gob_message",
    "gob_nested_slices",
    "gob_uint",
    "json_bombs",
    "now_stamp",
    "response",
    "serializers",
    "set_cookies",
    "sign",
    "signed",
    "split",
    "unb64url",
]


# -- requests and responses ---------------------------------------------------------


def environ(cookie_header: str | None = None) -> dict[str, Any]:
    """A GET request's WSGI environ with this raw Cookie header (None: no header)."""
    env: dict[str, Any] = {}
    setup_testing_defaults(env)
    if cookie_header is not None:
        env["HTTP_COOKIE"] = cookie_header
    return env


def asgi_scope(*cookie_fields: bytes) -> dict[str, Any]:
    """An ASGI HTTP scope with one ``cookie`` header field per argument."""
    return {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"host", b"example.com")] + [(b"cookie", f) for f in cookie_fields],
    }


def response() -> Headers:
    """A WSGI response's header list, as passed to ``start_response``."""
    return []


def set_cookies(response: Headers | list[tuple[bytes, bytes]]) -> list[str]:
    """The Set-Cookie header values of a WSGI or ASGI header list, as text."""
    out = []
    for name, value in response:
        text_name = name.decode("latin-1") if isinstance(name, bytes) else name
        if text_name.lower() == "set-cookie":
            out.append(value.decode("latin-1") if isinstance(value, bytes) else value)
    return out


def cookie_pair(set_cookie: str) -> str:
    """What a browser sends back for a Set-Cookie header: its ``name=value``."""
    return set_cookie.split(";", 1)[0]


# -- hand-made cookies -------------------------------------------------------------


def now_stamp(offset: int = 0) -> bytes:
    return b"%d" % (int(time.time()) + offset)


def signed(
    name: str,
    payload: bytes,
    *,
    hash_key: bytes = HASH_KEY,
    date: bytes | None = None,
) -> str:
    """A sign-only cookie with a valid MAC around any raw ``payload`` bytes."""
    return forge(name, now_stamp() if date is None else date, b64url(payload), hash_key=hash_key)


def serializers() -> dict[str, ws.Serializer]:
    """Every safe serializer, with and without the optional fast path.

    PickleSerializer is left out on purpose: a valid MAC on a pickle is code
    execution by design (its docstring says so), so "only DecodeError" cannot
    be promised for it.
    """
    return {
        "default": ws.DefaultSerializer(fast=False),
        "default-fast": ws.DefaultSerializer(fast=True),
        "json": ws.JSONSerializer(fast=False),
        "json-fast": ws.JSONSerializer(fast=True),
        "gob": ws.GobSerializer(),
    }


# -- payload bombs ---------------------------------------------------------------------


def gob_uint(n: int) -> bytes:
    """encoding/gob's unsigned int: one byte below 128, else -len then big-endian bytes."""
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([256 - len(raw)]) + raw


def gob_int(n: int) -> bytes:
    return gob_uint((~n << 1) | 1 if n < 0 else n << 1)


def gob_message(body: bytes) -> bytes:
    return gob_uint(len(body)) + body


def gob_nested_slices(levels: int) -> bytes:
    """A gob map ``{"x": [[[...nil...]]]}`` of ``levels`` nested ``[]interface {}``.

    Type 65 = map[interface {}]interface {}; type 66 = []interface {}, defined
    inline the first time, as Go's encoder writes them.
    """
    header = gob_int(-65) + bytes.fromhex("040102ff8200011001100000")
    body = bytearray(gob_int(65))
    body += b"\x00\x01"  # singleton delta, one map entry
    body += b"\x06string\x0c\x00\x00\x01x"  # key: interface holding string "x"
    type_name = b"[]interface {}"
    for level in range(levels):
        body += gob_uint(len(type_name)) + type_name
        if level == 0:
            body += gob_int(-66) + bytes.fromhex("020102ff840001100000") + b"\x00"
        body += gob_int(66) + b"\x00\x00\x01"  # byte count, singleton delta, one element
    body += b"\x00"  # nil at the bottom
    return gob_message(header) + gob_message(bytes(body))


def json_bombs(depth: int) -> dict[str, bytes]:
    """JSON-shaped nesting bombs, plain and in DefaultSerializer's tagged form."""
    return {
        "lists": b"[" * depth + b"]" * depth,
        "objects": b'{"a":' * depth + b"1" + b"}" * depth,
        "unclosed": b"[" * depth,
        "tagged-tuples": b"~" + b'{"~t":[' * depth + b"]}" * depth,
        "tagged-maps": b"~" + b'{"~m":[[1,' * depth + b"1" + b"]]}" * depth,
    }


def bombs(depth: int) -> dict[str, bytes]:
    return {**json_bombs(depth), "gob-slices": gob_nested_slices(depth)}


def run_bombs(depth: int) -> dict[str, str]:
    """Decode every bomb behind a valid MAC with every serializer: outcome by case."""
    outcome: dict[str, str] = {}
    for ser_name, serializer in serializers().items():
        codec = ws.SecureCookie(HASH_KEY, serializer=serializer, max_length=0)
        for bomb_name, payload in bombs(depth).items():
            try:
                codec.decode(NAME, signed(NAME, payload))
            except ws.DecodeError as exc:
                outcome[f"{ser_name}/{bomb_name}"] = "DecodeError:" + type(exc).__name__
            except BaseException as exc:  # what the test must never see
                outcome[f"{ser_name}/{bomb_name}"] = "ESCAPED:" + type(exc).__name__
            else:
                outcome[f"{ser_name}/{bomb_name}"] = "decoded"
    return outcome


if __name__ == "__main__":
    json.dump(run_bombs(int(sys.argv[1])), sys.stdout)
