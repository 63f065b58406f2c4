"""Server-side store candidates: each store next to its floor and to Flask-Session.

One call is one request of the SMALL session: load it for the request's
cookie, change one value (``visits += 1``, so every request writes) and
save it. websessions rows go through the public store API, as a WSGI app
does: ``store.get(environ, "session")`` with the ``Cookie`` header in a
fresh environ dict, then ``ws.save(environ, headers)`` into a headers list.

Each group's floor is the least I/O such a request could do on that backend,
with no cookie, no signing and no serialization; it reads the record and
writes one of the same length with other bytes:

- Redis: redis-py ``GET`` then ``SET key value EX ttl``, one round trip each
  (what the store does: a ``GET``, then one ``EVALSHA`` compare-and-set).
- Filesystem: ``os.open``/``os.read`` of the file, then a ``mkstemp`` temp
  file, ``os.write`` and ``os.replace`` over it.
- SQL: raw ``sqlite3`` ``SELECT`` then ``INSERT ... ON CONFLICT DO UPDATE``
  in autocommit mode, on a file; the store is ``SQLStore.from_url`` on
  another file of the same directory, both in WAL mode with
  ``synchronous=NORMAL`` (see :data:`SQLITE_PRAGMAS`).
- Memory: ``dict.get`` then a ``dict`` store.

Flask-Session 0.8 rows drive its session interface directly
(``open_session`` on a ``flask.Request`` made from the environ, change the
value, ``save_session`` into a fresh ``flask.Response``): the least of Flask
that Flask-Session needs. The "whole Flask request" group runs the same
view through a Flask app with Flask-Session, with websessions' Flask
integration, and bare (the floor), so the framework's cost is alike.

Files (the filesystem stores' directories, the SQLite databases) go to a
fresh directory under the system temp directory, or under
``$WEBSESSIONS_BENCH_DIR``: on a disk, renaming over a file and freeing the
old one cost the same in the floor and in the store, and can dwarf the rest;
on a tmpfs the figures show the work each does.

Redis: the benchmark starts its own ``redis-server`` on a free loopback
port (no persistence) and stops it when the process exits, so nothing else
on the machine shares it or its keys. Without a ``redis-server`` binary the
Redis groups are left out (with a note on stderr).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import websessions as ws
from benchmarks.harness import Candidate
from benchmarks.payloads import HASH_KEY, SMALL

if TYPE_CHECKING:
    from flask import Flask

NAME = "session"
TTL = 86400 * 30
FLOOR = "floor: "
OURS = "websessions "
GROUP = "store: {} (small)"

Request = Callable[[], object]

# Where the file and SQLite candidates write: the system temp directory
# unless this names another (a tmpfs, to leave the disk's flush times out).
BENCH_DIR = "WEBSESSIONS_BENCH_DIR"

_cleanups: list[Callable[[], None]] = []


@atexit.register
def _clean_up() -> None:
    while _cleanups:
        with contextlib.suppress(Exception):
            _cleanups.pop()()


def _temp_dir(kind: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"ws-bench-{kind}-", dir=os.environ.get(BENCH_DIR)))
    _cleanups.append(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


# -- websessions through the store API ----------------------------------------


def _seed(store: ws.Store) -> str:
    """The ``Cookie`` header value of a saved SMALL session of ``store``."""
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET"}
    session = store.get(environ, NAME)
    session.values.update(SMALL)
    headers: list[tuple[str, str]] = []
    ws.save(environ, headers)
    return headers[0][1].split(";", 1)[0]


def _ours(store: ws.Store) -> Request:
    cookie = _seed(store)

    def request() -> None:
        environ = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": cookie}
        session = store.get(environ, NAME)
        values = session.values
        values["visits"] = values.get("visits", 0) + 1
        headers: list[tuple[str, str]] = []
        ws.save(environ, headers)
        if not headers:
            raise AssertionError("no Set-Cookie")

    return request


def _records(store: ws.ServerSideStore) -> tuple[bytes, bytes]:
    """Two records as long as the store writes for SMALL, for the floors.

    A floor writes the one it did not read, so every write changes the
    stored bytes (SQLite, for one, skips rewriting identical rows).
    """
    codec = store.record_codecs[0]
    one, two = (codec.encode(NAME, {**SMALL, "visits": n}).encode() for n in (1000, 1001))
    assert len(one) == len(two)
    return one, two


# -- Flask-Session, driven through its session interface ----------------------


def _flask_app() -> Flask:
    from flask import Flask

    app = Flask("bench")
    app.secret_key = HASH_KEY
    app.config["SESSION_PERMANENT"] = True
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=TTL)
    return app


def _flask_session_interface(app: Flask, interface: Any) -> Request:
    """``open_session`` + change + ``save_session``, the least Flask around it."""
    from flask import Request as FlaskRequest

    response_class = app.response_class
    cookie_name = app.config["SESSION_COOKIE_NAME"]

    def once(cookie: str | None) -> Any:
        environ = {"REQUEST_METHOD": "GET", "SERVER_NAME": "localhost", "SERVER_PORT": "80"}
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        session = interface.open_session(app, FlaskRequest(environ))
        session["visits"] = session.get("visits", 0) + 1
        response = response_class()
        interface.save_session(app, session, response)
        return response

    seed = FlaskRequest({"REQUEST_METHOD": "GET"})
    session = interface.open_session(app, seed)
    session.update(SMALL)
    response = response_class()
    interface.save_session(app, session, response)
    cookie = f"{cookie_name}={response.headers['Set-Cookie'].split(';', 1)[0].split('=', 1)[1]}"

    def request() -> None:
        if "Set-Cookie" not in once(cookie).headers:
            raise AssertionError("no Set-Cookie")

    return request


# -- whole Flask requests -------------------------------------------------------


def _wsgi_get(app: Flask, path: str, cookie: str | None) -> list[tuple[str, str]]:
    """One GET of ``path`` through the WSGI app; the response headers."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    out: list[tuple[str, str]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        out.extend(headers)
        return out.append

    body = app(environ, start_response)
    for _ in body:
        pass
    body.close()  # type: ignore[attr-defined]
    return out


