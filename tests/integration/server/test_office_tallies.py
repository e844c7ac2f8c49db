"""The console's counters (migration 0007) always equal a count of their source rows.

Database triggers keep them in the transaction that writes ``student_state``,
``student`` and ``event``: through the real ingest (pushes, corrections, voids, a
refused event), roster imports and deletions, and through random multi-row statements
written straight to the tables, on SQLite (row triggers) and PostgreSQL (statement
triggers over transition tables).
"""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ktpe_server import admin

from .conftest import SCHOOL_A, SCHOOL_B, World
from .helpers import Laptop, enroll, push, statuses

RECOUNT = {
    "tally_school": (
        "SELECT school_npsn, status, ikd_activated, count(*) FROM student_state"
        " WHERE school_npsn IS NOT NULL GROUP BY 1, 2, 3"
    ),
    "tally_hour": (
        "SELECT decided_ms / 3600000, status, count(*) FROM student_state"
        " WHERE decided_ms IS NOT NULL AND decided_ms >= 0 GROUP BY 1, 2"
    ),
    "tally_roster": "SELECT school_npsn, count(*) FROM student WHERE NOT deleted GROUP BY 1",
    "tally_device_school": (
        "SELECT device_id, school_npsn, count(*) FROM event"
        " WHERE state = 'accepted' AND school_npsn IS NOT NULL GROUP BY 1, 2"
    ),
}
KEPT = {
    "tally_school": "SELECT school_npsn, status, ikd, n FROM tally_school WHERE n <> 0",
    "tally_hour": "SELECT hour, status, n FROM tally_hour WHERE n <> 0",
    "tally_roster": "SELECT school_npsn, n FROM tally_roster WHERE n <> 0",
    "tally_device_school": "SELECT device_id, school_npsn, n FROM tally_device_school WHERE n <> 0",
}


def _rows(engine: Engine, sql: str) -> set[tuple[Any, ...]]:
    with engine.connect() as conn:
        return {
            tuple(bool(v) if isinstance(v, bool) else v for v in row)
            for row in conn.execute(text(sql)).all()
        }


def assert_tallies_exact(engine: Engine) -> None:
    for table, recount in RECOUNT.items():
        kept = {_norm(r) for r in _rows(engine, KEPT[table])}
        counted = {_norm(r) for r in _rows(engine, recount)}
        assert kept == counted, table


