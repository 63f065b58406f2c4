"""One user journey, run through every framework adapter.

Each framework's app routes every path to :func:`act` (or :func:`aact`),
which only uses the framework's own request object, then builds its own
response object with the returned body and saves every session into it
with ``ws.save`` / ``ws.asave``. The driver is the framework's real test
client with its real cookie jar; :func:`run` checks what a user sees.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Protocol

import websessions as ws
from tests.stores._http import BLOCK_KEY, HASH_KEY, attributes

MAIN = "main"
A = "prefs"
B = "auth"
NAMES = (MAIN, A, B)


@dataclasses.dataclass
class Stores:
    main: ws.Store
    a: ws.CookieStore
    b: ws.FilesystemStore


def make_stores(kind: str, tmp_path: Path) -> Stores:
    main: ws.Store
    if kind == "cookie":
        main = ws.CookieStore(HASH_KEY, BLOCK_KEY)
    else:
        main = ws.FilesystemStore(tmp_path / "main", HASH_KEY, BLOCK_KEY)
    return Stores(
        main=main,
        a=ws.CookieStore(HASH_KEY),
        b=ws.FilesystemStore(tmp_path / "b", HASH_KEY, BLOCK_KEY),
    )


def _step(path: str) -> tuple[str, str]:
    _, _, rest = path.partition("/")
    verb, _, arg = rest.partition("/")
    return verb, arg


def _respond(verb: str, arg: str, main: ws.Session, a: Any, b: Any) -> str:
    if verb == "set":
        main.values["v"] = arg
        return "ok"
    if verb == "get":
        return str(main.values.get("v", "-"))
    if verb == "flash":
        main.add_flash(arg)
        return "ok"
    if verb == "flashes":
        return ",".join(main.flashes())
    if verb == "two":
        assert a is not None
        assert b is not None
        if arg:
            a.values["x"] = arg
            b.values["x"] = arg.upper()
        return f"{a.values.get('x', '-')} {b.values.get('x', '-')}"
    if verb == "logout":
        main.options.max_age = -1
        return "bye"
    raise AssertionError(f"unknown step {verb!r}")


def act(stores: Stores, request: Any, path: str) -> str:
    """Handle ``path`` with the sync API; the caller then saves into its response."""
    verb, arg = _step(path)
    main = stores.main.get(request, MAIN)
    a = stores.a.get(request, A) if verb == "two" else None
    b = stores.b.get(request, B) if verb == "two" else None
    return _respond(verb, arg, main, a, b)


async def aact(stores: Stores, request: Any, path: str) -> str:
    """:func:`act` with the async API."""
    verb, arg = _step(path)
    main = await stores.main.aget(request, MAIN)
    a = await stores.a.aget(request, A) if verb == "two" else None
    b = await stores.b.aget(request, B) if verb == "two" else None
    return _respond(verb, arg, main, a, b)


class Driver(Protocol):
    async def get(self, path: str) -> str: ...

    def cookie_names(self) -> set[str]: ...


async def run(client: Driver, stores: Stores) -> None:
    """The journey: values across requests, flashes once, two sessions, logout."""
    # Reading a session that doesn't exist: a server-side store writes nothing;
    # a CookieStore sends the (empty) session back, as gorilla's does.
    assert await client.get("/get") == "-"
    if isinstance(stores.main, ws.ServerSideStore):
        assert client.cookie_names() == set()
    else:
        assert client.cookie_names() == {MAIN}

    # A value set in one request is read in the next.
    assert await client.get("/set/hello") == "ok"
    assert client.cookie_names() == {MAIN}
    assert await client.get("/get") == "hello"
    assert await client.get("/set/again") == "ok"
    assert await client.get("/get") == "again"

    # Flashes are shown once.
    assert await client.get("/flash/one") == "ok"
    assert await client.get("/flash/two") == "ok"
    assert await client.get("/flashes") == "one,two"
    assert await client.get("/flashes") == ""
    assert await client.get("/get") == "again"

    # Two more named sessions, from two stores, saved by one ws.save.
    assert await client.get("/two/x") == "x X"
    assert client.cookie_names() == {MAIN, A, B}
    assert await client.get("/two") == "x X"
    assert len(list(stores.b.path.iterdir())) == 1

    # Logout deletes the main cookie from the jar (and its record); the rest stay.
    assert await client.get("/logout") == "bye"
    assert client.cookie_names() == {A, B}
    assert await client.get("/get") == "-"
    assert await client.get("/two") == "x X"
    if isinstance(stores.main, ws.FilesystemStore):
        assert list(stores.main.path.iterdir()) == []


class Jar:
    """A minimal cookie jar for drivers without one: keeps values, honours Max-Age=0."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def header(self) -> str | None:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items()) or None

    def update(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            name, _, value = header.split(";", 1)[0].partition("=")
            if attributes(header).get("max-age") == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def cookie_names(self) -> set[str]:
        return set(self.cookies)
