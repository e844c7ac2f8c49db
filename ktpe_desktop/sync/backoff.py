"""Capped exponential backoff with full jitter (Electrum's NetworkRetryManager idea).

After ``n`` consecutive failures the next attempt waits a uniformly random time in
``[0, min(cap, base * 2**(n-1))]`` ("full jitter", AWS architecture blog 2015):
laptops that lost the network together do not come back in lock-step. The random
source is injected, so tests are deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEFAULT_BASE_S = 2.0
DEFAULT_CAP_S = 300.0


@dataclass(slots=True)
class Backoff:
    """The delay before the next attempt after consecutive failures.

    Args:
        base: the bound after the first failure (seconds).
        cap: the largest bound (seconds).
        rng: the random source (``random.Random(seed)`` in tests).
    """

    base: float = DEFAULT_BASE_S
    cap: float = DEFAULT_CAP_S
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def bound(self, failures: int | None = None) -> float:
        """The upper bound of the delay after ``failures`` consecutive failures."""
        n = self.failures if failures is None else failures
        if n <= 0:
            return 0.0
        # 2**n overflows floats long after it passes any cap; stop doubling early.
        exponent = min(n - 1, 62)
        return float(min(self.cap, self.base * (2**exponent)))

    def failure(self) -> float:
        """Count one more failure; return the (jittered) delay before the next attempt."""
        self.failures += 1
        return self.rng.uniform(0.0, self.bound())

    def reset(self) -> None:
        self.failures = 0
