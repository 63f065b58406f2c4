"""Hostile or broken cookies through ``store.get``, for CookieStore and FilesystemStore.

Whatever the client sends, ``get`` returns a session: a new, empty one with
the reason in ``session.error`` (a DecodeError subclass) when the cookie
does not verify, never an exception. Duplicate cookies of one name (a
sibling domain can plant one) are tried in order and the first that
verifies wins.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import websessions as ws

from ._http import (
    BLOCK_KEY,
    HASH_KEY,
    OTHER_BLOCK_KEY,
    OTHER_HASH_KEY,
    cookie_pair,
    cookie_value,
    environ,
    forge,
    headers,
    set_cookies,
)

NAME = "sess"
VALUES = {"user": "ada", "n": 1}


@dataclasses.dataclass(frozen=True)
class Variant:
    kind: str  # "cookie" or "filesystem"
    encrypted: bool

    @property
    def keys(self) -> tuple[bytes, ...]:
        return (HASH_KEY, BLOCK_KEY) if self.encrypted else (HASH_KEY,)

    def store(self, path: Path, *keys: bytes | None) -> ws.Store:
        keys = keys or self.keys
        if self.kind == "cookie":
            return ws.CookieStore(*keys)
        return ws.FilesystemStore(path, *keys)

    def inner(self, store: ws.Store, session_id: str | None = None) -> object:
        """What this store's cookie holds: the values, or a session ID."""
        if self.kind == "cookie":
            return dict(VALUES)
        return session_id or ws.stores.new_session_id()


VARIANTS = [
    Variant("cookie", encrypted=True),
    Variant("cookie", encrypted=False),
    Variant("filesystem", encrypted=True),
    Variant("filesystem", encrypted=False),
]


@pytest.fixture(params=VARIANTS, ids=lambda v: f"{v.kind}-{'aes' if v.encrypted else 'signed'}")
def variant(request: pytest.FixtureRequest) -> Variant:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def store(variant: Variant, tmp_path: Path) -> ws.Store:
    return variant.store(tmp_path)


def save_good(store: ws.Store, name: str = NAME, values: dict[str, object] | None = None) -> str:
    """Save a session through the store; the cookie value a browser would send back."""
    req, rsp = environ(), headers()
    session = store.get(req, name)
    session.values.update(VALUES if values is None else values)
    session.save(req, rsp)
    (header,) = set_cookies(rsp)
    return cookie_value(header)


def codec(variant: Variant, *, age: int = 0) -> ws.SecureCookie:
    """A codec with the variant's keys whose clock runs ``age`` seconds behind."""
    keys = variant.keys
    return ws.SecureCookie(
        keys[0], keys[1] if len(keys) > 1 else None, clock=lambda: time.time() - age
    )


def assert_rejected(session: ws.Session, error: type[ws.DecodeError]) -> None:
    assert session.is_new
    assert session.values == {}
    assert session.id is None
    assert isinstance(session.error, error), repr(session.error)


def flip_inside(value: str) -> str:
    """Change one byte of the signed message (the payload), keeping valid base64."""
    raw = bytearray(base64.urlsafe_b64decode(value))
    first_bar = raw.index(b"|")
    raw[first_bar + 2] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode()


# -- one bad cookie ---------------------------------------------------------------------

Case = Callable[[Variant, ws.Store], tuple[str, type[ws.DecodeError]]]


