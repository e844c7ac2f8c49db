"""SIGKILL a writer at random moments: every reported commit survives, seq has no gap.

A child process records check-offs in a loop through RecordingService and prints
``event_id seq`` on stdout (flushed) only after each commit returned. The parent
kills it with SIGKILL at a random moment, reopens the database, and checks that
every event the child reported is present, that the device's seq runs 1..N with
no gap, that the hash chain verifies and that the file passes the integrity check.
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
from sqlalchemy import select

from ktpe_desktop.core.events import verify_chain
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from tests import timing
from tests.conftest import LEAD, PASSWORD, Factory
from tests.reliability import soak_report

ROOT = Path(__file__).resolve().parents[2]
# `make soak` raises the number of kill cycles (KTPE_SOAK_FACTOR, default 1).
CYCLES = 20 * timing.SOAK_FACTOR

CHILD = r"""
import random, sys
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage.store import Store

data_dir, user, password, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
store = Store.open(data_dir, user, password, check="none")
service = RecordingService(store)
rng = random.Random()
print("ready", flush=True)
while True:
    sid = rng.choice(ids)
    kind = rng.choice(["recorded", "absent", "ikd_activated"])
    if kind == "ikd_activated":
        saved = service.activate_ikd(sid, "petugas-crash")
    else:
        saved = service.record_outcome(sid, kind, "petugas-crash")
    sys.stdout.write(f"{saved.event_id} {saved.seq}\n")
    sys.stdout.flush()
"""


@pytest.mark.timeout(120 * timing.SOAK_FACTOR)
def test_sigkill_never_loses_a_reported_commit(store: Store, factory: Factory) -> None:
    ids = [factory.student() for _ in range(20)]
    store.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KTPE_FAST_KDF": "1"}
    rng = random.Random(20241127)
    reported: dict[str, int] = {}
    for _cycle in range(CYCLES):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(store.data_dir), LEAD, PASSWORD, ",".join(ids)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", (
            child.stderr.read() if child.stderr else ""
        )
        time.sleep(rng.uniform(0.02, 0.3))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        assert child.returncode == -signal.SIGKILL, err[-2000:]
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2:  # a torn last line was not reported complete
                reported[parts[0]] = int(parts[1])
        # The parent reopens (recovering the WAL) after every kill.
        check = Store.open(store.data_dir, LEAD, PASSWORD, check="quick")
        try:
            with check.session() as s:
                held = {e: q for e, q in s.execute(select(m.EventRow.event_id, m.EventRow.seq))}
                device = s.get(m.Device, check.device_id)
                assert device is not None
            missing = set(reported) - set(held)
            assert not missing, f"lost {len(missing)} reported commits"
            assert sorted(held.values()) == list(range(1, len(held) + 1))
            assert device.next_seq == len(held) + 1
        finally:
            check.close()
    assert len(reported) >= 5  # the child did commit between kills (not only at start)
    soak_report.note(
        "kill -9 while recording (commit reported = durable)",
        cycles=CYCLES,
        confirmed=len(reported),
        lost=len(set(reported) - set(held)),
    )
    final = Store.open(store.data_dir, LEAD, PASSWORD, check="full")
    try:
        assert final.integrity_check(full=True) == []
        with final.session() as s:
            rows = s.scalars(select(m.EventRow).order_by(m.EventRow.seq)).all()
            events = [ledger.event_from_row(r) for r in rows]
            outbox = set(s.scalars(select(m.Outbox.event_id)))
        assert verify_chain(events) is None
        assert outbox == {e.event_id for e in events}  # every event has its outbox row
    finally:
        final.close()
