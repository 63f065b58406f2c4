"""SQLStore beyond the kit: the table, its index, the documented migration, purge, errors."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

import websessions as ws
from websessions.testing import KEYS, Client, Clock

DOCS = Path(__file__).resolve().parents[2] / "docs" / "stores.md"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url: sa.URL | str = f"sqlite:///{tmp_path / 'db.sqlite'}"
    elif request.param == "postgresql":
        url = request.getfixturevalue("pg_database")
    else:
        url = request.getfixturevalue("mysql_database")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def migration(dialect: str, table_name: str) -> list[str]:
    """The DDL docs/stores.md gives for ``dialect``, for another table name."""
    text = DOCS.read_text()
    match = re.search(rf"<!-- ddl:{dialect} -->\s*```sql\n(.*?)```", text, re.S)
    assert match, f"docs/stores.md has no DDL block for {dialect}"
    sql = match.group(1).replace("websessions", table_name)
    return [s.strip() for s in sql.split(";") if s.strip()]


async def test_the_table_is_created_on_demand_with_an_indexed_expiry(
    engine: sa.Engine, table_name: str
) -> None:
    store = ws.SQLStore(engine, *KEYS, table_name=table_name)
    assert not sa.inspect(engine).has_table(table_name)
    await Client(store, "sync").visit(a=1)
    inspector = sa.inspect(engine)
    assert {c["name"] for c in inspector.get_columns(table_name)} == {
        "id",
        "data",
        "version",
        "expires_at",
    }
    assert [i["column_names"] for i in inspector.get_indexes(table_name)] == [["expires_at"]]


async def test_the_documented_migration_makes_a_working_table(
    engine: sa.Engine, table_name: str
) -> None:
    dialect = "mariadb" if engine.dialect.name in ("mysql", "mariadb") else engine.dialect.name
    with engine.begin() as conn:
        for statement in migration(dialect, table_name):
            conn.execute(sa.text(statement))
    store = ws.SQLStore(engine, *KEYS, table_name=table_name, create_table=False)
    browser = Client(store, "sync")
    await browser.visit(a=1)
    request = await browser.open()
    request.session.values["b"] = 2
    await browser.commit(request)
    assert (await browser.open()).session.values == {"a": 1, "b": 2}
    assert [i["column_names"] for i in sa.inspect(engine).get_indexes(table_name)] == [
        ["expires_at"]
    ]


async def test_without_the_table_the_error_says_how_to_make_it(
    engine: sa.Engine, table_name: str
) -> None:
    store = ws.SQLStore(engine, *KEYS, table_name=table_name, create_table=False)
    with pytest.raises(ws.StoreError, match=r"create it with store\.create_table"):
        await Client(store, "sync").open(cookie=f"session={_signed_id(store)}")
    store.create_table()
    assert (await Client(store, "sync").visit(a=1)).session.id is not None


def _signed_id(store: ws.SQLStore) -> str:
    return ws.encode_multi("session", ws.stores.new_session_id(), store.codecs)


async def test_purge_is_bounded_and_safe_from_several_workers(
    engine: sa.Engine, table_name: str
) -> None:
    clock = Clock()
    store = ws.SQLStore(engine, *KEYS, table_name=table_name, ttl=60, clock=clock)
    for n in range(30):
        await Client(store, "sync").visit(n=n)
    keep = await Client(store, "sync").visit(keep=True)
    clock.advance(61)
    store.sql.save(ws.stores.new_session_id(), b"fresh", 60)  # written after the advance
    assert store.purge_expired(limit=5) == 5
    counts: list[int] = []

    def worker() -> None:
        while removed := store.purge_expired(limit=4):
            counts.append(removed)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 26  # 31 expired, 5 gone before: each removed exactly once
    assert all(c <= 4 for c in counts)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT COUNT(*) FROM {table_name}")).scalar() == 1
    assert await Client(store, "sync").record(keep.session.id) is None


async def test_from_url_sqlite_in_memory_is_shared_by_threads() -> None:
    store = ws.SQLStore.from_url("sqlite://", *KEYS)
    try:
        browser = Client(store, "sync")
        await browser.visit(a=1)
        seen: list[object] = []
        thread = threading.Thread(target=lambda: seen.append(store.backend.load(_only_id(store))))
        thread.start()
        thread.join()
        assert seen != [None]
    finally:
        store.close()


def _only_id(store: ws.SQLStore) -> str:
    with store.sql.engine.connect() as conn:  # type: ignore[union-attr]
        return str(conn.execute(sa.select(store.sql.table.c.id)).scalar_one())


def test_an_in_memory_engine_that_would_split_per_thread_is_refused() -> None:
    engine = sa.create_engine("sqlite://")
    try:
        with pytest.raises(ws.UsageError, match="StaticPool"):
            ws.SQLStore(engine, *KEYS)
    finally:
        engine.dispose()


async def test_from_url_picks_an_async_engine_for_async_drivers(tmp_path: Path) -> None:
    store = ws.SQLStore.from_url(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", *KEYS)
    try:
        assert store.sql.is_async
        browser = Client(store, "async")
        await browser.visit(a=1)
        assert (await browser.open()).session.values == {"a": 1}
        with pytest.raises(ws.UsageError, match="use aget, asave"):
            store.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": browser.header()}, "session")
        assert await store.apurge_expired() == 0
    finally:
        await store.aclose()


async def test_an_unreachable_database_is_a_store_error_with_the_address() -> None:
    engine = sa.create_engine("postgresql+psycopg://postgres:secret@127.0.0.1:1/nowhere")
    store = ws.SQLStore(engine, *KEYS)
    try:
        with pytest.raises(ws.StoreError) as info:
            await Client(store, "sync").open(cookie=f"session={_signed_id(store)}")
        message = str(info.value)
        assert "127.0.0.1:1" in message
        assert "secret" not in message
        assert "is the database server running" in message
    finally:
        engine.dispose()


async def test_an_unreachable_database_async() -> None:
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    store = ws.SQLStore(engine, *KEYS)
    try:
        with pytest.raises(ws.StoreError, match="is the database server running"):
            await Client(store, "async").open(cookie=f"session={_signed_id(store)}")
    finally:
        await engine.dispose()


def test_the_table_joins_your_metadata_for_alembic() -> None:
    metadata = sa.MetaData()
    table = ws.stores.sessions_table(metadata, "my_sessions")
    assert metadata.tables["my_sessions"] is table
    assert table.c.id.primary_key


def test_not_an_engine_is_refused() -> None:
    with pytest.raises(ws.UsageError, match="needs a SQLAlchemy Engine"):
        ws.SQLStore("sqlite://", *KEYS)  # type: ignore[arg-type]


# -- SQLite: statements straight to the driver ---------------------------------------
# A sync SQLite engine in autocommit (as from_url makes it) runs load, save,
# save_if and delete on the driver, skipping SQLAlchemy's execution layer,
# while nothing watches the engine's statements.


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[ws.SQLStore]:
    store = ws.SQLStore.from_url(f"sqlite:///{tmp_path / 'db.sqlite'}", *KEYS)
    yield store
    store.close()


def _watch(engine: sa.Engine, seen: list[str]) -> Callable[..., None]:
    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement.split(maxsplit=1)[0])

    sa.event.listen(engine, "before_cursor_execute", record)
    return record


def test_sqlite_direct_statements_are_committed_at_once(
    sqlite_store: ws.SQLStore, tmp_path: Path
) -> None:
    import sqlite3

    backend = sqlite_store.sql
    assert backend._direct_sql is not None  # the direct path is the one under test
    other = sqlite3.connect(tmp_path / "db.sqlite")
    try:
        backend.save("a" * 43, b"one", 60)
        assert other.execute("SELECT data FROM websessions").fetchall() == [(b"one",)]
        assert backend.save_if("a" * 43, b"two", 60, b"one")
        assert not backend.save_if("a" * 43, b"three", 60, b"one")  # compare-and-set
        assert backend.load("a" * 43) == b"two"
        assert other.execute("SELECT data FROM websessions").fetchall() == [(b"two",)]
        backend.delete("a" * 43)
        assert backend.load("a" * 43) is None
        assert other.execute("SELECT count(*) FROM websessions").fetchall() == [(0,)]
    finally:
        other.close()


def test_other_engines_keep_sqlalchemys_execution(tmp_path: Path) -> None:
    transactional = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        assert ws.SQLStore(transactional, *KEYS).sql._direct_sql is None
    finally:
        transactional.dispose()


async def test_statement_events_and_echo_still_see_every_statement(
    sqlite_store: ws.SQLStore, caplog: pytest.LogCaptureFixture
) -> None:
    engine = sqlite_store.sql.engine
    assert isinstance(engine, sa.Engine)
    browser = Client(sqlite_store, "sync")
    await browser.visit(a=1)
    seen: list[str] = []
    record = _watch(engine, seen)  # added after the store was made
    await browser.visit(b=2)
    assert seen == ["SELECT", "UPDATE"]
    sa.event.remove(engine, "before_cursor_execute", record)
    await browser.visit(c=3)
    assert seen == ["SELECT", "UPDATE"]

    engine.echo = True
    try:
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"):
            await browser.visit(d=4)
    finally:
        engine.echo = False
    logged = {r.getMessage().split(maxsplit=1)[0] for r in caplog.records}
    assert {"SELECT", "UPDATE"} <= logged
    assert (await browser.open()).session.values == {"a": 1, "b": 2, "c": 3, "d": 4}


@pytest.mark.parametrize("path", ["direct", "SQLAlchemy"])
async def test_sqlite_errors_read_the_same_on_either_path(tmp_path: Path, path: str) -> None:
    store = ws.SQLStore.from_url(f"sqlite:///{tmp_path / 'db.sqlite'}", *KEYS)
    try:
        engine = store.sql.engine
        assert isinstance(engine, sa.Engine)
        browser = Client(store, "sync")
        await browser.visit(a=1)
        if path == "SQLAlchemy":
            _watch(engine, [])
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE websessions"))
        with pytest.raises(ws.StoreError) as info:
            await browser.open()
        assert "no such table: websessions" in str(info.value)
        assert "create it with store.create_table()" in str(info.value)
    finally:
        store.close()


@pytest.mark.parametrize("path", ["direct", "SQLAlchemy"])
async def test_an_unopenable_sqlite_file_reads_the_same_on_either_path(
    tmp_path: Path, path: str
) -> None:
    url = f"sqlite:///{tmp_path / 'no such directory' / 'db.sqlite'}"
    store = ws.SQLStore.from_url(url, *KEYS, create_table=False)
    try:
        assert isinstance(store.sql.engine, sa.Engine)
        if path == "SQLAlchemy":
            _watch(store.sql.engine, [])
        with pytest.raises(ws.StoreError) as info:
            await Client(store, "sync").open(cookie=f"session={_signed_id(store)}")
        assert "unable to open database file" in str(info.value)
        assert "is the database server running and reachable" in str(info.value)
    finally:
        store.close()


async def test_a_dead_sqlite_connection_leaves_the_pool(sqlite_store: ws.SQLStore) -> None:
    engine = sqlite_store.sql.engine
    assert isinstance(engine, sa.Engine)
    connections: list[Any] = []
    sa.event.listen(engine, "connect", lambda dbapi_conn, record: connections.append(dbapi_conn))
    engine.dispose()  # the pool reconnects, through the listener
    browser = Client(sqlite_store, "sync")
    await browser.visit(a=1)
    for conn in connections:
        conn.close()  # under the pool's feet
    with pytest.raises(ws.StoreError, match="closed database"):
        await browser.open()
    assert (await browser.open()).session.values == {"a": 1}
