"""The Qt adapter: rounds on a worker thread, signals on the main thread."""

from __future__ import annotations

import gc
import random
import threading
from typing import Any

import pytest

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.sync.backoff import Backoff
from ktpe_desktop.sync.errors import Unauthorized
from ktpe_desktop.sync.netstatus import NullNetworkStatus
from ktpe_desktop.sync.qt import QtSyncAdapter
from tests.unit.sync.conftest import FakeServer, write


@pytest.fixture(autouse=True)
def collect_on_the_main_thread() -> Any:
    """Adapters sit in reference cycles (signals, listeners): collect them here, on the
    main thread, not later in some server thread of another test (a QObject with a
    QTimer must be deleted on its own thread)."""
    yield
    gc.collect()


class ThreadSpy:
    """Wraps the service to note on which thread each round runs."""

    def __init__(self, service: SyncService) -> None:
        self.inner = service
        self.engine = service.engine
        self.threads: list[threading.Thread] = []

    def run_round(self) -> Any:
        self.threads.append(threading.current_thread())
        return self.inner.run_round()

    def counts(self) -> Any:
        return self.inner.counts()

    def probe(self) -> object:
        return self.inner.probe()


def _adapter(service: Any, net: NullNetworkStatus) -> QtSyncAdapter:
    return QtSyncAdapter(
        service, net, backoff=Backoff(rng=random.Random(1)), period_s=None, tick_ms=20
    )


def test_round_runs_off_the_ui_thread_and_emits_counts(
    qtbot: Any, service: SyncService, recording: RecordingService
) -> None:
    write(recording, 5)
    spy = ThreadSpy(service)
    adapter = _adapter(spy, NullNetworkStatus(True))
    states: list[str] = []
    adapter.stateChanged.connect(states.append)
    counts: list[tuple[int, int, int]] = []
    adapter.countsChanged.connect(lambda p, a, q: counts.append((p, a, q)))
    progress: list[tuple[int, int]] = []
    adapter.progress.connect(lambda d, t: progress.append((d, t)))
    emitted_on: list[threading.Thread] = []
    adapter.countsChanged.connect(lambda *_: emitted_on.append(threading.current_thread()))
    with qtbot.waitSignal(adapter.lastSuccessChanged, timeout=10_000):
        adapter.start()
    qtbot.waitUntil(lambda: (0, 5, 0) in counts, timeout=5000)
    adapter.stop()
    assert spy.threads and all(t is not threading.main_thread() for t in spy.threads)
    assert set(emitted_on) == {threading.main_thread()}
    assert "syncing" in states and states[-1] == "idle"
    assert progress and progress[-1][0] == progress[-1][1]


@pytest.mark.allow_warnings("token refused")
def test_401_emits_problem_and_needs_enrolment(
    qtbot: Any, service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 2)
    fake_server.fail_next.append(Unauthorized("revoked"))
    adapter = _adapter(service, NullNetworkStatus(True))
    with qtbot.waitSignal(adapter.problem, timeout=10_000) as blocker:
        adapter.start()
    assert "daftar ulang" in blocker.args[0].lower()
    qtbot.waitUntil(lambda: adapter.state == "needs_enrolment", timeout=5000)
    adapter.sync_now()  # ignored until enrolled again
    assert adapter.state == "needs_enrolment"
    adapter.stop()
    assert service.counts().pending == 2  # the outbox is kept


def test_online_signal_and_network_back_triggers_sync(
    qtbot: Any, service: SyncService, recording: RecordingService
) -> None:
    net = NullNetworkStatus(False)
    adapter = _adapter(service, net)
    adapter.scheduler.network_changed(False)
    adapter.start()
    write(recording, 3)
    with qtbot.waitSignal(adapter.onlineChanged, timeout=5000) as blocker:
        net.set_online(True)  # from another thread in real life: queued to the main thread
    assert blocker.args == [True]
    qtbot.waitUntil(lambda: service.counts().acked == 3, timeout=10_000)
    adapter.stop()
