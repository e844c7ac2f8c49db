"""Office console at province scale (issue 13), on PostgreSQL.

A generated province: 1,000,000 students in 2,000 schools, 500 teams of 4 laptops
(2,000 devices), 2,000,000 events (1,000 per device) and the folded states, written
with COPY (never through the API: that is bench_server's job); the counters of
migration 0007 are filled by their triggers as the rows arrive. Then every console page
is requested ``REPEATS`` times in-process, each after an untimed change of one student's
outcome (as while laptops sync all day), and its server time measured (p95, with the
median in the row's name), and the campaign CSV export (PostgreSQL writes it: COPY) is
streamed to count rows per second, the database backend's CPU and the memory peak.

Targets (DESIGN.md): every page p95 <= 200 ms, the export >= 50,000 rows/s; the runner
judges them at half / twice (the margin rule). The province is generated once and kept
in a database of its own (``KTPE_BENCH_OFFICE_DB``, default ``ktpe_bench_office``;
schema ``KTPE_BENCH_OFFICE_SCHEMA``, default ``bench_office_v1``): about 95 s the first
time; drop the schema to regenerate. Needs PostgreSQL at 127.0.0.1:5432.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("KTPE_FAST_KDF", "1")

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

PG_SERVER = os.environ.get("KTPE_BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
# A database of its own (never the shared ``test``): the province stays there between
# runs, and other engineers' tests never see (or drop) it.
PG_DATABASE = os.environ.get("KTPE_BENCH_OFFICE_DB", "ktpe_bench_office")
PG_URL = f"{PG_SERVER}/{PG_DATABASE}"
SCHEMA = os.environ.get("KTPE_BENCH_OFFICE_SCHEMA", "bench_office_v1")
STUDENTS = int(os.environ.get("KTPE_BENCH_OFFICE_STUDENTS", "1000000"))
SCHOOLS = 2000
TEAMS = 500
DEVICES_PER_TEAM = 4
EVENTS_PER_DEVICE = int(os.environ.get("KTPE_BENCH_OFFICE_EVENTS_PER_DEVICE", "1000"))
REPEATS = 20
SERVER_MS: list[float] = []  # filled by the timing wrapper around the app
PASSWORD = "bench-admin-password"
KINDS = ("recorded", "recorded", "recorded", "already_recorded", "absent", "failed", "not_eligible")


def _engine() -> Engine:
    from ktpe_server.db import make_engine, upgrade

    admin = make_engine(f"{PG_SERVER}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DATABASE}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    boot = make_engine(PG_URL)
    with boot.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    boot.dispose()
    engine = make_engine(PG_URL, schema=SCHEMA, pool_size=4)
    upgrade(engine)
    return engine


def _copy(conn: Any, table: str, columns: str, rows: Any) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def generate(engine: Engine) -> dict[str, Any]:
    """Fill the schema once (COPY); returns what the measurements need."""
    from ktpe_server.office import accounts, campaign

    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM student")).scalar()
    if have and have >= STUDENTS:
        return _facts(engine)
    started = time.perf_counter()
    campaign.save(
        engine,
        {"name": "Provinsi Bench", "reference_date": "2024-11-27", "time_zone": "WIB"},
        actor="bench",
        address="bench",
    )
    accounts.add_user(engine, "bench", PASSWORD, "admin", "Bench", actor="bench", address="bench")
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        assert dbapi is not None
        now = datetime.now(UTC)
        npsns = [f"{60000000 + i:08d}" for i in range(SCHOOLS)]
        per_school = STUDENTS // SCHOOLS
        _copy(
            dbapi,
            "school",
            "npsn, name, kind, status, kecamatan, address, target, principal_name, change_seq",
            ((n, f"SMA BENCH {i}", "SMA", "negeri", f"Kec {i % 40}", "", per_school, "", 1)
             for i, n in enumerate(npsns)),
        )  # fmt: skip
        _copy(
            dbapi,
            "team",
            "id, name, created_at",
            ((t + 1, f"tim-{t + 1:03d}", now) for t in range(TEAMS)),
        )
        start = date(2024, 9, 1)
        _copy(
            dbapi,
            "assignment",
            "team_id, school_npsn, date, change_seq",
            ((i % TEAMS + 1, n, start + timedelta(days=i // TEAMS * 2 + d), 1)
             for i, n in enumerate(npsns) for d in range(2)),
        )  # fmt: skip
        _copy(
            dbapi,
            "operator",
            "team_id, name, nip, role, active, change_seq",
            ((t + 1, f"Petugas {t}-{k}", None, "lead" if k == 0 else "operator", True, 1)
             for t in range(TEAMS) for k in range(3)),
        )  # fmt: skip

        def students() -> Any:
            for i in range(STUDENTS):
                yield (
                    f"B{i:09d}", npsns[i // per_school % SCHOOLS], f"{i:010d}",
                    f"3573{i:012d}", None, f"SISWA BENCH {i}", "L" if i % 2 else "P",
                    date(2007, 1 + i % 12, 1 + i % 28), f"XII-{i % 8}", False, 1,
                )  # fmt: skip

        _copy(
            dbapi,
            "student",
            "id, school_npsn, nisn, nik, kk, name, sex, birth_date, class_name, deleted, change_seq",
            students(),
        )
        devices = []
        for t in range(TEAMS):
            for k in range(DEVICES_PER_TEAM):
                devices.append((str(uuid.UUID(int=t * 16 + k + 1)), t + 1))
        _copy(
            dbapi,
            "device",
            "device_id, team_id, name, app_version, token_hash, revoked, created_at, last_seen, "
            "contiguous_seq, head_hash",
            ((d, t, f"laptop {d[-4:]}", "0.1.0", uuid.uuid4().hex + uuid.uuid4().hex, False,
              now, now, EVENTS_PER_DEVICE, "0" * 64) for d, t in devices),
        )  # fmt: skip
        # Team t works schools t-1, t-1+TEAMS, …; each device records its share of them.
        t0 = int(datetime(2024, 9, 1, 1, tzinfo=UTC).timestamp() * 1000)
        states: dict[str, tuple[str, int, str, str]] = {}

        def events() -> Any:
            seq_ingest = 0
            for di, (dev, team) in enumerate(devices):
                schools = npsns[team - 1 :: TEAMS]
                k = di % DEVICES_PER_TEAM
                for seq in range(1, EVENTS_PER_DEVICE + 1):
                    school_i = (seq + k) % len(schools)
                    local = (seq * DEVICES_PER_TEAM + k) % per_school
                    sidx = (team - 1 + school_i * TEAMS) * per_school + local
                    sid = f"B{sidx:09d}"
                    kind = KINDS[(seq + di) % len(KINDS)]
                    ms = t0 + (seq * 86_400_000 // 20) + di * 1000
                    seq_ingest += 1
                    states.setdefault(sid, (kind, ms, dev, schools[school_i]))
                    yield (
                        str(uuid.UUID(int=(di << 32) + seq)), dev, seq, f"{ms:013d}-0000",
                        "0" * 64, "0" * 64, kind, sid, schools[school_i], "Petugas",
                        ms, "{}", now, "accepted" if seq % 5000 else "rejected",
                        None if seq % 5000 else "bad_signature", seq_ingest,
                    )  # fmt: skip

        _copy(
            dbapi,
            "event",
            "event_id, device_id, seq, hlc, prev_hash, hash, kind, student_id, school_npsn, "
            "operator, occurred_ms, payload, received_at, state, reject_code, ingest_seq",
            events(),
        )
        _copy(
            dbapi,
            "student_state",
            "student_id, school_npsn, status, decided_ms, decided_by_device, decided_by_operator,"
            " ikd_activated, details, event_count, updated_at",
            ((sid, npsn, kind, ms, dev, "Petugas", kind == "recorded" and ms % 3 == 0, "{}", 1,
              now) for sid, (kind, ms, dev, npsn) in states.items()),
        )  # fmt: skip
        _copy(
            dbapi,
            "anomaly",
            "student_id, school_npsn, code, event_ids, detected_at",
            ((sid, npsn, "recorded_twice", f"{uuid.uuid4()},{uuid.uuid4()}", now)
             for sid, (_k, _ms, _d, npsn) in list(states.items())[:2000]),
        )  # fmt: skip
        dbapi.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    facts = _facts(engine)
    facts["generated_s"] = time.perf_counter() - started
    return facts


def _facts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            "students": conn.execute(text("SELECT count(*) FROM student")).scalar(),
            "events": conn.execute(text("SELECT count(*) FROM event")).scalar(),
            "devices": conn.execute(text("SELECT count(*) FROM device")).scalar(),
            "npsn": conn.execute(text("SELECT min(npsn) FROM school")).scalar(),
            "device": conn.execute(text("SELECT min(device_id) FROM device")).scalar(),
        }


PAGES = (
    "/office/",
    "/office/campaign",
    "/office/devices",
    "/office/teams",
    "/office/schedule",
    "/office/schools",
    "/office/schools/{npsn}",
    "/office/anomalies",
    "/office/receipt?code={receipt}",
    "/office/exports",
    "/office/users",
    "/office/audit",
)


def _client(engine: Engine) -> Any:
    import re

    from fastapi.testclient import TestClient

    from ktpe_server.app import create_app
    from ktpe_server.config import Settings

    app = create_app(Settings(db_url="unused://"), engine=engine, migrate=False)
    gc.freeze()  # as ktpe_server.asgi.app_from_env does in every worker

    async def timed(scope: Any, receive: Any, send: Any) -> None:
        """Server time: from the request entering the app to its last byte leaving it."""
        started = time.perf_counter()
        try:
            await app(scope, receive, send)
        finally:
            SERVER_MS.append((time.perf_counter() - started) * 1000)

    client = TestClient(timed)
    page = client.get("/office/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/office/login",
        data={"csrf": token, "username": "bench", "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def _ingest_step(engine: Engine) -> Any:
    """Each ``next()`` changes one student's outcome and moves the ingest counter."""
    from ktpe_server.db import INGEST_COUNTER, bump_counter
    from ktpe_server.office.queries import OUTCOMES

    i = 0
    while True:
        i += 1
        with Session(engine) as s, s.begin():
            s.execute(
                text("UPDATE student_state SET status = :st, decided_ms = :ms"
                     " WHERE student_id = :sid"),
                {"st": OUTCOMES[i % 5], "ms": 1_725_000_000_000 + i * 60_000,
                 "sid": f"B{(i * 7919) % STUDENTS:09d}"},
            )  # fmt: skip
            bump_counter(s, INGEST_COUNTER)
        yield i


