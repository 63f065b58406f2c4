"""``make bench``: every benchmark in one process, interleaved; writes RESULTS.md.

python -m benchmarks.run [--rounds N] [--only SUBSTRING] [--no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks import codecs
from benchmarks.harness import Candidate, Row, run

HERE = Path(__file__).parent
REQUEST_PREFIX = "request: "  # benchmarks.requests' groups
OURS_PREFIX = "websessions"  # its candidates for websessions
PEERS = [
    "websessions",
    "cryptography",
    "flask",
    "itsdangerous",
    "starlette",
    "django",
    "orjson",
    "msgspec",
    "pybase64",
    "redis",
    "flask-session",
    "aiohttp-session",
]


def _versions() -> str:
    found = []
    for name in PEERS:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    return ", ".join(found)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def _fmt_ns(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns < 1e6 else f"{ns / 1e6:.2f} ms"


def render(rows: list[Row], *, rounds: int, command: str) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"- command: `{command}`",
        f"- machine: {_machine()}",
        f"- versions: {_versions()}",
        f"- {rounds} rounds, candidates interleaved in random order each round; median per call.",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        "Ratios are to each group's floor (the first row, marked *): lower is better.",
        "These machines are noisy; the ratios within one run are the figures that count.",
        "",
    ]
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            lines += [
                "",
                f"## {group}",
                "",
                "| candidate | median | ratio |",
                "| --- | ---: | ---: |",
            ]
        mark = " *" if row.baseline else ""
        lines.append(f"| {row.candidate}{mark} | {_fmt_ns(row.median_ns)} | {row.ratio:.2f}x |")
    lines += round_trip_table(rows)
    lines += session_cost_table(rows)
    return "\n".join(lines) + "\n"


def round_trip_table(rows: list[Row]) -> list[str]:
    """Markdown lines: each codec candidate's encode and decode medians, added up.

    For every ``encode X`` group with a ``decode X`` twin, the candidates in
    both: a cookie written and read back. The ratios are to the floor's round
    trip and to the group's first websessions row's (the default serializer's
    for "sign"), so the serializers compare as a whole as well as per direction.
    """
    by_group: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_group.setdefault(row.group, {})[row.candidate] = row
    lines: list[str] = []
    for group, encodes in by_group.items():
        if (
            not group.startswith("encode ")
            or (decodes := by_group.get("decode " + group.removeprefix("encode "))) is None
        ):
            continue
        trips = [
            (name, encodes[name].median_ns + decodes[name].median_ns, encodes[name].baseline)
            for name in encodes
            if name in decodes
        ]
        floor = next((ns for _, ns, baseline in trips if baseline), None)
        ours = next((ns for name, ns, _ in trips if name.startswith(OURS_PREFIX)), None)
        if floor is None or ours is None:
            continue
        label = group.removeprefix("encode ")
        for name, ns, baseline in trips:
            mark = " *" if baseline else ""
            lines.append(
                f"| {label} | {name}{mark} | {_fmt_ns(ns)} | {ns / floor:.2f}x | {ns / ours:.2f}x |"
            )
            label = ""
    if not lines:
        return []
    return [
        "",
        "## Encode + decode (round trip)",
        "",
        "Each candidate's encode and decode medians from the groups above, added up: a "
        "cookie written and read back. Ratios to the floor's round trip (*) and to the "
        "first websessions row's of the same payload and kind.",
        "",
        "| payload (kind) | candidate | encode + decode | ratio | / websessions' first |",
        "| --- | --- | ---: | ---: | ---: |",
        *lines,
    ]


def _fmt_cost(ns: float) -> str:
    return f"{ns / 1000:.1f} µs" if abs(ns) < 1e6 else f"{ns / 1e6:.2f} ms"


def session_cost_table(rows: list[Row]) -> list[str]:
    """Markdown lines: each whole-request row's median minus its group's floor.

    For the groups of whole requests (:mod:`benchmarks.requests`' and any
    other group named for a request, with a floor row and a websessions
    row); the last column is a row's cost over the first websessions row's
    of its group, so a peer's line reads "the peer costs a request N times
    what websessions does".
    """
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if "request" in row.group.lower():
            groups.setdefault(row.group, []).append(row)
    if not groups:
        return []
    lines = [
        "",
        "## Session cost per request",
        "",
        "A request's median minus its framework's bare route (the floor of its group "
        "above): what the sessions add to a request. The last column is that cost over "
        "websessions' (the group's first websessions row): above 1.00x, the row costs "
        "more than websessions.",
        "",
        "| framework | candidate | session cost | cost / websessions' |",
        "| --- | --- | ---: | ---: |",
    ]
    for group, members in groups.items():
        floor = next((m for m in members if m.baseline), None)
        ours = next((m for m in members if m.candidate.startswith(OURS_PREFIX)), None)
        if floor is None or ours is None:
            continue
        reference = ours.median_ns - floor.median_ns
        label = group.removeprefix(REQUEST_PREFIX)
        for m in sorted(
            (m for m in members if not m.baseline),
            key=lambda m: (m is not ours, not m.candidate.startswith(OURS_PREFIX)),
        ):
            cost = m.median_ns - floor.median_ns
            ratio = f"{cost / reference:.2f}x" if reference > 0 else "n/a"
            lines.append(f"| {label} | {m.candidate} | {_fmt_cost(cost)} | {ratio} |")
            label = ""
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--batch-ms", type=float, default=3.0)
    parser.add_argument("--only", default="", help="keep groups whose name contains this")
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md")
    args = parser.parse_args(argv)

    cands: list[Candidate] = [c for c in codecs.candidates() if args.only in c.group]
    for extra in ("benchmarks.requests", "benchmarks.stores"):
        try:
            module = importlib.import_module(extra)
        except ImportError:
            continue
        cands += [c for c in module.candidates() if args.only in c.group]
    cands.sort(key=lambda c: (c.group, not c.baseline))
    print(f"{len(cands)} candidates, {args.rounds} rounds", file=sys.stderr)
    rows = run(
        cands,
        rounds=args.rounds,
        batch_ms=args.batch_ms,
        progress=lambda r: print(f"round {r}/{args.rounds}", end="\r", file=sys.stderr),
    )
    command = "make bench" if not argv else "python -m benchmarks.run " + " ".join(argv)
    text = render(rows, rounds=args.rounds, command=command)
    if not args.only:
        from benchmarks import memory

        text += (
            "\n## Memory per request (load + save of the small session)\n\n"
            "tracemalloc peak of one request after warm-up, and the process RSS "
            "after a warm-up and after all requests (steady state: no growth).\n\n"
        )
        text += memory.table()
    print(text)
    if not args.no_write:
        (HERE / "RESULTS.md").write_text(text)
        (HERE / "results.json").write_text(
            json.dumps([dataclasses.asdict(r) for r in rows], indent=1) + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