def _flask_request(app: Flask, *, with_session: bool = True) -> Request:
    """A GET of ``/`` that does ``session["visits"] += 1`` (or nothing, for the floor),
    carrying the cookie of a SMALL session seeded through the same app."""
    from flask import session

    def seed_view() -> str:
        if with_session:
            session.update(SMALL)
        return "ok"

    def view() -> str:
        if with_session:
            session["visits"] = session.get("visits", 0) + 1
        return "ok"

    app.add_url_rule("/seed", view_func=seed_view)
    app.add_url_rule("/", view_func=view)
    cookie = None
    if with_session:
        cookie = next(
            v.split(";", 1)[0] for k, v in _wsgi_get(app, "/seed", None) if k == "Set-Cookie"
        )

    def request() -> None:
        headers = _wsgi_get(app, "/", cookie)
        if with_session and not any(k == "Set-Cookie" for k, _ in headers):
            raise AssertionError("no Set-Cookie")

    return request


# -- Redis ------------------------------------------------------------------------


class _RedisServer:
    """A ``redis-server`` of the benchmark's own on a free loopback port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.dir = _temp_dir("redis")
        self.process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _cleanups.append(self.stop)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _redis_client(url: str) -> Any:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, socket_timeout=1.0, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 1)
    )


def _redis_floor(client: Any, records: tuple[bytes, bytes]) -> Request:
    key = "floor:" + "A" * 52
    one, two = records
    client.set(key, one, ex=TTL)
    get, set_ = client.get, client.set

    def request() -> None:
        set_(key, two if get(key) == one else one, ex=TTL)

    return request


def _redis_candidates() -> Iterable[Candidate]:
    try:
        server = _RedisServer()
    except FileNotFoundError:
        print("benchmarks.stores: no redis-server on PATH; Redis rows left out", file=sys.stderr)
        return
    group = GROUP.format("Redis")
    client = _redis_client(server.url)
    store = ws.RedisStore(client, HASH_KEY, prefix="ours:")
    yield Candidate(
        group,
        FLOOR + "GET + SET EX (redis-py)",
        _redis_floor(client, _records(store)),
        baseline=True,
    )
    yield Candidate(group, OURS + "RedisStore", _ours(store))
    from flask_session.redis import RedisSessionInterface  # type: ignore[import-untyped]

    app = _flask_app()
    interface = RedisSessionInterface(app, client=client, key_prefix="fs:")
    yield Candidate(
        group, "Flask-Session Redis (session interface)", _flask_session_interface(app, interface)
    )

    group = GROUP.format("Redis, whole Flask request")
    yield Candidate(
        group,
        FLOOR + "bare Flask route",
        _flask_request(_flask_app(), with_session=False),
        baseline=True,
    )
    app = _flask_app()
    from websessions.integrations.flask import Sessions

    Sessions(app, store=ws.RedisStore(client, HASH_KEY, prefix="flask-ours:"), permanent=True)
    yield Candidate(group, OURS + "Flask integration + RedisStore", _flask_request(app))
    from flask_session import Session  # type: ignore[import-untyped]

    app = _flask_app()
    app.config.update(SESSION_TYPE="redis", SESSION_REDIS=client, SESSION_KEY_PREFIX="flask-fs:")
    Session(app)
    yield Candidate(group, "Flask-Session Redis", _flask_request(app))


# -- filesystem ---------------------------------------------------------------------


def _fs_floor(directory: Path, records: tuple[bytes, bytes]) -> Request:
    path = str(directory / ("session_" + "A" * 52))
    one, two = records
    with open(path, "wb") as f:
        f.write(one)
    folder = str(directory)

    def request() -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            data = os.read(fd, 1 << 16)
        finally:
            os.close(fd)
        fd, tmp = tempfile.mkstemp(prefix=".session_", dir=folder)
        try:
            os.write(fd, two if data == one else one)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    return request


def _fs_candidates() -> Iterable[Candidate]:
    group = GROUP.format("filesystem")
    store = ws.FilesystemStore(_temp_dir("fs"), HASH_KEY)
    floor = _fs_floor(_temp_dir("fs-floor"), _records(store))
    yield Candidate(group, FLOOR + "os.read + mkstemp/os.write/os.replace", floor, baseline=True)
    yield Candidate(group, OURS + "FilesystemStore", _ours(store))
    from cachelib.file import FileSystemCache
    from flask_session.cachelib import CacheLibSessionInterface  # type: ignore[import-untyped]

    app = _flask_app()
    cache = FileSystemCache(str(_temp_dir("fs-flask")), threshold=0)
    interface = CacheLibSessionInterface(app, client=cache)
    yield Candidate(
        group,
        "Flask-Session cachelib FileSystemCache (session interface)",
        _flask_session_interface(app, interface),
    )


# -- SQL (SQLite) -------------------------------------------------------------------

# Both the floor and the store: WAL with synchronous=NORMAL, SQLite's usual
# production setting (no disk flush per commit), so the figures show the
# work each does rather than the disk's flush time.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def _sqlite_floor(directory: Path, records: tuple[bytes, bytes]) -> Request:
    conn = sqlite3.connect(str(directory / "floor.db"), isolation_level=None)
    _cleanups.append(conn.close)
    for pragma in SQLITE_PRAGMAS:
        conn.execute(pragma)
    conn.execute(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, data BLOB NOT NULL, "
        "version TEXT NOT NULL, expires_at INTEGER NOT NULL)"
    )
    key = "A" * 52
    upsert = (
        "INSERT INTO sessions (id, data, version, expires_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET data = excluded.data, version = excluded.version, "
        "expires_at = excluded.expires_at"
    )
    select = "SELECT data FROM sessions WHERE id = ? AND expires_at > ?"
    one, two = records
    conn.execute(upsert, (key, one, "1", int(time.time()) + TTL))
    execute = conn.execute

    def request() -> None:
        now = int(time.time())
        data = execute(select, (key, now)).fetchone()[0]
        new, version = (two, "2") if data == one else (one, "1")
        execute(upsert, (key, new, version, now + TTL))

    return request


def _sql_candidates() -> Iterable[Candidate]:
    import sqlalchemy as sa

    group = GROUP.format("SQL on SQLite")
    directory = _temp_dir("sql")
    store = ws.SQLStore.from_url(f"sqlite:///{directory / 'ours.db'}", HASH_KEY)
    _cleanups.append(store.close)

    @sa.event.listens_for(store.sql.engine, "connect")
    def pragmas(dbapi_connection: Any, record: Any) -> None:
        for pragma in SQLITE_PRAGMAS:
            dbapi_connection.execute(pragma)

    floor = _sqlite_floor(directory, _records(store))
    yield Candidate(group, FLOOR + "sqlite3 SELECT + upsert", floor, baseline=True)
    yield Candidate(group, OURS + "SQLStore.from_url (SQLAlchemy Core)", _ours(store))


# -- memory ---------------------------------------------------------------------------


def _memory_floor(records: tuple[bytes, bytes]) -> Request:
    key = "A" * 52
    one, two = records
    stored = {key: one}

    def request() -> None:
        stored[key] = two if stored.get(key) == one else one

    return request


def _memory_candidates() -> Iterable[Candidate]:
    group = GROUP.format("memory")
    store = ws.MemoryStore(HASH_KEY)
    yield Candidate(group, FLOOR + "dict get + set", _memory_floor(_records(store)), baseline=True)
    yield Candidate(group, OURS + "MemoryStore", _ours(store))


def candidates() -> list[Candidate]:
    out: list[Candidate] = []
    for make in (_redis_candidates, _fs_candidates, _sql_candidates, _memory_candidates):
        out += make()
    return out