def measure_pages(engine: Engine, facts: dict[str, Any]) -> list[dict[str, Any]]:
    from urllib.parse import quote

    from ktpe_desktop.core.receipt import ReceiptCode

    client = _client(engine)
    rows = []
    # The first page counts the province once (office/summary.py); later pages reuse the
    # counts until a counter moves, and a large campaign is then recounted in the
    # background: that first count is reported apart, as information.
    started = time.perf_counter()
    assert client.get("/office/").status_code == 200
    rows.append(
        {
            "name": "office summary, first count of the province",
            "value": round(time.perf_counter() - started, 1),
            "unit": "s (info)",
            "target": "",
            "ok": True,
            "margin": "none",
        }
    )
    # The machine's own floor: the health endpoint (no database) on the same path.
    health = []
    for _ in range(REPEATS):
        SERVER_MS.clear()
        assert client.get("/api/v1/health").status_code == 200
        health.append(SERVER_MS[-1])
    rows.append(
        {
            "name": "baseline: /api/v1/health p95 (no database)",
            "value": round(statistics.quantiles(health, n=20)[-1], 1),
            "unit": "ms (info)",
            "target": "",
            "ok": True,
            "margin": "none",
        }
    )
    # A campaign day: laptops sync all the time, so before every request (untimed) one
    # student's outcome changes through the same tables an ingest writes (the counters'
    # triggers fire) and the ingest counter moves. Every page therefore finds its
    # figures out of date, as in the field, and a recount runs beside the requests.
    ingest = _ingest_step(engine)
    for path in PAGES:
        receipt = ReceiptCode("474/BA-01", facts["npsn"], facts["device"], 500, "0" * 64).text()
        url = path.format(npsn=facts["npsn"], receipt=quote(receipt))
        times = []
        for _ in range(REPEATS):
            next(ingest)
            SERVER_MS.clear()
            r = client.get(url)
            times.append(SERVER_MS[-1])
            assert r.status_code == 200, (url, r.status_code)
        p95 = statistics.quantiles(times, n=20)[-1]
        p50 = statistics.median(times)
        rows.append(
            {
                "name": f"office page {path.split('?')[0]} p95 during ingest (p50 {p50:.0f} ms)",
                "value": round(p95, 1),
                "unit": "ms",
                "target": "<= 200",
                "ok": True,
            }
        )
    return rows


