"""Every built-in server-side store, and the docs' custom backend, runs the conformance kit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import redis
import redis.asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

import websessions as ws
from websessions.testing import StoreConformance, StoreFactory

from .custom_backend import SQLiteBackend
from .servers import RedisCluster, RedisServer

SYNC_ONLY: Any = pytest.fixture(params=["sync"])
ASYNC_ONLY: Any = pytest.fixture(params=["async"])
TIMEOUTS: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 5}


def _api(self: object, request: pytest.FixtureRequest) -> str:
    return str(request.param)


class TestMemoryStore(StoreConformance):
    @pytest.fixture
    def make_store(self) -> StoreFactory:
        stores: list[ws.MemoryStore] = []

        def make(*keys: bytes | None, **settings: Any) -> ws.MemoryStore:
            # One process, one dict: every store of a test shares the first one's backend.
            store = ws.MemoryStore(*keys, **settings)
            if stores:
                store.backend = stores[0].backend
                store.backend.clock = settings.get("clock", store.backend.clock)  # type: ignore[attr-defined]
            stores.append(store)
            return store

        return make


class TestFilesystemStore(StoreConformance):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> StoreFactory:
        return lambda *keys, **settings: ws.FilesystemStore(tmp_path, *keys, **settings)


class TestDocsCustomBackend(StoreConformance):
    purges = False

    @pytest.fixture
    def make_store(self, tmp_path: Path) -> Iterator[StoreFactory]:
        backend = SQLiteBackend(str(tmp_path / "sessions.db"))
        yield lambda *keys, **settings: ws.ServerSideStore(backend, *keys, **settings)
        backend.db.close()


# -- SQL ---------------------------------------------------------------------------


def _sql_factory(engine: Any, table_name: str) -> StoreFactory:
    return lambda *keys, **settings: ws.SQLStore(engine, *keys, table_name=table_name, **settings)


def _direct_sql_factory(engine: Any, table_name: str) -> StoreFactory:
    """Stores whose statements go straight to the SQLite driver (checked)."""

    def make(*keys: bytes | None, **settings: Any) -> ws.SQLStore:
        store = ws.SQLStore(engine, *keys, table_name=table_name, **settings)
        assert store.sql._direct_sql is not None
        return store

    return make


class TestSQLiteFile(StoreConformance):
    engine_options: ClassVar[dict[str, Any]] = {}
    factory = staticmethod(_sql_factory)

    @pytest.fixture
    def make_store(self, tmp_path: Path, table_name: str) -> Iterator[StoreFactory]:
        url = f"sqlite:///{tmp_path / 'sessions.db'}"
        engine = sa.create_engine(url, **self.engine_options)
        yield self.factory(engine, table_name)
        engine.dispose()


class TestSQLiteMemory(StoreConformance):
    engine_options: ClassVar[dict[str, Any]] = {}
    factory = staticmethod(_sql_factory)

    @pytest.fixture
    def make_store(self, table_name: str) -> Iterator[StoreFactory]:
        engine = sa.create_engine(
            "sqlite://",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            **self.engine_options,
        )
        yield self.factory(engine, table_name)
        engine.dispose()


# Autocommit engines, as from_url makes them: the direct-to-driver path.


class TestSQLiteFileAutocommit(TestSQLiteFile):
    engine_options: ClassVar[dict[str, Any]] = {"isolation_level": "AUTOCOMMIT"}
    factory = staticmethod(_direct_sql_factory)


class TestSQLiteMemoryAutocommit(TestSQLiteMemory):
    engine_options: ClassVar[dict[str, Any]] = {"isolation_level": "AUTOCOMMIT"}
    factory = staticmethod(_direct_sql_factory)


class TestSQLiteAsync(StoreConformance):
    api = ASYNC_ONLY(_api)

    @pytest.fixture
    async def make_store(self, tmp_path: Path, table_name: str) -> AsyncIterator[StoreFactory]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'sessions.db'}")
        yield _sql_factory(engine, table_name)
        await engine.dispose()


class TestPostgreSQL(StoreConformance):
    @pytest.fixture
    def make_store(self, pg_database: sa.URL, table_name: str) -> Iterator[StoreFactory]:
        engine = sa.create_engine(pg_database)
        yield _sql_factory(engine, table_name)
        engine.dispose()


class TestPostgreSQLAsync(StoreConformance):
    api = ASYNC_ONLY(_api)

    @pytest.fixture
    async def make_store(self, pg_database: sa.URL, table_name: str) -> AsyncIterator[StoreFactory]:
        engine = create_async_engine(pg_database.set(drivername="postgresql+asyncpg"))
        yield _sql_factory(engine, table_name)
        await engine.dispose()


class TestMariaDB(StoreConformance):
    @pytest.fixture
    def make_store(self, mysql_database: sa.URL, table_name: str) -> Iterator[StoreFactory]:
        engine = sa.create_engine(mysql_database)
        yield _sql_factory(engine, table_name)
        engine.dispose()


class TestMariaDBAsync(StoreConformance):
    api = ASYNC_ONLY(_api)

    @pytest.fixture
    async def make_store(
        self, mysql_database: sa.URL, table_name: str
    ) -> AsyncIterator[StoreFactory]:
        engine = create_async_engine(mysql_database.set(drivername="mysql+aiomysql"))
        yield _sql_factory(engine, table_name)
        await engine.dispose()


# -- Redis -------------------------------------------------------------------------


class TestRedis(StoreConformance):
    purges = False

    @pytest.fixture
    def make_store(self, redis_server: RedisServer, prefix: str) -> Iterator[StoreFactory]:
        client = redis.Redis.from_url(redis_server.url, **TIMEOUTS)
        yield lambda *keys, **settings: ws.RedisStore(client, *keys, prefix=prefix, **settings)
        client.close()


class TestRedisAsync(StoreConformance):
    purges = False
    api = ASYNC_ONLY(_api)

    @pytest.fixture
    async def make_store(
        self, redis_server: RedisServer, prefix: str
    ) -> AsyncIterator[StoreFactory]:
        client = redis.asyncio.Redis.from_url(redis_server.url, **TIMEOUTS)
        yield lambda *keys, **settings: ws.RedisStore(
            client, *keys, prefix=prefix, timeout=5, **settings
        )
        await client.aclose()


class TestRedisCluster(StoreConformance):
    purges = False

    @pytest.fixture
    def make_store(self, redis_cluster: RedisCluster, prefix: str) -> Iterator[StoreFactory]:
        client = redis.RedisCluster.from_url(redis_cluster.url, **TIMEOUTS)
        yield lambda *keys, **settings: ws.RedisStore(client, *keys, prefix=prefix, **settings)
        client.close()


class TestRedisClusterAsync(StoreConformance):
    purges = False
    api = ASYNC_ONLY(_api)

    @pytest.fixture
    async def make_store(
        self, redis_cluster: RedisCluster, prefix: str
    ) -> AsyncIterator[StoreFactory]:
        client = redis.asyncio.RedisCluster.from_url(redis_cluster.url, **TIMEOUTS)
        yield lambda *keys, **settings: ws.RedisStore(
            client, *keys, prefix=prefix, timeout=5, **settings
        )
        await client.aclose()
