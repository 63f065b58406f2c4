"""Picking an adapter: unknown objects are UsageErrors naming what is supported,
and ``register_adapter`` teaches websessions a new (toy) framework."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest

import websessions as ws
from websessions import adapters
from websessions.adapters import adapter_for_request, register_adapter

from ._scenario import Jar, Stores, act, make_stores, run


@pytest.fixture(autouse=True)
def restore_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    """register_adapter is process-wide; undo it after each test."""
    monkeypatch.setattr(adapters, "_adapters", list(adapters._adapters))
    monkeypatch.setattr(adapters, "_by_type", {})


# -- a toy framework --------------------------------------------------------------------


class ToyRequest:
    def __init__(self, path: str, cookie_lines: list[str]) -> None:
        self.path = path
        self.cookie_lines = cookie_lines
        self.context: dict[str, Any] = {}


class ToyResponse:
    def __init__(self) -> None:
        self.body = ""
        self.header_pairs: list[tuple[str, str]] = []


class ToyAdapter:
    name = "toy"

    def __init__(self) -> None:
        self.requests_seen = 0

    def matches_request(self, request: Any) -> bool:
        return isinstance(request, ToyRequest)

    def cookie_headers(self, request: Any) -> list[str]:
        self.requests_seen += 1
        return list(request.cookie_lines)

    def state(self, request: Any) -> MutableMapping[str, Any]:
        return request.context  # type: ignore[no-any-return]

    def matches_response(self, response: Any) -> bool:
        return isinstance(response, ToyResponse)

    def add_header(self, response: Any, name: str, value: str) -> None:
        response.header_pairs.append((name, value))


def toy_server(stores: Stores, request: ToyRequest) -> ToyResponse:
    response = ToyResponse()
    response.body = act(stores, request, request.path)
    ws.save(request, response)
    return response


class ToyDriver:
    def __init__(self, stores: Stores) -> None:
        self.stores = stores
        self.jar = Jar()

    async def get(self, path: str) -> str:
        cookie = self.jar.header()
        response = toy_server(self.stores, ToyRequest(path, [cookie] if cookie else []))
        self.jar.update([v for k, v in response.header_pairs if k == "Set-Cookie"])
        return response.body

    def cookie_names(self) -> set[str]:
        return self.jar.cookie_names()


@pytest.fixture(params=["cookie", "filesystem"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Stores:
    return make_stores(request.param, tmp_path)


async def test_toy_framework_after_register_adapter(stores: Stores) -> None:
    with pytest.raises(ws.UsageError, match="cannot read cookies from a ToyRequest"):
        stores.main.get(ToyRequest("/", []), "s")
    adapter = ToyAdapter()
    register_adapter(adapter)
    await run(ToyDriver(stores), stores)
    assert adapter.requests_seen > 0


def test_toy_cookie_lines_are_all_read(stores: Stores) -> None:
    register_adapter(ToyAdapter())
    request = ToyRequest("/", [])
    stores.a.get(request, "one").values["v"] = 1
    stores.a.get(request, "two").values["v"] = 2
    response = ToyResponse()
    ws.save(request, response)
    lines = [v.split(";")[0] for _, v in response.header_pairs]
    back = ToyRequest("/", lines)
    assert stores.a.get(back, "one").values == {"v": 1}
    assert stores.a.get(back, "two").values == {"v": 2}
    assert ws.get_registry(back) is back.context["websessions.registry"]


def test_registered_adapter_goes_before_the_built_in_ones() -> None:
    class EnvironLike(ToyRequest):
        """Also looks like a Werkzeug request (has an ``environ`` dict)."""

        def __init__(self) -> None:
            super().__init__("/", [])
            self.environ: dict[str, Any] = {}

    request = EnvironLike()
    assert adapter_for_request(request).name == "werkzeug"  # and cached for the type
    toy = ToyAdapter()
    register_adapter(toy)
    assert adapter_for_request(request) is toy  # the cache was cleared
    store = ws.CookieStore(b"k" * 32)
    store.get(EnvironLike(), "s")
    assert toy.requests_seen == 1


def test_toy_response_with_a_builtin_request() -> None:
    # The response is matched on its own: a WSGI request can write to a toy response.
    register_adapter(ToyAdapter())
    store = ws.CookieStore(b"k" * 32)
    environ = {"REQUEST_METHOD": "GET"}
    store.get(environ, "s").values["a"] = 1
    response = ToyResponse()
    ws.save(environ, response)
    assert [k for k, _ in response.header_pairs] == ["Set-Cookie"]


# -- unknown objects ----------------------------------------------------------------------

SUPPORTED_REQUESTS = (
    "WSGI environ",
    "ASGI scope",
    "Werkzeug/Flask",
    "Starlette",
    "register_adapter",
)


@pytest.mark.parametrize(
    "request_object",
    [object(), None, "Cookie: a=b", {"HTTP_COOKIE": "s=x"}, {"type": "lifespan"}, ["a=b"]],
    ids=["object", "None", "str", "environ-without-method", "lifespan-scope", "list"],
)
def test_unknown_request_type_is_usage_error(request_object: Any) -> None:
    store = ws.CookieStore(b"k" * 32)
    for call in (store.get, store.new, lambda r, _n: ws.save(r, [])):
        with pytest.raises(ws.UsageError) as info:
            call(request_object, "s")
        message = str(info.value)
        assert f"cannot read cookies from a {type(request_object).__qualname__}" in message
        for supported in SUPPORTED_REQUESTS:
            assert supported in message


async def test_unknown_request_type_async() -> None:
    store = ws.CookieStore(b"k" * 32)
    with pytest.raises(ws.UsageError, match="WSGI environ"):
        await store.aget(object(), "s")
    with pytest.raises(ws.UsageError, match="ASGI scope"):
        await store.anew(object(), "s")


@pytest.mark.parametrize(
    "response_object",
    [object(), None, {"type": "http.response.body"}, "headers", {}],
    ids=["object", "None", "body-message", "str", "empty-dict"],
)
def test_unknown_response_type_is_usage_error(response_object: Any) -> None:
    store = ws.CookieStore(b"k" * 32)
    environ = {"REQUEST_METHOD": "GET"}
    session = store.get(environ, "s")
    session.values["a"] = 1
    with pytest.raises(ws.UsageError, match="cannot add headers to a") as info:
        session.save(environ, response_object)
    for supported in ("WSGI headers list", "ASGI http.response.start", "Werkzeug/Flask"):
        assert supported in str(info.value)
    with pytest.raises(ExceptionGroup) as group:
        ws.save(environ, response_object)
    assert [type(e) for e in group.value.exceptions] == [ws.UsageError]
