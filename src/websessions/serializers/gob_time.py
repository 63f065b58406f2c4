"""``time.Time`` <-> ``datetime``: the bytes of Go's ``Time.MarshalBinary``.

gob writes a ``time.Time`` through its ``GobEncode`` (the same bytes as
``MarshalBinary``): a version byte, seconds since January 1 of year 1 UTC,
nanoseconds, and the zone offset in minutes (-1 for UTC), plus the offset's
seconds in version 2.
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from ..errors import DeserializeFailed, UsageError

EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_EPOCH = EPOCH


def _fail(message: str) -> NoReturn:
    raise DeserializeFailed("gob: " + message)


def time_to_binary(value: dt.datetime) -> bytes:
    """``time.Time.MarshalBinary`` of an aware datetime (UTC offset 0 is Go's UTC)."""
    offset = value.utcoffset()
    if offset is None:
        raise UsageError(
            f"gob cannot encode the naive datetime {value!r}: Go's time.Time needs a zone; "
            "use an aware datetime (e.g. datetime.now(timezone.utc))"
        )
    delta = value - _EPOCH
    sec = delta.days * 86400 + delta.seconds
    seconds = int(offset.total_seconds())
    minutes, extra = (
        divmod(seconds, 60) if seconds >= 0 else (-((-seconds) // 60), -(-seconds % 60))
    )
    if minutes == -1 and seconds != 0:
        raise UsageError(
            f"gob cannot encode {value!r}: Go cannot marshal a zone offset of {offset}"
        )
    version = 2 if extra else 1
    offset_min = -1 if seconds == 0 else minutes
    data = bytes([version]) + sec.to_bytes(8, "big", signed=True)
    data += (delta.microseconds * 1000).to_bytes(4, "big") + offset_min.to_bytes(
        2, "big", signed=True
    )
    return data + extra.to_bytes(1, "big", signed=True) if extra else data


def time_from_binary(data: bytes) -> dt.datetime:
    """A ``time.Time`` from its ``MarshalBinary`` bytes (microseconds kept, not nanoseconds)."""
    if not data or data[0] not in (1, 2) or len(data) != 14 + data[0]:
        _fail("invalid time.Time encoding")
    sec = int.from_bytes(data[1:9], "big", signed=True)
    nsec = int.from_bytes(data[9:13], "big", signed=True)
    offset = int.from_bytes(data[13:15], "big", signed=True) * 60
    if data[0] == 2:
        offset += int.from_bytes(data[15:16], "big", signed=True)
    if not 0 <= nsec < 1_000_000_000:
        _fail("invalid time.Time nanoseconds")
    try:
        moment = _EPOCH + dt.timedelta(seconds=sec, microseconds=nsec // 1000)
        if offset == -60:
            return moment
        return moment.astimezone(dt.timezone(dt.timedelta(seconds=offset)))
    except (OverflowError, ValueError):
        _fail("time.Time out of Python's datetime range")
