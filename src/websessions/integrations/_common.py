"""What every integration shares: which sessions of a request still need saving.

A request's sessions live in its registry (see :mod:`websessions.registry`).
At the end of the request an integration saves those that the app did not
save itself, once each, under one rule:

- a session whose cookie is already in the response, or that an
  integration already saved, is left alone (no duplicate ``Set-Cookie``);
- a new session with no values has nothing to persist and is skipped,
  unless it was destroyed or its ``options.max_age`` asks to delete the cookie;
- everything else is saved, which also renews the cookie's lifetime.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..adapters import adapter_for_request
from ..registry import REGISTRY_KEY, Registry
from ..session import Session

SAVED_KEY = "websessions.saved"
"""State key: names of the sessions an integration saved in this request."""


def registry_of(request: Any) -> Registry | None:
    """The request's registry if some session code created one, else ``None``."""
    registry: Registry | None = adapter_for_request(request).state(request).get(REGISTRY_KEY)
    return registry


def saved_names(request: Any) -> set[str]:
    """The mutable set of session names already saved in this request."""
    state = adapter_for_request(request).state(request)
    names: set[str] | None = state.get(SAVED_KEY)
    if names is None:
        names = state[SAVED_KEY] = set()
    return names


def set_cookie_names(headers: Iterable[str]) -> set[str]:
    """The cookie names in some ``Set-Cookie`` header values."""
    return {value.split("=", 1)[0].strip() for value in headers}


def pending(request: Any, in_response: Iterable[str] = ()) -> list[Session]:
    """The request's sessions that still need saving (see the module docs).

    ``in_response`` names the cookies the response already sets.
    """
    registry = registry_of(request)
    if registry is None or not registry.sessions:
        return []
    done = saved_names(request) | set(in_response)
    return [
        session
        for name, session in registry.sessions.items()
        if name not in done
        and (
            session.values
            or not session.is_new
            or session.options.max_age < 0
            or getattr(session, "destroyed", False)
        )
    ]


def used_sessions(request: Any) -> bool:
    """Whether this request opened any session (so the response depends on cookies)."""
    registry = registry_of(request)
    return registry is not None and bool(registry.sessions)


def _failed(errors: list[Exception]) -> ExceptionGroup[Exception]:
    return ExceptionGroup(f"{len(errors)} session(s) failed to save", errors)


def save_sessions(request: Any, response: Any, sessions: Iterable[Session]) -> None:
    """Save each of ``sessions`` into ``response`` and remember it was saved.

    All are tried; failures are raised together as an :class:`ExceptionGroup`.
    """
    done = saved_names(request)
    errors: list[Exception] = []
    for session in sessions:
        try:
            session.save(request, response)
        except Exception as exc:
            errors.append(exc)
        else:
            done.add(session.name)
    if errors:
        raise _failed(errors)


async def asave_sessions(request: Any, response: Any, sessions: Iterable[Session]) -> None:
    """Async :func:`save_sessions`."""
    done = saved_names(request)
    errors: list[Exception] = []
    for session in sessions:
        try:
            await session.asave(request, response)
        except Exception as exc:
            errors.append(exc)
        else:
            done.add(session.name)
    if errors:
        raise _failed(errors)


def vary_with_cookie(current: str | None) -> str | None:
    """The ``Vary`` value to send so caches key on ``Cookie``, or ``None`` if it already does."""
    if not current:
        return "Cookie"
    fields = {field.strip().lower() for field in current.split(",")}
    if "cookie" in fields or "*" in fields:
        return None
    return f"{current}, Cookie"
