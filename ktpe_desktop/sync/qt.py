"""The Qt adapter of the sync engine: signals for the UI, rounds on a worker thread.

The only module of ``ktpe_desktop.sync`` that imports Qt (docs/decisions.md).
Construct it on the main (GUI) thread::

    service = SyncService(store)                       # ktpe_desktop.services
    sync = QtSyncAdapter(service, parent=main_window)  # default network monitor
    sync.stateChanged.connect(status_bar.set_sync_state)
    sync.countsChanged.connect(status_bar.set_counts)   # pending, acked, quarantined
    sync.start()                                        # timer + network monitor
    ... sync.sync_now()  (the Sinkronkan button / Ctrl+S)
    ... sync.stop()      (on close, before store.close())

Rounds run on one Python worker thread (one at a time, never on the UI thread),
with the service's own database sessions; results come back as plain dataclasses
and every signal is emitted on the main thread through queued connections.

A plain ``ThreadPoolExecutor`` rather than a ``QThreadPool`` of auto-deleting
``QRunnable`` objects: Qt deleting the runnable behind Python's back left stale
wrappers under PySide6 (a crash seen in the GUI day test), and the executor gives
the same "one worker, results by signal" shape with no object shared with Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ktpe_desktop.core.protocol import CLOCK_SKEW_WARNING_SECONDS
from ktpe_desktop.sync.backoff import Backoff
from ktpe_desktop.sync.engine import OutboxCounts, SyncSummary
from ktpe_desktop.sync.netstatus import NetworkStatus, NetworkStatusMonitor
from ktpe_desktop.sync.scheduler import DEFAULT_PERIOD_S, SyncScheduler, SyncState

log = logging.getLogger("ktpe.sync.qt")


class SyncServiceLike(Protocol):
    """What the adapter needs of ``ktpe_desktop.services.sync_service.SyncService``."""

    def run_round(self) -> SyncSummary: ...

    def counts(self) -> OutboxCounts: ...

    def probe(self) -> object: ...


class _Bridge(QObject):
    """Lives on the main thread; worker threads emit through it (queued connections)."""

    roundDone = Signal(object)
    roundCrashed = Signal(str)
    progressed = Signal(str, int, int)
    counted = Signal(object)
    online = Signal(bool)


class QtSyncAdapter(QObject):
    """Signals for the UI over :class:`~ktpe_desktop.sync.scheduler.SyncScheduler`.

    Signals:
        stateChanged(str): a :class:`SyncState` value (idle, syncing, backoff,
            offline, needs_enrolment, not_enrolled).
        progress(int, int): done, total of the current stage.
        countsChanged(int, int, int): pending (incl. in flight), acked, quarantined.
        lastSuccessChanged(str): ISO time of the last fully successful round.
        onlineChanged(bool): Daring (True) / Luring (False).
        problem(str): a message for the user (Bahasa Indonesia): a failed round, a
            re-enrolment request, a clock more than 5 minutes off.
        roundFinished(object): the :class:`SyncSummary` of each round.

    Args:
        service: the sync service (``SyncService``).
        network: a network status (default: a monitor probing the server's /health).
        backoff: the retry policy (base 2 s, cap 5 min, full jitter).
        period_s: seconds between rounds when all is well (None: on demand only).
        tick_ms: how often the timer looks whether a round is due.
    """

    stateChanged = Signal(str)
    progress = Signal(int, int)
    countsChanged = Signal(int, int, int)
    lastSuccessChanged = Signal(str)
    onlineChanged = Signal(bool)
    problem = Signal(str)
    roundFinished = Signal(object)

    def __init__(
        self,
        service: SyncServiceLike,
        network: NetworkStatus | None = None,
        *,
        backoff: Backoff | None = None,
        period_s: float | None = DEFAULT_PERIOD_S,
        tick_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.network: NetworkStatus = network or NetworkStatusMonitor(service.probe)
        self._bridge = _Bridge(self)
        self._bridge.roundDone.connect(self._on_round_done)
        self._bridge.roundCrashed.connect(self._on_round_crashed)
        self._bridge.progressed.connect(self._on_progress)
        self._bridge.counted.connect(self._on_counts)
        self._bridge.online.connect(self._on_online)
        self.scheduler = SyncScheduler(self._round_on_worker, backoff=backoff, period_s=period_s)
        self._state = SyncState.IDLE.value
        self._running = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ktpe-sync")
        self._pending: set[Future[None]] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)
        # The engine reports progress from the worker: forward through the bridge.
        engine = getattr(service, "engine", None)
        if engine is not None and hasattr(engine, "progress"):
            engine.progress = self._bridge.progressed.emit
        self.network.add_listener(self._bridge.online.emit)

    # ------------------------------------------------------------ public API

    @property
    def state(self) -> str:
        return self._state

    @property
    def busy(self) -> bool:
        return self._running

    def start(self) -> None:
        """Start the timer and the network monitor; a first round runs soon."""
        self.network.start()
        self._timer.start()
        self.refresh_counts()
        QTimer.singleShot(0, self._tick)

    def stop(self, wait_ms: int = 30_000) -> None:
        """Stop scheduling and wait for a running round (call before closing the store)."""
        self._timer.stop()
        self.network.stop()
        wait(list(self._pending), timeout=wait_ms / 1000)

    @Slot()
    def sync_now(self) -> None:
        """Sinkronkan: a round now, skipping any backoff wait."""
        self.scheduler.request()
        self._tick()

    @Slot()
    def enrolled(self) -> None:
        """Call after a successful (re-)enrolment: syncing resumes."""
        self.scheduler.enrolled()
        self._set_state(SyncState.IDLE.value)
        self._tick()

    @Slot()
    def refresh_counts(self) -> None:
        """Re-read the outbox counts (on the worker thread) and emit countsChanged."""

        def job() -> None:
            try:
                self._bridge.counted.emit(self.service.counts())
            except Exception:
                log.exception("reading outbox counts failed")

        self._submit(job)

    # ------------------------------------------------------------ internals

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)

    @Slot()
    def _tick(self) -> None:
        if self._running or not self.scheduler.due():
            return
        self._running = True
        self._set_state(SyncState.SYNCING.value)
        self._submit(self._worker)

    def _submit(self, fn: Callable[[], None]) -> None:
        future = self._executor.submit(fn)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def _worker(self) -> None:
        """On the pool thread: one round through the scheduler, then the counts."""
        try:
            summary = self.scheduler.run_if_due(force=True)
            counts = self.service.counts()
        except Exception as exc:  # a bug: reported, the scheduler backs off
            log.exception("sync round crashed")
            self._bridge.roundCrashed.emit(f"{type(exc).__name__}: {exc}")
            return
        self._bridge.counted.emit(counts)
        self._bridge.roundDone.emit(summary)

    def _round_on_worker(self) -> SyncSummary:
        return self.service.run_round()

    @Slot(object)
    def _on_round_done(self, summary: SyncSummary | None) -> None:
        self._running = False
        self._set_state(self.scheduler.state.value)
        if summary is None:
            return
        self.roundFinished.emit(summary)
        if summary.error is None:
            self.lastSuccessChanged.emit(summary.finished_at.isoformat())
        else:
            self.problem.emit(summary.error)
        if summary.clock_warning and summary.clock_skew_s is not None:
            minutes = abs(summary.clock_skew_s) / 60
            self.problem.emit(
                f"Jam laptop berbeda {minutes:.0f} menit dari server (lebih dari "
                f"{CLOCK_SKEW_WARNING_SECONDS // 60} menit). Periksa tanggal dan jam laptop."
            )

    @Slot(str)
    def _on_round_crashed(self, text: str) -> None:
        self._running = False
        self._set_state(self.scheduler.state.value)
        self.problem.emit(f"Sinkronisasi gagal karena kesalahan program: {text}")

    @Slot(str, int, int)
    def _on_progress(self, _stage: str, done: int, total: int) -> None:
        self.progress.emit(done, total)

    @Slot(object)
    def _on_counts(self, counts: OutboxCounts) -> None:
        self.countsChanged.emit(counts.unsent, counts.acked, counts.quarantined)

    @Slot(bool)
    def _on_online(self, online: bool) -> None:
        self.scheduler.network_changed(online)
        self.onlineChanged.emit(online)
        if not self._running:
            self._set_state(self.scheduler.state.value)
        if online:
            self._tick()
