"""Attacks on the signed (and encrypted) cookie value itself.

Forged and tampered MACs, AES-CTR bit flipping, a cookie replayed under
another name, timestamps outside the window, rotated-out keys, broken base64,
and hostile payloads wrapped in a *valid* MAC (nesting and number bombs):
each is rejected with a :class:`ws.DecodeError` subclass, and through a store
it gives a new, empty session, never an exception.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import websessions as ws

from ._attack import (
    ATTACKER_KEY,
    BLOCK_KEY,
    HASH_KEY,
    NAME,
    OLD_BLOCK_KEY,
    OLD_HASH_KEY,
    b64url,
    ctr,
    environ,
    forge,
    gob_message,
    gob_nested_slices,
    gob_uint,
    json_bombs,
    now_stamp,
    response,
    serializers,
    sign,
    signed,
    split,
    unb64url,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
VALUES = {"role": "user", "uid": 7}
MODES = {"signed": None, "aes": BLOCK_KEY}


@pytest.fixture(params=list(MODES), ids=list(MODES))
def block_key(request: pytest.FixtureRequest) -> bytes | None:
    return MODES[request.param]


def codec(block_key: bytes | None = None, **kwargs: Any) -> ws.SecureCookie:
    return ws.SecureCookie(HASH_KEY, block_key, **kwargs)


def rebuild(date: bytes, value_b64: bytes, mac: bytes) -> str:
    return b64url(date + b"|" + value_b64 + b"|" + mac).decode("ascii")


def assert_new_session(store: ws.Store, cookie: str, error: type[ws.DecodeError]) -> None:
    session = store.get(environ(f"{NAME}={cookie}"), NAME)
    assert session.is_new
    assert session.values == {}
    assert isinstance(session.error, error), repr(session.error)


# -- forged MACs --------------------------------------------------------------------

Forgery = Callable[[bytes, bytes, bytes], bytes]

FORGERIES: dict[str, Forgery] = {
    "random-mac": lambda date, value, mac: os.urandom(32),
    "zero-mac": lambda date, value, mac: bytes(32),
    "attacker-key": lambda date, value, mac: sign(ATTACKER_KEY, NAME, date, value),
    "other-name": lambda date, value, mac: sign(HASH_KEY, "admin", date, value),
    "truncated-mac": lambda date, value, mac: mac[:31],
    "extended-mac": lambda date, value, mac: mac + b"\x00",
    "empty-mac": lambda date, value, mac: b"",
    "first-byte-flipped": lambda date, value, mac: bytes([mac[0] ^ 1]) + mac[1:],
    "last-byte-flipped": lambda date, value, mac: mac[:-1] + bytes([mac[-1] ^ 0x80]),
    "hmac-sha1-size": lambda date, value, mac: mac[:20],
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_forged_mac_is_rejected(block_key: bytes | None, forgery: str) -> None:
    good = codec(block_key).encode(NAME, VALUES)
    date, value_b64, mac = split(good)
    forged = rebuild(date, value_b64, FORGERIES[forgery](date, value_b64, mac))
    with pytest.raises(ws.MacInvalid):
        codec(block_key).decode(NAME, forged)
    assert_new_session(ws.CookieStore(HASH_KEY, block_key), forged, ws.MacInvalid)


def test_forged_mac_over_chosen_payload_is_rejected() -> None:
    """An attacker-chosen payload signed with the attacker's own key."""
    forged = signed(NAME, b'{"role":"admin"}', hash_key=ATTACKER_KEY)
    with pytest.raises(ws.MacInvalid):
        codec().decode(NAME, forged)
    assert_new_session(ws.CookieStore(HASH_KEY), forged, ws.MacInvalid)


# -- AES-CTR malleability -----------------------------------------------------------


def _flip(cookie: str, position: int, bit: int) -> str:
    """Flip one bit of the signed payload (IV + ciphertext), keeping the original MAC."""
    date, value_b64, mac = split(cookie)
    payload = bytearray(unb64url(value_b64))
    payload[position] ^= 1 << bit
    return rebuild(date, b64url(bytes(payload)), mac)


