"""Session IDs: at least 128 bits of entropy, statistically checked.

``new_session_id`` draws 256 bits from the OS CSPRNG and writes them as 52
unpadded base32 characters: 51 full 5-bit symbols and a last one carrying
a single bit ('A' or 'Q'). Over 20,000 IDs: all unique, every position's
symbol frequencies pass a chi-square test, every one of the 256 bits is
balanced, adjacent positions are independent, and the estimated entropy per
ID is far above 128 bits. Thresholds are very conservative (p < 1e-9 per
test), so a healthy generator fails about once in a billion runs, while a
generator with a stuck bit, a skewed symbol or a short seed fails surely.
"""

from __future__ import annotations

import base64
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

import websessions as ws
from websessions.stores import is_valid_session_id, new_session_id

from ._attack import HASH_KEY, NAME, cookie_pair, environ, response, set_cookies

N = 20_000
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
P_FAIL = 1e-9


def chi2_sf(x: float, df: int) -> float:
    """P(X > x) for a chi-square variable with ``df`` degrees of freedom.

    The regularized upper incomplete gamma Q(df/2, x/2), by its series
    (x below a + 1) or its continued fraction (Numerical Recipes' gser/gcf).
    """
    a, z = df / 2, x / 2
    if z <= 0:
        return 1.0
    log_prefix = a * math.log(z) - z - math.lgamma(a)
    if z < a + 1:
        term = total = 1 / a
        n = 0
        while abs(term) > abs(total) * 1e-15:
            n += 1
            term *= z / (a + n)
            total += term
        return 1 - total * math.exp(log_prefix)
    tiny = 1e-300
    b = z + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(log_prefix) * h


def chi2_statistic(counts: Counter[str], symbols: Sequence[str], total: int) -> float:
    expected = total / len(symbols)
    return sum((counts.get(s, 0) - expected) ** 2 / expected for s in symbols)


@pytest.fixture(scope="module")
def ids() -> list[str]:
    return [new_session_id() for _ in range(N)]


def test_chi2_helper_matches_known_quantiles() -> None:
    """The helper against textbook values, so the thresholds below mean what they say."""
    assert chi2_sf(3.841, 1) == pytest.approx(0.05, rel=1e-3)
    assert chi2_sf(44.985, 31) == pytest.approx(0.05, rel=1e-3)
    assert chi2_sf(61.098, 31) == pytest.approx(0.001, rel=2e-3)
    assert chi2_sf(1098.52, 1023) == pytest.approx(0.05, rel=2e-2)
    assert chi2_sf(31, 31) == pytest.approx(0.4657, abs=1e-3)


def test_ids_are_unique_and_well_formed(ids: list[str]) -> None:
    assert len(set(ids)) == N
    assert all(is_valid_session_id(i) for i in ids)
    assert {i[-1] for i in ids} == {"A", "Q"}  # the 256th bit, and only it
    assert all(len(base64.b32decode(i + "====")) == 32 for i in ids[:100])


def test_per_position_symbol_frequencies_pass_chi_square(ids: list[str]) -> None:
    columns = list(zip(*ids, strict=True))
    worst = 1.0
    for position, column in enumerate(columns):
        counts = Counter(column)
        symbols = ALPHABET if position < 51 else "AQ"
        assert set(counts) <= set(symbols), position
        p = chi2_sf(chi2_statistic(counts, symbols, N), len(symbols) - 1)
        worst = min(worst, p)
        assert p > P_FAIL, (position, p, counts.most_common(3))
    assert worst < 1.0


def test_every_bit_is_balanced(ids: list[str]) -> None:
    """Each of the 256 bits is set in half the IDs, within 6.5 sigma (p ~ 1e-10)."""
    raw = [base64.b32decode(session_id + "====") for session_id in ids]
    ones = []
    for column in zip(*raw, strict=True):  # byte by byte, then its 8 bits
        counts = Counter(column)
        ones += [sum(n for byte, n in counts.items() if byte >> bit & 1) for bit in range(8)]
    assert len(ones) == 256
    sigma = math.sqrt(N / 4)
    for bit, count in enumerate(ones):
        assert abs(count - N / 2) < 6.5 * sigma, (bit, count)


def test_adjacent_positions_are_independent(ids: list[str]) -> None:
    """Pairs of neighbouring symbols are uniform over all 1024 combinations."""
    symbols = [a + b for a in ALPHABET for b in ALPHABET]
    for position in range(0, 50, 10):
        counts = Counter(i[position : position + 2] for i in ids)
        p = chi2_sf(chi2_statistic(counts, symbols, N), len(symbols) - 1)
        assert p > P_FAIL, (position, p)


def test_estimated_entropy_per_id_is_at_least_128_bits(ids: list[str]) -> None:
    """Per-position Shannon and min-entropy estimates, summed over the 52 symbols.

    Summing per-position entropy is an upper bound if positions were
    correlated, so the min-entropy sum (a lower-bound style estimate) is
    checked too; independence of neighbours is tested above.
    """
    shannon = 0.0
    min_entropy = 0.0
    for column in zip(*ids, strict=True):
        counts = Counter(column)
        shannon -= sum(c / N * math.log2(c / N) for c in counts.values())
        min_entropy -= math.log2(max(counts.values()) / N)
    assert shannon >= 128
    assert min_entropy >= 128
    assert 250 < shannon <= 256  # what 256 random bits look like from 20,000 samples
    assert min_entropy > 200


def test_ids_from_the_store_are_fresh_and_well_formed(tmp_path: Path) -> None:
    store = ws.FilesystemStore(tmp_path, HASH_KEY)
    seen = set()
    for _ in range(50):
        req, rsp = environ(), response()
        session = store.get(req, NAME)
        session.values["n"] = 1
        session.save(req, rsp)
        assert is_valid_session_id(session.id)
        seen.add(session.id)
        assert cookie_pair(set_cookies(rsp)[0]).startswith(f"{NAME}=")
    assert len(seen) == 50
