"""Memory per request: tracemalloc peak of one load+save, and RSS over many requests.

    python -m benchmarks.memory [--requests 100000]

A request here is what a WSGI app does with a small session: ``store.get``
from the Cookie header, change a value, ``ws.save`` into the headers list.
"""

from __future__ import annotations

import argparse
import gc
import resource
import tempfile
import tracemalloc
from collections.abc import Callable
from typing import Any

import websessions as ws
from benchmarks.payloads import HASH_KEY, SMALL


def _cookie_for(store: ws.Store) -> str:
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET"}
    session = store.get(environ, "session")
    session.values.update(SMALL)
    headers: list[tuple[str, str]] = []
    ws.save(environ, headers)
    return headers[0][1].split(";", 1)[0]


def _request(store: ws.Store, cookie: str) -> Callable[[], None]:
    def run() -> None:
        environ = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": cookie}
        session = store.get(environ, "session")
        session.values["visits"] = session.values.get("visits", 0) + 1
        headers: list[tuple[str, str]] = []
        ws.save(environ, headers)

    return run


def peak_bytes(fn: Callable[[], None], repeat: int = 20) -> int:
    """The largest tracemalloc peak of single calls, after warm-up."""
    for _ in range(50):
        fn()
    worst = 0
    for _ in range(repeat):
        gc.collect()
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        worst = max(worst, peak)
    return worst


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_growth(fn: Callable[[], None], requests: int) -> tuple[int, int]:
    """RSS (KiB) after a 10% warm-up and at the end; steady state means equal."""
    warm = max(1, requests // 10)
    for _ in range(warm):
        fn()
    gc.collect()
    before = rss_kib()
    for _ in range(requests - warm):
        fn()
    gc.collect()
    return before, rss_kib()


def stores() -> dict[str, ws.Store]:
    tmp = tempfile.mkdtemp(prefix="ws-bench-")
    return {
        "CookieStore (sign-only)": ws.CookieStore(HASH_KEY),
        "CookieStore (AES-256)": ws.CookieStore(HASH_KEY, bytes(32)),
        "FilesystemStore": ws.FilesystemStore(tmp, HASH_KEY),
    }


def table(requests: int = 100_000) -> str:
    """The markdown table of both measurements for each store."""
    lines = [
        "| store | peak allocation per request | RSS after warm-up "
        f"| RSS after {requests:,} requests |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, store in stores().items():
        fn = _request(store, _cookie_for(store))
        peak = peak_bytes(fn)
        before, after = rss_growth(fn, requests)
        kib, mib = peak / 1024, (before / 1024, after / 1024)
        lines.append(f"| {label} | {kib:.1f} KiB | {mib[0]:.1f} MiB | {mib[1]:.1f} MiB |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(table(args.requests))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