@pytest.mark.parametrize("bit", [0, 7])
@pytest.mark.parametrize("position", [0, 8, 15, 16, 17, -2, -1], ids=lambda p: f"byte{p}")
def test_flipped_ciphertext_bit_is_caught_by_the_mac(position: int, bit: int) -> None:
    """Positions 0-15 are the IV, 16 on the ciphertext; every flip fails the MAC."""
    c = codec(BLOCK_KEY)
    good = c.encode(NAME, VALUES)
    tampered = _flip(good, position, bit)
    assert tampered != good
    with pytest.raises(ws.MacInvalid):
        c.decode(NAME, tampered)
    assert_new_session(ws.CookieStore(HASH_KEY, BLOCK_KEY), tampered, ws.MacInvalid)


def test_ctr_malleability_is_real_and_only_the_mac_stops_it() -> None:
    """XOR-ing 'user' ^ 'root' into the ciphertext turns the role into 'root'.

    Without the key the MAC rejects it. Re-signed with the hash key (which
    an attacker does not have) the same bytes decode to role 'root': the MAC
    is the only thing standing between CTR's malleability and the attacker.
    """
    c = codec(BLOCK_KEY)
    plain = c.serializer.dumps(VALUES)
    offset = plain.index(b'"user"') + 1
    good = c.encode(NAME, VALUES)
    date, value_b64, mac = split(good)
    payload = bytearray(unb64url(value_b64))
    for i, (a, b) in enumerate(zip(b"user", b"root", strict=True)):
        payload[16 + offset + i] ^= a ^ b
    # The payload still decrypts (by hand) to the attacker's choice...
    iv, ciphertext = bytes(payload[:16]), bytes(payload[16:])
    assert b'"role":"root"' in ctr(BLOCK_KEY, iv, ciphertext)
    # ...but with the original MAC it is rejected,
    tampered_b64 = b64url(bytes(payload))
    with pytest.raises(ws.MacInvalid):
        c.decode(NAME, rebuild(date, tampered_b64, mac))
    # and only a correct MAC over it (the key holder's) makes it decode.
    resigned = forge(NAME, date, tampered_b64, hash_key=HASH_KEY)
    assert c.decode(NAME, resigned) == {"role": "root", "uid": 7}


# -- replay under another name ---------------------------------------------------------


@pytest.mark.parametrize("other", ["admin", "sess2", "Sess", "sess "])
def test_cookie_replayed_under_another_name_is_rejected(
    block_key: bytes | None, other: str
) -> None:
    good = codec(block_key).encode(NAME, VALUES)
    with pytest.raises(ws.MacInvalid):
        codec(block_key).decode(other, good)
    if other.strip() == other:  # a valid cookie name: try it through a store
        session = ws.CookieStore(HASH_KEY, block_key).get(environ(f"{other}={good}"), other)
        assert session.is_new
        assert isinstance(session.error, ws.MacInvalid)


def test_server_side_cookie_replayed_under_another_name_is_rejected(tmp_path: Path) -> None:
    """An ID cookie for 'sess' sent as 'admin', and an 'admin' cookie (signed with
    the key) pointing at the 'sess' record: both rejected, the record is bound
    to its name."""
    store = ws.FilesystemStore(tmp_path, HASH_KEY)
    req, rsp = environ(), response()
    session = store.get(req, NAME)
    session.values["role"] = "admin"
    session.save(req, rsp)
    assert session.id is not None
    cookie = rsp[0][1].split(";", 1)[0].split("=", 1)[1]

    replayed = store.get(environ(f"admin={cookie}"), "admin")
    assert replayed.is_new
    assert isinstance(replayed.error, ws.MacInvalid)

    admin_cookie = codec().encode("admin", session.id)  # only possible with the key
    crossed = store.get(environ(f"admin={admin_cookie}"), "admin")
    assert crossed.is_new
    assert crossed.values == {}
    assert isinstance(crossed.error, ws.MacInvalid)  # the record is signed under 'sess'


# -- timestamps ---------------------------------------------------------------------------


