"""Capped exponential backoff with full jitter."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.sync.backoff import Backoff


@given(seed=st.integers(0, 2**32), failures=st.integers(1, 40))
def test_full_jitter_stays_within_bounds(seed: int, failures: int) -> None:
    b = Backoff(base=2.0, cap=300.0, rng=random.Random(seed))
    for n in range(failures):
        delay = b.failure()
        # after the (n+1)-th failure: [0, min(cap, base * 2**n)]
        assert 0.0 <= delay <= min(300.0, 2.0 * 2**n)


def test_bounds_double_then_cap() -> None:
    b = Backoff(base=2.0, cap=300.0)
    assert [b.bound(n) for n in range(0, 11)] == [
        0.0,
        2.0,
        4.0,
        8.0,
        16.0,
        32.0,
        64.0,
        128.0,
        256.0,
        300.0,
        300.0,
    ]
    assert b.bound(10_000) == 300.0


def test_deterministic_with_a_seeded_rng() -> None:
    a = Backoff(rng=random.Random(7))
    c = Backoff(rng=random.Random(7))
    assert [a.failure() for _ in range(12)] == [c.failure() for _ in range(12)]


def test_jitter_uses_the_whole_range() -> None:
    b = Backoff(base=2.0, cap=300.0, rng=random.Random(1))
    delays = []
    for _ in range(500):
        b.reset()
        for _ in range(9):
            d = b.failure()
        delays.append(d)
    assert min(delays) < 30 and max(delays) > 250  # full jitter, not "cap ± a bit"


def test_reset_after_success() -> None:
    b = Backoff(rng=random.Random(3))
    for _ in range(5):
        b.failure()
    b.reset()
    assert b.failures == 0
    assert b.failure() <= 2.0
