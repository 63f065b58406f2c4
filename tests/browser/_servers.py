"""Real HTTP servers on loopback for the browser tests, each in a background thread.

WSGI apps run on the standard library's ``wsgiref`` (threaded); aiohttp apps
on aiohttp's own server; ASGI apps on a small HTTP/1.1 server built on
``h11`` (the parser httpx uses): one request per connection, enough for a
browser fetching a page at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import h11
from aiohttp import web

HOST = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextlib.contextmanager
def serve_wsgi(app: Callable[..., Any]) -> Iterator[str]:
    """Serve a WSGI app; yields its base URL."""
    server = make_server(
        HOST, 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _LoopThread:
    """An event loop running in a thread, for servers the sync tests drive."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@contextlib.contextmanager
def serve_aiohttp(app: web.Application) -> Iterator[str]:
    """Serve an aiohttp app; yields its base URL."""
    loop = _LoopThread()
    runner = web.AppRunner(app, access_log=None)
    loop.run(runner.setup())
    site = web.TCPSite(runner, HOST, 0)
    loop.run(site.start())
    port = runner.addresses[0][1]
    try:
        yield f"http://{HOST}:{port}"
    finally:
        loop.run(runner.cleanup())
        loop.stop()


async def _handle_asgi(
    app: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    conn = h11.Connection(h11.SERVER)
    request: h11.Request | None = None
    body = b""
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                if not data:
                    return
                conn.receive_data(data)
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
            else:
                return
        assert request is not None
        target = request.target.decode("latin-1")
        path, _, query = target.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": request.http_version.decode(),
            "method": request.method.decode(),
            "scheme": "http",
            "path": path,
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers],
            "client": writer.get_extra_info("peername")[:2],
            "server": writer.get_extra_info("sockname")[:2],
        }
        received = False

        async def receive() -> dict[str, Any]:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # no disconnect until the response is sent
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                headers.append((b"connection", b"close"))
                writer.write(
                    conn.send(h11.Response(status_code=message["status"], headers=headers)) or b""
                )
            elif message["type"] == "http.response.body":
                writer.write(conn.send(h11.Data(data=message.get("body", b""))) or b"")
                if not message.get("more_body", False):
                    writer.write(conn.send(h11.EndOfMessage()) or b"")
            await writer.drain()

        await app(scope, receive, send)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


@contextlib.contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Serve an ASGI app (HTTP only); yields its base URL."""
    loop = _LoopThread()

    async def start() -> asyncio.Server:
        return await asyncio.start_server(lambda r, w: _handle_asgi(app, r, w), HOST, 0)

    server: asyncio.Server = loop.run(start())
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://{HOST}:{port}"
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        loop.run(stop())
        loop.stop()
