"""Sync over a 3G-like link: 5,000 events through the proxy at 330 kbit/s, 200 ms RTT.

``bench_sync_shaped_link()`` returns the rows ``make bench`` prints:

* the wall time of one full sync round (push of 5,000 events in batches, roster
  and event pulls, receipt) through the shaped link — target ≤ 15 s;
* bytes on the wire per event, both directions, HTTP heads included — target ≤ 60;
* the compressed push body alone per event (what the protocol design controls).

Run alone: ``python -m tests.bench.bench_sync``.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("KTPE_FAST_KDF", "1")

EVENTS = 5000
BANDWIDTH_BPS = 330_000
RTT_S = 0.200


def _write_events(lap: Any, n: int, students: list[str], seed: int = 5) -> None:
    """``n`` outcomes in one transaction (the bench measures sync, not recording).

    Written through :func:`ledger.append_local`, the one way the app appends to its
    device chain (it also makes the outbox rows), so the pushes carry the signed
    segments protocol 2 requires, like the app's.
    """
    from ktpe_desktop.storage import ledger
    from ktpe_desktop.storage import models as m
    from tests.reliability.harness import OUTCOMES

    rng = random.Random(seed)
    store = lap.store
    # Recent past: the server refuses times before its campaign (``before_campaign``).
    t0 = datetime.now(UTC) - timedelta(seconds=n * 40 + 60)
    with store.transaction() as s:
        schools = {st.id: st.school_npsn for st in s.query(m.Student)}
        drafts = []
        for i in range(n):
            kind, reason = rng.choice(OUTCOMES)
            sid = rng.choice(students)
            drafts.append(
                ledger.Draft(
                    kind=kind,
                    student_id=sid,
                    operator="petugas-1",
                    payload={"reason": reason} if reason else {},
                    school_npsn=schools.get(sid),
                    occurred_at=t0 + timedelta(seconds=i * 40 + rng.randint(0, 20)),
                )
            )
        ledger.append_local(s, drafts, device_id=store.device_id, clock=store.clock)


def bench_sync_shaped_link(batch_size: int | None = None) -> list[dict[str, Any]]:
    from ktpe_desktop.sync import state as keys
    from ktpe_desktop.sync.client import Timeouts
    from tests.reliability import harness as h
    from tests.reliability.faultproxy import FaultProxy, LinkShape

    tmp = Path(tempfile.mkdtemp(prefix="ktpe-bench-sync-"))
    rows: list[dict[str, Any]] = []
    try:
        with h.world(tmp, students=4586) as (server, db):
            slow = Timeouts(connect=10, read=60, probe=5)
            lap = h.new_laptop(tmp, "lap", timeouts=slow, batch_size=batch_size)
            h.enrol(lap, server.url, db)
            assert lap.service.run_round().error is None  # roster over the fast link
            _write_events(lap, EVENTS, h.local_students(lap))
            shape = LinkShape(latency_s=RTT_S / 2, jitter_s=0.01, bandwidth_bps=BANDWIDTH_BPS)
            proxy = FaultProxy("127.0.0.1", server.port, shape=shape).start()
            try:
                with lap.store.transaction() as s:
                    keys.put(s, keys.SERVER_URL, proxy.url)
                lap.service.engine.invalidate_client()
                client = lap.service.engine.client()
                started = time.perf_counter()
                cpu0 = time.process_time()
                push = lap.service.engine.push()
                push_s = time.perf_counter() - started
                summary = lap.service.run_round()
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu0
                assert push.acked == EVENTS, push
                assert summary.error is None and summary.all_acknowledged, summary
                wire = proxy.bytes_up + proxy.bytes_down
                push_body = client.stats.sent
                exchanges = sum(proxy.exchanges.values())
            finally:
                proxy.stop()
            lap.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    per_event = wire / EVENTS
    rows.append(
        {
            "name": "sync 5,000 events, 330 kbit/s 200 ms RTT",
            "value": round(elapsed, 2),
            "unit": "s",
            "target": "<= 15",
            "ok": elapsed <= 15,
        }
    )
    rows.append(
        {
            "name": "sync bytes on the wire per event (both ways)",
            "value": round(per_event, 1),
            "unit": "B",
            "target": "<= 60",
            "ok": per_event <= 60,
        }
    )
    rows.append(
        {
            "name": "sync push stage alone",
            "value": round(push_s, 2),
            "unit": "s",
            "target": "info",
            "ok": None,
        }
    )
    rows.append(
        {
            # Laptop, server and shaping proxy share this process: what the round
            # cost in CPU, beside the link's own floor (bytes at 330 kbit/s plus one
            # round trip per exchange). On a quiet machine the wall time is about
            # floor + CPU; on a loaded one the CPU part stretches.
            "name": "sync CPU of the round (laptop + server + proxy)",
            "value": round(cpu, 2),
            "unit": "s",
            "target": "info",
            "ok": None,
            "margin": "none",
        }
    )
    rows.append(
        {
            "name": "sync link floor (bytes / 330 kbit/s + RTT per exchange)",
            "value": round(wire * 8 / BANDWIDTH_BPS + exchanges * RTT_S, 2),
            "unit": "s",
            "target": "info",
            "ok": None,
            "margin": "none",
        }
    )
    rows.append(
        {
            "name": "sync push body per event (gzip)",
            "value": round(push_body / EVENTS, 1),
            "unit": "B",
            "target": "info",
            "ok": None,
        }
    )
    rows.append(
        {
            "name": "sync HTTP exchanges in the round",
            "value": exchanges,
            "unit": "",
            "target": "info",
            "ok": None,
        }
    )
    return rows


if __name__ == "__main__":
    for row in bench_sync_shaped_link():
        print(row)
