"""Stores: where a session's values live between requests."""

from .backend import Backend
from .base import Store
from .cookie import CookieStore
from .filesystem import FilesystemBackend, FilesystemStore
from .memory import MemoryBackend, MemoryStore
from .redis import RedisBackend, RedisStore
from .server import ServerSideSettings, ServerSideStore, is_valid_session_id, new_session_id
from .sql import SQLBackend, SQLStore, sessions_table

__all__ = [
    "Backend",
    "CookieStore",
    "FilesystemBackend",
    "FilesystemStore",
    "MemoryBackend",
    "MemoryStore",
    "RedisBackend",
    "RedisStore",
    "SQLBackend",
    "SQLStore",
    "ServerSideSettings",
    "ServerSideStore",
    "Store",
    "is_valid_session_id",
    "new_session_id",
    "sessions_table",
]
