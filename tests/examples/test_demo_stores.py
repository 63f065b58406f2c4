"""The demo on every store ``--store`` can name: a directory, ``memory:``, ``sqlite:///``, ``redis://``.

Through Werkzeug's test client, then as the real server (``python -m examples.demo``).
Redis: a redis-server of this module's own on a free loopback port (as the backend
tests do), and a key prefix of each test's own.
"""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from werkzeug.test import Client

import websessions as ws
from examples.demo import main, make_store
from examples.demo.app import CART, REMEMBER_ME, SESSION
from examples.demo.stores import REDIS_PREFIX, check_store, close_store

from ..backends.servers import RedisServer, free_port
from ._demo import KEYS, KEYS_TEXT, demo, login, post, running_demo, server_view, set_cookies, text

KINDS = ["directory", "memory", "sqlite", "redis"]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("demo-redis")).start()
    yield server
    server.stop()


@pytest.fixture
def prefix() -> str:
    return f"demo-test-{uuid.uuid4().hex[:12]}:"


def target_for(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """What ``--store`` would be given for a store of this kind."""
    if kind == "directory":
        return str(tmp_path / "sessions")
    if kind == "memory":
        return "memory:"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'sessions.db'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@pytest.fixture(params=KINDS)
def any_store(
    request: pytest.FixtureRequest, tmp_path: Path, prefix: str
) -> Iterator[ws.ServerSideStore]:
    store = make_store(target_for(request.param, tmp_path, request), KEYS, prefix=prefix)
    assert isinstance(store, ws.ServerSideStore)
    yield store
    close_store(store)


def test_make_store_reads_the_target(tmp_path: Path) -> None:
    cases: list[tuple[str | Path, type[ws.Store], str]] = [
        (
            tmp_path / "a",
            ws.FilesystemStore,
            f"FilesystemStore: one file per session in {tmp_path}/a",
        ),
        (str(tmp_path / "b"), ws.FilesystemStore, "FilesystemStore"),
        ("memory:", ws.MemoryStore, "MemoryStore"),
        (f"sqlite:///{tmp_path}/c.db", ws.SQLStore, f"SQLStore at sqlite:///{tmp_path}/c.db"),
        ("sqlite://", ws.SQLStore, "SQLStore at sqlite://"),
        ("redis://127.0.0.1:1/3", ws.RedisStore, "RedisStore at "),
        ("unix:///tmp/no-such.sock", ws.RedisStore, "RedisStore at "),
    ]
    for target, kind, described in cases:
        store = make_store(target, KEYS)
        try:
            assert type(store) is kind, target
            assert server_view(Client(demo(store)))["store"].startswith(described)
            assert store.options.secure is False  # the demo's default: plain http://
        finally:
            close_store(store)
    store = make_store("redis://127.0.0.1:1/3", KEYS)
    assert isinstance(store, ws.RedisStore)
    assert store.redis.prefix == REDIS_PREFIX
    assert store.redis.address.startswith("127.0.0.1:1")


def test_login_remember_me_and_logout_on_every_store(any_store: ws.ServerSideStore) -> None:
    client = Client(demo(any_store))
    client.get("/")
    before = server_view(client)["id"]
    assert any_store.backend.load(before) is not None

    response = login(client, remember=True)
    (header,) = set_cookies(response)
    assert f"Max-Age={REMEMBER_ME}" in header
    seen = server_view(client)
    after = seen["id"]
    assert after != before  # regenerate_id at login
    assert any_store.backend.load(before) is None
    assert seen["values['user']"] == "'alice'"
    assert seen["values['remember']"] == "True"
    assert "Logged in as <b>alice</b>" in text(client.get("/"))
    old_cookie = client.get_cookie(SESSION)
    assert old_cookie is not None

    response = post(client, "/logout")
    assert response.status_code == 303
    (header,) = set_cookies(response)
    assert f"Max-Age={86400 * 30}" in header  # the store's default again, not remember-me's
    assert any_store.backend.load(after) is None  # destroy() deleted the record
    page = text(client.get("/"))
    assert "You are logged out." in page
    assert "Not logged in." in page

    replay = Client(demo(any_store))
    replay.set_cookie(SESSION, old_cookie.value)
    seen = server_view(replay)
    assert seen["is_new"] == "True"
    assert seen["error"] == "SessionNotFound"


def test_a_browser_session_login_stays_one_on_every_store(any_store: ws.ServerSideStore) -> None:
    client = Client(demo(any_store))
    login(client, remember=False)
    for _ in range(2):
        response = client.get("/")
        assert "Logged in as <b>alice</b>" in text(response)
        (header,) = set_cookies(response)
        assert "Max-Age" not in header
        assert "Expires" not in header


def test_the_cart_is_in_its_cookie_whatever_the_login_store(any_store: ws.ServerSideStore) -> None:
    client = Client(demo(any_store))
    post(client, "/cart/add", product="tea")
    post(client, "/cart/add", product="tea")
    cart = server_view(client, "cart")
    assert cart["store"].startswith("CookieStore")
    assert cart["values['tea']"] == "2"
    session_id = server_view(client)["id"]
    record = any_store.backend.load(session_id)
    assert record is not None
    values = ws.decode_multi(SESSION, record.decode(), any_store.record_codecs)
    assert "tea" not in values
    cookie = client.get_cookie(CART)
    assert cookie is not None
    assert ws.decode_multi(CART, cookie.value, any_store.codecs) == {"tea": 2}


def test_redis_keys_are_under_the_prefix(redis_server: RedisServer, prefix: str) -> None:
    store = make_store(redis_server.url, KEYS, prefix=prefix)
    client = redis.Redis.from_url(redis_server.url)
    try:
        browser = Client(demo(store))
        browser.get("/")
        session_id = server_view(browser)["id"]
        assert client.keys(f"{prefix}*") == [f"{prefix}{session_id}".encode()]
        assert 0 < client.ttl(f"{prefix}{session_id}") <= 86400 * 30
    finally:
        client.close()
        close_store(store)


def test_check_store_fails_fast_when_the_backend_is_out_of_reach(tmp_path: Path) -> None:
    check_store(make_store(tmp_path / "s", KEYS))  # reachable: nothing happens
    store = make_store(f"redis://127.0.0.1:{free_port()}/0", KEYS)
    with pytest.raises(ws.StoreError):
        check_store(store)
    close_store(store)


@pytest.mark.parametrize(
    "target",
    [
        "redis://127.0.0.1:{port}/0",  # nothing listens there
        "sqlite:///{tmp_path}/no/such/dir/x.db",
        "nosuchdialect://x",
        "REDIS://127.0.0.1:{port}/0",  # schemes are lower case
    ],
)
def test_main_exits_with_a_message_for_a_store_it_cannot_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, target: str
) -> None:
    monkeypatch.setenv("WEBSESSIONS_KEYS", KEYS_TEXT)
    target = target.format(port=free_port(), tmp_path=tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["--port", "0", "--store", target])
    assert str(exc.value.code).startswith(f"cannot set up the session store {target!r}: ")


