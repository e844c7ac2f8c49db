"""When to sync: on demand, when the network comes back, and after failures with backoff.

:class:`SyncScheduler` is a small, Qt-free state machine; whoever drives it (the Qt
adapter's timer, :class:`SchedulerThread`, a test) asks :meth:`SyncScheduler.due`
and calls :meth:`SyncScheduler.run_if_due`. States (``SyncState``):

``idle`` → ``syncing`` → ``idle`` on success (the next periodic round is planned);
``syncing`` → ``backoff`` on a failure that may pass by itself (no network, server
error, rate limit): the next attempt waits a full-jitter delay that doubles per
failure up to the cap; ``offline`` while the network monitor says so (a
``network_changed(True)`` makes a round due at once); ``needs_enrolment`` after a
401: nothing runs until :meth:`SyncScheduler.enrolled` is called, the outbox stays.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum

from ktpe_desktop.sync.backoff import Backoff
from ktpe_desktop.sync.engine import SyncSummary
from ktpe_desktop.sync.errors import NotEnrolled, SyncInProgress

log = logging.getLogger("ktpe.sync")

DEFAULT_PERIOD_S = 600.0


class SyncState(StrEnum):
    IDLE = "idle"
    SYNCING = "syncing"
    BACKOFF = "backoff"
    OFFLINE = "offline"
    NEEDS_ENROLMENT = "needs_enrolment"
    NOT_ENROLLED = "not_enrolled"


class SyncScheduler:
    """Decides when the next round runs.

    Args:
        run_round: one sync round (``SyncService.run_round``).
        backoff: the backoff policy (base 2 s, cap 5 min, full jitter).
        clock: monotonic seconds (injected in tests).
        period_s: seconds between rounds while everything is fine (None: on demand only).
        on_state: called with the new state on every change (from the caller's thread).
    """

    def __init__(
        self,
        run_round: Callable[[], SyncSummary],
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        period_s: float | None = DEFAULT_PERIOD_S,
        on_state: Callable[[SyncState], None] | None = None,
    ) -> None:
        self._run_round = run_round
        self.backoff = backoff or Backoff()
        self._clock = clock
        self.period_s = period_s
        self.on_state = on_state
        self._state = SyncState.IDLE
        self._next_at: float | None = clock()  # a round at start-up
        self._online: bool | None = None
        self._lock = threading.Lock()
        self.last_summary: SyncSummary | None = None

    # ------------------------------------------------------------ state

    @property
    def state(self) -> SyncState:
        return self._state

    def _set_state(self, state: SyncState) -> None:
        if state != self._state:
            self._state = state
            log.debug("sync state %s", state)
            if self.on_state is not None:
                self.on_state(state)

    def seconds_until_due(self) -> float | None:
        """None when nothing is planned (offline, needs enrolment, on-demand only)."""
        if self._state in (SyncState.NEEDS_ENROLMENT, SyncState.SYNCING, SyncState.NOT_ENROLLED):
            return None
        if self._online is False or self._next_at is None:
            return None
        return max(0.0, self._next_at - self._clock())

    def due(self) -> bool:
        wait = self.seconds_until_due()
        return wait is not None and wait <= 0.0

    # ------------------------------------------------------------ triggers

    def request(self) -> None:
        """Sync now (the user pressed Sinkronkan): skips any backoff wait."""
        with self._lock:
            if self._state in (SyncState.NEEDS_ENROLMENT, SyncState.NOT_ENROLLED):
                return
            self._next_at = self._clock()

    def network_changed(self, online: bool) -> None:
        with self._lock:
            was = self._online
            self._online = online
            if self._state in (SyncState.NEEDS_ENROLMENT, SyncState.NOT_ENROLLED):
                return
            if not online:
                if self._state != SyncState.SYNCING:
                    self._set_state(SyncState.OFFLINE)
            elif was is not True:
                # The network came back: try at once, whatever the backoff said.
                self._next_at = self._clock()
                if self._state == SyncState.OFFLINE:
                    self._set_state(SyncState.IDLE)

    def enrolled(self) -> None:
        """A (re-)enrolment succeeded: sync again at once."""
        with self._lock:
            self.backoff.reset()
            self._next_at = self._clock()
            self._set_state(SyncState.IDLE)

    # ------------------------------------------------------------ running

    def run_if_due(self, *, force: bool = False) -> SyncSummary | None:
        """Run one round if it is due (or ``force``); returns its summary."""
        with self._lock:
            if not (force or self.due()) or self._state == SyncState.SYNCING:
                return None
            self._set_state(SyncState.SYNCING)
        try:
            summary = self._run_round()
        except SyncInProgress:
            with self._lock:
                self._set_state(SyncState.IDLE)
            return None
        except BaseException:
            with self._lock:
                self._after_failure()
            raise
        self.after_round(summary)
        return summary

    def after_round(self, summary: SyncSummary) -> None:
        with self._lock:
            self.last_summary = summary
            if summary.error_code == NotEnrolled.code:
                self._next_at = None
                self._set_state(SyncState.NOT_ENROLLED)
            elif summary.needs_enrolment:
                self._next_at = None
                self._set_state(SyncState.NEEDS_ENROLMENT)
            elif summary.error is not None or summary.pending_left > 0:
                self._after_failure()
            else:
                self.backoff.reset()
                self._next_at = self._clock() + self.period_s if self.period_s is not None else None
                self._set_state(SyncState.OFFLINE if self._online is False else SyncState.IDLE)

    def _after_failure(self) -> None:
        delay = self.backoff.failure()
        self._next_at = self._clock() + delay
        log.info("sync retry in %.1f s (failure %d)", delay, self.backoff.failures)
        self._set_state(SyncState.OFFLINE if self._online is False else SyncState.BACKOFF)


class SchedulerThread:
    """Drives a :class:`SyncScheduler` on a daemon thread (headless use, no Qt)."""

    def __init__(self, scheduler: SyncScheduler, *, poll_s: float = 1.0) -> None:
        self.scheduler = scheduler
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ktpe-sync", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.scheduler.run_if_due()
            except Exception:  # a bug: logged, and the loop goes on with backoff
                log.exception("sync round crashed")
            wait = self.scheduler.seconds_until_due()
            self._wake.wait(self.poll_s if wait is None else min(self.poll_s, wait))
            self._wake.clear()
