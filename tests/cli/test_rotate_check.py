"""websessions rotate-check: which cookies would break if the old keys were dropped."""

from __future__ import annotations

import json
import time
from pathlib import Path

import websessions as ws
from websessions.cli_cookies import iso_time

from .conftest import Keys, Run, assert_no_secrets, cookie_value, make_keys, set_cookie_from

MAX_AGE = 3600


def cookies_file(tmp_path: Path, new: Keys, old: Keys, older: Keys) -> tuple[Path, int]:
    """A mix of cookies, in the formats a person would collect them in."""
    now = int(time.time())
    on_old = ws.SecureCookie(*old.pair, clock=lambda: now - 60)
    on_older = ws.SecureCookie(*older.pair, clock=lambda: now - 120)
    expired = ws.SecureCookie(*old.pair, clock=lambda: now - MAX_AGE - 10)
    lines = [
        "# Netscape HTTP Cookie File",
        # three on the new keys, made by a real store
        "Set-Cookie: " + set_cookie_from(ws.CookieStore(*new.pair), "session", {"a": 1}),
        "session=" + cookie_value(set_cookie_from(ws.CookieStore(*new.pair), "session", {})),
        "example.com\tFALSE\t/\tTRUE\t0\tsession\t"
        + cookie_value(set_cookie_from(ws.CookieStore(*new.pair), "session", {"b": 2})),
        # two that only the old pairs verify
        f"Cookie: theme=dark; session={on_old.encode('session', {'c': 3})}",
        f"#HttpOnly_example.com\tFALSE\t/\tTRUE\t0\tsession\t{on_older.encode('session', {})}",
        # expired on the old keys: gone whatever happens
        f"session={expired.encode('session', {})}",
        # signed with a key nobody has, and not a cookie value at all
        "session="
        + cookie_value(set_cookie_from(ws.CookieStore(*make_keys().pair), "session", {})),
        "session=nonsense",
    ]
    file = tmp_path / "cookies.txt"
    file.write_text("\n".join(lines) + "\n")
    return file, now - 60


def env(new: list[Keys], old: list[Keys]) -> dict[str, str]:
    return {
        "WEBSESSIONS_NEW_KEYS": ",".join(k.text for k in new),
        "WEBSESSIONS_OLD_KEYS": ",".join(k.text for k in old),
    }


def test_counts_the_cookies_that_need_the_old_keys(
    run: Run, keys: Keys, old_keys: Keys, tmp_path: Path
) -> None:
    older = make_keys(block=False)
    file, newest_old = cookies_file(tmp_path, keys, old_keys, older)
    args = ["rotate-check", "--name", "session", "--max-age", str(MAX_AGE), str(file)]
    result = run(*args, env=env([keys], [old_keys, older]))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "checked 8 cookies named 'session'"
    assert lines[1].split() == ["new", "keys:", "3", "verify", "with", "the", "new", "key", "set"]
    assert lines[2].split()[:3] == ["old", "keys:", "2"]
    assert "(pair 1: 1, pair 2: 1)" in lines[2]
    assert lines[3].split()[:2] == ["expired:", "1"]
    assert lines[4].split()[:2] == ["invalid:", "2"]
    assert lines[5].split()[:2] == ["skipped:", "1"]  # theme=dark
    assert f"keep the old keys until {iso_time(newest_old + MAX_AGE)}" in lines[6]
    assert_no_secrets(result, [keys, old_keys, older])


def test_json_and_exit_code(run: Run, keys: Keys, old_keys: Keys, tmp_path: Path) -> None:
    older = make_keys(block=False)
    file, newest_old = cookies_file(tmp_path, keys, old_keys, older)
    args = ["rotate-check", "-n", "session", "--max-age", str(MAX_AGE), "--json", "--exit-code"]
    result = run(*args, str(file), env=env([keys], [old_keys, older]))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "name": "session",
        "checked": 8,
        "new_keys": 3,
        "old_keys": 2,
        "old_keys_by_pair": {"1": 1, "2": 1},
        "expired": 1,
        "invalid": 2,
        "skipped_other_names": 1,
        "newest_old_signed_at": iso_time(newest_old),
        "old_keys_needed_until": iso_time(newest_old + MAX_AGE),
    }


def test_once_everyone_is_on_the_new_keys(run: Run, keys: Keys, old_keys: Keys) -> None:
    values = [
        cookie_value(set_cookie_from(ws.CookieStore(*keys.pair), "s", {"n": n})) for n in range(3)
    ]
    result = run(
        "rotate-check",
        "--name",
        "s",
        "--exit-code",
        "--new-keys",
        keys.text,
        "--old-keys",
        old_keys.text,
        "-",
        input="\n".join(values),
    )
    assert result.exit_code == 0
    assert "checked 3 cookies named 's'" in result.stdout
    assert "no cookie needs the old keys: they can be dropped" in result.stdout


def test_a_key_in_both_sets_counts_as_new(run: Run, keys: Keys, old_keys: Keys) -> None:
    value = cookie_value(set_cookie_from(ws.CookieStore(*old_keys.pair), "s", {}))
    result = run(
        "rotate-check", "-n", "s", "--json", "-", input=value, env=env([keys, old_keys], [old_keys])
    )
    assert json.loads(result.stdout)["new_keys"] == 1


def test_bare_values_need_a_name(run: Run, keys: Keys, old_keys: Keys) -> None:
    value = cookie_value(set_cookie_from(ws.CookieStore(*keys.pair), "s", {}))
    result = run("rotate-check", "-", input=f"\n{value}\n", env=env([keys], [old_keys]))
    assert result.exit_code == 2
    assert "line 2 is a bare value: give --name" in result.stderr


def test_both_key_sets_are_required(run: Run, keys: Keys) -> None:
    result = run("rotate-check", "-", input="a=b", env={"WEBSESSIONS_NEW_KEYS": keys.text})
    assert result.exit_code == 2
    assert "no keys: pass --old-keys-file FILE, set WEBSESSIONS_OLD_KEYS" in result.stderr
