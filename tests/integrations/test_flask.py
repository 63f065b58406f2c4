"""Flask: flask.session, flash and extra named sessions on websessions stores,
through Flask's own test client; the second half mirrors Flask's own session tests."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

import flask
import pytest
from flask import Flask

import websessions as ws
from websessions.integrations.flask import FlaskSession, Sessions

from .conftest import BLOCK_KEY, HASH_KEY, OLD_HASH_KEY, attributes, cookie_header, records


def make_app(store: ws.Store, **kwargs: object) -> Flask:
    app = Flask(__name__)
    app.config["TESTING"] = True
    Sessions(app, store=store, **kwargs)  # type: ignore[arg-type]
    return app


def set_cookies(response: Any) -> list[str]:
    headers: list[str] = response.headers.getlist("Set-Cookie")
    return headers


def test_values_persist_across_requests(store: ws.Store) -> None:
    app = make_app(store)

    @app.post("/set")
    def set_value() -> str:
        flask.session["user"] = "ada"
        flask.session["count"] = flask.session.get("count", 0) + 1
        return ""

    @app.get("/get")
    def get_value() -> dict[str, object]:
        return {"user": flask.session.get("user"), "count": flask.session.get("count")}

    client = app.test_client()
    assert client.get("/get").json == {"user": None, "count": None}
    client.post("/set")
    client.post("/set")
    assert client.get("/get").json == {"user": "ada", "count": 2}


def test_session_is_the_websessions_session(store: ws.Store) -> None:
    app = make_app(store)

    @app.get("/")
    def index() -> str:
        flask.session["a"] = 1
        same = store.get(flask.request, "session")
        assert isinstance(flask.session._get_current_object(), FlaskSession)  # type: ignore[attr-defined]
        assert same.values is flask.session.websession.values  # type: ignore[attr-defined]
        same.values["b"] = 2
        return str(sorted(flask.session.items()))

    assert app.test_client().get("/").text == "[('a', 1), ('b', 2)]"


def test_flashes(store: ws.Store) -> None:
    app = make_app(store)

    @app.post("/flash")
    def post() -> str:
        flask.flash("plain")
        flask.flash("careful", "warning")
        flask.flash("broken", "error")
        return ""

    @app.get("/all")
    def all_messages() -> list[list[str]]:
        return [list(m) for m in flask.get_flashed_messages(with_categories=True)]

    @app.get("/errors")
    def errors() -> Any:
        return flask.get_flashed_messages(category_filter=["error", "warning"])

    client = app.test_client()
    client.post("/flash")
    assert client.get("/all").json == [
        ["message", "plain"],
        ["warning", "careful"],
        ["error", "broken"],
    ]
    assert client.get("/all").json == []  # read once, then gone
    client.post("/flash")
    assert client.get("/errors").json == ["careful", "broken"]


def test_extra_named_sessions_saved_once_per_request(store: ws.Store, tmp_path: Path) -> None:
    other = ws.FilesystemStore(tmp_path / "other", HASH_KEY, options=ws.Options(secure=False))
    app = make_app(store)

    @app.post("/")
    def post() -> str:
        flask.session["main"] = 1
        store.get(flask.request, "prefs").values["theme"] = "dark"
        other.get(flask.request, "cart").values["items"] = ["tea"]
        return ""

    @app.get("/")
    def get() -> dict[str, object]:
        return {
            "main": flask.session.get("main"),
            "theme": store.get(flask.request, "prefs").values.get("theme"),
            "items": other.get(flask.request, "cart").values.get("items"),
        }

    client = app.test_client()
    response = client.post("/")
    headers = set_cookies(response)
    assert len(headers) == 3
    for name in ("session", "prefs", "cart"):
        cookie_header(headers, name)
    assert response.headers["Vary"] == "Cookie"
    assert client.get("/").json == {"main": 1, "theme": "dark", "items": ["tea"]}


def test_a_session_the_view_saved_is_not_saved_twice(store: ws.Store) -> None:
    app = make_app(store)

    @app.get("/")
    def index() -> flask.Response:
        response = flask.make_response("ok")
        session = store.get(flask.request, "prefs")
        session.values["x"] = 1
        session.save(flask.request, response)
        return response

    headers = set_cookies(app.test_client().get("/"))
    cookie_header(headers, "prefs")
    assert len(headers) == 1


def test_clear_deletes_the_cookie_and_the_record(store: ws.Store) -> None:
    app = make_app(store)

    @app.post("/login")
    def login() -> str:
        flask.session["user"] = "ada"
        return ""

    @app.post("/logout")
    def logout() -> str:
        flask.session.clear()
        return ""

    @app.get("/")
    def index() -> str:
        return str(flask.session.get("user"))

    client = app.test_client()
    client.post("/login")
    server_side = isinstance(store, ws.ServerSideStore)
    assert records(store) == (1 if server_side else 0)
    response = client.post("/logout")
    deletion = cookie_header(set_cookies(response), "session")
    assert deletion.startswith("session=;")
    assert attributes(deletion)["max-age"] == "0"
    assert records(store) == 0
    assert client.get("/").text == "None"


def test_tampered_cookie_gives_an_empty_session(store: ws.Store) -> None:
    app = make_app(store)

    @app.get("/")
    def index() -> dict[str, object]:
        return {"new": flask.session.new, "keys": list(flask.session)}

    client = app.test_client()
    client.set_cookie("session", "not-a-valid-cookie")
    assert client.get("/").json == {"new": True, "keys": []}


def test_untouched_requests_get_no_cookie_and_no_vary(store: ws.Store) -> None:
    app = make_app(store)

    @app.get("/static-ish")
    def static_ish() -> str:
        return "plain"

    response = app.test_client().get("/static-ish")
    assert set_cookies(response) == []
    assert "Vary" not in response.headers


def test_permanent_maps_to_max_age(store: ws.Store) -> None:
    app = make_app(store)
    app.permanent_session_lifetime = datetime.timedelta(hours=2)

    @app.post("/browser")
    def browser() -> str:
        flask.session["x"] = 1
        return ""

    @app.post("/remember")
    def remember() -> str:
        flask.session.permanent = True
        return ""

    @app.post("/forget")
    def forget() -> str:
        flask.session.permanent = False
        return ""

    client = app.test_client()
    attrs = attributes(cookie_header(set_cookies(client.post("/browser")), "session"))
    assert "max-age" not in attrs  # a browser-session cookie
    assert "expires" not in attrs
    attrs = attributes(cookie_header(set_cookies(client.post("/remember")), "session"))
    assert attrs["max-age"] == "7200"
    expires = datetime.datetime.strptime(attrs["expires"], "%a, %d %b %Y %H:%M:%S GMT")
    expected = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
        hours=2
    )
    assert abs((expires - expected).total_seconds()) < 60
    attrs = attributes(cookie_header(set_cookies(client.post("/forget")), "session"))
    assert "max-age" not in attrs


def test_permanent_default_from_sessions(store: ws.Store) -> None:
    app = make_app(store, permanent=True)

    @app.post("/")
    def index() -> str:
        flask.session["x"] = 1
        return str(flask.session.permanent)

    response = app.test_client().post("/")
    assert response.text == "True"
    assert attributes(cookie_header(set_cookies(response), "session"))["max-age"] == str(31 * 86400)


def test_cookie_attributes_come_from_the_store_options(tmp_path: Path) -> None:
    store = ws.CookieStore(
        HASH_KEY,
        options=ws.Options(path="/app", domain="example.com", same_site="Strict", partitioned=True),
    )
    app = make_app(store, name="__Secure-sid")

    @app.get("/app/")
    def index() -> str:
        flask.session["x"] = 1
        return ""

    header = cookie_header(
        set_cookies(app.test_client().get("/app/", base_url="https://example.com")), "__Secure-sid"
    )
    attrs = attributes(header)
    assert attrs["path"] == "/app"
    assert attrs["domain"] == "example.com"
    assert attrs["samesite"] == "Strict"
    assert {"secure", "httponly", "partitioned"} <= attrs.keys()


def test_session_transaction(store: ws.Store) -> None:
    app = make_app(store)

    @app.get("/")
    def index() -> str:
        return str(flask.session.get("user"))

    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = "grace"
    assert client.get("/").text == "grace"
    with client.session_transaction() as session:
        assert session["user"] == "grace"


# -- equivalents of Flask's own session tests (tests/test_basic.py) ---------


def test_vary_cookie_only_when_the_session_was_accessed(store: ws.Store) -> None:
    app = make_app(store)

    @app.route("/set")
    def set_session() -> str:
        flask.session["test"] = "test"
        return ""

    @app.route("/get")
    def get() -> str:
        return str(flask.session.get("test"))

    @app.route("/getitem")
    def getitem() -> str:
        return str(flask.session["test"])

    @app.route("/setdefault")
    def setdefault() -> str:
        return str(flask.session.setdefault("test", "default"))

    @app.route("/contains")
    def contains() -> str:
        return str("test" in flask.session)

    @app.route("/clear")
    def clear() -> str:
        flask.session.clear()
        return ""

    @app.route("/vary-cookie-header-set")
    def vary_cookie_header_set() -> flask.Response:
        response = flask.Response()
        response.vary.add("Cookie")
        flask.session["test"] = "test"
        return response

    @app.route("/vary-header-set")
    def vary_header_set() -> flask.Response:
        response = flask.Response()
        response.vary.update(("Accept-Encoding", "Accept-Language"))
        flask.session["test"] = "test"
        return response

    @app.route("/no-vary-header")
    def no_vary_header() -> str:
        return ""

    client = app.test_client()

    def vary(path: str) -> str | None:
        return client.get(path).headers.get("Vary")

    for path in ("/set", "/get", "/getitem", "/setdefault", "/contains", "/clear"):
        assert vary(path) == "Cookie", path
    assert vary("/vary-cookie-header-set") == "Cookie"
    assert vary("/vary-header-set") == "Accept-Encoding, Accept-Language, Cookie"
    assert vary("/no-vary-header") is None


def test_permanent_session_refreshed_and_varied_each_request(store: ws.Store) -> None:
    app = make_app(store)

    @app.get("/login")
    def login() -> str:
        flask.session["user_id"] = 1
        flask.session.permanent = True
        return ""

    @app.get("/ignored")
    def ignored() -> str:
        return ""

    client = app.test_client()
    assert client.get("/login").headers["Vary"] == "Cookie"
    response = client.get("/ignored")
    assert response.headers["Vary"] == "Cookie"
    cookie_header(set_cookies(response), "session")  # renewed without being touched

    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    response = client.get("/ignored")
    assert set_cookies(response) == []
    assert "Vary" not in response.headers


def test_session_stored_last(store: ws.Store) -> None:
    app = make_app(store)

    @app.after_request
    def modify_session(response: flask.Response) -> flask.Response:
        flask.session["foo"] = 42
        return response

    @app.route("/")
    def dump_session_contents() -> str:
        return repr(flask.session.get("foo"))

    client = app.test_client()
    assert client.get("/").data == b"None"
    assert client.get("/").data == b"42"


def test_session_special_types(store: ws.Store) -> None:
    app = make_app(store)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    the_uuid = uuid.uuid4()

    @app.route("/")
    def dump_session_contents() -> tuple[str, int]:
        flask.session["t"] = (1, 2, 3)
        flask.session["b"] = b"\xff"
        flask.session["dt"] = now
        flask.session["u"] = the_uuid
        flask.session["d"] = {"a": "b"}
        flask.session["t_tag"] = {" t": "not-a-tuple"}
        flask.session["di_t_tag"] = {" t__": "not-a-tuple"}
        flask.session["di_tag"] = {" di": "not-a-dict"}
        return "", 204

    client = app.test_client()
    client.get("/")
    with client.session_transaction() as s:
        assert s["t"] == (1, 2, 3)
        assert type(s["b"]) is bytes
        assert s["b"] == b"\xff"
        assert s["dt"] == now
        assert s["u"] == the_uuid
        assert s["d"] == {"a": "b"}
        assert s["t_tag"] == {" t": "not-a-tuple"}
        assert s["di_t_tag"] == {" t__": "not-a-tuple"}
        assert s["di_tag"] == {" di": "not-a-dict"}


def test_session_key_rotation(tmp_path: Path) -> None:
    """Flask's SECRET_KEY_FALLBACKS test, with websessions' key pairs."""
    old = ws.CookieStore(OLD_HASH_KEY, BLOCK_KEY, options=ws.Options(secure=False))
    new = ws.CookieStore(
        HASH_KEY, BLOCK_KEY, OLD_HASH_KEY, BLOCK_KEY, options=ws.Options(secure=False)
    )
    newest = ws.CookieStore(HASH_KEY, BLOCK_KEY, options=ws.Options(secure=False))
    app = make_app(old)

    @app.post("/")
    def set_session() -> str:
        flask.session["a"] = 1
        return ""

    @app.get("/")
    def get_session() -> dict[str, object]:
        return dict(flask.session)

    client = app.test_client()
    client.post("/")
    assert client.get("/").json == {"a": 1}
    Sessions(app, store=newest)
    assert client.get("/").json == {}  # the old key is unknown
    client.post("/")  # new cookie under the old key again
    Sessions(app, store=old)
    client.post("/")
    Sessions(app, store=new)
    assert client.get("/").json == {"a": 1}  # the old key still reads


def test_nested_mutation_needs_modified(store: ws.Store) -> None:
    app = make_app(store)

    @app.post("/start")
    def start() -> str:
        flask.session["items"] = []
        return ""

    @app.post("/silent")
    def silent() -> str:
        flask.session["items"].append("lost")
        return ""

    @app.post("/loud")
    def loud() -> str:
        flask.session["items"].append("kept")
        flask.session.modified = True
        return ""

    @app.get("/")
    def get() -> list[str]:
        return list(flask.session["items"])

    client = app.test_client()
    client.post("/start")
    assert set_cookies(client.post("/silent")) == []
    client.post("/loud")
    got = client.get("/").json
    # A server-side store kept the first append only in memory; the cookie store never saw it.
    assert got == ["kept"]


def test_store_errors_propagate(tmp_path: Path) -> None:
    app = make_app(ws.CookieStore(HASH_KEY, options=ws.Options(secure=False)))

    @app.post("/")
    def post() -> str:
        flask.session["big"] = "x" * 10_000
        return ""

    with pytest.raises(ExceptionGroup) as info:
        app.test_client().post("/")
    assert info.group_contains(ws.UsageError)
