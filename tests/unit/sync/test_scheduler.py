"""The scheduler's state machine: backoff after failures, network back, 401 stop."""

from __future__ import annotations

import random

import pytest

from ktpe_desktop.sync.backoff import Backoff
from ktpe_desktop.sync.engine import SyncSummary
from ktpe_desktop.sync.errors import ServerUnreachable
from ktpe_desktop.sync.netstatus import NetworkStatusMonitor, NullNetworkStatus
from ktpe_desktop.sync.scheduler import SyncScheduler, SyncState


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


OK = SyncSummary()
DOWN = SyncSummary(
    error="Server tidak dapat dihubungi", error_code="server_unreachable", pending_left=3
)
REVOKED = SyncSummary(error="Perangkat ini tidak lagi terdaftar", error_code="unauthorized")


def make(results: list[SyncSummary], clock: Clock, seed: int = 1) -> SyncScheduler:
    it = iter(results)
    return SyncScheduler(
        lambda: next(it), backoff=Backoff(rng=random.Random(seed)), clock=clock, period_s=600
    )


def test_first_round_is_due_at_start_and_success_plans_the_next_period() -> None:
    clock = Clock()
    sch = make([OK], clock)
    assert sch.due()
    assert sch.run_if_due() is OK
    assert sch.state is SyncState.IDLE
    assert sch.seconds_until_due() == pytest.approx(600)
    assert sch.run_if_due() is None


def test_failures_back_off_with_full_jitter_and_a_cap() -> None:
    clock = Clock()
    sch = make([DOWN] * 12, clock, seed=5)
    for n in range(12):
        clock.t += 10_000
        assert sch.run_if_due() is DOWN
        assert sch.state is SyncState.BACKOFF
        wait = sch.seconds_until_due()
        assert wait is not None and 0 <= wait <= min(300, 2 * 2**n)


def test_sync_now_skips_the_backoff_wait() -> None:
    clock = Clock()
    sch = make([DOWN, OK], clock)
    sch.run_if_due()
    clock.t += 0.0001
    assert not sch.due() or sch.seconds_until_due() == 0
    sch.request()
    assert sch.due()
    assert sch.run_if_due() is OK
    assert sch.backoff.failures == 0


def test_network_back_triggers_a_round_at_once() -> None:
    clock = Clock()
    sch = make([DOWN, OK], clock)
    sch.network_changed(True)
    sch.run_if_due()
    sch.network_changed(False)
    assert sch.state is SyncState.OFFLINE and not sch.due()
    clock.t += 1000
    assert not sch.due()  # offline: nothing runs
    sch.network_changed(True)
    assert sch.due()
    assert sch.run_if_due() is OK


def test_401_stops_until_enrolled_again() -> None:
    clock = Clock()
    sch = make([REVOKED, OK], clock)
    sch.run_if_due()
    assert sch.state is SyncState.NEEDS_ENROLMENT
    clock.t += 10_000
    sch.request()
    sch.network_changed(True)
    assert not sch.due()
    sch.enrolled()
    assert sch.due() and sch.run_if_due() is OK


def test_null_network_status_notifies_changes_only() -> None:
    net = NullNetworkStatus(online=True)
    seen: list[bool] = []
    net.add_listener(seen.append)
    net.set_online(True)
    net.set_online(False)
    net.set_online(False)
    net.set_online(True)
    assert seen == [False, True]


def test_network_monitor_probes_health() -> None:
    up = {"ok": False}

    def probe() -> None:
        if not up["ok"]:
            raise ServerUnreachable("down")

    mon = NetworkStatusMonitor(probe, interval=60)
    seen: list[bool] = []
    mon.add_listener(seen.append)
    assert mon.check_now() is False
    up["ok"] = True
    assert mon.check_now() is True
    assert seen == [False, True] and mon.online is True
