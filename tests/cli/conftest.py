"""Shared pieces for the CLI tests: real keys, a runner, cookies made by real stores."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner, Result

import websessions as ws
from websessions.cli_app import cli


@dataclass
class Keys:
    hash_key: bytes
    block_key: bytes | None

    @property
    def text(self) -> str:
        """As the CLI takes them: ``hash[:block]`` in hex."""
        return self.hash_key.hex() + (":" + self.block_key.hex() if self.block_key else "")

    @property
    def pair(self) -> tuple[bytes, bytes | None]:
        return self.hash_key, self.block_key

    def secrets(self) -> list[str]:
        """Every text form a key could leak in."""
        import base64

        out = []
        for key in (self.hash_key, self.block_key):
            if key:
                out += [key.hex(), key.hex().upper(), base64.b64encode(key).decode()]
                out += [base64.urlsafe_b64encode(key).decode().rstrip("=")]
        return out


def make_keys(block: bool = True) -> Keys:
    return Keys(ws.generate_random_key(64), ws.generate_random_key(32) if block else None)


@pytest.fixture
def keys() -> Keys:
    return make_keys()


@pytest.fixture
def old_keys() -> Keys:
    return make_keys()


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """``run(*args, input=..., env=...)`` -> click Result, with WEBSESSIONS_* unset unless given."""

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        base: dict[str, str | None] = {
            "WEBSESSIONS_KEYS": None,
            "WEBSESSIONS_NEW_KEYS": None,
            "WEBSESSIONS_OLD_KEYS": None,
        }
        base.update(env or {})
        return CliRunner().invoke(cli, list(args), input=input, env=base, catch_exceptions=False)

    return invoke


def wsgi_request(cookie: str | None = None) -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET"}
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    return environ


def set_cookie_from(store: ws.Store, name: str, values: dict[Any, Any]) -> str:
    """Save ``values`` through a real store and return the Set-Cookie header value."""
    request = wsgi_request()
    session = store.get(request, name)
    session.values.update(values)
    headers: list[tuple[str, str]] = []
    session.save(request, headers)
    [(header, value)] = headers
    assert header == "Set-Cookie"
    return value


def cookie_value(set_cookie: str) -> str:
    """``name=value; Path=...`` -> ``value``."""
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def output_json(result: Result) -> Any:
    return json.loads(result.stdout)


def assert_no_secrets(result: Result, keys: Sequence[Keys]) -> None:
    text = result.stdout + result.stderr
    for k in keys:
        for secret in k.secrets():
            assert secret not in text
