"""50 concurrent clients against a real server on PostgreSQL.

They push overlapping batches of ten devices' chains, with deliberate duplicates,
relays and retries. Afterwards every event is stored exactly once, each device's
seq is contiguous, and every derived state equals a fold computed from scratch.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event, fold_status
from ktpe_desktop.core.protocol import API_PREFIX, PushReply
from ktpe_server import models as m
from ktpe_server.config import Settings
from ktpe_server.embedded import start_embedded
from ktpe_server.ingest import EVENT_COLUMNS, event_from_tuple
from tests import timing

from .conftest import PG_URL, SCHOOL_A, SCHOOL_B, build_world, drop_schema, new_engine
from .helpers import Laptop, enroll, push_body

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.allow_warnings("push retried"),
]

DEVICES = 10
EVENTS_PER_DEVICE = 120
CLIENTS = 50


def make_chains(students: list[str], laptops: list[Laptop], rng: random.Random) -> None:
    kinds = ["recorded", "absent", "already_recorded", "ikd_activated"]
    for lap in laptops:
        for _ in range(EVENTS_PER_DEVICE):
            kind = rng.choice(kinds)
            sid = rng.choice(students)
            if rng.random() < 0.05:
                lap.write("failed", sid, {"reason": "siak_offline"})
            elif rng.random() < 0.03 and lap.written:
                target = rng.choice(lap.written)
                lap.write(
                    "voided",
                    target.student_id,
                    {"target_event_id": target.event_id, "reason": "salah pilih"},
                )
            else:
                lap.write(kind, sid)


def test_fifty_clients_store_each_event_once(tmp_path: Path) -> None:
    engine, schema = new_engine("postgres", tmp_path)
    assert schema
    srv = None
    try:
        from ktpe_server.db import upgrade

        upgrade(engine)
        world = build_world(engine)
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        srv = start_embedded(url, settings=Settings(rate_capacity=1e9, rate_per_second=1e9))
        rng = random.Random(7)
        laptops = [Laptop() for _ in range(DEVICES)]
        with httpx.Client(base_url=srv.url, timeout=timing.seconds(60)) as http:
            for lap in laptops:
                assert enroll(http, world.code(), lap).status_code == 200
        students = world.students[SCHOOL_A] + world.students[SCHOOL_B]
        make_chains(students, laptops, rng)

        acked: dict[str, set[int]] = defaultdict(set)
        lock = threading.Lock()
        errors: list[str] = []

        def client_loop(n: int) -> None:
            r = random.Random(n)
            with httpx.Client(base_url=srv.url, timeout=timing.seconds(60)) as http:
                for _round in range(200):
                    with lock:
                        if all(len(acked[lap.device_id]) == EVENTS_PER_DEVICE for lap in laptops):
                            return
                    origin = r.choice(laptops)
                    relay = r.choice(laptops)  # any device of the team may relay
                    with lock:
                        held = len(acked[origin.device_id])
                    # overlap what the server holds, sometimes start too far (gap)
                    start = max(1, held - r.randint(0, 30) + (r.random() < 0.1) * 5)
                    end = min(EVENTS_PER_DEVICE, start + r.randint(1, 60))
                    batch = origin.written[start - 1 : end]
                    if r.random() < 0.3:  # a second origin in the same push
                        other = r.choice(laptops)
                        if other is not origin:
                            batch = batch + other.written[: r.randint(1, 20)]
                    data, headers = push_body(batch)
                    for _attempt in range(2 if r.random() < 0.2 else 1):  # retries
                        resp = http.post(
                            f"{API_PREFIX}/sync/events",
                            content=data,
                            headers={**headers, **relay.auth},
                        )
                        if resp.status_code != 200:
                            errors.append(f"{resp.status_code} {resp.text[:200]}")
                            return
                        reply = PushReply.from_json(resp.json())
                        by_id = {e.event_id: e for e in batch}
                        with lock:
                            for eid, st in reply.statuses.items():
                                if st.value in ("conflict", "chain_broken", "rejected"):
                                    errors.append(f"unexpected {st.value}")
                                if st.acknowledged:
                                    ev = by_id[eid]
                                    acked[ev.device_id].add(ev.seq)

        threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timing.seconds(120))
        assert not errors, errors[:5]
        assert all(len(acked[lap.device_id]) == EVENTS_PER_DEVICE for lap in laptops)

        with Session(engine) as s:
            total = s.scalar(select(func.count()).select_from(m.EventRow))
            assert total == DEVICES * EVENTS_PER_DEVICE
            assert s.scalar(select(func.count(func.distinct(m.EventRow.ingest_seq)))) == total
            stored = [event_from_tuple(r) for r in s.execute(select(*EVENT_COLUMNS))]
            by_device: dict[str, list[Event]] = defaultdict(list)
            for ev in stored:
                by_device[ev.device_id].append(ev)
            for lap in laptops:
                got = sorted(by_device[lap.device_id], key=lambda e: e.seq)
                assert got == lap.written  # contiguous, exact content
                dev = s.get(m.Device, lap.device_id)
                assert dev is not None
                assert dev.contiguous_seq == EVENTS_PER_DEVICE and dev.head_hash == lap.head
            # derived states = a fold from scratch over every written event
            all_events = [e for lap in laptops for e in lap.written]
            for sid in students:
                expected = fold_status(sid, all_events)
                row = s.get(m.StudentState, sid)
                if expected.event_count == 0:
                    assert row is None
                    continue
                assert row is not None
                assert row.status == expected.status.value, sid
                assert row.deciding_event_id == expected.deciding_event_id
                assert row.event_count == expected.event_count
                anomalies = sorted(
                    (a.code, a.event_ids)
                    for a in s.scalars(select(m.AnomalyRow).where(m.AnomalyRow.student_id == sid))
                )
                assert anomalies == sorted(
                    (a.code.value, ",".join(a.event_ids)) for a in expected.anomalies
                )
    finally:
        if srv is not None:
            srv.stop()
        engine.dispose()
        from ktpe_server.admin import _engines

        for key in [k for k in _engines if schema and schema in k]:
            _engines.pop(key).dispose()
        drop_schema(schema)
