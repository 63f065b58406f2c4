"""``PickleSerializer``: any picklable value, at the price of code execution on load.

Never a default: only used when passed explicitly as ``serializer=``.
"""

from __future__ import annotations

import pickle
from typing import Any

from ..errors import UsageError


class PickleSerializer:
    """Session values as pickles. **Dangerous: read this before using it.**

    Unpickling runs code chosen by whoever wrote the bytes. Signing makes
    that you, as long as the hash key stays secret; the day it leaks (a
    committed config file, a backup, a log line, a former employee, a
    server-side template bug), an attacker can mint a cookie, or a session
    record, whose unpickling runs any command on your servers: a leaked
    key becomes remote code execution instead of forged session data.
    Encryption does not help: the block key usually leaks with the hash
    key. The safe serializers (:class:`~websessions.DefaultSerializer`,
    :class:`~websessions.JSONSerializer`,
    :class:`~websessions.GobSerializer`) run no code on load, so a leaked
    key lets an attacker forge data, never run code.

    Pickles also tie stored sessions to your code: renaming a class or a
    module makes them unreadable (the session then comes back new, with
    the error in ``session.error``). Prefer
    :class:`~websessions.DefaultSerializer` with
    :func:`~websessions.register` for your own types.

    If you still want it: keep keys out of the repository, rotate them,
    and keep ``max_age`` short. ``protocol`` is the pickle protocol written
    (5 by default, readable by Python 3.8 and newer).
    """

    __slots__ = ("protocol",)

    def __init__(self, *, protocol: int = 5) -> None:
        if not 2 <= protocol <= pickle.HIGHEST_PROTOCOL:
            raise UsageError(
                f"pickle protocol must be 2 to {pickle.HIGHEST_PROTOCOL}, got {protocol!r}"
            )
        self.protocol = protocol

    def dumps(self, value: Any) -> bytes:
        try:
            return pickle.dumps(value, protocol=self.protocol)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            raise UsageError(
                f"cannot pickle {type(value).__qualname__} {value!r:.80}: {exc}"
            ) from None

    def loads(self, data: bytes) -> Any:
        # Only ever called on MAC-verified bytes; see the class docstring.
        return pickle.loads(data)  # noqa: S301

    def __repr__(self) -> str:
        return f"PickleSerializer(protocol={self.protocol})"