def measure_export(engine: Engine) -> list[dict[str, Any]]:
    """Rows per second of the campaign CSV as the console sends it on PostgreSQL (the
    database writes it: ``COPY … TO STDOUT``), then the memory the server holds (a second
    pass under tracemalloc, which slows Python, so it is not timed)."""
    from ktpe_server.office.exports import Scope, _Counter, copy_csv

    counter = _Counter()
    size = 0
    started = time.perf_counter()
    for chunk in copy_csv(engine, Scope("campaign"), "WIB", counter):
        size += len(chunk)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    seen = 0
    for chunk in copy_csv(engine, Scope("campaign"), "WIB"):
        seen += len(chunk)
        if seen > 50e6:  # enough to see whether memory grows with rows
            break
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    backend_cpu = _copy_backend_cpu(engine)
    return [
        {
            "name": "office CSV export: CPU of the database backend writing it (COPY)",
            "value": round(backend_cpu, 2),
            "unit": "s CPU (info)",
            "target": "",
            "ok": True,
            "margin": "none",
        },
        {
            "name": f"office CSV export (COPY), {counter.rows:,} students, {size / 1e6:.0f} MB",
            "value": round(counter.rows / elapsed),
            "unit": "rows/s",
            "target": ">= 50000",
            "ok": counter.rows >= STUDENTS,
        },
        {
            "name": "office CSV export, Python memory peak over 50 MB of CSV",
            "value": round(peak / 1e6, 1),
            "unit": "MB",
            "target": "<= 64",
            "ok": peak < 64e6,
            "margin": "none",
        },
    ]


def _copy_backend_cpu(engine: Engine) -> float:
    """CPU seconds the PostgreSQL backend spends writing the campaign CSV (read from
    /proc: the database runs on this machine), whatever else the machine is doing."""
    from ktpe_server.office.exports import Scope, _pg_copy_queries, pg_copy_settings

    def cpu(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        pg_copy_settings(conn)  # in the transaction the SELECT above began
        before = cpu(pid)
        for sql in _pg_copy_queries(Scope("campaign"), "WIB"):
            with dbapi.cursor() as cur, cur.copy(sql) as copy:
                for _data in copy:
                    pass
        return cpu(pid) - before


def bench_office() -> list[dict[str, Any]]:
    engine = _engine()
    facts = generate(engine)
    rows = []
    if "generated_s" in facts:
        rows.append(
            {
                "name": f"office province generated (COPY), {facts['events']:,} events",
                "value": round(facts["generated_s"], 1),
                "unit": "s (info)",
                "target": "",
                "ok": True,
                "margin": "none",
            }
        )
    rows += measure_pages(engine, facts)
    rows += measure_export(engine)
    engine.dispose()
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in bench_office():
        print(row)
