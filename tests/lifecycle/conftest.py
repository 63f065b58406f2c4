"""Databases for the fault tests: a throwaway database on each SQL server this machine runs.

The admin URLs are those of tests/backends (override them with
WEBSESSIONS_TEST_PG / WEBSESSIONS_TEST_MYSQL); an unreachable server fails
the tests with a message saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

PG_ADMIN = os.environ.get(
    "WEBSESSIONS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MYSQL_ADMIN = os.environ.get("WEBSESSIONS_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")
DROP = {"postgresql": "DROP DATABASE {name} WITH (FORCE)", "mysql": "DROP DATABASE {name}"}


def _database(admin_url: str) -> Iterator[sa.URL]:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"websessions_lc_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(
            f"{admin.url.render_as_string(hide_password=True)} is not reachable ({exc.orig}); "
            "the fault tests need it running (CI machines run it)",
            pytrace=False,
        )
    try:
        yield admin.url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(DROP[admin.dialect.name].format(name=name)))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[sa.URL]:
    yield from _database(PG_ADMIN)


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[sa.URL]:
    yield from _database(MYSQL_ADMIN)
