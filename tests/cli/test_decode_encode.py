"""websessions decode and encode against cookies made and read by the real stores."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import websessions as ws
from websessions.cli_cookies import split_cookie

from .conftest import (
    Keys,
    Run,
    assert_no_secrets,
    cookie_value,
    make_keys,
    output_json,
    set_cookie_from,
    wsgi_request,
)


def env(*key_sets: Keys) -> dict[str, str]:
    return {"WEBSESSIONS_KEYS": ",".join(k.text for k in key_sets)}


# -- decode ---------------------------------------------------------------------


def test_decodes_a_set_cookie_header_from_a_cookie_store(run: Run, keys: Keys) -> None:
    store = ws.CookieStore(*keys.pair)
    header = set_cookie_from(store, "session", {"user": "ada", "cart": [1, 2]})
    result = run("decode", f"Set-Cookie: {header}", env=env(keys))
    assert result.exit_code == 0, result.stderr
    data = output_json(result)
    assert data["name"] == "session"  # taken from the header
    assert data["verified"] is True
    assert data["values"] == {"user": "ada", "cart": [1, 2]}
    assert data["key_pair"] == 1
    assert data["encrypted"] is True
    assert data["serializer"] == "default"
    assert data["holds"] == "session values"
    assert abs(data["timestamp"] - time.time()) < 600
    assert data["age_seconds"] >= 0
    assert data["expired"] is False
    assert "not_exact_json" not in data
    assert_no_secrets(result, [keys])


def test_reports_the_old_pair_during_rotation(run: Run, keys: Keys, old_keys: Keys) -> None:
    old_store = ws.CookieStore(*old_keys.pair)
    value = cookie_value(set_cookie_from(old_store, "session", {"n": 1}))
    result = run("decode", "-n", "session", value, env=env(keys, old_keys))
    assert result.exit_code == 0
    assert output_json(result)["key_pair"] == 2
    assert output_json(result)["key_pairs"] == 2


def test_a_cookie_header_and_stdin(run: Run, keys: Keys) -> None:
    value = cookie_value(set_cookie_from(ws.CookieStore(*keys.pair), "s", {"x": 1}))
    header = f"Cookie: theme=dark; s={value}; lang=en\n"
    result = run("decode", "--name", "s", "-", input=header, env=env(keys))
    assert result.exit_code == 0
    assert output_json(result)["values"] == {"x": 1}


def test_the_valid_one_of_duplicate_cookies_wins(run: Run, keys: Keys) -> None:
    """A cookie planted from a sibling domain comes first; the real one still decodes."""
    value = cookie_value(set_cookie_from(ws.CookieStore(*keys.pair), "s", {"real": True}))
    planted = cookie_value(set_cookie_from(ws.CookieStore(*make_keys().pair), "s", {"x": 1}))
    result = run("decode", "-n", "s", f"s={planted}; s={value}", env=env(keys))
    assert result.exit_code == 0
    assert output_json(result)["values"] == {"real": True}


def test_values_json_cannot_hold_are_shown_and_flagged(run: Run, keys: Keys) -> None:
    store = ws.CookieStore(*keys.pair)
    value = cookie_value(set_cookie_from(store, "s", {42: 43, "t": (1, 2), "b": b"\x00"}))
    data = output_json(run("decode", "-n", "s", value, env=env(keys)))
    assert data["values"] == {"42": 43, "t": [1, 2], "b": "AA=="}
    assert data["not_exact_json"] == ["bytes", "int keys", "tuple"]


def test_a_filesystem_store_cookie_holds_a_session_id(run: Run, keys: Keys, tmp_path: Path) -> None:
    store = ws.FilesystemStore(tmp_path, *keys.pair)
    header = set_cookie_from(store, "s", {"x": 1})
    data = output_json(run("decode", header, env=env(keys)))
    assert data["holds"] == "a server-side session ID (the values are in the store)"
    assert (tmp_path / f"session_{data['values']}").is_file()


def test_gorilla_json_serializer(run: Run, keys: Keys) -> None:
    store = ws.CookieStore(*keys.pair, serializer=ws.JSONSerializer())
    value = cookie_value(set_cookie_from(store, "s", {"a": "b"}))
    data = output_json(run("decode", "-n", "s", "--serializer", "json", value, env=env(keys)))
    assert (data["serializer"], data["values"]) == ("json", {"a": "b"})


class OpaqueSerializer:
    """Bytes no CLI serializer reads (think: pickle from another system)."""

    def dumps(self, value: Any) -> bytes:
        return b"\x80\x04opaque"

    def loads(self, data: bytes) -> Any:
        return data


def test_verified_but_unreadable_payload_exits_1_with_the_raw_bytes(run: Run, keys: Keys) -> None:
    codec = ws.SecureCookie(*keys.pair, serializer=OpaqueSerializer())
    result = run("decode", "-n", "s", codec.encode("s", None), env=env(keys))
    assert result.exit_code == 1
    data = output_json(result)
    assert data["verified"] is True
    assert data["values"] is None
    assert data["payload_base64"] == "gARvcGFxdWU="
    assert "no serializer could read its payload" in result.stderr


@pytest.mark.parametrize("how", ["wrong keys", "wrong name", "tampered", "garbage"])
def test_what_does_not_verify_exits_1(run: Run, keys: Keys, how: str) -> None:
    value = cookie_value(set_cookie_from(ws.CookieStore(*keys.pair), "s", {"x": 1}))
    name, key_sets = "s", [keys]
    if how == "wrong keys":
        key_sets = [make_keys(), make_keys(block=False)]
    elif how == "wrong name":
        name = "other"
    elif how == "tampered":
        value = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    else:
        value = "hello-world"
    result = run("decode", "-n", name, value, env=env(*key_sets))
    assert result.exit_code == 1
    assert result.stdout == ""
    expected = {
        "wrong keys": "did not verify with the 2 key pairs given (the value is not valid "
        "(MAC mismatch)): wrong keys or --name",
        "wrong name": "did not verify with the 1 key pair given",
        "tampered": f"cookie {name!r}",
        "garbage": "is not a secure cookie value (base64 decode failed",
    }[how]
    assert expected in result.stderr
    assert_no_secrets(result, [keys, *key_sets])


def test_expired_cookie_is_shown_but_exits_1(run: Run, keys: Keys) -> None:
    signed = int(time.time()) - 100
    value = run(
        "encode", "-n", "s", "--timestamp", str(signed), '{"x": 1}', env=env(keys)
    ).stdout.strip()
    result = run("decode", "-n", "s", "--max-age", "50", value, env=env(keys))
    assert result.exit_code == 1
    data = output_json(result)
    assert (data["expired"], data["timestamp"], data["values"]) == (True, signed, {"x": 1})
    assert "verified but has expired: signed 1m 4" in result.stderr
    assert "over --max-age 50s" in result.stderr
    assert run("decode", "-n", "s", "--max-age", "0", value, env=env(keys)).exit_code == 0
    assert run("decode", "-n", "s", "--max-age", "500", value, env=env(keys)).exit_code == 0


def test_no_verify_reads_a_signed_only_cookie_and_says_so(run: Run) -> None:
    sign_only = make_keys(block=False)
    value = cookie_value(set_cookie_from(ws.CookieStore(*sign_only.pair), "s", {"role": "user"}))
    result = run("decode", "--no-verify", "-n", "s", value)
    assert result.exit_code == 0
    data = output_json(result)
    assert (data["verified"], data["values"]) == (False, {"role": "user"})
    assert data["mac_bytes"] == 32
    assert "UNVERIFIED" in result.stderr


def test_no_verify_cannot_read_an_encrypted_payload(run: Run, keys: Keys) -> None:
    value = cookie_value(set_cookie_from(ws.CookieStore(*keys.pair), "s", {"secret": "x"}))
    data = output_json(run("decode", "--no-verify", "-n", "s", value))
    assert data["values"] is None
    assert data["note"].startswith("the payload is not readable without keys")
    assert "secret" not in json.dumps(data)
    assert run("decode", "--no-verify", "-n", "s", "garbage").exit_code == 1


def test_name_is_needed_for_bare_values_and_ambiguous_headers(run: Run, keys: Keys) -> None:
    result = run("decode", "abc", env=env(keys))
    assert result.exit_code == 2
    assert "--name is required for a bare value" in result.stderr
    result = run("decode", "a=1; b=2", env=env(keys))
    assert result.exit_code == 2
    assert "the input holds cookies a, b: pick one with --name" in result.stderr
    result = run("decode", "-n", "c", "a=1; b=2", env=env(keys))
    assert result.exit_code == 2
    assert "no cookie named 'c' in the input (found: a, b)" in result.stderr
    assert run("decode", "-", input=" \n").exit_code == 2


# -- where keys come from ---------------------------------------------------------


def test_no_keys_is_a_usage_error(run: Run) -> None:
    result = run("decode", "-n", "s", "abc")
    assert result.exit_code == 2
    assert "no keys: pass --keys-file FILE, set WEBSESSIONS_KEYS, or pass --keys" in result.stderr
    assert "--no-verify" in result.stderr


def test_keys_from_flag_file_and_environment(run: Run, keys: Keys, tmp_path: Path) -> None:
    value = run("encode", "-n", "s", "--keys", keys.text, "{}").stdout.strip()
    file = tmp_path / "keys"
    file.write_text(f"# current\n{keys.text}\n")
    file.chmod(0o600)
    from_file = run("decode", "-n", "s", "--keys-file", str(file), value)
    assert from_file.exit_code == 0
    assert from_file.stderr == ""
    # An explicit file beats the environment.
    other = env(make_keys())
    assert run("decode", "-n", "s", "--keys-file", str(file), value, env=other).exit_code == 0
    assert run("decode", "-n", "s", value, env=other).exit_code == 1
    both = run("decode", "-n", "s", "--keys", keys.text, "--keys-file", str(file), value)
    assert both.exit_code == 2
    assert "give --keys or --keys-file, not both" in both.stderr


def test_a_key_file_others_can_read_is_used_with_a_warning(
    run: Run, keys: Keys, tmp_path: Path
) -> None:
    value = run("encode", "-n", "s", "--keys", keys.text, "{}").stdout.strip()
    file = tmp_path / "keys"
    file.write_text(keys.text)
    file.chmod(0o644)
    result = run("decode", "-n", "s", "--keys-file", str(file), value)
    assert result.exit_code == 0
    assert "can be read by other users (mode 644)" in result.stderr
    assert_no_secrets(result, [keys])


@pytest.mark.parametrize(
    ("keys_text", "message"),
    [
        ("nothex", "the environment"),
        ("00" * 32 + ":" + "11" * 20, "pair #1: the block key is 20 bytes"),
    ],
)
def test_bad_key_text_exits_2_without_echoing_it(run: Run, keys_text: str, message: str) -> None:
    result = run("decode", "-n", "s", "abc", env={"WEBSESSIONS_KEYS": keys_text})
    assert result.exit_code == 2
    assert message.replace("the environment", "$WEBSESSIONS_KEYS") in result.stderr
    assert "nothex" not in result.stderr
    assert "11" * 20 not in result.stderr


# -- encode ---------------------------------------------------------------------


@pytest.mark.parametrize("block", [True, False], ids=["encrypted", "signed-only"])
def test_encoded_cookies_are_read_by_a_real_store(run: Run, block: bool) -> None:
    keys = make_keys(block)
    result = run("encode", "--name", "s", '{"user": "ada", "n": [1, 2.5, null]}', env=env(keys))
    assert result.exit_code == 0
    value = result.stdout.strip()
    session = ws.CookieStore(*keys.pair).get(wsgi_request(f"s={value}"), "s")
    assert session.error is None
    assert session.values == {"user": "ada", "n": [1, 2.5, None]}
    assert_no_secrets(result, [keys])


def test_encode_uses_the_newest_pair(run: Run, keys: Keys, old_keys: Keys) -> None:
    value = run("encode", "-n", "s", "{}", env=env(keys, old_keys)).stdout.strip()
    assert ws.CookieStore(*keys.pair).get(wsgi_request(f"s={value}"), "s").error is None


def test_encode_timestamp_serializer_and_stdin(run: Run, keys: Keys) -> None:
    args = ["encode", "-n", "s", "--timestamp", "1700000000", "--serializer", "json", "-"]
    value = run(*args, input='{"a": 1}', env=env(keys)).stdout.strip()
    assert split_cookie(value).timestamp == 1_700_000_000
    codec = ws.SecureCookie(*keys.pair, serializer=ws.JSONSerializer(), max_age=0)
    assert codec.decode("s", value) == {"a": 1}


def test_encode_any_value_for_a_session_id(run: Run, keys: Keys) -> None:
    refused = run("encode", "-n", "s", '"ABC"', env=env(keys))
    assert refused.exit_code == 2
    assert "must be a JSON object (the session's values), not a string" in refused.stderr
    value = run("encode", "-n", "s", "--any-value", '"ABC"', env=env(keys)).stdout.strip()
    assert ws.SecureCookie(*keys.pair).decode("s", value) == "ABC"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "s", "{nope"], "VALUES is not valid JSON: Expecting property name"),
        (["-n", "s", "[1]"], "not an array"),
        (["-n", "bad name", "{}"], "invalid cookie name 'bad name'"),
        (["-n", "s", "--max-length", "10", "{}"], "over max_length=10"),
    ],
)
def test_encode_errors_exit_2(run: Run, keys: Keys, args: list[str], message: str) -> None:
    result = run("encode", *args, env=env(keys))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
