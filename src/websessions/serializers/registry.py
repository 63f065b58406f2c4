"""Registered user types for :class:`DefaultSerializer`: the ``gob.Register`` of Python.

A registered class is stored under a stable name (by default its
``__qualname__``), never its module path, so moving or renaming the module
does not break sessions already stored; pass ``name=`` to also survive
renaming the class (registering a class again under another name adds an
alias: new sessions use the newest name, old ones still load). Supported
out of the box: dataclasses (their ``__init__`` fields; a stored field the
class no longer has is dropped, a new field takes its default) and enums
(by value). Any other class registers with a pair of hooks, either passed
to :func:`register` or defined on the class::

    class Point:
        def __session_dump__(self) -> object: ...          # JSON-able data
        @classmethod
        def __session_load__(cls, data: object) -> "Point": ...
"""

from __future__ import annotations

import dataclasses
import enum
import threading
from collections.abc import Callable
from typing import Any, TypeVar, overload

from ..errors import UsageError

T = TypeVar("T", bound=type)

Dump = Callable[[Any], Any]
Load = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Registration:
    """How one registered class is written and read back."""

    name: str
    cls: type
    dump: Dump
    load: Load


class TypeRegistry:
    """Name <-> class table, safe to fill from several threads at import time."""

    def __init__(self) -> None:
        self._by_name: dict[str, Registration] = {}
        self._by_type: dict[type, Registration] = {}
        self._lock = threading.Lock()

    def add(
        self,
        cls: type,
        *,
        name: str | None = None,
        dump: Dump | None = None,
        load: Load | None = None,
    ) -> Registration:
        if not isinstance(cls, type):
            raise UsageError(f"register() takes a class, got {cls!r}")
        name = name or cls.__qualname__
        if (dump is None) != (load is None):
            raise UsageError("register(): pass both dump= and load=, or neither")
        if dump is None or load is None:
            dump, load = _default_hooks(cls)
        reg = Registration(name=name, cls=cls, dump=dump, load=load)
        with self._lock:
            existing = self._by_name.get(name)
            if existing is not None and existing.cls is not cls:
                raise UsageError(
                    f"the name {name!r} is already registered for {existing.cls!r}; "
                    "pass register(cls, name='AStableUniqueName')"
                )
            self._by_name[name] = reg
            self._by_type[cls] = reg
        return reg

    def for_type(self, cls: type) -> Registration | None:
        return self._by_type.get(cls)

    def for_name(self, name: str) -> Registration | None:
        return self._by_name.get(name)


def _default_hooks(cls: type) -> tuple[Dump, Load]:
    dump_hook = getattr(cls, "__session_dump__", None)
    load_hook = getattr(cls, "__session_load__", None)
    if dump_hook is not None and load_hook is not None:
        return dump_hook, load_hook
    if dataclasses.is_dataclass(cls):
        # Fields set by __init__ only: init=False fields are derived, and
        # passing them back would fail. Unknown names in stored data (a
        # field since removed) are dropped, as gob drops them.
        names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        known = frozenset(names)

        def dump_fields(obj: Any) -> Any:
            return {n: getattr(obj, n) for n in names}

        def load_fields(data: Any) -> Any:
            if not isinstance(data, dict):
                raise TypeError(f"stored {cls.__qualname__} is not an object")
            return cls(**{k: v for k, v in data.items() if k in known})

        return dump_fields, load_fields
    if issubclass(cls, enum.Enum):
        return (lambda member: member.value), cls
    raise UsageError(
        f"cannot register {cls.__qualname__}: it is not a dataclass or an enum; "
        "define __session_dump__/__session_load__ or pass dump= and load="
    )


default_registry = TypeRegistry()


@overload
def register(
    cls: T, *, name: str | None = None, dump: Dump | None = None, load: Load | None = None
) -> T: ...
@overload
def register(
    cls: None = None, *, name: str | None = None, dump: Dump | None = None, load: Load | None = None
) -> Callable[[T], T]: ...
def register(
    cls: T | None = None,
    *,
    name: str | None = None,
    dump: Dump | None = None,
    load: Load | None = None,
) -> T | Callable[[T], T]:
    """Let :class:`DefaultSerializer` store instances of ``cls``.

    Usable as ``register(Cls)``, ``@register`` or ``@register(name="Stable")``.
    """

    def decorate(target: T) -> T:
        default_registry.add(target, name=name, dump=dump, load=load)
        return target

    return decorate if cls is None else decorate(cls)
