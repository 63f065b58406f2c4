"""SQLStore: records in a SQL table through SQLAlchemy 2 Core (``websessions[sql]``).

SQLAlchemy is imported when a store is made, never by ``import websessions``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Unpack

from ..errors import StoreError, UsageError
from .backend import Backend
from .server import ServerSideSettings, ServerSideStore

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

DEFAULT_TABLE = "websessions"
DEFAULT_PURGE_LIMIT = 1000

Progress = Callable[[int, int], None]


def _sqlalchemy() -> Any:
    try:
        import sqlalchemy
        import sqlalchemy.ext.asyncio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UsageError("SQLStore needs SQLAlchemy 2: pip install 'websessions[sql]'") from exc
    return sqlalchemy


def sessions_table(metadata: sa.MetaData, name: str = DEFAULT_TABLE) -> sa.Table:
    """The sessions table, for ``metadata`` (add it to your Alembic metadata to migrate).

    ``id`` the session ID; ``data`` the encoded record; ``version`` a digest
    of ``data`` (the compare-and-set version); ``expires_at`` Unix seconds,
    indexed for :meth:`SQLStore.purge_expired`.
    """
    _sqlalchemy()
    import sqlalchemy
    from sqlalchemy.dialects import mysql

    sa = sqlalchemy
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "data",
            sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb"),
            nullable=False,
        ),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Index(f"ix_{name}_expires_at", "expires_at"),
    )


def _version(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _driver_error(engine: Any, name: str) -> tuple[type[BaseException], ...]:
    """The engine's driver's exception class ``name`` (a PEP 249 name), or none."""
    cls = getattr(getattr(engine.dialect, "loaded_dbapi", None), name, None)
    return (cls,) if isinstance(cls, type) else ()


def _in_memory_sqlite(url: sa.URL) -> bool:
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in str(url)


class SQLBackend(Backend):
    """Records as rows of one table; every call is one autocommit statement.

    ``engine`` is a SQLAlchemy ``Engine`` or ``AsyncEngine``: SQLite (the
    embedded default), PostgreSQL, MariaDB/MySQL or anything SQLAlchemy
    speaks. A sync engine also serves the async methods (in worker
    threads); an async engine serves only those. The table is created on
    first use unless ``create_table=False`` (then see :func:`sessions_table`
    and the migration in docs/stores.md). Compare-and-set is
    ``UPDATE ... WHERE id = ? AND version = ?``.

    Fastest with an engine of its own made with
    ``isolation_level="AUTOCOMMIT"`` (:meth:`SQLStore.from_url` makes it so):
    an engine shared with transactional code works too, at the cost of
    switching each pooled connection to autocommit and back per statement.
    """

    def __init__(
        self,
        engine: sa.Engine | AsyncEngine,
        *,
        table_name: str = DEFAULT_TABLE,
        schema: str | None = None,
        create_table: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        sa = _sqlalchemy()
        from sqlalchemy.ext.asyncio import AsyncEngine
        from sqlalchemy.pool import SingletonThreadPool

        self.is_async = isinstance(engine, AsyncEngine)
        if not self.is_async and not isinstance(engine, sa.Engine):
            raise UsageError(
                f"SQLStore needs a SQLAlchemy Engine or AsyncEngine, got a "
                f"{type(engine).__qualname__}"
            )
        memory = _in_memory_sqlite(engine.url)
        if memory and isinstance(engine.pool, SingletonThreadPool):
            raise UsageError(
                "an in-memory SQLite engine with the default pool gives every thread its own "
                "empty database; create it with poolclass=StaticPool and "
                "connect_args={'check_same_thread': False}, or use SQLStore.from_url('sqlite://')"
            )
        self.engine = engine
        self.clock = clock
        self.create_table = create_table
        self.table = sessions_table(sa.MetaData(schema=schema), table_name)
        self.address = engine.url.render_as_string(hide_password=True)
        # Every statement runs on its own in autocommit mode. An engine made
        # with isolation_level="AUTOCOMMIT" (as from_url makes them) has its
        # connections in that mode already; any other gets each pooled
        # connection switched to it and back at every use, which costs more
        # than the statement itself on SQLite.
        self._auto: Any = (
            engine
            if getattr(engine.dialect, "_on_connect_isolation_level", None) == "AUTOCOMMIT"
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._ready = not create_table
        self._ready_lock = threading.Lock()
        # One shared in-memory connection: one statement at a time.
        self._serial = threading.Lock() if memory and not self.is_async else None
        self._aserial = asyncio.Lock() if memory and self.is_async else None
        # The driver's own errors too: a connection the server killed can fail
        # while SQLAlchemy sets it up, before it wraps anything.
        self._errors: tuple[type[BaseException], ...] = (
            sa.exc.SQLAlchemyError,
            OSError,
            *_driver_error(engine, "Error"),
        )
        # Errors that say the database is out of reach, SQLAlchemy's and the
        # driver's own (unwrapped, as _direct raises them).
        self._down: tuple[type[BaseException], ...] = (
            sa.exc.OperationalError,
            sa.exc.InterfaceError,
            OSError,
            *_driver_error(engine, "OperationalError"),
        )
        self._text_data = engine.dialect.driver == "aiomysql"
        self._prepare()

    # -- plumbing ------------------------------------------------------------------

    def _error(self, verb: str, session_id: str | None, exc: BaseException) -> StoreError:
        sa = _sqlalchemy()
        what = f"session {session_id[:8]}..." if session_id else "sessions"
        text = str(exc).lower()
        if isinstance(exc, sa.exc.ProgrammingError | sa.exc.NoSuchTableError) or (
            "no such table" in text or "doesn't exist" in text or "does not exist" in text
        ):
            hint = (
                f"does the table {self.table.fullname!r} exist with the expected columns? "
                "create it with store.create_table() or the migration in the docs"
            )
        elif isinstance(exc, self._down):
            hint = "is the database server running and reachable, and does the database exist?"
        else:
            hint = "the database refused the statement; check its logs"
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0:1]
        return StoreError(
            f"database {self.address}: cannot {verb} {what}: {detail[0] if detail else exc!r}",
            hint=hint,
        )

    def _sync_only(self) -> None:
        if self.is_async:
            raise UsageError(
                f"this SQLStore has an async engine ({self.address}): use aget, asave and "
                "adestroy, or give it a sync Engine for sync code"
            )

    def _table_ready(self) -> None:
        """Create the table on first use, unless told not to (``create_table``)."""
        if not self._ready:
            with self._ready_lock:
                ready = self._ready
            if not ready:
                self.ensure_table()

    @contextlib.contextmanager
    def _connect(self, verb: str, session_id: str | None) -> Iterator[sa.Connection]:
        self._sync_only()
        try:
            self._table_ready()
            with self._serial or contextlib.nullcontext(), self._auto.connect() as conn:
                yield conn
        except self._errors as exc:
            raise self._error(verb, session_id, exc) from exc

    def _direct(
        self, verb: str, session_id: str, sql: tuple[str, tuple[str, ...]], params: dict[str, Any]
    ) -> Any:
        """Run one of the statements of :meth:`_direct_statements` on a pooled driver
        connection: the first row of a query, else the row count."""
        text, names = sql
        engine: Any = self.engine  # a sync Engine (see _direct_statements)
        try:
            self._table_ready()
            with self._serial or contextlib.nullcontext():
                # Checked out of the engine's pool and back: the pool's reset on
                # return (a rollback) drops a connection that died meanwhile.
                conn = engine.raw_connection()
                try:
                    cursor = conn.cursor()
                    try:
                        cursor.execute(text, [params[name] for name in names])
                        return cursor.fetchone() if cursor.description else cursor.rowcount
                    finally:
                        cursor.close()
                finally:
                    conn.close()
        except self._errors as exc:
            raise self._error(verb, session_id, exc) from exc

    def _shortcut(self, key: str) -> tuple[str, tuple[str, ...]] | None:
        """The direct statement for ``key`` if it may be used now, else None."""
        direct = self._direct_sql
        return None if direct is None or self._watched() else direct[key]

    def _watched(self) -> bool:
        """Whether something sees the engine's statements (echo or its logger at INFO,
        statement events): then they go through SQLAlchemy's execution layer, which feeds
        those, instead of straight to the driver."""
        engine: Any = self.engine  # a sync Engine here
        events = engine.dispatch
        return bool(
            events.before_execute
            or events.after_execute
            or events.before_cursor_execute
            or events.after_cursor_execute
            or getattr(events, "handle_error", None)
            or engine.logger.isEnabledFor(logging.INFO)
        )

    @contextlib.asynccontextmanager
    async def _aconnect(self, verb: str, session_id: str | None) -> AsyncIterator[AsyncConnection]:
        try:
            if not self._ready:
                await self.aensure_table()
            async with self._aserial or contextlib.nullcontext(), self._auto.connect() as conn:
                yield conn
        except self._errors as exc:
            raise self._error(verb, session_id, exc) from exc

    # -- the table -----------------------------------------------------------------

    def ensure_table(self) -> None:
        """Create the table and its index if they don't exist (sync engines)."""
        self._sync_only()
        with self._ready_lock:
            sa = _sqlalchemy()
            try:
                self.table.metadata.create_all(self.engine, tables=[self.table])  # type: ignore[arg-type]
            except sa.exc.DBAPIError:
                # Several processes may race to create it: fine if one of them did.
                if not sa.inspect(self.engine).has_table(self.table.name, self.table.schema):
                    raise
            self._ready = True

    async def aensure_table(self) -> None:
        """Create the table and its index if they don't exist (async engines)."""
        if not self.is_async:
            await asyncio.to_thread(self.ensure_table)
            return
        sa = _sqlalchemy()

        def create(conn: Any) -> None:
            self.table.metadata.create_all(conn, tables=[self.table])

        def exists(conn: Any) -> bool:
            return bool(sa.inspect(conn).has_table(self.table.name, self.table.schema))

        engine: Any = self.engine
        try:
            async with engine.begin() as conn:
                await conn.run_sync(create)
        except sa.exc.DBAPIError:
            async with engine.connect() as conn:
                if not await conn.run_sync(exists):
                    raise
        self._ready = True

    # -- statements (pure) ---------------------------------------------------------
    # Built once with bind parameters: executing the same statement object
    # reuses SQLAlchemy's compiled form without rebuilding or re-keying it.

    def _prepare(self) -> None:
        sa = _sqlalchemy()
        t = self.table
        p = sa.bindparam
        values = {
            "id": p("p_id"),
            # Typed as the column; text for aiomysql (see _data).
            "data": p("p_data", type_=sa.Text() if self._text_data else t.c.data.type),
            "version": p("p_version"),
            "expires_at": p("p_expires"),
        }
        changed = {k: v for k, v in values.items() if k != "id"}
        self._stmt_select = sa.select(t.c.data).where(
            t.c.id == p("p_id"), t.c.expires_at > p("p_now")
        )
        self._stmt_update = sa.update(t).where(t.c.id == p("p_id")).values(changed)
        self._stmt_update_if = (
            sa.update(t)
            .where(t.c.id == p("p_id"), t.c.version == p("p_expected"), t.c.expires_at > p("p_now"))
            .values(changed)
        )
        self._stmt_insert = sa.insert(t).values(values)
        self._stmt_delete = sa.delete(t).where(t.c.id == p("p_id"))
        # INSERT ... ON CONFLICT where the dialect has it; else None, and save()
        # does UPDATE, then INSERT if there was no row.
        self._stmt_upsert: Any = None
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg = pg_insert(t).values(values)
            self._stmt_upsert = pg.on_conflict_do_update(
                index_elements=[t.c.id], set_={c: pg.excluded[c] for c in changed}
            )
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            lite = sqlite_insert(t).values(values)
            self._stmt_upsert = lite.on_conflict_do_update(
                index_elements=[t.c.id], set_={c: lite.excluded[c] for c in changed}
            )
        elif dialect in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            my = mysql_insert(t).values(values)
            self._stmt_upsert = my.on_duplicate_key_update({c: my.inserted[c] for c in changed})

        self._direct_sql = self._direct_statements()

    def _direct_statements(self) -> dict[str, tuple[str, tuple[str, ...]]] | None:
        """The load, save, save_if and delete statements as the driver's SQL and parameter
        order, where they can skip SQLAlchemy's execution layer; else None.

        That layer (a Connection per call, the compiled-statement cache, result
        wrapping) costs more than SQLite's own work on a session-sized row. It is
        skipped only where it adds nothing: a sync SQLite engine whose connections
        are autocommit already (as :meth:`SQLStore.from_url` makes them), where
        the table's columns need no bind or result conversion beyond the
        driver's own; and only while nothing watches its statements
        (:meth:`_watched`).
        """
        engine = self.engine
        if (
            self.is_async
            or self._auto is not engine
            or engine.dialect.name != "sqlite"
            or engine.dialect.paramstyle != "qmark"
        ):
            return None
        statements = {
            "load": self._stmt_select,
            "save": self._stmt_upsert,
            "save_if": self._stmt_update_if,
            "delete": self._stmt_delete,
        }
        out = {}
        for key, statement in statements.items():
            compiled = statement.compile(dialect=engine.dialect)
            if compiled.positiontup is None:
                return None
            out[key] = (compiled.string, tuple(compiled.positiontup))
        return out

    def _data(self, data: bytes) -> bytes | str:
        """``data`` as its bind value.

        aiomysql 0.3 cannot send bytes with PyMySQL 1.2 (it imports an escape
        function PyMySQL replaced by a string): records are ASCII, so send
        them as text there; the server stores the same bytes in the BLOB.
        """
        if self._text_data and data.isascii():
            return data.decode("ascii")
        return data

    def _row(self, session_id: str, data: bytes, ttl: int) -> dict[str, Any]:
        return {
            "p_id": session_id,
            "p_data": self._data(data),
            "p_version": _version(data),
            "p_expires": int(self.clock()) + ttl,
        }

    def _expired(self, limit: int) -> tuple[Any, int]:
        sa = _sqlalchemy()
        t = self.table
        now = int(self.clock())
        return sa.select(t.c.id).where(t.c.expires_at <= now).limit(limit), now

    def _purge(self, ids: list[str], now: int) -> Any:
        sa = _sqlalchemy()
        t = self.table
        # Re-checked: a record re-written since the SELECT stays.
        return sa.delete(t).where(t.c.id.in_(ids), t.c.expires_at <= now)

    # -- sync ----------------------------------------------------------------------

    def _select_params(self, session_id: str) -> dict[str, Any]:
        return {"p_id": session_id, "p_now": int(self.clock())}

    def _update_if_params(
        self, session_id: str, data: bytes, ttl: int, expected: bytes
    ) -> dict[str, Any]:
        params = self._row(session_id, data, ttl)
        params["p_expected"] = _version(expected)
        params["p_now"] = params["p_expires"] - ttl
        return params

    def load(self, session_id: str) -> bytes | None:
        if (sql := self._shortcut("load")) is not None:
            row = self._direct("load", session_id, sql, self._select_params(session_id))
            return None if row is None else bytes(row[0])
        with self._connect("load", session_id) as conn:
            row = conn.execute(self._stmt_select, self._select_params(session_id)).first()
        return None if row is None else bytes(row[0])

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        sa = _sqlalchemy()
        params = self._row(session_id, data, ttl)
        if (sql := self._shortcut("save")) is not None:
            self._direct("save", session_id, sql, params)
            return
        with self._connect("save", session_id) as conn:
            if self._stmt_upsert is not None:
                conn.execute(self._stmt_upsert, params)
                return
            if conn.execute(self._stmt_update, params).rowcount:
                return
            try:
                conn.execute(self._stmt_insert, params)
            except sa.exc.IntegrityError:  # inserted meanwhile
                conn.execute(self._stmt_update, params)

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        params = self._update_if_params(session_id, data, ttl, expected)
        if (sql := self._shortcut("save_if")) is not None:
            return bool(self._direct("save", session_id, sql, params) == 1)
        with self._connect("save", session_id) as conn:
            result = conn.execute(self._stmt_update_if, params)
        return bool(result.rowcount == 1)

    def delete(self, session_id: str) -> None:
        if (sql := self._shortcut("delete")) is not None:
            self._direct("delete", session_id, sql, {"p_id": session_id})
            return
        with self._connect("delete", session_id) as conn:
            conn.execute(self._stmt_delete, {"p_id": session_id})

    def purge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Delete up to ``limit`` expired rows; return how many."""
        select, now = self._expired(limit)
        with self._connect("purge", None) as conn:
            ids = [row[0] for row in conn.execute(select)]
            removed = int(conn.execute(self._purge(ids, now)).rowcount) if ids else 0
        if progress is not None:
            progress(len(ids), len(ids))
        return removed

    # -- async ---------------------------------------------------------------------
    # A sync engine serves these in worker threads (Backend's defaults).

    async def aload(self, session_id: str) -> bytes | None:
        if not self.is_async:
            return await super().aload(session_id)
        async with self._aconnect("load", session_id) as conn:
            result = await conn.execute(self._stmt_select, self._select_params(session_id))
            row = result.first()
        return None if row is None else bytes(row[0])

    async def asave(self, session_id: str, data: bytes, ttl: int) -> None:
        if not self.is_async:
            return await super().asave(session_id, data, ttl)
        sa = _sqlalchemy()
        params = self._row(session_id, data, ttl)
        async with self._aconnect("save", session_id) as conn:
            if self._stmt_upsert is not None:
                await conn.execute(self._stmt_upsert, params)
                return None
            if (await conn.execute(self._stmt_update, params)).rowcount:
                return None
            try:
                await conn.execute(self._stmt_insert, params)
            except sa.exc.IntegrityError:
                await conn.execute(self._stmt_update, params)
        return None

    async def asave_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        if not self.is_async:
            return await super().asave_if(session_id, data, ttl, expected)
        params = self._update_if_params(session_id, data, ttl, expected)
        async with self._aconnect("save", session_id) as conn:
            result = await conn.execute(self._stmt_update_if, params)
        return bool(result.rowcount == 1)

    async def adelete(self, session_id: str) -> None:
        if not self.is_async:
            return await super().adelete(session_id)
        async with self._aconnect("delete", session_id) as conn:
            await conn.execute(self._stmt_delete, {"p_id": session_id})
        return None

    async def apurge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Async :meth:`purge_expired`."""
        if not self.is_async:
            return await asyncio.to_thread(self.purge_expired, limit=limit, progress=progress)
        select, now = self._expired(limit)
        async with self._aconnect("purge", None) as conn:
            ids = [row[0] for row in await conn.execute(select)]
            removed = int((await conn.execute(self._purge(ids, now))).rowcount) if ids else 0
        if progress is not None:
            progress(len(ids), len(ids))
        return removed


