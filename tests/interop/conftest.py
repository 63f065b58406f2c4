"""Fixtures for the interop suite: the Go peer, built once per test session."""

from __future__ import annotations

import pytest

from ._go import FIX, KEY_MODES, GoHelper, build, missing_prerequisites


@pytest.fixture(scope="session")
def go() -> GoHelper:
    """The gohelper binary, built from gohelper/main.go against Debian's gorilla."""
    missing = missing_prerequisites()
    if missing:
        pytest.fail(f"interop tests need {', '.join(missing)}: {FIX}", pytrace=False)
    return GoHelper(build())


@pytest.fixture(params=list(KEY_MODES))
def keys(request: pytest.FixtureRequest) -> tuple[bytes, bytes | None]:
    """(hash key, block key) for each mode: sign-only, AES-128, AES-192, AES-256."""
    pair: tuple[bytes, bytes | None] = KEY_MODES[request.param]
    return pair
