"""Django: the SESSION_ENGINE on websessions stores, the adapter and SaveSessionsMiddleware.

The first part mirrors Django's own backend tests (SessionTestsMixin in
tests/sessions_tests/tests.py) against ``websessions.integrations.django``;
the second drives a project through Django's test Client and WSGI handler.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.sessions.backends.base import UpdateError
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, override_settings
from django.urls import path
from werkzeug.test import Client as WSGIClient

import websessions as ws
from websessions.integrations.django import SessionStore, get_store

from ._django import configure, project_settings
from .conftest import BLOCK_KEY, HASH_KEY, attributes, cookie_header, make_store, records

configure()


@pytest.fixture
def project(store: ws.Store) -> Iterator[ws.Store]:
    with project_settings(store, __name__):
        yield store


@pytest.fixture
def session(project: ws.Store) -> SessionStore:
    return SessionStore()


def server_side(store: ws.Store) -> bool:
    return isinstance(store, ws.ServerSideStore)


# -- the backend API, as Django's SessionTestsMixin checks it -----------------


def test_new_session(session: SessionStore) -> None:
    assert session.modified is False
    assert session.accessed is False
    assert session.session_key is None


def test_get_empty(session: SessionStore) -> None:
    assert session.get("cat") is None
    assert session.accessed is True


def test_store_pop_setdefault_update(session: SessionStore) -> None:
    session["cat"] = "dog"
    assert session.modified is True
    assert session.pop("cat") == "dog"
    assert session.pop("some key", "does not exist") == "does not exist"
    assert session.setdefault("foo", "bar") == "bar"
    assert session.setdefault("foo", "baz") == "bar"
    session.update({"update key": 1})
    assert session.get("update key") == 1
    assert sorted(session.keys()) == ["foo", "update key"]
    assert sorted(session.items()) == [("foo", "bar"), ("update key", 1)]
    session.clear()
    assert list(session.items()) == []


def test_save_and_load(project: ws.Store, session: SessionStore) -> None:
    session["a"], session["b"] = "c", 42
    session.save()
    key = session.session_key
    assert key is not None
    assert session.exists(key) is server_side(project)
    loaded = SessionStore(key)
    assert dict(loaded.items()) == {"a": "c", "b": 42}
    assert records(project) == (1 if server_side(project) else 0)


@pytest.mark.parametrize("kind", ["cookie", "filesystem", "sql"])
def test_unchanged_save_keeps_the_key_without_rolling(tmp_path: Path, kind: str) -> None:
    """A store with rolling=False sends no cookie for an unchanged save; the key stays
    (Django sets the cookie anyway: a None key would log the user out)."""
    store = make_store(kind, tmp_path)
    store.rolling = False
    with override_settings(WEBSESSIONS_STORE=store), contextlib.ExitStack() as cleanup:
        cleanup.callback(getattr(store, "close", lambda: None))
        session = SessionStore()
        session["a"] = 1
        session.save()
        loaded = SessionStore(session.session_key)
        loaded["a"] = 1  # modified, but not changed
        loaded.save()
        assert loaded.session_key is not None
        assert SessionStore(loaded.session_key).get("a") == 1


def test_the_cookie_is_a_websessions_cookie(project: ws.Store, session: SessionStore) -> None:
    """A gorilla-format cookie: the store reads it like any other request's."""
    session["user"] = "ada"
    session.save()
    environ = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": f"sessionid={session.session_key}"}
    assert project.get(environ, "sessionid").values == {"user": "ada"}


def test_delete(project: ws.Store, session: SessionStore) -> None:
    session["a"] = 1
    session.save()
    key = session.session_key
    session.delete(key)
    assert session.exists(key) is False
    assert records(project) == 0


def test_flush(project: ws.Store, session: SessionStore) -> None:
    session["foo"] = "bar"
    session.save()
    prev_key = session.session_key
    session.flush()
    assert session.exists(prev_key) is False
    assert session.session_key != prev_key
    assert session.session_key is None
    assert session.modified is True
    assert session.accessed is True
    assert records(project) == 0


def test_cycle(project: ws.Store, session: SessionStore) -> None:
    session["a"], session["b"] = "c", "d"
    session.save()
    prev_key = session.session_key
    prev_data = list(session.items())
    session.cycle_key()
    assert session.exists(prev_key) is False
    assert session.session_key != prev_key
    assert list(session.items()) == prev_data
    if server_side(project):
        assert records(project) == 1
        assert SessionStore(prev_key).load() == {}
        old_id = project.get(
            {"REQUEST_METHOD": "GET", "HTTP_COOKIE": f"sessionid={prev_key}"}, "sessionid"
        )
        assert old_id.is_new


