"""Stores: where a session's values live between requests."""

from .backend import Backend
from .base import Store
from .cookie import CookieStore
from .filesystem import FilesystemBackend, FilesystemStore
from .server import ServerSideStore, is_valid_session_id, new_session_id

__all__ = [
    "Backend",
    "CookieStore",
    "FilesystemBackend",
    "FilesystemStore",
    "ServerSideStore",
    "Store",
    "is_valid_session_id",
    "new_session_id",
]
