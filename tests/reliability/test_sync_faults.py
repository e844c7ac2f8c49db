"""2,000 events from 3 laptops through a faulty network: all delivered exactly once.

The fault proxy sits between the laptops and the real embedded server and breaks
exchanges of the sync endpoints by a seeded schedule (hangs, resets mid-request,
resets after the server committed, truncated replies, latency with jitter). The
laptops keep writing and syncing; then the network heals, everyone syncs until
quiet, and every party must agree.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from ktpe_desktop.sync.client import Timeouts
from tests.reliability import harness as h
from tests.reliability.faultproxy import Fault, FaultProxy, FaultSchedule, LinkShape

TOTAL_EVENTS = 2000
LAPTOPS = 3
TIME_BUDGET_S = 120.0

# Faults make the engine and the server log warnings: that is what is tested here.
pytestmark = [pytest.mark.timeout(300), pytest.mark.allow_warnings()]


def test_three_laptops_exactly_once_through_faults(tmp_path: Path) -> None:
    rng = random.Random(20241127)
    schedule = FaultSchedule(
        seed=7,
        weights={
            Fault.NONE: 0.70,
            Fault.HANG: 0.03,
            Fault.HANG_AFTER_COMMIT: 0.03,
            Fault.RESET_MID_REQUEST: 0.06,
            Fault.RESET_AFTER_COMMIT: 0.10,
            Fault.TRUNCATE_REPLY: 0.08,
        },
        paths=("/api/v1/sync/",),
    )
    timeouts = Timeouts(connect=2.0, read=2.5, probe=1.0)
    with h.world(tmp_path) as (server, db):
        proxy = FaultProxy(
            "127.0.0.1",
            server.port,
            schedule=schedule,
            shape=LinkShape(latency_s=0.005, jitter_s=0.004),
            seed=3,
        ).start()
        laptops: list[h.Laptop] = []
        try:
            for i in range(LAPTOPS):
                lap = h.new_laptop(tmp_path, f"lap{i}", timeouts=timeouts, batch_size=150)
                lap.operator = f"petugas-{i}"
                h.enrol(lap, server.url, db)  # enrolment on the clean link
                laptops.append(lap)
            # The token is for the server; traffic goes through the proxy from now on.
            for lap in laptops:
                _point_at(lap, proxy.url)
            # Roster first (a few tries: the link is bad).
            for lap in laptops:
                for _ in range(15):
                    if lap.service.run_round().error is None:
                        break
            students = h.local_students(laptops[0])
            assert students, "no roster reached the laptop through the faulty link"

            started = time.monotonic()
            per_lap = TOTAL_EVENTS // LAPTOPS
            written = [0] * LAPTOPS
            rounds = errors = 0
            while min(written) < per_lap and time.monotonic() - started < TIME_BUDGET_S:
                for i, lap in enumerate(laptops):
                    n = min(
                        per_lap - written[i] + (TOTAL_EVENTS % LAPTOPS if i == 0 else 0),
                        rng.randint(50, 250),
                    )
                    if n > 0:
                        h.record_random(lap, n, rng, students)
                        written[i] += n
                    summary = lap.service.run_round()
                    rounds += 1
                    errors += summary.error is not None
            assert sum(len(lap.written) for lap in laptops) == TOTAL_EVENTS
            assert errors > 0, "the faults never hit: the test proves nothing"
            hits = {f: n for f, n in proxy.faults.items() if f is not Fault.NONE}
            assert hits.get(Fault.RESET_AFTER_COMMIT, 0) > 0, hits
            # A push whose reply was lost after the server committed: the resend must
            # have been answered "duplicate" and still counted once.
            assert any(
                m == "POST" and p.endswith("/sync/events") and f is Fault.RESET_AFTER_COMMIT
                for m, p, f in proxy.log
            )

            # Heal and settle: a few rounds each until nothing moves.
            proxy.schedule = None
            for _ in range(4):
                for lap in laptops:
                    summary = lap.service.run_round()
                    assert summary.error is None, summary.error
            for lap in laptops:
                counts = lap.service.counts()
                assert counts.pending == counts.in_flight == counts.quarantined == 0, counts
                assert counts.acked == len(lap.written)
            h.assert_exactly_once(db, laptops)
            server_state = h.server_states(db)
            everything = {e[0] for e in h.server_events(db)}
            for lap in laptops:
                assert h.local_event_ids(lap) == everything
                assert h.local_states(lap) == server_state
        finally:
            for lap in laptops:
                lap.close()
            proxy.stop()


def _point_at(lap: h.Laptop, url: str) -> None:
    from ktpe_desktop.sync import state as keys

    with lap.store.transaction() as s:
        keys.put(s, keys.SERVER_URL, url)
    lap.service.engine.invalidate_client()