def test_cycle_with_no_session_cache(session: SessionStore) -> None:
    session["a"], session["b"] = "c", "d"
    session.save()
    prev_data = list(session.items())
    fresh = SessionStore(session.session_key)
    assert not hasattr(fresh, "_session_cache")
    fresh.cycle_key()
    assert sorted(fresh.items()) == sorted(prev_data)


def test_save_doesnt_clear_data(session: SessionStore) -> None:
    session["a"] = "b"
    session.save()
    assert session["a"] == "b"


@pytest.mark.parametrize("key", ["", "short", "someunknownkey", "a" * 200, "bad;key=x"])
def test_invalid_key(session: SessionStore, key: str) -> None:
    invalid = SessionStore(key)
    assert invalid.load() == {}
    assert invalid.session_key is None
    assert invalid.exists(invalid.session_key) is False


def test_tampered_key(session: SessionStore) -> None:
    session["a"] = 1
    session.save()
    key = session.session_key
    assert key is not None
    tampered = key[:-6] + ("AAAAAA" if not key.endswith("AAAAAA") else "BBBBBB")
    assert SessionStore(tampered).load() == {}


@pytest.mark.parametrize("kind", ["filesystem", "memory", "sql"])
def test_save_does_not_resurrect_session_logged_out_elsewhere(tmp_path: Path, kind: str) -> None:
    store = make_store(kind, tmp_path)
    with override_settings(WEBSESSIONS_STORE=store), contextlib.ExitStack() as cleanup:
        cleanup.callback(getattr(store, "close", lambda: None))
        s1 = SessionStore()
        s1["test_data"] = "value1"
        s1.save(must_create=True)
        s2 = SessionStore(s1.session_key)
        s2.delete()
        s1["test_data"] = "value2"
        with pytest.raises(UpdateError):
            s1.save()
        assert SessionStore(s1.session_key).load() == {}


def test_default_and_custom_expiry(session: SessionStore) -> None:
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    session.set_expiry(10)
    assert session.get_expiry_age() == 10
    session.set_expiry(timedelta(seconds=10))
    assert session.get_expiry_age() in (9, 10)
    session.set_expiry(None)
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert session.get_expire_at_browser_close() is False
    session.set_expiry(0)
    assert session.get_expire_at_browser_close() is True


def test_actual_expiry_with_a_past_date(session: SessionStore) -> None:
    session["foo"] = "bar"
    session.set_expiry(-timedelta(seconds=10))
    session.save()
    new_session = SessionStore(session.session_key)
    assert "foo" not in new_session
    assert new_session.session_key is None


def old_key(project: ws.Store, session: SessionStore, seconds_ago: int) -> str:
    """``session``'s cookie value as if it was issued ``seconds_ago``."""
    past = ws.SecureCookie(HASH_KEY, BLOCK_KEY, clock=lambda: time.time() - seconds_ago)
    websession = session._websession
    assert websession is not None
    value: Any = dict(session.items()) if not server_side(project) else websession.id
    return past.encode("sessionid", value)


def test_expiry_counts_from_the_last_save(project: ws.Store, session: SessionStore) -> None:
    session["foo"] = "bar"
    session.save()
    assert SessionStore(old_key(project, session, 86400)).get("foo") == "bar"
    with override_settings(SESSION_COOKIE_AGE=3600):
        assert SessionStore(old_key(project, session, 1800)).get("foo") == "bar"
        assert SessionStore(old_key(project, session, 7200)).get("foo") is None
    assert records(project) == 0  # an expired record is deleted when seen


def test_expiry_seconds_count_from_the_last_save(project: ws.Store, session: SessionStore) -> None:
    session["foo"] = "bar"
    session.set_expiry(60)
    session.save()
    assert SessionStore(old_key(project, session, 30)).get("foo") == "bar"
    assert SessionStore(old_key(project, session, 90)).get("foo") is None


async def test_async_api(session: SessionStore) -> None:
    await session.aset("cat", "dog")
    assert await session.aget("cat") == "dog"
    await session.asave()
    loaded = SessionStore(session.session_key)
    assert await loaded.aget("cat") == "dog"
    await loaded.acycle_key()
    assert await loaded.aget("cat") == "dog"
    await loaded.aflush()
    assert loaded.session_key is None


def test_store_setting(project: ws.Store) -> None:
    assert get_store() is project
    with override_settings(WEBSESSIONS_STORE="tests.integrations.test_django.dotted_store"):
        assert get_store() is get_store() is not project
    with override_settings(WEBSESSIONS_STORE="tests.integrations.test_django.make_dotted"):
        assert isinstance(get_store(), ws.CookieStore)
    with override_settings(WEBSESSIONS_STORE=None), pytest.raises(ImproperlyConfigured):
        get_store()
    not_a_store = "tests.integrations._django.MIDDLEWARE"
    with override_settings(WEBSESSIONS_STORE=not_a_store), pytest.raises(ImproperlyConfigured):
        get_store()


