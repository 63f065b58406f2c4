"""Draw the benchmark ratios as a chart for the docs: ``python -m benchmarks.chart``.

Reads ``benchmarks/results.json`` (a list of rows ``{group, candidate,
median_ns, ratio}``, as ``make bench`` writes it) and writes
``docs/img/bench.svg``: one block of bars per group, each bar a candidate's
time relative to the group's floor (lower is better), websessions' own
candidates highlighted. With no results yet (file absent or empty) it draws
a placeholder that says to run ``make bench``, so the docs always build.

python -m benchmarks.chart [--results FILE] [--out FILE.svg|FILE.png ...]
"""

from __future__ import annotations

import argparse
import json
import math
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

HERE = Path(__file__).parent
RESULTS = HERE / "results.json"
OUT = HERE.parent / "docs" / "img" / "bench.svg"

OURS = "#2e7d32"  # websessions
PEER = "#5c7cba"  # other libraries
FLOOR = "#9e9e9e"  # the least work that could do it
BAR_HEIGHT = 0.72
ROW_INCHES = 0.27


@dataclass(frozen=True)
class Bar:
    group: str
    candidate: str
    median_ns: float
    ratio: float
    baseline: bool

    @property
    def colour(self) -> str:
        if self.baseline:
            return FLOOR
        return OURS if self.candidate.lower().startswith("websessions") else PEER


def _bar(row: dict[str, Any]) -> Bar:
    candidate = str(row["candidate"])
    ratio = float(row["ratio"])
    if not math.isfinite(ratio) or ratio <= 0:
        raise ValueError(f"row {candidate!r}: ratio must be a positive number, got {ratio!r}")
    baseline = bool(row.get("baseline", candidate.lower().startswith("floor")))
    return Bar(str(row["group"]), candidate, float(row["median_ns"]), ratio, baseline)


def load(path: Path) -> list[Bar]:
    """The rows of a results file; none if it is absent or empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    if not text.strip():
        return []
    rows = json.loads(text)
    if not isinstance(rows, list):
        raise TypeError(f"{path}: expected a JSON list of rows, got {type(rows).__name__}")
    return [_bar(row) for row in rows]


def _style() -> AbstractContextManager[None]:
    # Text stays text (smaller, sharper, searchable); ids and metadata are
    # fixed so the same results always give the same file.
    return mpl.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "websessions-bench",
            "font.size": 9,
            "font.family": "sans-serif",
        }
    )


def _save(figure: Figure, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fmt = out.suffix.lstrip(".").lower() or "svg"
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
    figure.savefig(out, format=fmt, metadata=metadata, bbox_inches="tight", dpi=150)


def render_placeholder(out: Path) -> None:
    """A small chart-shaped notice: no figures yet."""
    with _style():
        figure = Figure(figsize=(7, 1.6))
        axes = figure.add_subplot()
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            "No benchmark results yet.\nRun `make bench` to measure and draw this chart.",
            ha="center",
            va="center",
            fontsize=11,
            color="#555555",
        )
        _save(figure, out)


def render(bars: list[Bar], out: Path) -> None:
    """Grouped horizontal bars of ``ratio``, with the floor at 1x."""
    groups: dict[str, list[Bar]] = {}
    for bar in bars:
        groups.setdefault(bar.group, []).append(bar)
    # Lay rows out top to bottom: a heading row per group, then its bars.
    positions: list[float] = []
    labels: list[str] = []
    plotted: list[Bar] = []
    headings: list[tuple[float, str]] = []
    y = 0.0
    for group, members in groups.items():
        headings.append((y, group))
        y += 1
        for bar in members:
            positions.append(y)
            labels.append(bar.candidate)
            plotted.append(bar)
            y += 1
        y += 0.4
    biggest = max(bar.ratio for bar in plotted)
    log = biggest > 20
    with _style():
        figure = Figure(figsize=(8, max(2.0, ROW_INCHES * y + 0.9)))
        axes = figure.add_subplot()
        axes.barh(
            positions,
            [bar.ratio for bar in plotted],
            height=BAR_HEIGHT,
            color=[bar.colour for bar in plotted],
        )
        for position, bar in zip(positions, plotted, strict=True):
            axes.text(
                bar.ratio * (1.04 if log else 1) + (0 if log else biggest * 0.01),
                position,
                f"{bar.ratio:.2f}x",
                va="center",
                fontsize=8,
            )
        for heading_y, group in headings:
            axes.text(
                0.0,
                heading_y,
                group,
                transform=axes.get_yaxis_transform(),
                ha="left",
                va="center",
                fontweight="bold",
            )
        axes.axvline(1.0, color="#444444", linestyle="--", linewidth=0.8)
        axes.set_yticks(positions, labels)
        axes.set_ylim(y - 0.4, -1)
        if log:
            axes.set_xscale("log")
            axes.set_xlim(0.8, biggest * 2.0)
        else:
            axes.set_xlim(0, biggest * 1.18)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}x"))
        axes.set_xlabel("time per call relative to the group's floor (1x = floor; lower is better)")
        axes.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        handles = [
            Patch(color=OURS, label="websessions"),
            Patch(color=PEER, label="other libraries"),
            Patch(color=FLOOR, label="floor (least possible work)"),
        ]
        axes.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=3,
            frameon=False,
            fontsize=8,
        )
        _save(figure, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    parser.add_argument(
        "--out",
        type=Path,
        action="append",
        help=f"an .svg or .png to write (repeatable); default: {OUT}",
    )
    args = parser.parse_args(argv)
    outs: list[Path] = args.out or [OUT]
    bars = load(args.results)
    for out in outs:
        if bars:
            render(bars, out)
        else:
            render_placeholder(out)
        what = f"{len(bars)} results" if bars else "a placeholder (no results yet)"
        print(f"wrote {out}: {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