class SQLStore(ServerSideStore):
    """Sessions in a SQL table: ``SQLStore(engine, hash_key, block_key, ...)``.

    ``engine`` is a SQLAlchemy 2 ``Engine`` or ``AsyncEngine`` (see
    :class:`SQLBackend`); :meth:`from_url` makes one. Expired rows are
    invisible at once and deleted by :meth:`purge_expired`, which does a
    bounded amount of work per call; run it from cron, a timer, or
    ``websessions gc URL``.
    """

    def __init__(
        self,
        engine: sa.Engine | AsyncEngine,
        *key_pairs: bytes | None,
        table_name: str = DEFAULT_TABLE,
        schema: str | None = None,
        create_table: bool = True,
        **settings: Unpack[ServerSideSettings],
    ) -> None:
        backend = SQLBackend(
            engine,
            table_name=table_name,
            schema=schema,
            create_table=create_table,
            clock=settings.get("clock", time.time),
        )
        super().__init__(backend, *key_pairs, **settings)
        self._owns_engine = False

    @classmethod
    def from_url(
        cls,
        url: str,
        *key_pairs: bytes | None,
        table_name: str = DEFAULT_TABLE,
        schema: str | None = None,
        create_table: bool = True,
        engine_options: dict[str, Any] | None = None,
        **settings: Unpack[ServerSideSettings],
    ) -> SQLStore:
        """A store with its own engine for a SQLAlchemy ``url``; async drivers get an AsyncEngine.

        ``sqlite://`` (in memory) is set up to be shared by every thread; the
        engine's connections are in autocommit mode (``isolation_level``
        in ``engine_options`` overrides it). :meth:`close` (or
        :meth:`aclose`) disposes of the engine.
        """
        sa = _sqlalchemy()
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import StaticPool

        parsed = sa.make_url(url)
        options = dict(engine_options or {})
        options.setdefault("isolation_level", "AUTOCOMMIT")  # see SQLBackend
        if _in_memory_sqlite(parsed):
            options.setdefault("poolclass", StaticPool)
            options.setdefault("connect_args", {"check_same_thread": False})
        if parsed.get_dialect().is_async:
            engine: Any = create_async_engine(parsed, **options)
        else:
            engine = sa.create_engine(parsed, **options)
        store = cls(
            engine,
            *key_pairs,
            table_name=table_name,
            schema=schema,
            create_table=create_table,
            **settings,
        )
        store._owns_engine = True
        return store

    @property
    def sql(self) -> SQLBackend:
        """The backend, with its ``engine`` and ``table``."""
        assert isinstance(self.backend, SQLBackend)
        return self.backend

    def create_table(self) -> None:
        """Create the table and its index now, if missing (what the first use does)."""
        self.sql.ensure_table()

    async def acreate_table(self) -> None:
        """Async :meth:`create_table`."""
        await self.sql.aensure_table()

    def purge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Delete up to ``limit`` expired records; return how many (call again while == limit)."""
        if self.sql.is_async:  # for scripts and `websessions gc`: no loop is running
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return asyncio.run(self.apurge_expired(limit=limit, progress=progress))
            raise UsageError("this SQLStore has an async engine: await apurge_expired()")
        return self.sql.purge_expired(limit=limit, progress=progress)

    async def apurge_expired(
        self, *, limit: int = DEFAULT_PURGE_LIMIT, progress: Progress | None = None
    ) -> int:
        """Async :meth:`purge_expired`."""
        return await self.sql.apurge_expired(limit=limit, progress=progress)

    def close(self) -> None:
        """Dispose of the engine if :meth:`from_url` made it (sync engines)."""
        if self._owns_engine and not self.sql.is_async:
            self.sql.engine.dispose()

    async def aclose(self) -> None:
        """Dispose of the engine if :meth:`from_url` made it."""
        if self._owns_engine:
            engine: Any = self.sql.engine
            result = engine.dispose()
            if asyncio.iscoroutine(result):
                await result
