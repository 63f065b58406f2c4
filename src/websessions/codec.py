"""Secure cookie values in gorilla/securecookie's wire format. Pure: no I/O.

An encoded value is ``b64url(date|b64url(payload)|mac)`` where ``payload`` is
the serialized value, optionally AES-CTR encrypted with a random IV
prepended, and ``mac`` is HMAC-SHA256 over ``name|date|b64url(payload)``
(raw 32 bytes). base64 is URL-safe with padding. The MAC is checked, in
constant time, before anything is decrypted or deserialized.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import hmac
import os
import secrets
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import (
    DecodeError,
    DecryptionFailed,
    DeserializeFailed,
    Expired,
    MacInvalid,
    MalformedValue,
    TimestampInvalid,
    TooNew,
    UsageError,
    ValueTooLong,
    WeakKeyWarning,
)
from .serializers import DefaultSerializer, Serializer

T = TypeVar("T")

DEFAULT_MAX_AGE = 86400 * 30
DEFAULT_MAX_LENGTH = 4096
_BLOCK_KEY_SIZES = (16, 24, 32)
_IV_SIZE = 16
_INT64_MAX = 2**63 - 1
#: Hash keys shorter than this draw a :class:`~websessions.WeakKeyWarning`.
MIN_HASH_KEY_SIZE = 32
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

# URL-safe to standard alphabet; '+' and '/' (not URL-safe) become '!', which
# strict decoding rejects, so one translate both converts and validates.
_TO_STD = bytes.maketrans(b"-_+/", b"+/!!")
_TO_URL = bytes.maketrans(b"+/", b"-_")
_b2a = binascii.b2a_base64
_a2b = binascii.a2b_base64
_compare = hmac.compare_digest
# HMAC's key pads (RFC 2104): the key XOR 0x36 bytes, and XOR 0x5c bytes.
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))
_SHA256_BLOCK = 64

# pybase64 (``websessions[fast]``) does base64 with SIMD, 5-10x fewer
# instructions than binascii: it is most of what decoding a large cookie costs.
try:
    import pybase64 as _pybase64
except ImportError:  # pragma: no cover - depends on the environment
    _pybase64 = None  # type: ignore[assignment]


def _bad_base64(detail: str = "bad length or padding") -> MalformedValue:
    return MalformedValue(f"base64 decode failed: {detail}")


def _check_decoded_size(data: bytes, raw: bytes) -> bytes:
    """``raw`` if its length is what ``data``'s length and its one or two ``=`` say.

    Strict decoders let excess padding through (``QUJD====`` decodes to ``ABC``).
    """
    size = len(data)
    if size and len(raw) != (size >> 2) * 3 - (data[-1] == 0x3D) - (data[-2] == 0x3D):
        raise _bad_base64()
    return raw


def _b64encode_stdlib(data: bytes) -> bytes:
    return _b2a(data, newline=False).translate(_TO_URL)


def _b64decode_stdlib(data: bytes) -> bytes:
    """URL-safe base64 with padding, strictly, with binascii.

    ``_TO_STD`` converts the alphabet and turns the standard one's ``+/`` into
    junk that strict mode rejects; the length must be a multiple of 4.
    """
    if len(data) & 3:
        raise _bad_base64()
    try:
        raw = _a2b(data.translate(_TO_STD), strict_mode=True)
    except binascii.Error as exc:
        raise _bad_base64(str(exc)) from None
    return _check_decoded_size(data, raw)


def _b64decode_pybase64(data: bytes) -> bytes:
    """What :func:`_b64decode_stdlib` does, with pybase64.

    With ``altchars=b"-_"`` it also takes ``+`` and ``/``, so those are
    refused first (two ``memchr`` scans).
    """
    if len(data) & 3 or b"+" in data or b"/" in data:
        raise _bad_base64()
    try:
        raw = _pybase64.b64decode(data, b"-_", True)  # altchars, validate (positional: cheaper)
    except ValueError as exc:  # binascii.Error
        raise _bad_base64(str(exc)) from None
    return _check_decoded_size(data, raw)


#: URL-safe base64 with padding, as Go's ``base64.URLEncoding``.
_b64encode: Callable[[bytes], bytes] = (
    _b64encode_stdlib if _pybase64 is None else _pybase64.urlsafe_b64encode
)
#: Its strict inverse: only the URL-safe alphabet, padded to a multiple of 4,
#: ``=`` only as the last one or two characters (:class:`MalformedValue` else).
_b64decode: Callable[[bytes], bytes] = (
    _b64decode_stdlib if _pybase64 is None else _b64decode_pybase64
)


def _name_prefix(name: str) -> bytes:
    """``name|``, the start of every signed message."""
    try:
        return name.encode("utf-8") + b"|"
    except (UnicodeEncodeError, AttributeError):
        raise UsageError(f"the cookie name must be a str of valid Unicode, got {name!r}") from None


def _parse_timestamp(data: bytes) -> int:
    """Parse like Go's ``strconv.ParseInt(s, 10, 64)``: ASCII digits, optional sign."""
    if len(data) < 19 and data.isdigit():  # the usual case: fits, ASCII digits only
        return int(data)
    digits = data[1:] if data[:1] in (b"+", b"-") else data
    # bytes.isdigit() is ASCII-only; Go takes any number of leading zeros.
    if not digits.isdigit() or len(digits.lstrip(b"0")) > 19:
        raise TimestampInvalid
    value = int(data)
    if not -_INT64_MAX - 1 <= value <= _INT64_MAX:
        raise TimestampInvalid
    return value


