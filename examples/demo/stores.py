"""Where the demo keeps its two sessions: ``--store`` for the login, the cookie for the cart."""

from __future__ import annotations

import os
from collections.abc import Sequence

import websessions as ws

DEFAULT_STORE = ".sessions"  # a directory: FilesystemStore
REDIS_PREFIX = "websessions-demo:"
CART_MAX_AGE = 7 * 86400  # the cart cookie lives a week


def make_store(
    target: str | os.PathLike[str],
    keys: Sequence[bytes | None],
    options: ws.Options | None = None,
    *,
    prefix: str = REDIS_PREFIX,
) -> ws.Store:
    """The store ``target`` names; the cookie holds a signed session ID, the values live there.

    - ``redis://host:port/db`` (``rediss://``, ``unix://``): :class:`~websessions.RedisStore`,
      its keys under ``prefix``;
    - ``memory:``: :class:`~websessions.MemoryStore`, lost when the process stops;
    - any other URL, ``sqlite:///sessions.db`` say: :class:`~websessions.SQLStore`
      (SQLAlchemy URLs: ``postgresql+psycopg://...`` works too);
    - anything else is a directory: :class:`~websessions.FilesystemStore`,
      one ``session_<ID>`` file per session.
    """
    # secure=False by default because this demo serves plain http://: see --secure.
    options = ws.Options(secure=False) if options is None else options
    text = os.fspath(target)
    scheme = text.partition("://")[0] if "://" in text else ""
    if scheme in ("redis", "rediss", "unix"):
        return ws.RedisStore.from_url(text, *keys, prefix=prefix, options=options)
    if text == "memory:":
        return ws.MemoryStore(*keys, options=options)
    if scheme:
        return ws.SQLStore.from_url(text, *keys, options=options)
    return ws.FilesystemStore(text, *keys, options=options)


def make_cart_store(keys: Sequence[bytes | None], options: ws.Options) -> ws.CookieStore:
    """The cart lives in its cookie (signed and encrypted): nothing on the server.

    Same keys as the login session: the cookie's name is part of what is signed,
    so neither cookie can stand in for the other.
    """
    store = ws.CookieStore(*keys, options=options)
    store.set_max_age(CART_MAX_AGE)
    return store


def describe(store: ws.Store) -> str:
    """Where ``store`` keeps sessions, in a few words."""
    if isinstance(store, ws.FilesystemStore):
        return f"FilesystemStore: one file per session in {store.path}"
    if isinstance(store, ws.RedisStore):
        return f"RedisStore at {store.redis.address}, keys {store.redis.prefix}<ID>"
    if isinstance(store, ws.SQLStore):
        return f"SQLStore at {store.sql.address}, table {store.sql.table.name}"
    if isinstance(store, ws.MemoryStore):
        return "MemoryStore: in this process's memory, gone when it stops"
    if isinstance(store, ws.CookieStore):
        return "CookieStore: the values are in the cookie, signed and encrypted"
    return type(store).__name__


def check_store(store: ws.Store) -> None:
    """Reach the backend once, so that a wrong URL fails at startup, not at the first request."""
    if isinstance(store, ws.ServerSideStore):
        store.backend.load("A" * 52)  # a valid ID no one has: StoreError if out of reach


def close_store(store: ws.Store) -> None:
    """Close the client or engine a Redis or SQL store made for itself."""
    if isinstance(store, ws.RedisStore | ws.SQLStore):
        store.close()
