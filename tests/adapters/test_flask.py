"""Flask: ``flask.request`` (a proxy) and a Flask Response, through ``app.test_client()``."""

from __future__ import annotations

from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient

import websessions as ws

from ._scenario import NAMES, Stores, act, make_stores, run

BASE = "https://localhost"


@pytest.fixture(params=["cookie", "filesystem"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Stores:
    return make_stores(request.param, tmp_path)


def flask_app(stores: Stores, *, per_session: bool = False) -> flask.Flask:
    app = flask.Flask(__name__)

    @app.route("/<path:path>")
    def view(path: str) -> flask.Response:
        body = act(stores, flask.request, "/" + path)
        response = flask.make_response(body)
        if per_session:
            for session in ws.get_registry(flask.request).sessions.values():
                session.save(flask.request, response)
        else:
            ws.save(flask.request, response)
        return response

    return app


class FlaskDriver:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    async def get(self, path: str) -> str:
        response = self.client.get(path, base_url=BASE)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def cookie_names(self) -> set[str]:
        return {n for n in NAMES if self.client.get_cookie(n, domain="localhost") is not None}


@pytest.mark.parametrize("per_session", [False, True], ids=["ws.save", "session.save"])
async def test_flask_journey(stores: Stores, per_session: bool) -> None:
    app = flask_app(stores, per_session=per_session)
    await run(FlaskDriver(app.test_client()), stores)


def test_flask_cookie_attributes_in_the_jar(stores: Stores) -> None:
    client = flask_app(stores).test_client()
    client.get("/set/v", base_url=BASE)
    cookie = client.get_cookie("main", domain="localhost")
    assert cookie is not None
    assert cookie.secure
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.max_age == 86400 * 30


def test_flask_request_proxy_and_real_request_share_a_registry(stores: Stores) -> None:
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        proxied = stores.main.get(flask.request, "s")
        real = flask.request._get_current_object()  # type: ignore[attr-defined]
        assert stores.main.get(real, "s") is proxied
        assert stores.main.get(flask.request.environ, "s") is proxied
    with app.test_request_context("/"):
        assert stores.main.get(flask.request, "s") is not proxied


def test_flask_sessions_are_per_request(stores: Stores) -> None:
    # Two requests in a row through the same proxy type: nothing leaks between them.
    client = flask_app(stores).test_client()
    client.get("/set/first", base_url=BASE)
    other = flask_app(stores).test_client()  # a second browser, no cookies
    assert other.get("/get", base_url=BASE).get_data(as_text=True) == "-"
    assert client.get("/get", base_url=BASE).get_data(as_text=True) == "first"