def _as_key(key: object, what: str) -> bytes:
    if isinstance(key, bytes | bytearray | memoryview):
        return bytes(key)
    raise UsageError(
        f"the {what} must be bytes, got {type(key).__name__}; "
        "use generate_random_key() or bytes.fromhex(...) to make one"
    )


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside websessions (the user's code)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _warn_if_weak(hash_key: bytes) -> None:
    if len(hash_key) < MIN_HASH_KEY_SIZE:
        warnings.warn(
            f"the hash key is {len(hash_key)} bytes; use at least {MIN_HASH_KEY_SIZE} random "
            "bytes (generate_random_key(32), or `websessions keygen`): short keys make "
            "forging cookies easier",
            WeakKeyWarning,
            stacklevel=_caller_stacklevel(),
        )


def _check_int(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{what} must be a non-negative int (seconds or bytes), got {value!r}")
    return value


# Up to this size the ECB keystream beats a fresh CTR context (measured).
_ECB_CTR_MAX = 768
_COUNTER_LIMIT = 1 << 128


@functools.cache
def _counter_spans(blocks: int) -> tuple[int, int]:
    """``(ones, steps)`` so that ``start * ones + steps`` is the blocks
    ``start, start + 1, ...`` side by side as one big-endian integer."""
    ones = steps = 0
    for i in range(blocks):
        ones = (ones << 128) | 1
        steps = (steps << 128) | i
    return ones, steps


class SecureCookie:
    """Encodes and decodes authenticated, optionally encrypted cookie values.

    ``hash_key`` signs (HMAC-SHA256; 32 or 64 random bytes recommended,
    shorter ones draw a :class:`~websessions.WeakKeyWarning`);
    ``block_key`` (16, 24 or 32 bytes) turns on AES-CTR encryption.
    ``max_age``/``min_age`` bound the signed timestamp in seconds (0: no
    bound); ``max_length`` bounds the encoded value (0: no bound).
    """

    __slots__ = (
        "_aes",
        "_clock",
        "_ecb",
        "_hash_key",
        "_inner",
        "_outer",
        "block_key",
        "max_age",
        "max_length",
        "min_age",
        "serializer",
    )

    def __init__(
        self,
        hash_key: bytes,
        block_key: bytes | None = None,
        *,
        serializer: Serializer | None = None,
        max_age: int = DEFAULT_MAX_AGE,
        min_age: int = 0,
        max_length: int = DEFAULT_MAX_LENGTH,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._hash_key = _as_key(hash_key, "hash key")
        if not self._hash_key:
            raise UsageError("the hash key is empty; use generate_random_key(32) to make one")
        _warn_if_weak(self._hash_key)
        self.block_key = None if block_key is None else _as_key(block_key, "block key")
        self._aes: algorithms.AES | None = None
        if self.block_key is not None:
            if len(self.block_key) not in _BLOCK_KEY_SIZES:
                raise UsageError(
                    f"the block key must be 16, 24 or 32 bytes (AES-128/192/256), "
                    f"got {len(self.block_key)}; pass None to sign without encrypting"
                )
            self._aes = algorithms.AES(self.block_key)
        # One ECB context per thread: cipher contexts are not thread-safe.
        self._ecb = threading.local()
        # HMAC-SHA256 (RFC 2104) from two SHA-256 states that have taken in the
        # key pads: copying them per call is cheaper than copying an HMAC
        # object, and the digests are the same (tests check it against hmac).
        key = self._hash_key
        if len(key) > _SHA256_BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))
        self.serializer: Serializer = serializer if serializer is not None else DefaultSerializer()
        self.max_age = _check_int(max_age, "max_age")
        self.min_age = _check_int(min_age, "min_age")
        self.max_length = _check_int(max_length, "max_length")
        self._clock = clock

    def __repr__(self) -> str:
        mode = "AES-CTR" if self._aes else "sign-only"
        return f"SecureCookie({mode}, max_age={self.max_age}, serializer={self.serializer!r})"

    def _xor_stream(self, iv: bytes, data: bytes) -> bytes:
        """AES-CTR with a 128-bit big-endian counter starting at ``iv``, as Go's cipher.NewCTR."""
        assert self._aes is not None
        size = len(data)
        blocks = (size + 15) >> 4
        start = int.from_bytes(iv, "big")
        if size > _ECB_CTR_MAX or start + blocks > _COUNTER_LIMIT:
            ctx = Cipher(self._aes, modes.CTR(iv)).encryptor()
            return ctx.update(data) + ctx.finalize()
        # Small values: setting up a CTR cipher costs more than the encryption,
        # so encrypt the counter blocks with a reusable ECB context instead.
        ecb = getattr(self._ecb, "ctx", None)
        if ecb is None:
            # ECB here only encrypts counter blocks: this is CTR mode.
            ecb = self._ecb.ctx = Cipher(self._aes, modes.ECB()).encryptor()  # noqa: S305
        ones, steps = _counter_spans(blocks)
        keystream = ecb.update((start * ones + steps).to_bytes(blocks << 4, "big"))
        mixed = int.from_bytes(data, "big") ^ int.from_bytes(keystream[:size], "big")
        return mixed.to_bytes(size, "big")

    def encode(self, name: str, value: Any) -> str:
        """Serialize, encrypt (with a block key), sign and base64 ``value``.

        Raises :class:`UsageError` if the serializer cannot represent
        ``value`` or the result is longer than ``max_length``.
        """
        return self.seal(name, self.serializer.dumps(value))[0]

    def _sign(self, message: bytes) -> bytes:
        """HMAC-SHA256 of ``message`` under the hash key."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def seal(self, name: str, payload: bytes) -> tuple[str, int]:
        """Encrypt (with a block key), sign and base64 serialized ``payload``.

        Returns the encoded value and the Unix time it was signed at. Stores
        that compare payloads (server-side records) use it with
        :meth:`open` to skip a serializer round trip.
        """
        prefix = _name_prefix(name)
        if self._aes is not None:
            iv = secrets.token_bytes(_IV_SIZE)
            payload = iv + self._xor_stream(iv, payload)
        stamp = int(self._clock())
        body = b"%d|%s" % (stamp, _b64encode(payload))
        encoded = _b64encode(body + b"|" + self._sign(prefix + body))
        max_length = self.max_length
        if max_length and len(encoded) > max_length:
            raise UsageError(
                f"the encoded value for {name!r} is {len(encoded)} bytes, over max_length="
                f"{max_length}; store less in the session, or use a server-side store"
            )
        return encoded.decode("ascii"), stamp

    def decode(self, name: str, value: str) -> Any:
        """Verify and decode a value made by :meth:`encode` (here or by Go).

        Raises a :class:`DecodeError` subclass saying why it was rejected.
        """
        return self.deserialize(self.open(name, value)[0])

    def open(self, name: str, value: str) -> tuple[bytes, int]:
        """Verify (and decrypt) a value; return its serialized payload and signed time.

        Raises a :class:`DecodeError` subclass saying why it was rejected.
        """
        max_length = self.max_length
        if max_length and len(value) > max_length:
            raise ValueTooLong(f"the value is {len(value)} long, over max_length={max_length}")
        try:
            raw = _b64decode(value.encode("ascii"))
        except UnicodeEncodeError:
            raise MalformedValue("the value holds non-ASCII characters") from None
        parts = raw.split(b"|", 2)
        if len(parts) != 3:
            raise MacInvalid
        date, payload_b64, mac = parts
        expected = self._sign(_name_prefix(name) + raw[: len(raw) - len(mac) - 1])
        if not _compare(mac, expected):
            raise MacInvalid
        stamp = _parse_timestamp(date)
        now = int(self._clock())
        min_age, max_age = self.min_age, self.max_age
        if min_age and stamp > now - min_age:
            raise TooNew
        if max_age and stamp < now - max_age:
            raise Expired(f"expired timestamp: signed {now - stamp}s ago, max_age={max_age}")
        payload = _b64decode(payload_b64)
        if self._aes is not None:
            if len(payload) <= _IV_SIZE:
                raise DecryptionFailed
            payload = self._xor_stream(payload[:_IV_SIZE], payload[_IV_SIZE:])
        return payload, stamp

    def deserialize(self, payload: bytes) -> Any:
        """The value of a verified payload; :class:`DeserializeFailed` if it won't load."""
        try:
            return self.serializer.loads(payload)
        except DecodeError:
            raise
        except Exception as exc:
            raise DeserializeFailed(
                f"the payload verified but could not be deserialized: {exc!r:.200}"
            ) from exc


def generate_random_key(length: int = 32) -> bytes:
    """``length`` random bytes from the OS CSPRNG, for hash or block keys."""
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        raise UsageError(f"key length must be a positive int, got {length!r}")
    return secrets.token_bytes(length)


def codecs_from_pairs(
    *keys: bytes | None,
    serializer: Serializer | None = None,
    max_age: int = DEFAULT_MAX_AGE,
    min_age: int = 0,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> list[SecureCookie]:
    """One codec per ``(hash_key, block_key)`` pair, in order; the last block key may be left out.

    The first pair encodes; all pairs are tried to decode (key rotation).
    """
    if not keys:
        raise UsageError("no keys given; pass at least a hash key (see generate_random_key)")
    codecs = []
    for i in range(0, len(keys), 2):
        hash_key = keys[i]
        if hash_key is None:
            raise UsageError(f"key #{i} is a hash key and cannot be None")
        block_key = keys[i + 1] if i + 1 < len(keys) else None
        codecs.append(
            SecureCookie(
                hash_key,
                block_key,
                serializer=serializer,
                max_age=max_age,
                min_age=min_age,
                max_length=max_length,
            )
        )
    return codecs


def encode_multi(name: str, value: Any, codecs: Sequence[SecureCookie]) -> str:
    """Encode with the first codec that succeeds (normally the first one)."""
    if not codecs:
        raise UsageError("no codecs provided")
    first: UsageError | None = None
    for codec in codecs:
        try:
            return codec.encode(name, value)
        except UsageError as exc:
            first = first or exc
    assert first is not None
    raise first


def decode_multi_index(name: str, value: str, codecs: Sequence[SecureCookie]) -> tuple[Any, int]:
    """Like :func:`decode_multi`, also returning the index of the codec that verified."""
    if len(codecs) == 1:  # no key rotation: its error is the one to raise
        return SecureCookie.decode(codecs[0], name, value), 0
    return _first_verified(name, value, codecs, SecureCookie.decode)


def open_multi(name: str, value: str, codecs: Sequence[SecureCookie]) -> tuple[bytes, int, int]:
    """Like :meth:`SecureCookie.open` with each codec in turn: ``(payload, signed time, index)``."""
    (payload, stamp), index = _first_verified(name, value, codecs, SecureCookie.open)
    return payload, stamp, index


def _first_verified(
    name: str,
    value: str,
    codecs: Sequence[SecureCookie],
    method: Callable[[SecureCookie, str, str], T],
) -> tuple[T, int]:
    """``method(codec, name, value)`` of the first codec that accepts ``value``, and its index."""
    if not codecs:
        raise UsageError("no codecs provided")
    best: DecodeError | None = None
    for index, codec in enumerate(codecs):
        try:
            return method(codec, name, value), index
        except DecodeError as exc:
            # A failure past the MAC check says more than a MAC mismatch
            # with some other pair's key.
            if best is None or (isinstance(best, MacInvalid) and not isinstance(exc, MacInvalid)):
                best = exc
    assert best is not None
    raise best


def decode_multi(name: str, value: str, codecs: Sequence[SecureCookie]) -> Any:
    """Decode with each codec in turn; raise the most telling error if none verifies."""
    return decode_multi_index(name, value, codecs)[0]