# -- the real server -------------------------------------------------------------


def visit_twice(url: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
    with opener.open(url, timeout=30) as response:
        assert "Visits in this session: 1" in response.read().decode()
        cookie = response.headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith(f"{SESSION}=")
    with opener.open(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=30) as r:
        assert "Visits in this session: 2" in r.read().decode()


def test_the_real_server_on_sqlite(tmp_path: Path) -> None:
    with running_demo(tmp_path, "--store", "sqlite:///demo.db") as (url, lines):
        assert any("SQLStore at sqlite:///demo.db" in line for line in lines)
        visit_twice(url)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            assert len(tables) == 1
            rows = connection.execute(sa.text(f"SELECT COUNT(*) FROM {tables[0]}")).scalar()
        assert rows == 1
    finally:
        engine.dispose()
    assert not (tmp_path / ".sessions").exists()


def test_the_real_server_on_redis(tmp_path: Path, redis_server: RedisServer, prefix: str) -> None:
    client = redis.Redis.from_url(redis_server.url)
    try:
        with running_demo(tmp_path, "--store", redis_server.url, "--prefix", prefix) as (url, _):
            visit_twice(url)
            assert len(client.keys(f"{prefix}*")) == 1
    finally:
        client.close()
    assert not (tmp_path / ".sessions").exists()


def test_the_real_server_in_memory(tmp_path: Path) -> None:
    with running_demo(tmp_path, "--store", "memory:") as (url, lines):
        assert any("MemoryStore" in line for line in lines)
        visit_twice(url)
    assert not (tmp_path / ".sessions").exists()
