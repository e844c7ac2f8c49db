"""Time limits of the test suite, scaled for a slow or busy machine.

No test asserts a wall-clock time; but tests that *wait* for something (a Qt
signal, a child process, a server reply, pytest-timeout's guard against a hang)
need a limit, and a limit fit for an idle laptop fails on a 2-core machine that
runs eight other suites. Every such limit is a base value times one factor:

* ``KTPE_TIME_FACTOR`` when set (``make soak`` sets it), else
* the machine's load per core at the start of the session (1-minute load average
  divided by the core count), between 1 and ``MAX_LOAD_FACTOR``.

A real hang still fails, only later. ``tests/conftest.py`` applies the factor to
pytest-timeout's limits and to pytest-qt's ``waitUntil``/``waitSignal``; tests
use :func:`seconds` and :func:`ms` for the rest (subprocess and HTTP timeouts).
"""

from __future__ import annotations

import os

MAX_LOAD_FACTOR = 6.0


def _soak_factor() -> int:
    """``make soak``'s multiplier of the work (kill cycles, state-machine examples)."""
    return max(1, int(os.environ.get("KTPE_SOAK_FACTOR", "1") or "1"))


SOAK_FACTOR = _soak_factor()


def _load_factor() -> float:
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # Windows has no load average
        return 1.0
    return min(MAX_LOAD_FACTOR, max(1.0, load / (os.cpu_count() or 1)))


def _factor() -> float:
    explicit = os.environ.get("KTPE_TIME_FACTOR", "").strip()
    if explicit:
        return max(1.0, float(explicit))
    return _load_factor()


TIME_FACTOR = _factor()


def seconds(base: float) -> float:
    """A limit of ``base`` seconds on an idle machine, scaled by the factor."""
    return base * TIME_FACTOR


def ms(base: int) -> int:
    """A limit of ``base`` milliseconds on an idle machine, scaled by the factor."""
    return round(base * TIME_FACTOR)