dotted_store = ws.CookieStore(HASH_KEY)


def make_dotted() -> ws.Store:
    return ws.CookieStore(HASH_KEY)


# -- a project through Django's test client ---------------------------------


def set_view(request: HttpRequest) -> HttpResponse:
    for key, value in request.GET.items():
        request.session[key] = value
    return HttpResponse("ok")


def get_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(dict(request.session.items()))


def flash_view(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Saved!")
    messages.warning(request, "Careful")
    return HttpResponse("ok")


def messages_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse([[m.level_tag, str(m)] for m in messages.get_messages(request)], safe=False)


def login_view(request: HttpRequest) -> HttpResponse:
    request.session.cycle_key()
    request.session["user"] = "ada"
    return HttpResponse("ok")


def logout_view(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponse("ok")


def cart_view(request: HttpRequest) -> JsonResponse:
    cart = get_store().get(request, "cart")
    if request.method == "POST":
        cart.values.setdefault("items", []).append(request.GET["item"])
    return JsonResponse({"items": cart.values.get("items", [])})


def cart_manual_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    cart = get_store().get(request, "cart")
    cart.values["items"] = ["manual"]
    cart.save(request, response)
    return response


def plain_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain")


urlpatterns = [
    path("set", set_view),
    path("get", get_view),
    path("flash", flash_view),
    path("messages", messages_view),
    path("login", login_view),
    path("logout", logout_view),
    path("cart", cart_view),
    path("cart-manual", cart_manual_view),
    path("plain", plain_view),
]


def test_client_values(project: ws.Store) -> None:
    client = Client()
    assert client.get("/get").json() == {}
    response = client.get("/set?user=ada&lang=fr")
    morsel = response.cookies["sessionid"]
    assert morsel["max-age"] == 1209600
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert client.get("/get").json() == {"user": "ada", "lang": "fr"}


def test_client_messages(project: ws.Store) -> None:
    client = Client()
    client.get("/flash")
    assert client.get("/messages").json() == [["success", "Saved!"], ["warning", "Careful"]]
    assert client.get("/messages").json() == []


def test_client_login_cycles_and_logout_flushes(project: ws.Store) -> None:
    client = Client()
    client.get("/set?cart=1")
    before = client.cookies["sessionid"].value
    client.get("/login")
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.get("/get").json() == {"cart": "1", "user": "ada"}
    assert records(project) == (1 if server_side(project) else 0)
    response = client.get("/logout")
    assert response.cookies["sessionid"].value == ""
    assert response.cookies["sessionid"]["max-age"] == 0
    assert records(project) == 0
    assert client.get("/get").json() == {}


def test_client_expire_at_browser_close(project: ws.Store) -> None:
    with override_settings(SESSION_EXPIRE_AT_BROWSER_CLOSE=True):
        response = Client().get("/set?a=1")
    assert response.cookies["sessionid"]["max-age"] == ""
    assert response.cookies["sessionid"]["expires"] == ""


def test_client_explicit_sessions_saved_by_the_middleware(project: ws.Store) -> None:
    client = Client()
    response = client.post("/cart?item=tea")
    assert "cart" in response.cookies
    assert "Cookie" in response.headers["Vary"]
    client.post("/cart?item=milk")
    assert client.get("/cart").json() == {"items": ["tea", "milk"]}
    response = client.get("/cart-manual")
    assert response.cookies["cart"].value
    assert client.get("/cart").json() == {"items": ["manual"]}


def test_client_unused_sessions_untouched(project: ws.Store) -> None:
    response = Client().get("/plain")
    assert not response.cookies
    assert not response.has_header("Vary")


def test_wsgi_handler_writes_websessions_headers(tmp_path: Path) -> None:
    """Through Django's real WSGI handler: the adapter's header reaches the wire as formatted."""
    store = make_store("cookie", tmp_path, secure=True, same_site="None", partitioned=True)
    with project_settings(store, __name__):
        client = WSGIClient(WSGIHandler())
        response = client.post("/cart?item=tea", base_url="https://localhost")
        # Django writes morsels as " name=value..." (http.cookies' output); servers strip it.
        headers = [h.strip() for h in response.headers.getlist("Set-Cookie")]
        header = cookie_header(headers, "cart")
        attrs = attributes(header)
        assert {"secure", "httponly", "partitioned"} <= attrs.keys()
        assert attrs["samesite"] == "None"
        response = client.get("/cart", base_url="https://localhost")
        assert response.json == {"items": ["tea"]}
