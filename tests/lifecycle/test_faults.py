"""Fault tests: the SQL server drops the store's connection while it is in use.

The server side kills the connection (PostgreSQL ``pg_terminate_backend``,
MariaDB ``KILL``), between two requests, between a request's load and its
save, or before a new session's first write. Each case asserts:

- nothing is lost or corrupted: the stored record is byte for byte the one
  before, a failed save sent no cookie and left no record;
- the next request works again (the pool replaces the dead connection) and
  the retried change lands;
- the request that met the dead connection got a ``StoreError`` whose
  message names the database, what failed and the server's reason.

Real servers, real drivers (psycopg and asyncpg, PyMySQL and aiomysql).

MariaDB meets the dead connection inside ``engine.connect()`` (SQLAlchemy
sets AUTOCOMMIT on it there), where the driver's own
``pymysql.err.OperationalError`` is not wrapped by SQLAlchemy: ``SQLBackend``
catches the driver's errors too, so it still becomes a ``StoreError``.
"""

from __future__ import annotations

import gc
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import websessions as ws
from websessions.testing import KEYS, Client

pytestmark = pytest.mark.asyncio

DRIVERS = {
    ("postgresql", "sync"): "postgresql+psycopg",
    ("postgresql", "async"): "postgresql+asyncpg",
    ("mariadb", "sync"): "mysql+pymysql",
    ("mariadb", "async"): "mysql+aiomysql",
}
# What the server says when it drops a connection, as the drivers report it.
DROPPED = (
    "terminating connection",  # PostgreSQL, psycopg
    "connection was closed",  # asyncpg
    "connection is closed",
    "server closed the connection",
    "lost connection",  # MariaDB (2013)
    "server has gone away",  # MariaDB (2006)
)

Scenario = Callable[[ws.SQLStore, sa.URL, str, str], Awaitable[BaseException | None]]


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(server: str, request: pytest.FixtureRequest) -> sa.URL:
    url: sa.URL = request.getfixturevalue("pg_url" if server == "postgresql" else "mysql_url")
    return url


@pytest.fixture
async def store(database: sa.URL, server: str, api: str) -> AsyncIterator[ws.SQLStore]:
    url = database.set(drivername=DRIVERS[server, api])
    engine: sa.Engine | AsyncEngine = (
        sa.create_engine(url) if api == "sync" else create_async_engine(url)
    )
    yield ws.SQLStore(engine, *KEYS, table_name=f"sessions_{uuid.uuid4().hex[:10]}")
    collect_stranded_connections()
    if isinstance(engine, AsyncEngine):
        await engine.dispose()
    else:
        engine.dispose()


def kill_connections(database: sa.URL, server: str) -> int:
    """Kill, from the server side, every connection to ``database``; return how many."""
    admin_url = database.set(database="test", drivername=DRIVERS[server, "sync"])
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if server == "postgresql":
                pids = conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database.database},
                ).scalars()
                killed = [
                    conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                    for pid in list(pids)
                ]
            else:
                ids = conn.execute(
                    sa.text(
                        "SELECT ID FROM information_schema.PROCESSLIST "
                        "WHERE DB = :db AND ID <> CONNECTION_ID()"
                    ),
                    {"db": database.database},
                ).scalars()
                killed = [conn.execute(sa.text(f"KILL {int(i)}")) for i in list(ids)]
        return len(killed)
    finally:
        admin.dispose()


