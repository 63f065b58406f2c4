"""Each example app, run through its framework's own test client."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
from aiohttp.test_utils import TestClient as AiohttpClient
from aiohttp.test_utils import TestServer
from werkzeug.test import Client as WSGIClient

from ._testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


def test_flask_example() -> None:
    from examples.flask_app.app import app

    client = app.test_client()
    assert client.get("/").json == {"user": None, "visits": 1, "theme": "light", "messages": []}
    response = client.post("/login", data={"user": "ada", "remember": "on"})
    assert response.status_code == 302
    assert "Max-Age=" in response.headers["Set-Cookie"]
    client.post("/theme/dark")
    body = client.get("/").json
    assert body == {"user": "ada", "visits": 2, "theme": "dark", "messages": ["Welcome, ada!"]}
    client.post("/logout")
    assert client.get("/").json == {"user": None, "visits": 1, "theme": "dark", "messages": []}


def test_starlette_example() -> None:
    from examples.starlette_app.app import app, store

    client = TestClient(app)
    assert client.get("/").json() == {"user": None, "visits": 1, "messages": []}
    response = client.post("/login", json={"user": "ada"}, follow_redirects=False)
    assert response.status_code == 303
    assert list(store.path.glob("session_*"))
    assert client.get("/").json() == {"user": "ada", "visits": 2, "messages": ["Welcome, ada!"]}
    client.post("/logout")
    assert client.get("/").json()["user"] is None


def test_fastapi_example() -> None:
    from examples.fastapi_app.app import app

    client = TestClient(app)
    assert client.post("/cart/tea").json() == {"count": 1}
    assert client.post("/cart/milk").json() == {"count": 2}
    assert client.get("/cart").json() == {
        "items": ["tea", "milk"],
        "messages": ["Added tea", "Added milk"],
    }
    client.delete("/cart")
    assert client.get("/cart").json() == {"items": [], "messages": []}


async def test_aiohttp_example() -> None:
    from examples.aiohttp_app.app import make_app

    async with AiohttpClient(TestServer(make_app())) as client:
        assert await (await client.get("/")).json() == {"user": None, "visits": 1, "messages": []}
        response = await client.post("/login", data={"user": "ada"})
        assert await response.json() == {"user": "ada", "visits": 2, "messages": ["Welcome, ada!"]}
        await client.post("/logout")
        assert (await (await client.get("/")).json())["user"] is None


def test_wsgi_example() -> None:
    from examples.wsgi_app.app import app

    client = WSGIClient(app)
    assert client.get("/").json == {"visits": 1}
    assert client.get("/").json == {"visits": 2}
    assert "Max-Age=0" in client.get("/reset").headers["Set-Cookie"]
    assert client.get("/").json == {"visits": 1}


async def test_asgi_example() -> None:
    from examples.asgi_app.app import app

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/")).json() == {"visits": 1}
        assert (await client.get("/")).json() == {"visits": 2}
        await client.get("/reset")
        assert (await client.get("/")).json() == {"visits": 1}


DJANGO_SCRIPT = textwrap.dedent(
    """
    import json
    from examples.django_app import app
    from django.test import Client

    client = Client()
    steps = [client.get("/").json()]
    response = client.post("/login", {"user": "ada"})
    steps.append([response.status_code, response.cookies["sessionid"]["max-age"]])
    client.post("/cart/tea")
    steps.append(client.get("/").json())
    client.post("/logout")
    steps.append(client.get("/").json())
    print(json.dumps(steps))
    """
)


def test_django_example() -> None:
    """In its own process: Django's settings are once per process."""
    result = subprocess.run(
        [sys.executable, "-c", DJANGO_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, login, logged_in, logged_out = json.loads(result.stdout)
    assert first == {"user": None, "visits": 1, "cart": [], "messages": []}
    assert login == [302, ""]  # no "remember": a browser-session cookie
    assert logged_in == {"user": "ada", "visits": 2, "cart": ["tea"], "messages": ["Welcome, ada!"]}
    assert logged_out["user"] is None
    assert logged_out["cart"] == ["tea"]


def test_django_example_manage_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.django_app", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
