"""benchmarks/run.py: the derived tables of RESULTS.md."""

from __future__ import annotations

from benchmarks.harness import Row
from benchmarks.run import render, round_trip_table


def row(group: str, candidate: str, ns: float, *, baseline: bool = False) -> Row:
    return Row(group, candidate, ns, 0.0, baseline)


ROWS = [
    row("decode large (sign)", "floor: json", 1000.0, baseline=True),
    row("decode large (sign)", "websessions (default serializer)", 1500.0),
    row("decode large (sign)", "websessions (gob)", 3500.0),
    row("encode large (sign)", "floor: json", 2000.0, baseline=True),
    row("encode large (sign)", "websessions (default serializer)", 2500.0),
    row("encode large (sign)", "websessions (gob)", 4500.0),
    row("encode large (sign)", "encode only", 100.0),
    row("encode small (sign)", "floor: json", 10.0, baseline=True),  # no decode twin
    row("request: Flask", "bare route (floor)", 50.0, baseline=True),
]


def test_round_trips_add_encode_and_decode_and_compare_them() -> None:
    lines = round_trip_table(ROWS)
    body = [line for line in lines if line.startswith("| ") and "µs" in line]
    assert "| large (sign) | floor: json * | 3.00 µs | 1.00x | 0.75x |" in lines
    assert "|  | websessions (default serializer) | 4.00 µs | 1.33x | 1.00x |" in lines
    assert "|  | websessions (gob) | 8.00 µs | 2.67x | 2.00x |" in lines
    assert not any("encode only" in line or "small" in line for line in lines)
    assert len(body) == 3


def test_no_table_without_a_pair_of_groups() -> None:
    assert round_trip_table(ROWS[3:]) == []
    assert round_trip_table([r for r in ROWS if r.candidate == "floor: json"]) == []


def test_rendered_results_hold_the_round_trips() -> None:
    text = render(ROWS, rounds=1, command="make bench")
    assert "## Encode + decode (round trip)" in text
    assert text.index("## encode small (sign)") < text.index("## Encode + decode")