def collect_stranded_connections(error: BaseException | None = None) -> None:
    """Free, now, a dead connection a raw driver error stranded outside the pool
    (MariaDB, see above), held by ``error``'s tracebacks: SQLAlchemy warns when it
    is collected, which must not land in whatever code runs when that happens."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while error is not None:
            error.__traceback__ = None
            error = error.__cause__ or error.__context__
        gc.collect()


async def caught(action: Awaitable[Any]) -> BaseException | None:
    """The exception ``action`` raised, without its tracebacks."""
    try:
        await action
    except Exception as exc:
        collect_stranded_connections(exc)
        return exc
    return None


async def save(client: Client, request: Any, headers: list[Any]) -> None:
    """Save one session the way an app does, into the response ``headers``."""
    if client.api == "sync":
        request.session.save(request.env, headers)
    else:
        await request.session.asave(request.env, headers)


def assert_clear(error: BaseException | None, store: ws.SQLStore, verb: str) -> None:
    assert isinstance(error, ws.StoreError), repr(error)
    message = str(error)
    assert f"cannot {verb} session" in message, message
    assert isinstance(store.backend, ws.stores.SQLBackend)
    assert store.backend.address in message, message
    assert any(reason in message.lower() for reason in DROPPED), message
    assert error.hint is not None


# -- the scenarios: each checks the data and the recovery, and returns the error met -------


async def killed_between_requests(
    store: ws.SQLStore, database: sa.URL, server: str, api: str
) -> BaseException | None:
    browser = Client(store, api)
    first = await browser.visit(user="ada", cart=[1])
    before = await browser.record(first.session.id)
    assert kill_connections(database, server) >= 1  # the pooled one the store used

    error = await caught(browser.open())
    assert error is not None

    request = await browser.open()  # the next request works again
    assert request.session.values == {"user": "ada", "cart": [1]}
    assert await browser.record(first.session.id) == before
    request.session.values["cart"].append(2)
    await browser.commit(request)
    assert (await browser.open()).session.values == {"user": "ada", "cart": [1, 2]}
    return error


async def killed_between_load_and_save(
    store: ws.SQLStore, database: sa.URL, server: str, api: str
) -> BaseException | None:
    browser = Client(store, api)
    first = await browser.visit(user="ada", cart=[1])
    before = await browser.record(first.session.id)
    request = await browser.open()
    request.session.values["cart"].append(2)
    assert kill_connections(database, server) >= 1

    headers: list[Any] = []
    error = await caught(save(browser, request, headers))
    assert error is not None
    assert headers == []

    retry = await browser.open()  # nothing half-written, nothing lost
    assert retry.session.values == {"user": "ada", "cart": [1]}
    assert await browser.record(first.session.id) == before
    retry.session.values["cart"].append(2)
    await save(browser, retry, headers)
    assert len(headers) == 1
    assert (await browser.open()).session.values == {"user": "ada", "cart": [1, 2]}
    return error


async def killed_before_a_first_write(
    store: ws.SQLStore, database: sa.URL, server: str, api: str
) -> BaseException | None:
    browser = Client(store, api)
    await browser.visit(warm="up")  # a pooled connection to kill
    browser.cookies.clear()
    request = await browser.open()
    request.session.values["user"] = "bob"
    assert kill_connections(database, server) >= 1

    headers: list[Any] = []
    error = await caught(save(browser, request, headers))
    assert error is not None
    assert headers == []  # no cookie for a record that does not exist
    assert request.session.id is not None
    assert await browser.record(request.session.id) is None

    await browser.visit(user="bob")
    assert (await browser.open()).session.values == {"user": "bob"}
    return error


SCENARIOS: dict[str, tuple[Scenario, str]] = {
    "between-requests": (killed_between_requests, "load"),
    "between-load-and-save": (killed_between_load_and_save, "save"),
    "before-a-first-write": (killed_before_a_first_write, "save"),
}


@pytest.mark.parametrize("server", ["postgresql"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_a_killed_connection_loses_nothing_and_is_a_clear_store_error(
    store: ws.SQLStore, database: sa.URL, server: str, api: str, scenario: str
) -> None:
    run, verb = SCENARIOS[scenario]
    assert_clear(await run(store, database, server, api), store, verb)


@pytest.mark.parametrize("server", ["mariadb"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_a_killed_mariadb_connection_loses_nothing(
    store: ws.SQLStore, database: sa.URL, server: str, api: str, scenario: str
) -> None:
    run, _ = SCENARIOS[scenario]
    assert await run(store, database, server, api) is not None


@pytest.mark.parametrize("server", ["mariadb"])
@pytest.mark.parametrize("scenario", ["between-requests", "between-load-and-save"])
async def test_a_killed_mariadb_connection_is_a_clear_store_error(
    store: ws.SQLStore, database: sa.URL, server: str, api: str, scenario: str
) -> None:
    run, verb = SCENARIOS[scenario]
    assert_clear(await run(store, database, server, api), store, verb)