def test_expired_timestamp_with_valid_mac_is_rejected() -> None:
    store = ws.CookieStore(HASH_KEY, options=ws.Options(max_age=3600))
    payload = store.codecs[0].serializer.dumps(VALUES)
    fresh = signed(NAME, payload, date=now_stamp(-3500))
    stale = signed(NAME, payload, date=now_stamp(-3700))
    assert store.get(environ(f"{NAME}={fresh}"), NAME).values == VALUES
    assert_new_session(store, stale, ws.Expired)
    with pytest.raises(ws.Expired):
        store.codecs[0].decode(NAME, stale)


@pytest.mark.parametrize("offset", [0, 30, 3600, 86400 * 365 * 100])
def test_too_new_timestamp_with_valid_mac_is_rejected(offset: int) -> None:
    """With ``min_age``, a cookie signed now or in the future is TooNew."""
    c = codec(min_age=60)
    cookie = signed(NAME, c.serializer.dumps(VALUES), date=now_stamp(offset))
    with pytest.raises(ws.TooNew):
        c.decode(NAME, cookie)
    assert c.decode(NAME, signed(NAME, b"1", date=now_stamp(-120))) == 1


@pytest.mark.parametrize(
    "date",
    [b"", b"abc", b"1e9", b" 1700000000", b"1700000000 ", b"0x65", b"\xef\xbc\x91" * 10,
     b"9" * 25, b"-" + b"9" * 25, b"1_700_000_000"],
    ids=["empty", "letters", "exponent", "lead-space", "trail-space", "hex", "fullwidth",
         "huge", "huge-negative", "underscores"],
)  # fmt: skip
def test_garbage_timestamp_with_valid_mac_is_rejected(date: bytes) -> None:
    cookie = signed(NAME, b"1", date=date)
    with pytest.raises(ws.TimestampInvalid):
        codec().decode(NAME, cookie)


def test_ancient_and_negative_timestamps_are_expired() -> None:
    for date in (b"0", b"-1", b"-9223372036854775808", b"1"):
        with pytest.raises(ws.Expired):
            codec().decode(NAME, signed(NAME, b"1", date=date))


# -- key rotation --------------------------------------------------------------------------


def old_cookie() -> str:
    return ws.SecureCookie(OLD_HASH_KEY, OLD_BLOCK_KEY).encode(NAME, VALUES)


def test_old_key_is_accepted_while_in_the_rotation() -> None:
    codecs = ws.codecs_from_pairs(HASH_KEY, BLOCK_KEY, OLD_HASH_KEY, OLD_BLOCK_KEY)
    assert ws.decode_multi_index(NAME, old_cookie(), codecs) == (VALUES, 1)
    new = ws.encode_multi(NAME, VALUES, codecs)
    assert ws.decode_multi_index(NAME, new, codecs) == (VALUES, 0)
    store = ws.CookieStore(HASH_KEY, BLOCK_KEY, OLD_HASH_KEY, OLD_BLOCK_KEY)
    req, rsp = environ(f"{NAME}={old_cookie()}"), response()
    session = store.get(req, NAME)
    assert session.values == VALUES
    session.save(req, rsp)
    reissued = rsp[0][1].split(";", 1)[0].split("=", 1)[1]
    # Re-issued under the first (new) pair: readable once the old pair is dropped.
    assert ws.decode_multi_index(NAME, reissued, codecs) == (VALUES, 0)
    assert ws.CookieStore(HASH_KEY, BLOCK_KEY).get(environ(f"{NAME}={reissued}"), NAME).values


def test_old_key_is_rejected_once_its_pair_is_dropped() -> None:
    codecs = ws.codecs_from_pairs(HASH_KEY, BLOCK_KEY)
    with pytest.raises(ws.MacInvalid):
        ws.decode_multi_index(NAME, old_cookie(), codecs)
    assert_new_session(ws.CookieStore(HASH_KEY, BLOCK_KEY), old_cookie(), ws.MacInvalid)


def test_old_hash_key_with_a_new_block_key_does_not_decode() -> None:
    """A pair is a pair: the old hash key verifies, but decrypting with the new
    block key gives noise, never the values."""
    mixed = ws.codecs_from_pairs(OLD_HASH_KEY, BLOCK_KEY)
    with pytest.raises(ws.DecodeError):
        ws.decode_multi_index(NAME, old_cookie(), mixed)


# -- truncated and bad base64 --------------------------------------------------------------

