"""The fuzz targets under hypothesis, in every test run (atheris runs them longer: make fuzz)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import websessions as ws
from fuzz.targets import TARGETS, cookie_header, gob_stream, signed_payload

fuzz_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@fuzz_settings
@given(st.binary(max_size=2048))
def test_cookie_header_bytes(data: bytes) -> None:
    cookie_header(data)


@fuzz_settings
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["session", "a", "__Host-x", "", " session"]), st.text(max_size=60)
        ),
        max_size=12,
    )
)
def test_cookie_header_pairs(pairs: list[tuple[str, str]]) -> None:
    header = "; ".join(f"{k}={v}" for k, v in pairs)
    cookie_header(header.encode("utf-8", "surrogatepass"))


@fuzz_settings
@given(st.binary(max_size=1024))
def test_signed_payload_default(data: bytes) -> None:
    signed_payload(b"d" + data)


@fuzz_settings
@given(st.binary(max_size=1024))
def test_signed_payload_json(data: bytes) -> None:
    signed_payload(b"j" + data)


@pytest.mark.parametrize(
    "payload", [b"d" + b"[" * 100_000, b"j" + b'{"a":' * 50_000, b"d~" + b'{"~t":[' * 5000]
)
def test_signed_payload_deep_nesting(payload: bytes) -> None:
    signed_payload(payload)


@fuzz_settings
@given(st.binary(max_size=512))
def test_gob_stream_mutated_seeds(data: bytes) -> None:
    gob_stream(bytes([data[0] & 0x7F]) + data[1:] if data else data)


@fuzz_settings
@given(st.binary(max_size=512))
def test_gob_stream_raw_bytes(data: bytes) -> None:
    gob_stream(b"\x80" + data)


def test_gob_stream_seeds_decode() -> None:
    # Else the mutations would start from nothing the decoder accepts.
    from fuzz.targets import _GOB_SEEDS

    for seed in _GOB_SEEDS:
        assert isinstance(ws.GobSerializer().loads(seed), dict)


def test_every_target_is_covered() -> None:
    assert set(TARGETS) == {"cookie_header", "signed_payload", "gob_stream"}