def _norm(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLite gives booleans as 0/1: the same key either way.
    return tuple(int(v) if isinstance(v, bool) else v for v in row)


def test_tallies_follow_the_real_ingest_and_roster(client: TestClient, world: World) -> None:
    assert_tallies_exact(world.engine)
    lap, other = Laptop(), Laptop()
    assert enroll(client, world.code(), lap).status_code == 200
    assert enroll(client, world.code(), other).status_code == 200
    a, b = world.students[SCHOOL_A], world.students[SCHOOL_B]
    events = [
        lap.write("recorded", a[0]),
        lap.write("ikd_activated", a[0]),
        lap.write("absent", a[1]),
        lap.write("already_recorded", b[0]),
        lap.write("failed", b[1], {"reason": "siak_offline"}),
    ]
    r = push(client, lap, events)
    assert r.status_code == 200 and set(statuses(r.json())) == {"accepted"}
    assert_tallies_exact(world.engine)
    assert _rows(world.engine, KEPT["tally_device_school"]) == {
        (lap.device_id, SCHOOL_A, 3),
        (lap.device_id, SCHOOL_B, 2),
    }
    # A second laptop decides the same students again (a refold that moves them), an
    # event about a school the team does not visit is refused (no count moves).
    more = [
        other.write("recorded", a[1]),
        other.write("recorded", b[1]),
        other.write("recorded", world.students["20533664"][0]),
    ]
    r = push(client, other, more)
    assert statuses(r.json()) == ["accepted", "accepted", "rejected"]
    assert_tallies_exact(world.engine)
    void = lap.write("voided", a[0], {"target_event_id": events[0].event_id, "reason": "salah"})
    assert push(client, lap, [void]).status_code == 200
    assert_tallies_exact(world.engine)
    # Roster: an import that adds and changes students, then a student deleted.
    admin.upsert_students(
        world.engine,
        [
            {"id": "S9NEW00001", "school_npsn": SCHOOL_A, "name": "SISWA BARU", "sex": "P"},
            {"id": a[2], "school_npsn": SCHOOL_B, "name": "SISWA PINDAH", "sex": "L"},
        ],
    )
    with world.engine.begin() as conn:
        conn.execute(text("UPDATE student SET deleted = true WHERE id = :i"), {"i": a[3]})
    assert_tallies_exact(world.engine)


def test_tallies_stay_exact_under_random_multi_row_statements(engine: Engine) -> None:
    """Inserts, updates that move rows between keys (and ones that do not), deletes,
    several rows per statement, in several transactions."""
    rng = random.Random(13)
    schools = [f"2053{n:04d}" for n in range(6)]
    statuses = ["pending", "recorded", "already_recorded", "absent", "failed"]
    with engine.begin() as conn:
        for npsn in schools:
            conn.execute(
                text("INSERT INTO school (npsn, name, kind, status, kecamatan, address, target,"
                     " principal_name, change_seq) VALUES (:n, :n, 'SMA', 'negeri', '', '', 0,"
                     " '', 0)"),
                {"n": npsn},
            )  # fmt: skip
    ids = [f"R{i:05d}" for i in range(120)]
    for round_no in range(12):
        with engine.begin() as conn:
            new = [sid for sid in ids if rng.random() < 0.3]
            for sid in new:
                conn.execute(
                    text("INSERT INTO student (id, school_npsn, name, deleted, change_seq)"
                         " VALUES (:i, :s, 'X', false, 0) ON CONFLICT (id) DO UPDATE SET"
                         " school_npsn = excluded.school_npsn, deleted = false"),
                    {"i": sid, "s": rng.choice(schools)},
                )  # fmt: skip
                conn.execute(
                    text("INSERT INTO student_state (student_id, school_npsn, status,"
                         " ikd_activated, details, event_count, updated_at, decided_ms)"
                         " VALUES (:i, :s, :st, :k, '{}', 1, CURRENT_TIMESTAMP, :ms)"
                         " ON CONFLICT (student_id) DO NOTHING"),
                    {"i": sid, "s": rng.choice([*schools, None]), "st": rng.choice(statuses),
                     "k": rng.random() < 0.3,
                     "ms": None if rng.random() < 0.2 else rng.randrange(0, 10 * 3_600_000)},
                )  # fmt: skip
            # One statement moving many rows at once (statuses, schools, hours, IKD).
            conn.execute(
                text("UPDATE student_state SET status = :st, ikd_activated = NOT ikd_activated,"
                     " decided_ms = decided_ms + 3600000 WHERE student_id < :cut"),
                {"st": rng.choice(statuses), "cut": f"R{rng.randrange(120):05d}"},
            )  # fmt: skip
            conn.execute(
                text("UPDATE student_state SET school_npsn = :s WHERE student_id > :cut"),
                {"s": rng.choice(schools), "cut": f"R{rng.randrange(120):05d}"},
            )
            conn.execute(  # an update that moves nothing counted
                text("UPDATE student_state SET event_count = event_count + 1")
            )
            conn.execute(
                text("UPDATE student SET deleted = NOT deleted WHERE id LIKE :p"),
                {"p": f"R%{round_no % 10}"},
            )
            if round_no % 3 == 2:
                cut = f"R{rng.randrange(120):05d}"
                conn.execute(text("DELETE FROM student_state WHERE student_id < :c"), {"c": cut})
        assert_tallies_exact(engine)


def test_upgrade_of_a_database_with_data_fills_the_tallies(backend: str, tmp_path: Any) -> None:
    """A server database made before the tallies (revision 0004, the schema of the
    release before issue 13) with students, states and events is upgraded to head:
    the counters equal the rows, and the triggers keep them so afterwards."""
    from alembic import command

    from ktpe_server import models as m
    from ktpe_server.db import alembic_config, upgrade

    from .conftest import drop_schema, new_engine

    engine, schema = new_engine(backend, tmp_path)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        rng = random.Random(7)
        schools = [f"2054{n:04d}" for n in range(3)]
        statuses_ = ["pending", "recorded", "absent", "failed"]
        now = "2024-11-27 08:00:00+00:00"
        with engine.begin() as conn:
            for npsn in schools:
                conn.execute(
                    m.School.__table__.insert(),
                    {"npsn": npsn, "name": npsn, "kind": "SMA", "status": "negeri",
                     "kecamatan": "", "address": "", "target": 0, "principal_name": "",
                     "change_seq": 0},
                )  # fmt: skip
            for i in range(60):
                sid = f"U{i:05d}"
                npsn = schools[i % 3]
                conn.execute(
                    m.Student.__table__.insert(),
                    {"id": sid, "school_npsn": npsn, "name": "X", "deleted": i % 11 == 0,
                     "change_seq": i},
                )  # fmt: skip
                if i % 4:
                    conn.execute(
                        text("INSERT INTO student_state (student_id, school_npsn, status,"
                             " ikd_activated, details, event_count, updated_at, decided_ms)"
                             " VALUES (:i, :s, :st, :k, '{}', 1, :now, :ms)"),
                        {"i": sid, "s": npsn if i % 9 else None, "st": rng.choice(statuses_),
                         "k": i % 5 == 0, "now": now,
                         "ms": None if i % 7 == 0 else 1_732_690_000_000 + i * 600_000},
                    )  # fmt: skip
                conn.execute(
                    text("INSERT INTO event (event_id, device_id, seq, hlc, prev_hash, hash,"
                         " kind, student_id, school_npsn, operator, occurred_ms, payload,"
                         " received_at, state, ingest_seq) VALUES (:e, :d, :q, :h, :p, :x,"
                         " 'recorded', :i, :s, 'op', 0, '{}', :now, :st, :q)"),
                    {"e": f"00000000-0000-4000-8000-{i:012d}", "d": f"dev-{i % 2}", "q": i,
                     "h": f"{i:021d}", "p": "0" * 64, "x": f"{i:064d}", "i": sid,
                     "s": npsn if i % 6 else None, "now": now,
                     "st": "accepted" if i % 8 else "rejected"},
                )  # fmt: skip
        upgrade(engine)
        assert_tallies_exact(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT sum(n) FROM tally_roster")).scalar() == 54
        with engine.begin() as conn:
            conn.execute(text("UPDATE student_state SET status = 'recorded', ikd_activated = true"))
            conn.execute(text("UPDATE student SET deleted = false"))
            conn.execute(text("UPDATE event SET state = 'accepted'"))
        assert_tallies_exact(engine)
    finally:
        engine.dispose()
        if schema:
            drop_schema(schema)


def test_tallies_follow_walk_ins_corrections_and_undone_voids(
    client: TestClient, world: World
) -> None:
    """A walk-in, a correction moving it to another school, a void of an IKD
    activation, and a void undone by voiding the void: every count stays exact."""
    lap = Laptop()
    assert enroll(client, world.code(), lap).status_code == 200
    a = world.students[SCHOOL_A]
    walk_in = lap.write("student_added", "WALKIN0001", {"name": "WALK IN", "school_npsn": SCHOOL_A})
    rec = lap.write("recorded", "WALKIN0001")
    ikd = lap.write("ikd_activated", a[0])
    first = [walk_in, rec, lap.write("recorded", a[0]), ikd, lap.write("absent", a[1])]
    r = push(client, lap, first)
    assert set(statuses(r.json())) == {"accepted"}
    assert_tallies_exact(world.engine)
    moved = lap.write("details_corrected", "WALKIN0001", {"changes": {"school_npsn": SCHOOL_B}})
    void_ikd = lap.write("voided", a[0], {"target_event_id": ikd.event_id, "reason": "salah"})
    void_absent = lap.write("voided", a[1], {"target_event_id": first[4].event_id, "reason": "x"})
    r = push(client, lap, [moved, void_ikd, void_absent])
    assert set(statuses(r.json())) == {"accepted"}
    assert_tallies_exact(world.engine)
    undo = lap.write("voided", a[1], {"target_event_id": void_absent.event_id, "reason": "batal"})
    r = push(client, lap, [undo])
    assert statuses(r.json()) == ["accepted"]
    assert_tallies_exact(world.engine)
    with world.engine.connect() as conn:
        school_of_walk_in = conn.execute(
            text("SELECT school_npsn FROM student_state WHERE student_id = 'WALKIN0001'")
        ).scalar()
    assert school_of_walk_in == SCHOOL_B
