"""The demo site (``make demo``), driven through Werkzeug's test client and over real HTTP.

Its login sessions here are in a FilesystemStore (the default); test_demo_stores.py
runs it on the other stores, tests/browser/test_demo_e2e.py in Chromium.
"""

from __future__ import annotations

import re
import stat
import urllib.request
from pathlib import Path

import pytest
from werkzeug.test import Client

import websessions as ws
from examples.demo import main, make_store
from examples.demo.app import CART, MAX_QUANTITY, REMEMBER_ME, SESSION, Demo
from examples.demo.server import cart_name_for, load_keys, parse_keys
from examples.demo.stores import CART_MAX_AGE

from ._demo import (
    BLOCK_KEY,
    HASH_KEY,
    KEYS,
    KEYS_TEXT,
    demo,
    login,
    post,
    running_demo,
    server_view,
    text,
    token,
    visits,
)
from ._demo import set_cookies as session_cookies


@pytest.fixture
def store(tmp_path: Path) -> ws.FilesystemStore:
    store = make_store(tmp_path / "sessions", KEYS)
    assert isinstance(store, ws.FilesystemStore)
    return store


@pytest.fixture
def app(store: ws.FilesystemStore) -> Demo:
    return demo(store)


@pytest.fixture
def client(app: Demo) -> Client:
    return Client(app)


def session_ids(store: ws.FilesystemStore) -> set[str]:
    return {p.name.removeprefix("session_") for p in store.path.glob("session_*")}


def test_counter_counts_visits_in_one_session(
    app: Demo, client: Client, store: ws.FilesystemStore
) -> None:
    assert [visits(client.get("/")) for _ in range(3)] == [1, 2, 3]
    assert len(session_ids(store)) == 1
    assert visits(Client(app).get("/")) == 1  # another browser, another session


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
    app: Demo, client: Client, store: ws.FilesystemStore
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
    replay = Client(app)
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
    app: Demo, client: Client, store: ws.FilesystemStore, make_cookie, error: str
) -> None:
    login(client, remember=True)
    good = client.get_cookie(SESSION)
    assert good is not None
    bad = make_cookie(store, good.value)

    browser = Client(app)
    browser.set_cookie(SESSION, bad)
    seen = server_view(browser)
    assert seen["is_new"] == "True"
    assert seen["error"] == error
    response = browser.get("/")
    assert response.status_code == 200
    assert f"Your {SESSION} cookie was rejected ({error})" in text(response)
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
    # In the temp dir: the defaults (./.sessions, ./.demo-keys) land there.
    with running_demo(tmp_path) as (url, lines):
        assert any("FilesystemStore: one file per session in .sessions" in line for line in lines)
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


# -- the cart: a second named session, in a CookieStore -----------------------------


def cart_text(response_text: str) -> str:
    """The "Your cart" part of the home page, tags stripped."""
    part = response_text.split("<h2>Your cart</h2>", 1)[1]
    return re.sub(r"<form.*?</form>|<[^>]+>", " ", part)


def test_cart_add_and_remove(client: Client) -> None:
    assert "Your cart is empty." in text(client.get("/"))
    response = post(client, "/cart/add", product="tea")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    (header,) = session_cookies(response, CART)
    assert f"Max-Age={CART_MAX_AGE}" in header
    assert "; HttpOnly; SameSite=Lax" in header
    assert "Secure" not in header
    page = text(client.get("/"))
    assert "Added Green tea, 100 g to your cart." in page
    post(client, "/cart/add", product="tea")
    post(client, "/cart/add", product="mug")
    cart = " ".join(cart_text(text(client.get("/"))).split())
    assert "2 \u00d7 Green tea, 100 g: \u20ac13.00" in cart
    assert "1 \u00d7 Enamel mug: \u20ac12.00" in cart
    assert "Total: \u20ac25.00" in cart

    response = post(client, "/cart/remove", product="tea")
    assert response.status_code == 303
    page = text(client.get("/"))
    assert "Removed one Green tea, 100 g from your cart." in page
    cart = " ".join(cart_text(page).split())
    assert "1 \u00d7 Green tea, 100 g: \u20ac6.50" in cart
    assert "Total: \u20ac18.50" in cart


def test_the_cart_lives_in_its_cookie_not_on_the_server(
    client: Client, store: ws.FilesystemStore
) -> None:
    post(client, "/cart/add", product="biscuits")
    post(client, "/cart/add", product="biscuits")
    cookie = client.get_cookie(CART)
    assert cookie is not None
    assert ws.decode_multi(CART, cookie.value, store.codecs) == {"biscuits": 2}
    (session_id,) = session_ids(store)
    record = (store.path / f"session_{session_id}").read_bytes()
    values = ws.decode_multi(SESSION, record.decode(), store.record_codecs)
    assert set(values) == {"visits", "csrf", "_flash"}  # the cart is not in it
    seen = server_view(client, "cart")
    assert seen["store"].startswith("CookieStore")
    assert seen["name"] == CART
    assert seen["id"] == "(none)"
    assert seen["values['biscuits']"] == "2"
    assert seen["cookie"] == f"a persistent cookie: Max-Age={CART_MAX_AGE} (7 days)"
    login_view = server_view(client)
    assert login_view["store"] == f"FilesystemStore: one file per session in {store.path}"
    assert "values['biscuits']" not in login_view


