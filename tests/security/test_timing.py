"""The MAC check shows no timing difference by the position of the first wrong byte.

Two forged cookies differ from a valid one only in their MAC: one at the
first byte, one at the last. If the comparison stopped at the first
mismatch, the first would be rejected measurably faster. Decodes of the two
are interleaved (ABBA order, in small batches, GC off) for thousands of
samples each, and the medians and trimmed means must agree within 5%. The
harness is calibrated on a deliberately leaky byte-by-byte comparison, which
it must catch, so a pass means something. Noise is handled by retrying the
measurement up to 3 times; the whole module takes about a second.
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from collections.abc import Callable

import websessions as ws

from ._attack import HASH_KEY, NAME, b64url, split

SAMPLES = 4000
BATCH = 5
TOLERANCE = 0.05
ATTEMPTS = 3


def _with_mac_byte_flipped(cookie: str, index: int) -> str:
    date, value_b64, mac = split(cookie)
    bad = bytearray(mac)
    bad[index] ^= 0x01
    return b64url(date + b"|" + value_b64 + b"|" + bytes(bad)).decode("ascii")


def _trimmed_mean(samples: list[int], cut: float = 0.1) -> float:
    ordered = sorted(samples)
    k = int(len(ordered) * cut)
    return statistics.fmean(ordered[k : len(ordered) - k])


def _measure(run: Callable[[str], None], a: str, b: str) -> tuple[float, float]:
    """Relative differences of (median, trimmed mean) of timing samples of a vs b."""
    times: dict[str, list[int]] = {a: [], b: []}
    clock = time.perf_counter_ns
    batch = range(BATCH)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(200):  # warm up caches and branch predictors
            run(a)
            run(b)
        for i in range(SAMPLES):
            for cookie in (a, b) if i & 1 else (b, a):
                start = clock()
                for _ in batch:
                    run(cookie)
                times[cookie].append(clock() - start)
    finally:
        if gc_was_enabled:
            gc.enable()

    def rel(x: float, y: float) -> float:
        return abs(x - y) / min(x, y)

    return (
        rel(statistics.median(times[a]), statistics.median(times[b])),
        rel(_trimmed_mean(times[a]), _trimmed_mean(times[b])),
    )


def _best_of(run: Callable[[str], None], a: str, b: str) -> list[tuple[float, float]]:
    """Measure until one attempt is within tolerance (or ATTEMPTS are used up)."""
    attempts = []
    for _ in range(ATTEMPTS):
        attempts.append(_measure(run, a, b))
        if max(attempts[-1]) < TOLERANCE:
            break
    return attempts


def _forged_pair() -> tuple[ws.SecureCookie, str, str, str]:
    codec = ws.SecureCookie(HASH_KEY)
    good = codec.encode(NAME, {"user": "ada", "n": 1})
    return codec, good, _with_mac_byte_flipped(good, 0), _with_mac_byte_flipped(good, 31)


def test_forged_cookies_differ_only_in_the_mac() -> None:
    codec, good, first, last = _forged_pair()
    assert len(first) == len(last) == len(good)
    assert split(first)[:2] == split(last)[:2] == split(good)[:2]
    for forged in (first, last):
        try:
            codec.decode(NAME, forged)
        except ws.MacInvalid:
            continue
        raise AssertionError("a forged cookie decoded")


def test_mac_check_time_does_not_depend_on_the_first_wrong_byte() -> None:
    codec, _, first, last = _forged_pair()
    decode = codec.decode

    def run(cookie: str) -> None:
        with contextlib.suppress(ws.MacInvalid):
            decode(NAME, cookie)

    attempts = _best_of(run, first, last)
    assert max(attempts[-1]) < TOLERANCE, f"relative differences (median, trimmed) {attempts}"


def test_harness_catches_a_leaky_comparison() -> None:
    """Calibration: the same harness on a decode followed by an early-exit
    byte-by-byte comparison of the MAC (what the codec must not do) sees the
    difference, so the test above has the power to fail."""
    codec, good, first, last = _forged_pair()
    expected = split(good)[2]
    decode = codec.decode

    def leaky(cookie: str) -> None:
        with contextlib.suppress(ws.MacInvalid):
            decode(NAME, cookie)
        mac = split(cookie)[2]
        for x, y in zip(mac, expected, strict=True):
            if x != y:
                break

    differences = []
    for _ in range(ATTEMPTS):
        differences.append(_measure(leaky, first, last))
        if min(differences[-1]) > TOLERANCE:
            break
    assert min(differences[-1]) > TOLERANCE, differences
