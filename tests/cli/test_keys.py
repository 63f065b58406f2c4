"""Key text: every accepted spelling, and errors that never repeat key material."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websessions import WeakKeyWarning
from websessions.cli_keys import (
    KeyPair,
    KeyTextError,
    check_usable,
    flatten,
    format_pair,
    parse_keys,
    read_key_file,
)

HASH = bytes(range(64))
BLOCK = bytes(range(100, 132))


def test_bare_hex_is_hex() -> None:
    assert parse_keys(f"{HASH.hex()}:{BLOCK.hex()}") == [KeyPair(HASH, BLOCK)]


def test_hash_key_alone_signs_only() -> None:
    assert parse_keys(HASH.hex()) == [KeyPair(HASH, None)]
    assert parse_keys(HASH.hex() + ":") == [KeyPair(HASH, None)]


def test_prefixes_and_case() -> None:
    b64 = base64.b64encode(BLOCK).decode()
    assert parse_keys(f"HEX:{HASH.hex().upper()}:Base64:{b64}") == [KeyPair(HASH, BLOCK)]


@pytest.mark.parametrize(
    "spelling",
    [
        base64.b64encode(BLOCK).decode(),
        base64.urlsafe_b64encode(BLOCK).decode(),
        base64.urlsafe_b64encode(BLOCK).decode().rstrip("="),
    ],
    ids=["standard", "url-safe", "unpadded"],
)
def test_base64_alphabets(spelling: str) -> None:
    assert parse_keys(f"{HASH.hex()}:base64:{spelling}")[0].block_key == BLOCK


def test_pairs_newest_first_with_spaces_newlines_and_comments() -> None:
    text = f"""
    # newest first
    {HASH.hex()} : {BLOCK.hex()} ,
    {BLOCK.hex()}   # an old sign-only pair
    """
    assert parse_keys(text) == [KeyPair(HASH, BLOCK), KeyPair(BLOCK, None)]
    assert flatten(parse_keys(text)) == [HASH, BLOCK, BLOCK, None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no keys given"),
        (" , # nothing\n", "no keys given"),
        ("zz" + HASH.hex(), "pair #1: the hash key is not valid hex (prefix a base64 key"),
        (HASH.hex()[:-1], "pair #1: the hash key is not valid hex"),
        (f"{HASH.hex()},{HASH.hex()}:{BLOCK.hex()[:-2]}", "pair #2: the block key is 31 bytes"),
        (f"{HASH.hex()}:base64:{BLOCK.hex()}!", "pair #1: the block key is not valid base64"),
        (f"{HASH.hex()}:base64:", "pair #1: the block key is empty"),
        (f"{HASH.hex()}:hex", "has the prefix 'hex:' but no key after it"),
        (f":{BLOCK.hex()}", "pair #1: the hash key is empty"),
        (f"{HASH.hex()}:{BLOCK.hex()}:{BLOCK.hex()}", "pair #1 has 3 keys"),
    ],
)
def test_errors_say_where_and_never_what(text: str, message: str) -> None:
    with pytest.raises(KeyTextError) as info:
        parse_keys(text)
    assert message in str(info.value)
    for secret in (HASH.hex(), BLOCK.hex(), HASH.hex()[:16], BLOCK.hex()[:16]):
        assert secret not in str(info.value)


def test_repr_hides_keys() -> None:
    text = repr(KeyPair(HASH, BLOCK))
    assert text == "KeyPair(64-byte hash key, 32-byte block key)"


def test_check_usable_rejects_what_the_codec_rejects() -> None:
    with pytest.warns(WeakKeyWarning):  # usable, if weak
        check_usable([KeyPair(HASH, BLOCK), KeyPair(b"\x01", None)])
    with pytest.raises(KeyTextError, match="pair #2: the hash key is empty"):
        check_usable([KeyPair(HASH, BLOCK), KeyPair(b"", None)])


@given(
    hash_key=st.binary(min_size=1, max_size=96),
    block_key=st.none()
    | st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    encoding=st.sampled_from(["hex", "base64"]),
)
def test_format_then_parse_round_trips(
    hash_key: bytes, block_key: bytes | None, encoding: str
) -> None:
    pair = KeyPair(hash_key, block_key)
    assert parse_keys(format_pair(pair, encoding)) == [pair]


def test_key_file(tmp_path: Path) -> None:
    file = tmp_path / "keys"
    file.write_text(f"# rotation\n{HASH.hex()}:{BLOCK.hex()}\n{BLOCK.hex()}\n")
    file.chmod(0o600)
    assert read_key_file(file) == ([KeyPair(HASH, BLOCK), KeyPair(BLOCK, None)], None)


def test_key_file_readable_by_others_warns(tmp_path: Path) -> None:
    file = tmp_path / "keys"
    file.write_text(HASH.hex())
    file.chmod(0o644)
    pairs, warning = read_key_file(file)
    assert pairs == [KeyPair(HASH, None)]
    assert warning is not None
    assert "mode 644" in warning
    assert f"chmod 600 {file}" in warning
    assert stat.S_IMODE(file.stat().st_mode) == 0o644  # only warned, not changed


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeyTextError, match=r"cannot read the key file .*No such file"):
        read_key_file(tmp_path / "nope")
