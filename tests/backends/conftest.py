"""Servers for the backend tests.

Redis: the tests start their own redis-server processes on free loopback
ports (one standalone, one 3-master cluster) and stop them by PID.
PostgreSQL and MariaDB: the servers this machine runs (override the admin
URLs with WEBSESSIONS_TEST_PG / WEBSESSIONS_TEST_MYSQL); each test run
creates a throwaway database on each and drops it at the end. An
unreachable server fails the tests with a message saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from .servers import RedisCluster, RedisServer

PG_ADMIN = os.environ.get(
    "WEBSESSIONS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MYSQL_ADMIN = os.environ.get("WEBSESSIONS_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    cluster = RedisCluster(tmp_path_factory.mktemp("cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server for this test alone (to kill and restart)."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own."""
    return f"t{uuid.uuid4().hex[:12]}:"


def _throwaway_database(admin_url: str, what: str, create: str, drop: str) -> Iterator[sa.URL]:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"websessions_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(create.format(name=name)))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(
            f"{what} at {admin.url.render_as_string(hide_password=True)} is not reachable "
            f"({exc.orig}); these tests need it running (CI machines run it)",
            pytrace=False,
        )
    try:
        yield admin.url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(drop.format(name=name)))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[sa.URL]:
    yield from _throwaway_database(
        PG_ADMIN, "PostgreSQL", "CREATE DATABASE {name}", "DROP DATABASE {name} WITH (FORCE)"
    )


@pytest.fixture(scope="session")
def mysql_database() -> Iterator[sa.URL]:
    yield from _throwaway_database(
        MYSQL_ADMIN, "MariaDB/MySQL", "CREATE DATABASE {name}", "DROP DATABASE {name}"
    )


@pytest.fixture
def table_name() -> str:
    """A table of this test's own."""
    return f"sessions_{uuid.uuid4().hex[:12]}"