BAD_VALUES: dict[str, Callable[[str], str]] = {
    "truncated-1": lambda good: good[:-1],
    "truncated-4": lambda good: good[:-4],
    "truncated-half": lambda good: good[: len(good) // 8 * 4],
    "first-4-chars": lambda good: good[:4],
    "empty": lambda good: "",
    "padding-only": lambda good: "====",
    "std-alphabet": lambda good: "+/" + good[2:],
    "junk-char": lambda good: good[:10] + "!" + good[11:],
    "inner-space": lambda good: good[:10] + " " + good[11:],
    "non-ascii": lambda good: good[:10] + "\u00e9" + good[11:],
    "nul": lambda good: good[:10] + "\x00" + good[11:],
    "doubled": lambda good: good + good,
    "double-encoded": lambda good: b64url(good.encode()).decode(),
}


@pytest.mark.parametrize("bad", list(BAD_VALUES))
def test_truncated_and_bad_base64_is_a_decode_error(block_key: bytes | None, bad: str) -> None:
    good = codec(block_key).encode(NAME, VALUES)
    value = BAD_VALUES[bad](good)
    with pytest.raises(ws.DecodeError):
        codec(block_key).decode(NAME, value)
    with pytest.raises(ws.DecodeError):
        codec(block_key, max_length=0).decode(NAME, value)


def _cookie_ending(block_key: bytes | None, *, padded: bool) -> str:
    """A cookie whose base64 ends (or not) in padding, by varying the value's size."""
    for size in range(64):
        cookie = codec(block_key).encode(NAME, {"pad": "x" * size})
        if cookie.endswith("=") == padded:
            return cookie
    raise AssertionError("no cookie of the wanted shape")


def test_extra_padding_after_padded_cookie_is_rejected(block_key: bytes | None) -> None:
    cookie = _cookie_ending(block_key, padded=True)
    for extra in ("=", "==", "===", "===="):
        with pytest.raises(ws.MalformedValue):
            codec(block_key).decode(NAME, cookie + extra)


def test_padding_groups_after_unpadded_cookie_are_rejected(block_key: bytes | None) -> None:
    """Gorilla rejects non-canonical base64; accepting it lets anyone mint other
    strings for one cookie (a revocation list or cache keyed by the string misses them)."""
    cookie = _cookie_ending(block_key, padded=False)
    store = ws.CookieStore(HASH_KEY, block_key)
    for extra in ("====", "========"):
        assert store.get(environ(f"{NAME}={cookie + extra}"), NAME).is_new
        with pytest.raises(ws.MalformedValue):
            codec(block_key).decode(NAME, cookie + extra)


@pytest.mark.parametrize(
    "inner",
    [b"not base64!", b"QUJD", b"QUJD=", b"QUJ", b"QU==JD", b"+/+/"],
    ids=["junk", "unpadded-ok-len", "bad-padding", "short", "inner-padding", "std-alphabet"],
)
def test_bad_inner_base64_behind_a_valid_mac(inner: bytes) -> None:
    """The MAC covers the inner base64 text, so a key holder's typo is still caught."""
    cookie = forge(NAME, now_stamp(), inner)
    with contextlib.suppress(ws.DecodeError):  # the only acceptable failure
        codec().decode(NAME, cookie)
    with pytest.raises(ws.DecodeError):
        codec(BLOCK_KEY).decode(NAME, cookie)


# -- hostile payloads behind a valid MAC ----------------------------------------------------


def _decode_outcome(serializer: ws.Serializer, payload: bytes) -> str:
    c = codec(serializer=serializer, max_length=0)
    try:
        c.decode(NAME, signed(NAME, payload))
    except ws.DecodeError as exc:
        return type(exc).__name__
    return "decoded"


@pytest.mark.parametrize("depth", [1, 100, 999, 1000, 1001, 5000])
@pytest.mark.parametrize("serializer", list(serializers()))
def test_nesting_bombs_behind_a_valid_mac_raise_only_decode_errors(
    serializer: str, depth: int
) -> None:
    """Any other exception escapes ``codec.decode`` and fails the test (100k: below)."""
    ser = serializers()[serializer]
    bombs = {**json_bombs(depth), "gob-slices": gob_nested_slices(depth)}
    outcomes = {name: _decode_outcome(ser, payload) for name, payload in bombs.items()}
    if depth >= 1000:
        # Past any sane depth: never a value, always a DecodeError.
        assert set(outcomes.values()) <= {"DeserializeFailed"}, outcomes


def test_process_survives_100k_deep_nesting_in_every_serializer() -> None:
    """Run in a child process so a C stack overflow shows as a failure, not a dead suite."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.security._attack", "100000"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout)
    assert len(outcome) == len(serializers()) * 6
    assert all(v == "DecodeError:DeserializeFailed" for v in outcome.values()), outcome


HUGE_NUMBERS: dict[str, bytes] = {
    "int-5k-digits": b"9" * 5000,
    "int-100k-digits": b"9" * 100_000,
    "negative-int-100k": b"-" + b"9" * 100_000,
    "int-in-object": b'{"a":' + b"9" * 100_000 + b"}",
    "float-exponent": b"1e999999999",
    "float-negative-exponent": b"1e-999999999",
    "float-100k-digits": b"1" * 100_000 + b".5",
    "many-overflowing-floats": b"[" + b"1e400," * 10_000 + b"1]",
    "tagged-timedelta": b'~{"~td":[' + b"9" * 100 + b",0,0]}",
    "tagged-timedelta-float": b'~{"~td":[1e308,0,0]}',
    "tagged-decimal-100k": b'~{"~n":"' + b"9" * 100_000 + b'"}',
    "tagged-decimal-exponent": b'~{"~n":"1e999999999999999999"}',
    "tagged-float": b'~{"~f":"1e999999"}',
    "tagged-uuid-100k": b'~{"~u":"' + b"f" * 100_000 + b'"}',
    "tagged-datetime-year": b'~{"~dt":"' + b"9" * 100_000 + b'-01-01"}',
    "tagged-set-unhashable": b'~{"~s":[[1],[2]]}',
    "tagged-map-unhashable-key": b'~{"~m":[[[1],2]]}',
    "tagged-unknown": b'~{"~zz":1}',
    "tagged-unregistered-type": b'~{"~o":["os.system",["id"]]}',
    "gob-message-length": gob_uint(2**64 - 1) + b"\x0c\x00\x00",
    "gob-nine-byte-uint": gob_message(b"\x0c\x00\xf7" + b"\x01" * 9),
    "gob-string-length": gob_message(b"\x0c\x00" + gob_uint(2**62) + b"abc"),
    "gob-uint64-max-int": gob_message(b"\x04\x00" + gob_uint(2**64 - 1)),
}


# What may legitimately decode: out-of-range floats become inf or 0.0 (Python's
# float()), Decimal has no size limit, and gob's int64 minimum is a valid int.
MAY_DECODE = {
    "float-exponent",
    "float-negative-exponent",
    "float-100k-digits",
    "many-overflowing-floats",
    "tagged-decimal-100k",
    "tagged-decimal-exponent",
    "tagged-float",
    "gob-uint64-max-int",
}


@pytest.mark.parametrize("serializer", list(serializers()))
def test_huge_number_payloads_behind_a_valid_mac_raise_only_decode_errors(
    serializer: str,
) -> None:
    """Any exception but a DecodeError escapes and fails; ints past Python's
    4300-digit limit, bad tags and gob's oversized counts never become values."""
    ser = serializers()[serializer]
    outcomes = {name: _decode_outcome(ser, payload) for name, payload in HUGE_NUMBERS.items()}
    decoded = {name for name, outcome in outcomes.items() if outcome == "decoded"}
    assert decoded <= MAY_DECODE, outcomes


def test_nesting_bomb_in_a_real_cookie_gives_a_new_session() -> None:
    """The deepest list a default 4096-byte cookie can carry, with a valid MAC."""
    store = ws.CookieStore(HASH_KEY)
    depth = 1000
    while len(signed(NAME, b"[" * (depth + 1) + b"]" * (depth + 1))) <= 4096:
        depth += 1
    cookie = signed(NAME, b"[" * depth + b"]" * depth)
    assert 4090 < len(cookie) <= 4096
    assert_new_session(store, cookie, ws.DeserializeFailed)
