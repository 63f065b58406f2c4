"""What the demo's tests share: keys, and reading its pages through Werkzeug's test client."""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from werkzeug.test import Client, TestResponse

import websessions as ws
from examples.demo import make_app, make_cart_store
from examples.demo.app import CART, SESSION, Demo

ROOT = Path(__file__).resolve().parents[2]
HASH_KEY = bytes(range(32))
BLOCK_KEY = bytes(range(32, 64))
KEYS: list[bytes | None] = [HASH_KEY, BLOCK_KEY]
KEYS_TEXT = f"{HASH_KEY.hex()}:{BLOCK_KEY.hex()}"


def demo(store: ws.Store, *, name: str = SESSION, cart_name: str = CART) -> Demo:
    """The demo with its login sessions in ``store`` and carts in cookies (same keys)."""
    return make_app(store, make_cart_store(KEYS, store.options), name=name, cart_name=cart_name)


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def visits(response: TestResponse) -> int:
    match = re.search(r"Visits in this session: (\d+)", text(response))
    assert match is not None, text(response)
    return int(match.group(1))


def set_cookies(response: TestResponse, name: str = SESSION) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def token(client: Client) -> str:
    """The CSRF token of the client's session, from the home page's forms."""
    match = re.search(r"name=csrf value='([^']+)'", text(client.get("/")))
    assert match is not None
    return match.group(1)


def server_view(client: Client, table: str = "session") -> dict[str, str]:
    """A table of the /session page (``session`` or ``cart``) as ``{row: value}``, unescaped."""
    response = client.get("/session")
    assert response.status_code == 200
    match = re.search(rf"<table id={table}>(.*?)</table>", text(response))
    assert match is not None, text(response)
    rows = re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", match.group(1))
    return {html.unescape(k): html.unescape(v) for k, v in rows}


def login(client: Client, name: str = "alice", *, remember: bool) -> TestResponse:
    data = {"csrf": token(client), "username": name}
    if remember:
        data["remember"] = "on"
    return client.post("/login", data=data)


def post(client: Client, path: str, **data: str) -> TestResponse:
    """A form post with the session's CSRF token."""
    return client.post(path, data={"csrf": token(client), **data})


@contextlib.contextmanager
def running_demo(cwd: Path, *args: str) -> Iterator[tuple[str, list[str]]]:
    """``python -m examples.demo --port 0 ARGS`` in ``cwd`` with the test keys in the
    environment; yields its URL and what it printed before serving. Stopped with Ctrl-C."""
    env = {**os.environ, "WEBSESSIONS_KEYS": KEYS_TEXT, "PYTHONPATH": str(ROOT)}
    errors = cwd / "demo-stderr.txt"  # a file, not a pipe: the request log can't fill it up
    with errors.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "examples.demo", "--port", "0", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            match = re.search(r"Serving on (http://127\.0\.0\.1:\d+/)", line)
            if match:
                yield match.group(1), lines
                break
        else:
            raise AssertionError(f"the demo exited before serving: {lines} {errors.read_text()}")
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, errors.read_text()
    assert "Stopped." in out
