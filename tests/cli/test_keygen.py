"""websessions keygen: fresh keys in every format, usable as they are printed."""

from __future__ import annotations

import base64

import pytest

from websessions.cli_keys import KeyPair, parse_keys

from .conftest import Run


def test_default_is_64_byte_hash_and_32_byte_block_in_hex(run: Run) -> None:
    result = run("keygen")
    assert result.exit_code == 0
    hash_hex, block_hex = result.stdout.split()
    assert len(bytes.fromhex(hash_hex)) == 64
    assert len(bytes.fromhex(block_hex)) == 32
    assert "hash key (64 bytes), then block key (32 bytes)" in result.stderr


def test_every_run_is_new(run: Run) -> None:
    outputs = {run("keygen").stdout for _ in range(5)}
    assert len(outputs) == 5


def test_sizes_and_sign_only(run: Run) -> None:
    result = run("keygen", "--hash-bytes", "32", "--block-bytes", "0")
    assert result.exit_code == 0
    [hash_hex] = result.stdout.split()
    assert len(bytes.fromhex(hash_hex)) == 32
    result = run("keygen", "--block-bytes", "16")
    assert len(bytes.fromhex(result.stdout.split()[1])) == 16


def test_base64(run: Run) -> None:
    result = run("keygen", "--format", "base64", "--block-bytes", "24")
    keys = [base64.b64decode(line, validate=True) for line in result.stdout.split()]
    assert [len(k) for k in keys] == [64, 24]
    assert "'base64:HASH:base64:BLOCK'" in result.stderr


def test_env_line_is_a_key_set(run: Run) -> None:
    result = run("keygen", "--format", "env")
    name, _, value = result.stdout.strip().partition("=")
    assert name == "WEBSESSIONS_KEYS"
    [pair] = parse_keys(value)
    assert (len(pair.hash_key), len(pair.block_key or b"")) == (64, 32)


def test_printed_keys_work_with_the_other_commands(run: Run) -> None:
    hash_hex, block_hex = run("keygen").stdout.split()
    keys = f"{hash_hex}:{block_hex}"
    cookie = run("encode", "-n", "s", "--keys", keys, '{"a": 1}').stdout.strip()
    decoded = run("decode", "-n", "s", "--keys", keys, cookie)
    assert decoded.exit_code == 0
    assert '"a": 1' in decoded.stdout
    assert parse_keys(keys) == [KeyPair(bytes.fromhex(hash_hex), bytes.fromhex(block_hex))]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hash-bytes", "16"], "16 is not in the range 32<=x<=1024"),
        (["--block-bytes", "20"], "'20' is not one of '0', '16', '24', '32'"),
        (["--format", "pem"], "'pem' is not one of 'hex', 'base64', 'env'"),
    ],
)
def test_bad_options_exit_2(run: Run, args: list[str], message: str) -> None:
    result = run("keygen", *args)
    assert result.exit_code == 2
    assert message in result.stderr
