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

from collections.abc import Iterable, MutableMapping
from typing import Any

from .. import adapters
from ..adapters import adapter_for_request
from ..registry import REGISTRY_KEY, Registry
from ..session import Session

SAVED_KEY = "websessions.saved"
"""State key: names of the sessions an integration saved in this request."""

State = MutableMapping[str, Any]
"""A request's state mapping (its adapter's ``state(request)``): the registry lives there."""


def state_of(request: Any) -> State:
    """The request's state mapping; look it up once and pass it to the ``*_in`` helpers."""
    if type(request) is dict and not adapters._custom and REGISTRY_KEY in request:
        return request  # an environ or a scope that holds its registry is its own state
    return adapter_for_request(request).state(request)


def registry_of(request: Any) -> Registry | None:
    """The request's registry if some session code created one, else ``None``."""
    registry: Registry | None = state_of(request).get(REGISTRY_KEY)
    return registry


def saved_names(request: Any) -> set[str]:
    """The mutable set of session names already saved in this request."""
    return saved_names_in(state_of(request))


def saved_names_in(state: State) -> set[str]:
    """:func:`saved_names` from the request's state mapping."""
    names: set[str] | None = state.get(SAVED_KEY)
    if names is None:
        names = state[SAVED_KEY] = set()
    return names


def set_cookie_names(headers: Iterable[str]) -> set[str]:
    """The cookie names in some ``Set-Cookie`` header values."""
    return {value.split("=", 1)[0].strip() for value in headers}


_NONE: frozenset[str] = frozenset()
_SETS = (set, frozenset)


def pending(request: Any, in_response: Iterable[str] = ()) -> list[Session]:
    """The request's sessions that still need saving (see the module docs).

    ``in_response`` names the cookies the response already sets.
    """
    return pending_in(state_of(request), in_response)


def pending_in(state: State, in_response: Iterable[str] = ()) -> list[Session]:
    """:func:`pending` from the request's state mapping."""
    registry: Registry | None = state.get(REGISTRY_KEY)
    if registry is None or not registry.sessions:
        return []
    saved: set[str] | frozenset[str] = state.get(SAVED_KEY) or _NONE
    skip = in_response if isinstance(in_response, _SETS) else set(in_response)
    found = []
    for name, session in registry.sessions.items():
        if name in saved or name in skip:
            continue
        if (
            session.values
            or not session.is_new
            or session.options.max_age < 0
            or getattr(session, "destroyed", False)
        ):
            found.append(session)
    return found


def used_sessions(request: Any) -> bool:
    """Whether this request opened any session (so the response depends on cookies)."""
    return used_sessions_in(state_of(request))


def used_sessions_in(state: State) -> bool:
    """:func:`used_sessions` from the request's state mapping."""
    registry: Registry | None = state.get(REGISTRY_KEY)
    return registry is not None and bool(registry.sessions)


def _failed(errors: list[Exception]) -> ExceptionGroup[Exception]:
    return ExceptionGroup(f"{len(errors)} session(s) failed to save", errors)


def save_sessions(
    request: Any, response: Any, sessions: Iterable[Session], state: State | None = None
) -> None:
    """Save each of ``sessions`` into ``response`` and remember it was saved.

    All are tried; failures are raised together as an :class:`ExceptionGroup`.
    ``state`` is the request's state mapping, if the caller has it at hand.
    """
    done = saved_names_in(state_of(request) if state is None else state)
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


async def asave_sessions(
    request: Any, response: Any, sessions: Iterable[Session], state: State | None = None
) -> None:
    """Async :func:`save_sessions`."""
    done = saved_names_in(state_of(request) if state is None else state)
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
