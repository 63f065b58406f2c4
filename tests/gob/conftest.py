"""Fixtures for the gob tests: the Go helper (built once) and the test types."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from websessions.serializers.gob import GobRegistry, GobSerializer

from . import goside


@pytest.fixture(scope="session")
def gohelper() -> Iterator[goside.GoHelper]:
    binary = goside.build_helper()
    if binary is None:
        pytest.skip("Go 1.19+ and Debian's golang-github-gorilla-sessions-dev are needed")
    helper = goside.GoHelper(binary)
    yield helper
    helper.close()


@pytest.fixture(scope="session")
def registry() -> GobRegistry:
    """A registry with the Go helper's structs, kept apart from the global one."""
    reg = GobRegistry()
    goside.register_types(reg)
    return reg


@pytest.fixture(scope="session")
def gob(registry: GobRegistry) -> GobSerializer:
    return GobSerializer(registry)
