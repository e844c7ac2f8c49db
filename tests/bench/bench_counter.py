"""How long a push holds the server's ``ingest`` counter row (docs/operations.md,
"When one server is not enough").

Every push takes the ``counter`` row named ``ingest`` (``bump_counter_on``) and keeps
its lock until commit, so that the event pull cursor is handed out in commit
order; pushes are serialised for that stretch. This measures, on PostgreSQL with
``DEVICES`` threads pushing ``BATCH``-event batches through the real
:class:`~ktpe_server.ingest.Ingestor`: the time from taking the counter to the
commit (p50/p95), the share of the wall time the row is held (its utilisation:
near 1.0 means the row is the bottleneck), and the ceiling it puts on ingest
(events per push / mean hold time).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.orm import Session

from ktpe_desktop.core.signing import new_private_key, public_key_of
from tests.bench.bench_server import PG_ADMIN, _device_events, _signed

DEVICES = 20
EVENTS_PER_DEVICE = 500
BATCH = 250


def bench_counter_hold() -> list[dict[str, Any]]:
    """Rows ``{name, value, unit, target, ok}`` (information: no target)."""
    return measure(DEVICES, EVENTS_PER_DEVICE, BATCH)


def measure(devices: int, events_per_device: int, batch: int) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from ktpe_desktop.core.protocol import API_PREFIX
    from ktpe_server import admin, ingest
    from ktpe_server.app import create_app
    from ktpe_server.config import Settings

    dbname = f"ktpe_counter_{uuid.uuid4().hex[:8]}"
    boot = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with boot.connect() as c:
        c.execute(text(f"CREATE DATABASE {dbname}"))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname
    holds: list[float] = []
    lock = threading.Lock()
    original = ingest.bump_counter_on
    # A push runs on one thread from its counter bump to its session's commit.
    taken_at = threading.local()

    def timed_bump(conn: Connection, name: str, by: int = 1) -> int:
        value = original(conn, name, by)
        taken_at.t = time.perf_counter()
        return value

    def released(_session: Session) -> None:
        taken = getattr(taken_at, "t", None)
        taken_at.t = None
        if taken is not None:
            with lock:
                holds.append(time.perf_counter() - taken)

    try:
        engine = admin.engine_for(url)
        admin.upsert_campaign(engine, id="b", name="Bench", reference_date=date(2024, 11, 27))
        npsn = "20530001"
        admin.upsert_schools(engine, [{"npsn": npsn, "name": "SMA", "target": 1}])
        rng = random.Random(7)
        students = [f"S{i:09d}" for i in range(devices * events_per_device // 2)]
        admin.upsert_students(
            engine,
            [{"id": s, "school_npsn": npsn, "name": f"N{i}"} for i, s in enumerate(students)],
        )
        admin.create_team(engine, "tim-01")
        admin.assign(engine, "tim-01", npsn, date(2024, 11, 20))
        settings = Settings(db_url=url, rate_capacity=1e9, rate_per_second=1e9,
                            enroll_rate_capacity=1e9, enroll_rate_per_second=1e9)  # fmt: skip
        app = create_app(settings, engine=engine, migrate=False)
        with TestClient(app) as client:
            ids = []
            keys: dict[str, bytes] = {}  # each laptop signs its own chain (issue 12)
            for i in range(devices):
                device_id = str(uuid.uuid4())
                keys[device_id] = new_private_key()
                r = client.post(
                    f"{API_PREFIX}/enrollments",
                    json={"code": admin.make_enroll_code(engine, "tim-01"),
                          "device_id": device_id, "device_name": f"L{i}",
                          "public_key": public_key_of(keys[device_id])},
                )  # fmt: skip
                r.raise_for_status()
                ids.append(device_id)
            state = app.state.ktpe
            team_id = int(r.json().get("team_id", 0)) or _team_id(engine)
            work = []
            for device_id in ids:
                mine = rng.sample(students, min(len(students), events_per_device))
                evs = _device_events(device_id, mine, random.Random(device_id), events_per_device)
                chunks = [evs[i : i + batch] for i in range(0, len(evs), batch)]
                work.append([(c, _signed(keys[device_id], c)[device_id]) for c in chunks])
            ingest.bump_counter_on = timed_bump  # type: ignore[assignment]
            event.listen(Session, "after_commit", released)
            start = threading.Barrier(devices + 1)
            failures: list[str] = []

            def run(chunks: list[Any]) -> None:
                start.wait()
                for chunk, segments in chunks:
                    try:
                        state.ingestor.push(team_id, [chunk], [segments])
                    except Exception as exc:  # reported, not raised from a thread
                        failures.append(type(exc).__name__)

            threads = [threading.Thread(target=run, args=(w,)) for w in work]
            for t in threads:
                t.start()
            start.wait()
            t0 = time.perf_counter()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
    finally:
        ingest.bump_counter_on = original  # type: ignore[assignment]
        if event.contains(Session, "after_commit", released):
            event.remove(Session, "after_commit", released)
        with boot.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)"))
        boot.dispose()
    total = devices * events_per_device
    holds.sort()
    mean = statistics.fmean(holds) if holds else float("nan")
    p95 = holds[int(0.95 * (len(holds) - 1))] if holds else float("nan")
    return [
        _row("counter: pushes measured", len(holds), "pushes"),
        _row("counter: failed pushes", len(failures), "pushes"),
        _row("counter: hold per push p50", statistics.median(holds) * 1000, "ms"),
        _row("counter: hold per push p95", p95 * 1000, "ms"),
        _row("counter: share of wall time held", sum(holds) / wall, "ratio"),
        _row("counter: ingest throughput measured", total / wall, "events/s"),
        _row("counter: ceiling from the row (batch / mean hold)", batch / mean, "events/s"),
    ]


def _team_id(engine: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(text("SELECT id FROM team WHERE name = 'tim-01'")).scalar_one())


def _row(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "target": None, "ok": None}


if __name__ == "__main__":
    for row in bench_counter_hold():
        print(f"{row['name']:55s} {row['value']:>12} {row['unit']}")
