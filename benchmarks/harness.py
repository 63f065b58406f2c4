"""A small interleaving benchmark runner: medians and ratios from one process.

Every round runs each candidate once, in a fresh random order, timing a batch
of calls after a full ``gc.collect()`` and a few untimed warm-up calls. Noise
on these machines moves all candidates alike within a round, so the ratio of
medians is the figure to read, not the absolute times.
"""

from __future__ import annotations

import dataclasses
import gc
import random
import statistics
import time
from collections.abc import Callable

WARM_UP_CALLS = 3
"""Untimed calls of a candidate after each batch's ``gc.collect()``, at least..."""
WARM_UP_NS = 500_000.0
"""... and for at least this long (see :func:`_warm_up`)."""


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
    """How many calls of ``fn`` take about ``target_ns``.

    The per-call time is the least of three timings: noise only ever slows a
    timing down, and one slow timing here would shrink the batch for every
    round (and a small batch pays more per call for what a batch costs once).
    """
    n = 1
    while True:
        start = time.perf_counter_ns()
        for _ in range(n):
            fn()
        spent = time.perf_counter_ns() - start
        if spent >= target_ns / 4 or n >= 1 << 20:
            for _ in range(2):
                start = time.perf_counter_ns()
                for _ in range(n):
                    fn()
                spent = min(spent, time.perf_counter_ns() - start)
            return max(1, int(n * target_ns / max(spent, 1)))
        n *= 2


def _warm_up(fn: Callable[[], object], min_ns: float = WARM_UP_NS) -> None:
    """Call ``fn`` (untimed) until the caches hold its working set again.

    Each batch starts with a full ``gc.collect()``, which walks every object
    of the process and evicts the candidate's code and data from the CPU
    caches: the first call after it was measured 5x slower than the next ones
    (about 250 µs more for a Starlette request, more for Flask), and it takes
    a few calls more to reach the steady state. Timed, that cost is spread
    over the batch, so a candidate with a small batch (a slow one, or one
    whose calibration was hit by noise) looked much slower than it is.
    """
    deadline = time.perf_counter_ns() + min_ns
    calls = 0
    while calls < WARM_UP_CALLS or time.perf_counter_ns() < deadline:
        fn()
        calls += 1


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
                _warm_up(fn)
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
