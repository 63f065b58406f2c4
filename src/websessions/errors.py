"""The error tree.

``SessionError`` is the root. Three branches tell who is at fault:

- ``DecodeError``: untrusted input (a cookie or stored record) did not verify.
  Stores never let it escape ``get``: the session comes back new and empty
  with the error in ``session.error``.
- ``UsageError``: the calling code is wrong (bad key size, invalid cookie
  name, a value too long for a cookie). Fix the code; retrying won't help.
- ``StoreError``: the backend failed (disk, network). Often transient.

One warning class sits beside them: ``WeakKeyWarning``, for a hash key
shorter than 32 bytes.
"""

from __future__ import annotations


class SessionError(Exception):
    """Root of every error websessions raises on purpose."""


class UsageError(SessionError, ValueError):
    """The caller used the API wrongly; the message says what to change."""


class StoreError(SessionError):
    """A store's backend failed to load, save or delete a record."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)


class DecodeError(SessionError, ValueError):
    """Untrusted input did not decode. Subclasses say why."""

    reason = "the value could not be decoded"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.reason)


class MalformedValue(DecodeError):
    """The value is not in the secure-cookie format (bad base64, wrong shape)."""

    reason = "the value is not in the secure cookie format"


class ValueTooLong(DecodeError):
    """The value is longer than the codec's ``max_length``; nothing else was done."""

    reason = "the value is too long"


class MacInvalid(DecodeError):
    """The HMAC did not verify: tampered, signed with another key, or another name."""

    reason = "the value is not valid (MAC mismatch)"


class TimestampInvalid(DecodeError):
    """The signed timestamp is not a decimal integer."""

    reason = "invalid timestamp"


class Expired(DecodeError):
    """The signed timestamp is older than ``max_age``."""

    reason = "expired timestamp"


class TooNew(DecodeError):
    """The signed timestamp is newer than ``min_age`` allows."""

    reason = "timestamp is too new"


class DecryptionFailed(DecodeError):
    """The signed payload is too short to hold an IV and ciphertext."""

    reason = "the value could not be decrypted"


class DeserializeFailed(DecodeError):
    """The payload verified but the serializer could not read it."""

    reason = "the payload could not be deserialized"


class SessionNotFound(DecodeError):
    """The cookie verified but its server-side record is gone (expired or deleted)."""

    reason = "no server-side record for this session ID"


class IdleTimeout(DecodeError):
    """The session verified but was not saved for longer than the store's ``idle_timeout``.

    Checked against the signed time of the cookie (:class:`~websessions.CookieStore`)
    or of the stored record (server-side stores), never against the cookie's
    expiry in the browser.
    """

    reason = "the session was idle for longer than idle_timeout"


class AbsoluteTimeout(DecodeError):
    """The session verified but started longer ago than the store's ``absolute_timeout``.

    The start time travels inside the signed cookie or stored record (see
    :attr:`~websessions.Session.created`), so nobody without the keys can move it.
    """

    reason = "the session is older than absolute_timeout"


class WeakKeyWarning(UserWarning):
    """A hash key shorter than 32 bytes: HMAC-SHA256 wants 32 (or 64) random bytes.

    Short keys still work (gorilla accepts any length) but make brute-forcing
    the key, and so forging cookies, easier. Make one with
    :func:`~websessions.generate_random_key` (``websessions keygen``).
    """


__all__ = [
    "AbsoluteTimeout",
    "DecodeError",
    "DecryptionFailed",
    "DeserializeFailed",
    "Expired",
    "IdleTimeout",
    "MacInvalid",
    "MalformedValue",
    "SessionError",
    "SessionNotFound",
    "StoreError",
    "TimestampInvalid",
    "TooNew",
    "UsageError",
    "ValueTooLong",
    "WeakKeyWarning",
]
