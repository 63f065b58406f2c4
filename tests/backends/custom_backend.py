import sqlite3
import threading
import time

import websessions as ws


class SQLiteBackend(ws.Backend):
    """Sessions in one SQLite file, with nothing but the standard library."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.lock = threading.Lock()  # one connection: one statement at a time
        self._run(
            "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, data BLOB, expires REAL)"
        )

    def _run(self, sql: str, *args: object) -> tuple[list[tuple[bytes]], int]:
        try:
            with self.lock:
                cursor = self.db.execute(sql, args)
                return cursor.fetchall(), cursor.rowcount
        except sqlite3.Error as exc:
            raise ws.StoreError(f"sessions database: {exc}", hint="is it writable?") from exc

    def load(self, session_id: str) -> bytes | None:
        sql = "SELECT data FROM sessions WHERE id = ? AND expires > ?"
        rows, _ = self._run(sql, session_id, time.time())
        return rows[0][0] if rows else None

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        sql = "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)"
        self._run(sql, session_id, data, time.time() + ttl)

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        sql = "UPDATE sessions SET data = ?, expires = ? WHERE id = ? AND data = ? AND expires > ?"
        now = time.time()
        return self._run(sql, data, now + ttl, session_id, expected, now)[1] == 1

    def delete(self, session_id: str) -> None:
        self._run("DELETE FROM sessions WHERE id = ?", session_id)
