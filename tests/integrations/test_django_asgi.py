"""Django under ASGI: the SESSION_ENGINE, the adapter and SaveSessionsMiddleware with
async views, through Django's AsyncClient (an ``ASGIRequest`` per request) and
through the real ASGI application (``get_asgi_application()``) over httpx.

Django runs the sync session middleware and backend in a thread for async views;
views use Django's async session API (``aget``/``aset``/``acycle_key``/``aflush``)
and websessions' ``await store.aget(request, name)`` for a second session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.contrib import messages
from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import AsyncClient
from django.urls import path

import websessions as ws
from websessions.integrations.django import get_store

from ._django import configure, project_settings
from .conftest import attributes, cookie_header, make_store, records

configure()


@pytest.fixture
def project(store: ws.Store) -> Iterator[ws.Store]:
    with project_settings(store, __name__):
        yield store


async def set_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request, ASGIRequest)
    for key, value in request.GET.items():
        await request.session.aset(key, value)
    return HttpResponse("ok")


async def get_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(dict(await request.session.aitems()))


async def login_view(request: HttpRequest) -> HttpResponse:
    await request.session.acycle_key()
    await request.session.aset("user", "ada")
    return HttpResponse("ok")


async def logout_view(request: HttpRequest) -> HttpResponse:
    await request.session.aflush()
    return HttpResponse("ok")


def flash_view(request: HttpRequest) -> HttpResponse:  # a sync view in the async stack
    messages.success(request, "Saved!")
    return HttpResponse("ok")


def messages_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse([str(m) for m in messages.get_messages(request)], safe=False)


async def cart_view(request: HttpRequest) -> JsonResponse:
    cart = await get_store().aget(request, "cart")
    if request.method == "POST":
        cart.values.setdefault("items", []).append(request.GET["item"])
    return JsonResponse({"items": cart.values.get("items", [])})


async def cart_manual_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    cart = await get_store().aget(request, "cart")
    cart.values["items"] = ["manual"]
    await cart.asave(request, response)
    return response


async def plain_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain")


urlpatterns = [
    path("set", set_view),
    path("get", get_view),
    path("login", login_view),
    path("logout", logout_view),
    path("flash", flash_view),
    path("messages", messages_view),
    path("cart", cart_view),
    path("cart-manual", cart_manual_view),
    path("plain", plain_view),
]


async def test_values_across_requests(project: ws.Store) -> None:
    client = AsyncClient()
    assert (await client.get("/get")).json() == {}
    response = await client.get("/set?user=ada&lang=fr")
    morsel = response.cookies["sessionid"]
    assert morsel["max-age"] == 1209600
    assert morsel["httponly"] is True
    assert (await client.get("/get")).json() == {"user": "ada", "lang": "fr"}


async def test_login_cycles_and_logout_flushes(project: ws.Store) -> None:
    client = AsyncClient()
    await client.get("/set?cart=1")
    before = client.cookies["sessionid"].value
    await client.get("/login")
    after = client.cookies["sessionid"].value
    assert after != before
    assert (await client.get("/get")).json() == {"cart": "1", "user": "ada"}
    assert records(project) == (1 if isinstance(project, ws.ServerSideStore) else 0)
    response = await client.get("/logout")
    assert response.cookies["sessionid"]["max-age"] == 0
    assert records(project) == 0
    assert (await client.get("/get")).json() == {}


async def test_messages_from_a_sync_view(project: ws.Store) -> None:
    client = AsyncClient()
    await client.get("/flash")
    assert (await client.get("/messages")).json() == ["Saved!"]
    assert (await client.get("/messages")).json() == []


async def test_named_session_saved_by_the_middleware_and_by_hand(project: ws.Store) -> None:
    client = AsyncClient()
    response = await client.post("/cart?item=tea")
    assert "cart" in response.cookies
    assert "Cookie" in response.headers["Vary"]
    await client.post("/cart?item=milk")
    assert (await client.get("/cart")).json() == {"items": ["tea", "milk"]}
    response = await client.get("/cart-manual")
    assert response.cookies["cart"].value
    assert (await client.get("/cart")).json() == {"items": ["manual"]}


async def test_unused_sessions_leave_the_response_alone(project: ws.Store) -> None:
    response = await AsyncClient().get("/plain")
    assert not response.cookies
    assert not response.has_header("Vary")


@pytest.mark.parametrize("kind", ["cookie", "filesystem"])
async def test_real_asgi_application_writes_websessions_headers(kind: str, tmp_path: Path) -> None:
    """Through ``get_asgi_application()``: the Set-Cookie headers reach the wire as
    websessions formats them, and the browser's cookies come back in."""
    store = make_store(kind, tmp_path, secure=True, same_site="None", partitioned=True)
    with project_settings(store, __name__):
        # django-stubs types scope as a dict, httpx as a MutableMapping: the same thing here.
        transport = httpx.ASGITransport(app=get_asgi_application())  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://localhost") as client:
            response = await client.post("/cart?item=tea")
            header = cookie_header(response.headers.get_list("set-cookie"), "cart")
            attrs = attributes(header)
            assert {"secure", "httponly", "partitioned"} <= attrs.keys()
            assert attrs["samesite"] == "None"
            assert (await client.get("/cart")).json() == {"items": ["tea"]}
            await client.get("/set?user=ada")
            assert (await client.get("/get")).json() == {"user": "ada"}
            assert records(store) == (2 if kind == "filesystem" else 0)
