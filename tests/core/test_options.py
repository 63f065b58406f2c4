"""ws.Options: safe defaults, validation, normalisation and copies."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import websessions as ws


def test_defaults_are_the_safe_ones() -> None:
    options = ws.Options()
    assert options.path == "/"
    assert options.domain is None
    assert options.max_age == 86400 * 30
    assert options.secure is True
    assert options.http_only is True
    assert options.same_site == "Lax"
    assert options.partitioned is False


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Lax", "Lax"),
        ("lax", "Lax"),
        ("LAX", "Lax"),
        ("strict", "Strict"),
        ("Strict", "Strict"),
        ("none", "None"),
        ("NONE", "None"),
        (None, None),
    ],
)
def test_same_site_normalised(given: Any, canonical: Any) -> None:
    assert ws.Options(same_site=given).same_site == canonical


@pytest.mark.parametrize("bad", ["", "lose", "Default", "None ", 1, True, "no"])
def test_same_site_invalid(bad: Any) -> None:
    with pytest.raises(ws.UsageError, match="same_site"):
        ws.Options(same_site=bad)


@pytest.mark.parametrize("same_site", ["None", "none"])
def test_same_site_none_requires_secure(same_site: Any) -> None:
    with pytest.raises(ws.UsageError, match="secure=True"):
        ws.Options(same_site=same_site, secure=False)
    assert ws.Options(same_site=same_site, secure=True).same_site == "None"


def test_partitioned_requires_secure() -> None:
    with pytest.raises(ws.UsageError, match="secure=True"):
        ws.Options(partitioned=True, secure=False)
    assert ws.Options(partitioned=True).partitioned is True


def test_insecure_development_options_allowed() -> None:
    options = ws.Options(secure=False)
    assert options.same_site == "Lax"
    assert ws.Options(secure=False, same_site=None).same_site is None


@pytest.mark.parametrize("max_age", [0, -1, 1, 86400 * 365 * 10])
def test_max_age_ints(max_age: int) -> None:
    assert ws.Options(max_age=max_age).max_age == max_age


@pytest.mark.parametrize("bad", [True, False, 1.5, 3600.0, "3600", None])
def test_max_age_must_be_int(bad: Any) -> None:
    with pytest.raises(ws.UsageError, match="max_age"):
        ws.Options(max_age=bad)


def test_validate_after_mutation() -> None:
    options = ws.Options()
    options.max_age = "soon"  # type: ignore[assignment]
    with pytest.raises(ws.UsageError, match="max_age"):
        options.validate()
    options.max_age = 10
    options.secure = False
    options.same_site = "None"
    with pytest.raises(ws.UsageError):
        options.validate()
    options.same_site = "strict"  # type: ignore[assignment]
    options.validate()
    assert options.same_site == "Strict"


def test_copy_is_equal_and_independent() -> None:
    original = ws.Options(
        path="/app",
        domain="example.com",
        max_age=60,
        secure=True,
        http_only=False,
        same_site="Strict",
        partitioned=True,
    )
    copy = original.copy()
    assert copy == original
    assert copy is not original
    assert type(copy) is ws.Options
    for field in dataclasses.fields(ws.Options):
        assert getattr(copy, field.name) == getattr(original, field.name)
    copy.max_age = -1
    copy.path = "/other"
    copy.same_site = None
    assert original.max_age == 60
    assert original.path == "/app"
    assert original.same_site == "Strict"


def test_equality_and_slots() -> None:
    assert ws.Options() == ws.Options()
    assert ws.Options(max_age=1) != ws.Options()
    options = ws.Options()
    with pytest.raises(AttributeError):
        options.maxage = 5  # type: ignore[attr-defined]
