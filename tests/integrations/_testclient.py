"""Starlette's TestClient, imported without failing on its httpx2 advice.

Starlette 1.x prefers the ``httpx2`` package and warns (at import) when it
falls back to ``httpx``; the suite turns warnings into errors. The client
works the same on either.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from starlette.testclient import TestClient

__all__ = ["TestClient"]