def test_pages_read_the_cart_without_reissuing_its_cookie(client: Client) -> None:
    post(client, "/cart/add", product="mug")
    for path, shown in (("/", "1 \u00d7 Enamel mug"), ("/session", "values[&#x27;mug&#x27;]")):
        response = client.get(path)
        assert session_cookies(response, CART) == []
        assert shown in text(response)


def test_emptying_the_cart_deletes_its_cookie(client: Client) -> None:
    post(client, "/cart/add", product="mug")
    assert client.get_cookie(CART) is not None
    response = post(client, "/cart/remove", product="mug")
    (header,) = session_cookies(response, CART)
    assert header.startswith(f"{CART}=;")
    assert "Max-Age=0" in header
    assert client.get_cookie(CART) is None
    assert "Your cart is empty." in text(client.get("/"))


def test_the_cart_outlives_login_and_logout(client: Client) -> None:
    post(client, "/cart/add", product="tea")
    login(client, remember=False)
    post(client, "/cart/add", product="tea")
    post(client, "/logout")
    page = text(client.get("/"))
    assert "Not logged in." in page
    assert "2 \u00d7 Green tea" in cart_text(page)


def test_cart_posts_need_the_csrf_token(client: Client) -> None:
    client.get("/")
    response = client.post("/cart/add", data={"product": "tea", "csrf": "wrong"})
    assert response.status_code == 403
    assert session_cookies(response, CART) == []
    assert client.get_cookie(CART) is None


@pytest.mark.parametrize(
    ("path", "product", "flash"),
    [
        ("/cart/add", "caviar", "There is no such product."),
        ("/cart/add", "", "There is no such product."),
        ("/cart/remove", "tea", "That is not in your cart."),
        ("/cart/remove", "caviar", "That is not in your cart."),
    ],
)
def test_cart_posts_that_change_nothing(
    client: Client, path: str, product: str, flash: str
) -> None:
    response = post(client, path, product=product)
    assert response.status_code == 303
    assert session_cookies(response, CART) == []
    page = text(client.get("/"))
    assert flash in page
    assert "Your cart is empty." in page


def test_a_full_cart_line_stops_at_the_maximum(client: Client, store: ws.FilesystemStore) -> None:
    client.set_cookie(CART, ws.encode_multi(CART, {"tea": MAX_QUANTITY}, store.codecs))
    post(client, "/cart/add", product="tea")
    page = text(client.get("/"))
    assert f"You have {MAX_QUANTITY} of those already." in page
    assert f"{MAX_QUANTITY} \u00d7 Green tea" in cart_text(page)


def test_a_tampered_cart_cookie_gives_an_empty_cart(client: Client) -> None:
    login(client, remember=True)
    post(client, "/cart/add", product="tea")
    cookie = client.get_cookie(CART)
    assert cookie is not None
    client.set_cookie(CART, flip(cookie.value))
    page = text(client.get("/"))
    assert f"Your {CART} cookie was rejected (MacInvalid)" in page
    assert "Your cart is empty." in page
    assert "Logged in as <b>alice</b>" in page  # the other session is untouched
    seen = server_view(client, "cart")
    assert seen["is_new"] == "True"
    assert seen["error"] == "MacInvalid"
    # Adding starts a new, valid cart cookie.
    post(client, "/cart/add", product="mug")
    page = text(client.get("/"))
    assert "rejected" not in page
    assert "1 \u00d7 Enamel mug" in cart_text(page)


# -- cookie settings: --secure, --same-site, --partitioned, --cookie-name -------------


def test_secure_host_prefixed_partitioned_cookies(tmp_path: Path) -> None:
    options = ws.Options(secure=True, same_site="None", partitioned=True)
    store = make_store(tmp_path / "sessions", KEYS, options)
    client = Client(demo(store, name="__Host-demo", cart_name="__Host-cart"))
    (header,) = session_cookies(client.get("/"), "__Host-demo")
    response = post(client, "/cart/add", product="tea")
    (cart_header,) = session_cookies(response, "__Host-cart")
    for h in (header, cart_header):
        assert "; Path=/;" in h
        assert "Domain" not in h
        assert h.endswith("; HttpOnly; Secure; SameSite=None; Partitioned")
    login(client, remember=True)
    page = text(client.get("/"))
    assert "Logged in as <b>alice</b>" in page
    assert "1 \u00d7 Green tea" in cart_text(page)
    assert server_view(client)["Set-Cookie"].endswith("; Secure; SameSite=None; Partitioned")


def test_cart_cookie_takes_the_login_cookies_prefix() -> None:
    assert cart_name_for("demo") == "cart"
    assert cart_name_for("__Host-demo") == "__Host-cart"
    assert cart_name_for("__secure-demo") == "__secure-cart"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--cookie-name", "__Host-demo"], "__Host-"),
        (["--cookie-name", "__Secure-demo", "--insecure"], "__Secure-"),
        (["--same-site", "None"], "requires secure=True"),
        (["--partitioned"], "requires secure=True"),
        (["--cookie-name", "bad name"], "bad name"),
        (["--secure", "--insecure"], "not allowed with argument"),
    ],
)
def test_main_refuses_cookie_settings_browsers_would_reject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    args = ["--port", "0", "--store", str(tmp_path / "s"), "--key-file", str(tmp_path / "k")]
    with pytest.raises(SystemExit) as exc:
        main([*args, *flags])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "k").exists()
    assert not (tmp_path / "s").exists()
