"""kill -9 of the syncing process at random moments: exactly-once still holds.

A child process writes outcomes and syncs in a loop through a slow link (so the
kill often lands while a batch is in flight, or after the server committed but
before the laptop recorded the acknowledgement). After >= 20 kills, one clean
restart and one more sync: the server holds every event the laptop wrote, each
once, and the laptop's outbox is empty.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ktpe_desktop.storage import models as lm
from tests import timing
from tests.reliability import harness as h
from tests.reliability import soak_report
from tests.reliability.faultproxy import FaultProxy, LinkShape

ROOT = Path(__file__).resolve().parents[2]
# `make soak` raises the number of kill cycles (KTPE_SOAK_FACTOR, default 1).
CYCLES = 20 * timing.SOAK_FACTOR

# Faults make the engine and the server log warnings: that is what is tested here.
pytestmark = [pytest.mark.timeout(300 * timing.SOAK_FACTOR), pytest.mark.allow_warnings()]


def test_kill9_while_syncing_keeps_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(99)
    # Enough students that the soak's cycles stay under the server's per-student
    # history cap (200 events, docs/sync-protocol.md): past it events are refused.
    with h.world(tmp_path, students=1000 * timing.SOAK_FACTOR) as (server, db):
        proxy = FaultProxy(
            "127.0.0.1", server.port, shape=LinkShape(latency_s=0.02, jitter_s=0.01)
        ).start()
        try:
            lap = h.new_laptop(tmp_path, "lap")
            h.enrol(lap, server.url, db)
            assert lap.service.run_round().error is None  # the roster
            from ktpe_desktop.sync import state as keys

            with lap.store.transaction() as s:
                keys.put(s, keys.SERVER_URL, proxy.url)
            lap.close()

            env = {**os.environ, "KTPE_FAST_KDF": "1", "PYTHONPATH": str(ROOT)}
            kills_in_flight = 0
            for cycle in range(CYCLES):
                child = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.reliability.sync_child",
                        str(lap.data_dir),
                        str(cycle),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                try:
                    assert child.stdout is not None
                    line = child.stdout.readline()
                    assert line.strip() == b"ready", child.stderr.read() if child.stderr else b""
                    time.sleep(rng.uniform(0.05, 1.0))
                    child.send_signal(signal.SIGKILL)
                finally:
                    child.wait(timing.seconds(10))
                assert child.returncode == -signal.SIGKILL
                kills_in_flight += _in_flight_rows(lap)

            lap = h.reopen(lap)
            summary = lap.service.run_round()
            assert summary.error is None, summary.error
            assert summary.all_acknowledged, summary

            with lap.store.session() as s:
                local = {
                    (e.event_id, e.seq, e.hash)
                    for e in s.scalars(
                        select(lm.EventRow).where(lm.EventRow.device_id == lap.store.device_id)
                    )
                }
                n_outbox = s.scalar(select(func.count()).select_from(lm.Outbox))
            held = [(e[0], e[2], e[3]) for e in h.server_events(db) if e[1] == lap.store.device_id]
            soak_report.note(
                "kill -9 while syncing (server holds each event once)",
                cycles=CYCLES,
                confirmed=len(local),
                lost=len(local - set(held)) + (len(held) - len({e[0] for e in held})),
                remark=f"{kills_in_flight} kills with rows in flight; lost counts duplicates too",
            )
            assert len(held) == len({e[0] for e in held}), "an event twice on the server"
            assert set(held) == local
            assert n_outbox == len(local)
            assert len(local) > 100
            # The kills must have hit while something was in flight, or the test is weak.
            assert kills_in_flight > 0
            lap.close()
        finally:
            proxy.stop()


def _in_flight_rows(lap: h.Laptop) -> int:
    """How many outbox rows a killed child left in flight (read without recovering)."""
    from ktpe_desktop.storage.store import Store

    store = Store.open(lap.data_dir, "koordinator", h.PASSWORD)
    try:
        with store.session() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(lm.Outbox)
                    .where(lm.Outbox.status == lm.OutboxStatus.IN_FLIGHT)
                )
                or 0
            )
    finally:
        store.close()
