"""A small interleaving benchmark runner: medians and ratios from one process.

Every round runs each candidate once, in a fresh random order, timing a batch
of calls. Noise on these machines moves all candidates alike within a round,
so the ratio of medians is the figure to read, not the absolute times.
"""

from __future__ import annotations

import dataclasses
import gc
import random
import statistics
import time
from collections.abc import Callable


@dataclasses.dataclass
class Candidate:
    group: str
    name: str
    fn: Callable[[], object]
    baseline: bool = False
    samples: list[float] = dataclasses.field(default_factory=list)

    @property
    def median_ns(self) -> float:
        return statistics.median(self.samples)


@dataclasses.dataclass
class Row:
    group: str
    candidate: str
    median_ns: float
    ratio: float  # median / the group's baseline median
    baseline: bool


def _batch_size(fn: Callable[[], object], target_ns: float) -> int:
    n = 1
    while True:
        start = time.perf_counter_ns()
        for _ in range(n):
            fn()
        spent = time.perf_counter_ns() - start
        if spent >= target_ns / 4 or n >= 1 << 20:
            return max(1, int(n * target_ns / max(spent, 1)))
        n *= 2


def run(
    candidates: list[Candidate],
    *,
    rounds: int = 30,
    batch_ms: float = 4.0,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Row]:
    """Interleave ``candidates`` round-robin in random order; return one row each."""
    rng = random.Random(seed)
    for c in candidates:
        c.fn()  # warm up and fail early
    sizes = {id(c): _batch_size(c.fn, batch_ms * 1e6) for c in candidates}
    order = list(candidates)
    gc_was_enabled = gc.isenabled()
    try:
        for r in range(rounds):
            rng.shuffle(order)
            for c in order:
                n = sizes[id(c)]
                fn = c.fn
                gc.collect()
                gc.disable()
                start = time.perf_counter_ns()
                for _ in range(n):
                    fn()
                elapsed = time.perf_counter_ns() - start
                if gc_was_enabled:
                    gc.enable()
                c.samples.append(elapsed / n)
            if progress:
                progress(r + 1)
    finally:
        if gc_was_enabled:
            gc.enable()
    rows = []
    groups: dict[str, list[Candidate]] = {}
    for c in candidates:
        groups.setdefault(c.group, []).append(c)
    for group, members in groups.items():
        base = next((m for m in members if m.baseline), members[0])
        for m in members:
            rows.append(Row(group, m.name, m.median_ns, m.median_ns / base.median_ns, m is base))
    return rows
