"""A hypothesis state machine over two laptops, a flaky link each, and the real server.

Rules: check-offs, offline/online, sync rounds, replies dropped after the server
committed, crashes (with or without a batch in flight: every in-memory state is
dropped and the store reopened). Invariants after every step: no event twice on
the server and nothing there that no laptop wrote. At the end the network heals,
everyone syncs until quiet, and all parties hold the same events and states.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests import timing
from tests.reliability import harness as h
from tests.reliability.faultproxy import Fault, FaultProxy

LAPTOPS = 2
lap_index = st.integers(0, LAPTOPS - 1)


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ktpe-sm-"))
        self.server = h.start_server(self.tmp, students=300)
        self.db = self.server.db_url
        self.proxies: list[FaultProxy] = []
        self.laps: list[h.Laptop] = []
        self.rng = random.Random(0)
        for i in range(LAPTOPS):
            proxy = FaultProxy("127.0.0.1", self.server.port).start()
            lap = h.new_laptop(self.tmp, f"lap{i}")
            lap.operator = f"petugas-{i}"
            h.enrol(lap, proxy.url, self.db)
            assert lap.service.run_round().error is None
            self.proxies.append(proxy)
            self.laps.append(lap)
        self.students = h.local_students(self.laps[0])

    # ------------------------------------------------------------ rules

    @rule(i=lap_index, n=st.integers(1, 6))
    def check_off(self, i: int, n: int) -> None:
        h.record_random(self.laps[i], n, self.rng, self.students)

    @rule(i=lap_index, online=st.booleans())
    def set_network(self, i: int, online: bool) -> None:
        self.proxies[i].offline = not online

    @rule(i=lap_index)
    def sync(self, i: int) -> None:
        summary = self.laps[i].service.run_round()
        if self.proxies[i].offline:
            assert summary.error_code == "server_unreachable"

    @rule(i=lap_index)
    def sync_with_reply_dropped(self, i: int) -> None:
        self.proxies[i].force(Fault.RESET_AFTER_COMMIT, paths=("/sync/events",))
        self.laps[i].service.run_round()
        self.proxies[i].clear_forced()

    @rule(i=lap_index, mid_push=st.booleans())
    def crash(self, i: int, mid_push: bool) -> None:
        if mid_push:
            self.laps[i].service.engine._take_batch()  # in flight, then the power goes
        self.laps[i] = h.reopen(self.laps[i])

    # ------------------------------------------------------------ invariants

    @invariant()
    def server_holds_each_event_once_and_only_what_laptops_wrote(self) -> None:
        events = h.server_events(self.db)
        ids = [e[0] for e in events]
        assert len(ids) == len(set(ids))
        assert len({(e[1], e[2]) for e in events}) == len(events)
        written = set().union(*(set(lap.written) for lap in self.laps))
        assert set(ids) <= written

    def teardown(self) -> None:
        try:
            for p in self.proxies:
                p.offline = False
                p.clear_forced()
            for _ in range(2):
                for lap in self.laps:
                    lap.service.recover()
                    summary = lap.service.run_round()
                    assert summary.error is None, summary.error
            h.assert_exactly_once(self.db, self.laps)
            everything = {e[0] for e in h.server_events(self.db)}
            server_state = h.server_states(self.db)
            for lap in self.laps:
                assert lap.service.counts().unsent == 0
                assert h.local_event_ids(lap) == everything
                assert h.local_states(lap) == server_state
        finally:
            for lap in self.laps:
                lap.close()
            for p in self.proxies:
                p.stop()
            self.server.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)


# Bounded work (examples x steps, each example starts a server and two laptops), no
# per-example deadline, and no shrinking: a failure is reproducible as it is
# (derandomize) and its steps are printed, whereas shrinking on a busy machine could
# outlast pytest-timeout, whose interruption hypothesis then misreports as a flaky
# strategy. The timeout is scaled by tests/timing.py like every other limit.
SyncMachine.TestCase.settings = settings(
    max_examples=8 * timing.SOAK_FACTOR,
    stateful_step_count=16,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSyncMachine = pytest.mark.allow_warnings()(
    pytest.mark.timeout(240 * timing.SOAK_FACTOR)(SyncMachine.TestCase)
)
