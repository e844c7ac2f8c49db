"""The one writer connection of a store, shared by saves and background work.

A check-off (:meth:`Store.write_connection`) is *foreground*: it takes the writer
as soon as it is free. Background writers (the school hub's link applying what it
pulled, relays, receipts: :meth:`Store.background_transaction`) *yield*: they
start only when no save waits for or holds the writer, and a save that arrives
while one runs waits on a Python lock, woken the moment it is released, never on
SQLite's busy handler (which sleeps in growing steps of up to 100 ms between
tries, the cause of saves delayed by 200 ms while a hub round wrote through a
second connection). Background transactions are kept short by their callers
(small batches), so a save waits at most for one of them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator


class WriterBusy(Exception):
    """The writer could not be had within the timeout."""


class WriterGate:
    """Mutual exclusion on the writer, with priority to foreground writers.

    Attributes:
        waits: when a list, each foreground acquisition appends how long it waited
            (seconds); None (the default) records nothing. For benchmarks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(threading.Lock())
        self._foreground = 0  # saves waiting for or holding the writer
        self.waits: list[float] | None = None

    @property
    def foreground_busy(self) -> bool:
        return self._foreground > 0

    @contextlib.contextmanager
    def foreground(self, timeout: float) -> Iterator[None]:
        """Hold the writer for a save (first in line). Raises :class:`WriterBusy`."""
        self.enter_foreground(timeout)
        try:
            yield
        finally:
            self.exit_foreground()

    def enter_foreground(self, timeout: float) -> None:
        """:meth:`foreground` without the context manager (the check-off's path):
        every successful call is paired with one :meth:`exit_foreground`."""
        with self._cond:
            self._foreground += 1
        try:
            started = 0.0 if self.waits is None else time.perf_counter()
            if not self._lock.acquire(timeout=timeout):
                raise WriterBusy()
            if self.waits is not None:
                self.waits.append(time.perf_counter() - started)
        except BaseException:
            self._leave_foreground()
            raise

    def exit_foreground(self) -> None:
        try:
            self._lock.release()
        finally:
            self._leave_foreground()

    def _leave_foreground(self) -> None:
        with self._cond:
            self._foreground -= 1
            if not self._foreground:
                self._cond.notify_all()

    def yield_to_foreground(self, timeout: float) -> bool:
        """Wait while a save waits for or holds the writer; False on timeout.

        Background work calls it between steps that need the CPU (the GIL) as
        well as before it writes.
        """
        with self._cond:
            return self._cond.wait_for(lambda: not self._foreground, timeout)

    @contextlib.contextmanager
    def background(self, timeout: float) -> Iterator[None]:
        """Hold the writer for background work, once no save wants it.

        Raises :class:`WriterBusy` when saves kept it for ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.yield_to_foreground(left):
                raise WriterBusy()
            if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise WriterBusy()
            if not self._foreground:
                break
            self._lock.release()  # a save arrived meanwhile: it goes first
        try:
            yield
        finally:
            self._lock.release()
