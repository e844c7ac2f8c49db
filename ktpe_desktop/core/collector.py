"""The cyclic garbage collector paused while a bulk job allocates.

A bulk job (a roster import, a paper) allocates hundreds of thousands of objects
that are not garbage while it runs; each time the allocation count passes the
collector's threshold it walks them, and now and then the whole heap (a full
collection of a 10,000-row import's heap takes about a tenth of a second).
Reference counting still frees what the job drops; the collector runs again
afterwards and finds any cycles then.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the ``with`` block, back on after (if it was on).

    Process-wide, as the collector is: a nested or concurrent block that finds it
    already off leaves it to the block that turned it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
