"""benchmarks/chart.py: the docs' benchmark chart, from results.json or a placeholder."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from benchmarks import chart

ROWS = [
    {"group": "encode small (sign)", "candidate": "floor: json+HMAC", "median_ns": 1000.0,
     "ratio": 1.0, "baseline": True},
    {"group": "encode small (sign)", "candidate": "websessions (default)", "median_ns": 1500.0,
     "ratio": 1.5, "baseline": False},
    {"group": "encode small (sign)", "candidate": "Flask (itsdangerous)", "median_ns": 3200.0,
     "ratio": 3.2, "baseline": False},
    {"group": "decode small (sign)", "candidate": "floor: json+HMAC", "median_ns": 900.0,
     "ratio": 1.0, "baseline": True},
    {"group": "decode small (sign)", "candidate": "websessions (default)", "median_ns": 1710.0,
     "ratio": 1.9},
]  # fmt: skip


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]


def write_rows(tmp_path: Path, rows: object) -> Path:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(rows))
    return results


def test_renders_every_group_candidate_and_ratio(tmp_path: Path) -> None:
    out = tmp_path / "img" / "bench.svg"
    assert chart.main(["--results", str(write_rows(tmp_path, ROWS)), "--out", str(out)]) == 0
    texts = svg_texts(out)
    for expected in [
        "encode small (sign)",
        "decode small (sign)",
        "websessions (default)",
        "Flask (itsdangerous)",
        "1.00x",
        "1.50x",
        "3.20x",
        "1.90x",
        "websessions",
        "other libraries",
    ]:
        assert expected in texts


def test_colours_say_who_is_who() -> None:
    bars = [chart._bar(row) for row in ROWS]
    assert [bar.colour for bar in bars] == [
        chart.FLOOR,
        chart.OURS,
        chart.PEER,
        chart.FLOOR,
        chart.OURS,
    ]


def test_the_same_results_give_the_same_file(tmp_path: Path) -> None:
    results = write_rows(tmp_path, ROWS)
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    chart.main(["--results", str(results), "--out", str(first)])
    chart.main(["--results", str(results), "--out", str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_png_too(tmp_path: Path) -> None:
    out = tmp_path / "bench.png"
    chart.main(["--results", str(write_rows(tmp_path, ROWS)), "--out", str(out)])
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_large_ratios_switch_to_a_log_scale(tmp_path: Path) -> None:
    rows = [*ROWS, {**ROWS[2], "candidate": "slow", "ratio": 80.0}]
    out = tmp_path / "bench.svg"
    chart.main(["--results", str(write_rows(tmp_path, rows)), "--out", str(out)])
    assert "80.00x" in svg_texts(out)
    assert "100x" in svg_texts(out)  # a decade tick


@pytest.mark.parametrize("content", [None, "", "  \n"], ids=["absent", "empty", "blank"])
def test_no_results_draws_a_placeholder(
    tmp_path: Path, content: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results.json"
    if content is not None:
        results.write_text(content)
    out = tmp_path / "bench.svg"
    assert chart.main(["--results", str(results), "--out", str(out)]) == 0
    assert any("Run `make bench`" in text for text in svg_texts(out))
    assert "a placeholder (no results yet)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rows", "error", "message"),
    [
        ({"group": "x"}, TypeError, "expected a JSON list of rows, got dict"),
        ([{**ROWS[0], "ratio": 0}], ValueError, "ratio must be a positive number"),
        ([{**ROWS[0], "ratio": "nan"}], ValueError, "ratio must be a positive number"),
        ([{"group": "x", "candidate": "y", "ratio": 2}], KeyError, "median_ns"),
    ],
)
def test_bad_results_are_refused(
    tmp_path: Path, rows: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        chart.load(write_rows(tmp_path, rows))