def tampered(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    return flip_inside(save_good(store)), ws.MacInvalid


def truncated_mac(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    return save_good(store)[:-4], ws.MacInvalid  # still valid base64, three bytes short


def truncated_base64(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    return save_good(store)[:-1], ws.MalformedValue


def cut_in_half(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    good = save_good(store)
    return good[: len(good) // 8 * 4], ws.MacInvalid


def expired(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    old = codec(variant, age=86400 * 30 + 60)
    return old.encode(NAME, variant.inner(store)), ws.Expired


def too_new(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    good = save_good(store)
    for c in store.codecs:
        c.min_age = 3600
    return good, ws.TooNew


def bad_base64(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    return "!!!!", ws.MalformedValue


def standard_alphabet(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    good = save_good(store, values={"x": "\xff" * 40})  # makes '-' or '_' likely
    std = good.replace("-", "+").replace("_", "/")
    if std == good:
        std = "+" + good[1:]
    return std, ws.MalformedValue


def oversize(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    return "A" * 5000, ws.ValueTooLong


def wrong_hash_key(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    other = variant.store(store_path(store), OTHER_HASH_KEY, *variant.keys[1:])
    return save_good(other), ws.MacInvalid


def no_timestamp(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    return forge(NAME, b"x", date=b"yesterday"), ws.TimestampInvalid


def garbage_payload(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    # Signed with the right key, but the payload is nothing the serializer reads
    # (or, encrypted, too short to hold an IV and ciphertext).
    if variant.encrypted:
        return forge(NAME, b"short"), ws.DecryptionFailed
    return forge(NAME, b"\x00\xffnot a payload"), ws.DeserializeFailed


def wrong_kind(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    # A verified cookie holding the other store's kind of value.
    inner: object = "ABCDEFGH" if variant.kind == "cookie" else {"user": "ada"}
    return codec(variant).encode(NAME, inner), ws.DeserializeFailed


def wrong_name(variant: Variant, store: ws.Store) -> tuple[str, type[ws.DecodeError]]:
    return save_good(store, name="other"), ws.MacInvalid


CASES: list[Case] = [
    tampered,
    truncated_mac,
    truncated_base64,
    cut_in_half,
    expired,
    too_new,
    bad_base64,
    standard_alphabet,
    oversize,
    wrong_hash_key,
    no_timestamp,
    garbage_payload,
    wrong_kind,
    wrong_name,
]


def store_path(store: ws.Store) -> Path:
    return store.path if isinstance(store, ws.FilesystemStore) else Path("/nonexistent")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_bad_cookie_gives_new_session_with_error(
    variant: Variant, store: ws.Store, case: Case
) -> None:
    value, error = case(variant, store)
    req = environ(f"{NAME}={value}")
    session = store.get(req, NAME)
    assert_rejected(session, error)
    # Still a usable session: saving it issues a fresh, valid cookie.
    session.values["fresh"] = True
    rsp = headers()
    session.save(req, rsp)
    (header,) = set_cookies(rsp)
    for c in store.codecs:
        c.min_age = 0
    back = store.get(environ(cookie_pair(header)), NAME)
    assert back.error is None
    assert back.values == {"fresh": True}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
async def test_bad_cookie_async(variant: Variant, store: ws.Store, case: Case) -> None:
    value, error = case(variant, store)
    assert_rejected(await store.aget(environ(f"{NAME}={value}"), NAME), error)
    assert_rejected(await store.anew(environ(f"{NAME}={value}"), NAME), error)


@pytest.mark.parametrize("kind", ["cookie", "filesystem"])
def test_wrong_block_key(kind: str, tmp_path: Path) -> None:
    variant = Variant(kind, encrypted=True)
    good = save_good(variant.store(tmp_path / "a", HASH_KEY, OTHER_BLOCK_KEY))
    store = variant.store(tmp_path / "b")
    # The MAC verifies (same hash key), the decrypted bytes are noise.
    assert_rejected(store.get(environ(f"{NAME}={good}"), NAME), ws.DeserializeFailed)


def test_valid_cookie_has_no_error(store: ws.Store) -> None:
    good = save_good(store)
    session = store.get(environ(f"{NAME}={good}"), NAME)
    assert session.error is None
    assert not session.is_new
    assert session.values == VALUES


def test_no_cookie_has_no_error(store: ws.Store) -> None:
    session = store.get(environ("unrelated=1"), NAME)
    assert session.is_new
    assert session.error is None


def test_non_ascii_cookie_is_ignored(store: ws.Store) -> None:
    # The header parser drops pairs a cookie can't carry; the rest still count.
    good = save_good(store)
    env = environ(f"{NAME}=zoë", f"{NAME}={good}")
    assert store.get(env, NAME).values == VALUES
    alone = store.get(environ(f"{NAME}=zoë"), NAME)
    assert alone.is_new
    assert alone.values == {}
    assert alone.error is None  # dropped by the parser: no cookie was sent


def test_empty_cookie_value(store: ws.Store) -> None:
    # What a deleted cookie looks like if a client sends it back anyway.
    session = store.get(environ(f"{NAME}="), NAME)
    assert session.is_new
    assert session.values == {}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='";\\'),
        max_size=300,
    )
)
def test_any_cookie_text_never_raises(store: ws.Store, value: str) -> None:
    session = store.get(environ(f"{NAME}={value}"), NAME)
    if session.is_new:
        assert session.values == {}
        assert session.error is None or isinstance(session.error, ws.DecodeError)


# -- duplicate cookies of one name ----------------------------------------------------


def test_planted_bad_cookie_before_good_one_does_not_log_out(store: ws.Store) -> None:
    good = save_good(store)
    for bad in ("garbage", flip_inside(good), "A" * 5000, good[:-4]):
        session = store.get(environ(f"{NAME}={bad}", f"{NAME}={good}"), NAME)
        assert session.error is None
        assert not session.is_new
        assert session.values == VALUES


def test_planted_cookie_in_another_header_field(store: ws.Store) -> None:
    # A planted cookie of the wrong kind (verifies, holds no session) is skipped too.
    variant_inner: object = "ABCDEFGH" if isinstance(store, ws.CookieStore) else {"a": 1}
    keys = (HASH_KEY, BLOCK_KEY) if store.codecs[0].block_key else (HASH_KEY,)
    planted = ws.codecs_from_pairs(*keys)[0].encode(NAME, variant_inner)
    good = save_good(store)
    session = store.get(environ(f"{NAME}={planted}", f"{NAME}={good}"), NAME)
    assert session.error is None
    assert session.values == VALUES


def test_first_verifying_cookie_wins(store: ws.Store) -> None:
    first = save_good(store, values={"which": "first"})
    second = save_good(store, values={"which": "second"})
    assert store.get(environ(f"{NAME}={first}", f"{NAME}={second}"), NAME).values == {
        "which": "first"
    }
    assert store.get(environ(f"{NAME}={second}", f"{NAME}={first}"), NAME).values == {
        "which": "second"
    }


def test_all_duplicates_bad_reports_the_first_error(store: ws.Store) -> None:
    good = save_good(store)
    session = store.get(environ(f"{NAME}=AAAA", f"{NAME}={good[:-1]}"), NAME)
    assert_rejected(session, ws.MacInvalid)
    session = store.get(environ(f"{NAME}={good[:-1]}", f"{NAME}=AAAA"), NAME)
    assert_rejected(session, ws.MalformedValue)


def test_bad_cookie_of_another_name_is_not_looked_at(store: ws.Store) -> None:
    good = save_good(store)
    session = store.get(environ("other=garbage", f"{NAME}={good}"), NAME)
    assert session.error is None
    assert session.values == VALUES
