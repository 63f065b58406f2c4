"""The demo site (``make demo``), driven through Werkzeug's test client and over real HTTP."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from werkzeug.test import Client, TestResponse

import websessions as ws
from examples.demo import main, make_app, make_store
from examples.demo.app import REMEMBER_ME, SESSION, load_keys, parse_keys

ROOT = Path(__file__).resolve().parents[2]
HASH_KEY = bytes(range(32))
BLOCK_KEY = bytes(range(32, 64))
KEYS_TEXT = f"{HASH_KEY.hex()}:{BLOCK_KEY.hex()}"


@pytest.fixture
def store(tmp_path: Path) -> ws.FilesystemStore:
    return make_store(tmp_path / "sessions", [HASH_KEY, BLOCK_KEY])


@pytest.fixture
def client(store: ws.FilesystemStore) -> Client:
    return Client(make_app(store))


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def visits(response: TestResponse) -> int:
    match = re.search(r"Visits in this session: (\d+)", text(response))
    assert match is not None, text(response)
    return int(match.group(1))


def session_cookies(response: TestResponse) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{SESSION}=")]


def token(client: Client) -> str:
    """The CSRF token of the client's session, from the home page's forms."""
    match = re.search(r"name=csrf value='([^']+)'", text(client.get("/")))
    assert match is not None
    return match.group(1)


def session_ids(store: ws.FilesystemStore) -> set[str]:
    return {p.name.removeprefix("session_") for p in store.path.glob("session_*")}


def server_view(client: Client) -> dict[str, str]:
    """The /session page as ``{row: value}`` (HTML-escaped values)."""
    response = client.get("/session")
    assert response.status_code == 200
    return dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", text(response)))


def login(client: Client, name: str = "alice", *, remember: bool) -> TestResponse:
    data = {"csrf": token(client), "username": name}
    if remember:
        data["remember"] = "on"
    return client.post("/login", data=data)


def test_counter_counts_visits_in_one_session(client: Client, store: ws.FilesystemStore) -> None:
    assert [visits(client.get("/")) for _ in range(3)] == [1, 2, 3]
    assert len(session_ids(store)) == 1
    assert visits(Client(make_app(store)).get("/")) == 1  # another browser, another session


def test_counter_reset(client: Client) -> None:
    client.get("/")
    client.get("/")
    response = client.post("/counter/reset", data={"csrf": token(client)}, follow_redirects=True)
    assert visits(response) == 1
    assert "The counter is reset." in text(response)


def test_cookie_is_not_secure_for_plain_http(client: Client) -> None:
    (header,) = session_cookies(client.get("/"))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header


def test_login_with_remember_me_sets_a_persistent_cookie(client: Client) -> None:
    response = login(client, remember=True)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    (header,) = session_cookies(response)
    assert f"Max-Age={REMEMBER_ME}" in header
    assert "Expires=" in header
    page = client.get("/")
    assert "Logged in as <b>alice</b>" in text(page)
    assert f"Max-Age={REMEMBER_ME}" in session_cookies(page)[0]


def test_login_without_remember_me_sets_a_browser_session_cookie(client: Client) -> None:
    client.get("/")  # before login the cookie lasts the store's default 30 days
    response = login(client, remember=False)
    assert response.status_code == 303
    (header,) = session_cookies(response)
    assert "Max-Age" not in header
    assert "Expires" not in header
    # Options are per request: later saves must keep the browser-session cookie.
    page = client.get("/")
    assert "Logged in as <b>alice</b>" in text(page)
    assert "browser-session cookie" in text(page)
    (header,) = session_cookies(page)
    assert "Max-Age" not in header


def test_login_gives_the_session_a_new_id(client: Client, store: ws.FilesystemStore) -> None:
    client.get("/")
    client.get("/")
    (before,) = session_ids(store)
    login(client, remember=True)
    (after,) = session_ids(store)
    assert after != before
    assert visits(client.get("/")) == 4  # 2, the login form, this: the values moved


def test_flash_is_shown_once_after_the_redirect(client: Client) -> None:
    response = login(client, "<b>bob</b>", remember=False)
    assert "Welcome" not in text(response)  # a bare redirect: the flash waits for the GET
    first = client.get(response.headers["Location"])
    assert "Welcome, &lt;b&gt;bob&lt;/b&gt;" in text(first)
    assert "<b>bob</b>" not in text(first)
    assert "Welcome" not in text(client.get("/"))


def test_logout_deletes_the_record_and_replaces_the_cookie(
    client: Client, store: ws.FilesystemStore
) -> None:
    login(client, remember=True)
    (old_id,) = session_ids(store)
    old_cookie = client.get_cookie(SESSION)
    assert old_cookie is not None

    response = client.post("/logout", data={"csrf": token(client)})
    assert response.status_code == 303
    (header,) = session_cookies(response)  # one Set-Cookie for the name, not two
    assert header.split(";")[0] not in ("", f"{SESSION}=", f"{SESSION}={old_cookie.value}")
    assert old_id not in session_ids(store)
    new_cookie = client.get_cookie(SESSION)
    assert new_cookie is not None
    assert new_cookie.value != old_cookie.value

    page = text(client.get("/"))
    assert "You are logged out." in page
    assert "Not logged in." in page
    assert "You are logged out." not in text(client.get("/"))

    # A copy of the old cookie, replayed, finds no record: a fresh, empty session.
    replay = Client(make_app(store))
    replay.set_cookie(SESSION, old_cookie.value)
    seen = server_view(replay)
    assert seen["is_new"] == "True"
    assert seen["error"] == "SessionNotFound"
    assert not any(row.startswith("values") for row in seen)
    page = text(replay.get("/"))
    assert "Not logged in." in page
    assert "Visits in this session: 1" in page


@pytest.mark.parametrize(
    "data",
    [
        {"username": "mallory"},
        {"username": "mallory", "csrf": ""},
        {"username": "mallory", "csrf": "not-the-token"},
        {"username": "mallory", "csrf": "jeton-\u00e9"},  # not ASCII: no TypeError, no 500
    ],
)
def test_post_without_the_csrf_token_is_refused(client: Client, data: dict[str, str]) -> None:
    client.get("/")
    response = client.post("/login", data=data)
    assert response.status_code == 403
    assert "CSRF" in text(response)
    assert "Not logged in." in text(client.get("/"))


def test_post_from_a_browser_without_a_session_is_refused(
    client: Client, store: ws.FilesystemStore
) -> None:
    response = client.post("/logout", data={"csrf": ""})
    assert response.status_code == 403
    assert session_ids(store) == set()
    assert session_cookies(response) == []


def test_unknown_routes(client: Client) -> None:
    assert client.get("/nope").status_code == 404
    assert client.get("/login").status_code == 405
    assert client.post("/session").status_code == 405


def flip(value: str) -> str:
    middle = len(value) // 2
    return value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]


@pytest.mark.parametrize(
    ("make_cookie", "error"),
    [
        (lambda store, good: flip(good), "MacInvalid"),
        (lambda store, good: good[:-4], "MacInvalid"),
        (lambda store, good: "garbage", "MalformedValue"),
        (
            lambda store, good: make_store(store.path, [bytes(32)]).codecs[0].encode(SESSION, "x"),
            "MacInvalid",
        ),
        (lambda store, good: ws.encode_multi(SESSION, "A" * 52, store.codecs), "SessionNotFound"),
        (lambda store, good: ws.encode_multi(SESSION, "short", store.codecs), "MalformedValue"),
        (
            lambda store, good: ws.encode_multi(SESSION, {"user": "eve"}, store.codecs),
            "DeserializeFailed",
        ),
    ],
    ids=["flipped", "truncated", "garbage", "other-key", "unknown-id", "bad-id", "not-an-id"],
)
def test_a_bad_cookie_gives_a_fresh_session(
    client: Client, store: ws.FilesystemStore, make_cookie, error: str
) -> None:
    login(client, remember=True)
    good = client.get_cookie(SESSION)
    assert good is not None
    bad = make_cookie(store, good.value)

    browser = Client(make_app(store))
    browser.set_cookie(SESSION, bad)
    seen = server_view(browser)
    assert seen["is_new"] == "True"
    assert seen["error"] == error
    response = browser.get("/")
    assert response.status_code == 200
    assert f"Your cookie was rejected ({error})" in text(response)
    assert "Not logged in." in text(response)
    assert visits(response) == 1
    assert "Logged in as <b>alice</b>" in text(client.get("/"))  # the real session is intact


def test_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WEBSESSIONS_KEYS", KEYS_TEXT)
    assert load_keys(tmp_path / ".demo-keys") == [HASH_KEY, BLOCK_KEY]
    assert not (tmp_path / ".demo-keys").exists()
    rotation = f"{'11' * 32}:{'22' * 16}, {HASH_KEY.hex()}"
    assert parse_keys(rotation, "test") == [b"\x11" * 32, b"\x22" * 16, HASH_KEY, None]
    with pytest.raises(SystemExit, match="hex"):
        parse_keys("not-hex:00", "test")


def test_dev_keys_are_made_once_into_a_private_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WEBSESSIONS_KEYS", raising=False)
    key_file = tmp_path / ".demo-keys"
    keys = load_keys(key_file)
    assert [len(k or b"") for k in keys] == [32, 32]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "WARNING: development keys" in capsys.readouterr().out
    assert load_keys(key_file) == keys  # the next run reuses them: sessions survive restarts


def test_main_refuses_a_host_others_can_reach(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--sessions-dir", str(tmp_path / "s"), "--key-file", str(tmp_path / "k")]
    with pytest.raises(SystemExit) as exc:
        main(["--host", "0.0.0.0", "--port", "0", *args])
    assert exc.value.code == 2
    assert "--allow-external" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()


def test_the_real_server_over_http(tmp_path: Path) -> None:
    env = {**os.environ, "WEBSESSIONS_KEYS": KEYS_TEXT, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "examples.demo", "--port", "0"],
        cwd=tmp_path,  # the defaults (./.sessions) land in the temp dir
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            match = re.search(r"Serving on (http://127\.0\.0\.1:\d+/)", line)
            if match:
                url = match.group(1)
                break
        assert url is not None, "the demo exited before serving"

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
        with opener.open(url, timeout=30) as response:
            assert response.status == 200
            assert "Visits in this session: 1" in response.read().decode()
            cookie = response.headers["Set-Cookie"].split(";")[0]
        assert cookie.startswith(f"{SESSION}=")
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        with opener.open(request, timeout=30) as response:
            assert "Visits in this session: 2" in response.read().decode()
        assert len(list((tmp_path / ".sessions").glob("session_*"))) == 1
        assert not (tmp_path / ".demo-keys").exists()  # keys came from the environment
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Stopped." in out
