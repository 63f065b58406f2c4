"""A short load test: many concurrent clients against the real demo server on loopback.

Bounded in count (CLIENTS x REQUESTS) and time. Each client has its own
cookie jar and checks that its visit counter goes 1, 2, 3...: a request that
failed is an error, a counter that restarts or skips is a lost session.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.examples._demo import running_demo

CLIENTS = 16
REQUESTS = 40
DEADLINE_S = 120.0
_VISITS = re.compile(rb"Visits in this session: (\d+)")


@dataclass
class Tally:
    served: int = 0
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(url: str, tally: Tally, stop_at: float) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    expected = 1
    for _ in range(REQUESTS):
        if time.monotonic() > stop_at:
            break
        try:
            with opener.open(url, timeout=30) as response:
                body = response.read()
                status = response.status
        except Exception as exc:  # every failure counts as an error
            with tally.lock:
                tally.errors.append(repr(exc))
            continue
        match = _VISITS.search(body)
        with tally.lock:
            tally.served += 1
            if status != 200 or match is None:
                tally.errors.append(f"status {status}")
            elif int(match.group(1)) != expected:
                tally.lost += 1
        expected = int(match.group(1)) + 1 if match else expected + 1


@pytest.mark.parametrize("store", ["filesystem", "sqlite"])
def test_concurrent_clients_lose_nothing(tmp_path: Path, store: str) -> None:
    args = ["--store", str(tmp_path / "sessions")]
    if store == "sqlite":
        args = ["--store", f"sqlite:///{tmp_path / 'sessions.db'}"]
    with running_demo(tmp_path, *args) as (url, _):
        tally = Tally()
        stop_at = time.monotonic() + DEADLINE_S
        threads = [
            threading.Thread(target=_client, args=(url, tally, stop_at)) for _ in range(CLIENTS)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    print(
        f"\nload ({store}): {CLIENTS} clients, {tally.served} requests served in {elapsed:.1f}s, "
        f"{len(tally.errors)} errors, {tally.lost} sessions lost"
    )
    assert tally.errors == []
    assert tally.lost == 0
    assert tally.served == CLIENTS * REQUESTS
