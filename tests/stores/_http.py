"""Requests and responses for store tests: real WSGI environs and header lists.

A WSGI environ is a request the plain-WSGI adapter reads (``HTTP_COOKIE``)
and keeps the per-request registry in; the list of ``(name, value)`` pairs a
WSGI app passes to ``start_response`` is the response. Nothing is mocked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from wsgiref.util import setup_testing_defaults

HASH_KEY = b"0123456789abcdef0123456789abcdef"
BLOCK_KEY = b"fedcba9876543210"
OTHER_HASH_KEY = b"another-hash-key-of-thirty-two-b"
OTHER_BLOCK_KEY = b"another-aes-key!"

Headers = list[tuple[str, str]]


def environ(*cookies: str) -> dict[str, Any]:
    """A GET request's environ carrying ``cookies`` (``name=value`` pairs) in one header."""
    env: dict[str, Any] = {}
    setup_testing_defaults(env)
    if cookies:
        env["HTTP_COOKIE"] = "; ".join(cookies)
    return env


def headers() -> Headers:
    """A WSGI response's header list, as passed to ``start_response``."""
    return []


def set_cookies(response: Headers) -> list[str]:
    return [value for name, value in response if name.lower() == "set-cookie"]


def cookie_pair(set_cookie: str) -> str:
    """What a browser sends back for a Set-Cookie header: its ``name=value``."""
    return set_cookie.split(";", 1)[0]


def cookie_value(set_cookie: str) -> str:
    return cookie_pair(set_cookie).split("=", 1)[1]


def attributes(set_cookie: str) -> dict[str, str]:
    """The attributes of a Set-Cookie header, lower-cased names (flags map to '')."""
    result: dict[str, str] = {}
    for part in set_cookie.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        result[name.lower()] = value
    return result


def browser(response: Headers) -> list[str]:
    """The ``name=value`` pairs a browser would send back after ``response``."""
    return [
        cookie_pair(header)
        for header in set_cookies(response)
        if attributes(header).get("max-age") != "0"
    ]


def forge(
    name: str,
    payload: bytes,
    *,
    hash_key: bytes = HASH_KEY,
    date: bytes | None = None,
) -> str:
    """A cookie signed by hand in gorilla's format around a raw ``payload`` (no encryption)."""
    stamp = b"%d" % int(time.time()) if date is None else date
    value_b64 = base64.urlsafe_b64encode(payload)
    mac = hmac.new(hash_key, name.encode() + b"|" + stamp + b"|" + value_b64, hashlib.sha256)
    return base64.urlsafe_b64encode(stamp + b"|" + value_b64 + b"|" + mac.digest()).decode()
