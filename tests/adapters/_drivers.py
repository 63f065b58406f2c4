"""Drivers for the ASGI journeys: one browser, through Starlette's TestClient or httpx."""

from __future__ import annotations

import httpx

from ._testclient import TestClient


class TestClientDriver:
    """Starlette's (sync) TestClient behind the async ``get`` the scenario calls."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def get(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200
        text: str = response.text
        return text

    def cookie_names(self) -> set[str]:
        return {c.name for c in self.client.cookies.jar}


class HttpxDriver:
    """An httpx AsyncClient (on an ASGITransport)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def get(self, path: str) -> str:
        response = await self.client.get(path)
        assert response.status_code == 200
        return response.text

    def cookie_names(self) -> set[str]:
        return {c.name for c in self.client.cookies.jar}
