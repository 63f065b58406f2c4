"""aget / anew / asave give what get / new / save give, for both stores.

Each flow runs twice against real stores, once sync and once async, and the
two transcripts (values, flags, error classes, Set-Cookie attributes, files
on disk) must be equal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import websessions as ws
from websessions.stores import new_session_id

from ._http import (
    BLOCK_KEY,
    HASH_KEY,
    Headers,
    attributes,
    cookie_pair,
    environ,
    headers,
    set_cookies,
)

NAME = "sess"


def make_store(kind: str, path: Path) -> ws.Store:
    if kind == "cookie":
        return ws.CookieStore(HASH_KEY, BLOCK_KEY)
    return ws.FilesystemStore(path, HASH_KEY, BLOCK_KEY)


@pytest.fixture(params=["cookie", "filesystem"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


def snapshot(session: ws.Session) -> dict[str, Any]:
    return {
        "values": dict(session.values),
        "is_new": session.is_new,
        "has_id": session.id is not None,
        "error": type(session.error).__name__ if session.error else None,
        "max_age": session.options.max_age,
    }


def cookie_shape(response: Headers) -> list[dict[str, str]]:
    """The Set-Cookie headers minus what varies between runs (value, Expires)."""
    shapes = []
    for header in set_cookies(response):
        attrs = attributes(header)
        attrs.pop("expires", None)
        attrs["name"] = cookie_pair(header).split("=", 1)[0]
        attrs["empty"] = str(cookie_pair(header).endswith("="))
        shapes.append(attrs)
    return shapes


def disk(store: ws.Store) -> int:
    return len(list(store.path.iterdir())) if isinstance(store, ws.FilesystemStore) else 0


class Sync:
    def __init__(self, store: ws.Store) -> None:
        self.store = store

    async def get(self, req: Any, name: str = NAME) -> ws.Session:
        return self.store.get(req, name)

    async def new(self, req: Any, name: str = NAME) -> ws.Session:
        return self.store.new(req, name)

    async def save(self, req: Any, rsp: Any, session: ws.Session) -> None:
        session.save(req, rsp)

    async def save_all(self, req: Any, rsp: Any) -> None:
        ws.save(req, rsp)


class Async(Sync):
    async def get(self, req: Any, name: str = NAME) -> ws.Session:
        return await self.store.aget(req, name)

    async def new(self, req: Any, name: str = NAME) -> ws.Session:
        return await self.store.anew(req, name)

    async def save(self, req: Any, rsp: Any, session: ws.Session) -> None:
        await session.asave(req, rsp)

    async def save_all(self, req: Any, rsp: Any) -> None:
        await ws.asave(req, rsp)


Flow = Callable[[Sync], Awaitable[list[Any]]]


async def login_read_logout(api: Sync) -> list[Any]:
    out: list[Any] = []
    # 1: a new session with values and a flash.
    req, rsp = environ(), headers()
    session = await api.get(req)
    out.append(snapshot(session))
    session.values["user"] = "ada"
    session.add_flash("welcome")
    await api.save_all(req, rsp)
    out += [cookie_shape(rsp), disk(api.store)]
    cookie = cookie_pair(set_cookies(rsp)[0])

    # 2: read it back; the flash is consumed.
    req, rsp = environ(cookie), headers()
    session = await api.get(req)
    out.append(snapshot(session))
    out.append(session.flashes())
    assert await api.get(req) is session
    await api.save(req, rsp, session)
    out += [cookie_shape(rsp), disk(api.store)]
    cookie = cookie_pair(set_cookies(rsp)[0])

    # 3: new() decodes afresh and is not the registered one.
    req, rsp = environ(cookie), headers()
    registered = await api.get(req)
    fresh = await api.new(req)
    out += [snapshot(fresh), fresh is registered]
    registered.values["changed"] = True
    out.append(snapshot(await api.new(req)))

    # 4: logout.
    req, rsp = environ(cookie), headers()
    session = await api.get(req)
    session.options.max_age = -1
    await api.save(req, rsp, session)
    out += [cookie_shape(rsp), disk(api.store), snapshot(session)]

    # 5: the old cookie after logout.
    session = await api.get(environ(cookie))
    out.append(snapshot(session))
    return out


async def bad_and_empty(api: Sync) -> list[Any]:
    out: list[Any] = []
    for cookie in ("garbage", "AAAA", "A" * 5000, ""):
        req, rsp = environ(f"{NAME}={cookie}"), headers()
        session = await api.get(req)
        out.append(snapshot(session))
        await api.save_all(req, rsp)  # nothing to save for an empty new session...
        out += [cookie_shape(rsp), disk(api.store)]
    req, rsp = environ(), headers()
    session = await api.get(req)
    session.options.max_age = -1  # ...but a deletion is always sent
    await api.save_all(req, rsp)
    out += [cookie_shape(rsp), disk(api.store)]
    return out


async def stale_id(api: Sync) -> list[Any]:
    if not isinstance(api.store, ws.FilesystemStore):
        return []
    stale = new_session_id()
    req, rsp = environ(f"{NAME}={ws.encode_multi(NAME, stale, api.store.codecs)}"), headers()
    session = await api.get(req)
    out: list[Any] = [snapshot(session)]
    session.values["a"] = 1
    await api.save(req, rsp, session)
    out += [session.id != stale, disk(api.store), cookie_shape(rsp)]
    return out


@pytest.mark.parametrize("flow", [login_read_logout, bad_and_empty, stale_id])
async def test_async_matches_sync(kind: str, tmp_path: Path, flow: Flow) -> None:
    sync = await flow(Sync(make_store(kind, tmp_path / "sync")))
    asynchronous = await flow(Async(make_store(kind, tmp_path / "async")))
    assert asynchronous == sync
    if flow is login_read_logout:
        assert sync[0]["is_new"] is True
        assert sync[3]["values"] == {"user": "ada", "_flash": ["welcome"]}
        assert sync[4] == ["welcome"]


async def test_async_and_sync_read_each_others_sessions(kind: str, tmp_path: Path) -> None:
    store = make_store(kind, tmp_path)
    req, rsp = environ(), headers()
    (await store.aget(req, NAME)).values["by"] = "async"
    await ws.asave(req, rsp)
    assert store.get(environ(cookie_pair(set_cookies(rsp)[0])), NAME).values == {"by": "async"}

    req, rsp = environ(), headers()
    store.get(req, NAME).values["by"] = "sync"
    ws.save(req, rsp)
    back = await store.aget(environ(cookie_pair(set_cookies(rsp)[0])), NAME)
    assert back.values == {"by": "sync"}


async def test_concurrent_aget_in_one_request_is_one_session(kind: str, tmp_path: Path) -> None:
    store = make_store(kind, tmp_path)
    req, rsp = environ(), headers()
    (await store.aget(req, NAME)).values["n"] = 1
    await ws.asave(req, rsp)
    req = environ(cookie_pair(set_cookies(rsp)[0]))
    sessions = await asyncio.gather(*(store.aget(req, NAME) for _ in range(5)))
    assert all(s is sessions[0] for s in sessions)
    assert sessions[0].values == {"n": 1}
    assert ws.get_registry(req).sessions == {NAME: sessions[0]}


async def test_anew_does_not_register(kind: str, tmp_path: Path) -> None:
    store = make_store(kind, tmp_path)
    req = environ()
    await store.anew(req, NAME)
    assert ws.get_registry(req).sessions == {}
    with pytest.raises(ws.UsageError, match="invalid cookie name"):
        await store.anew(req, "bad name")
    with pytest.raises(ws.UsageError, match="invalid cookie name"):
        await store.aget(req, "bad;name")
