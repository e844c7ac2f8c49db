"""The campaign CSV written by PostgreSQL (COPY, office/exports.copy_csv) is the same,
byte for byte, as the one formatted in Python (csv_stream, the SQLite path): labels,
local times in each zone, corrections over the roster, walk-ins, formula guards and
quoting, for the campaign, a team and a school."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ktpe_server.office.exports import Scope, _Counter, copy_csv, csv_stream, student_rows

from .conftest import SCHOOL_A, SCHOOL_B, World
from .helpers import Laptop, enroll, push, statuses

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend() -> str:
    return "postgres"


def test_copy_csv_equals_the_python_csv(client: TestClient, world: World) -> None:
    a, b = world.students[SCHOOL_A], world.students[SCHOOL_B]
    with world.engine.begin() as conn:  # names a spreadsheet or a CSV reader trips on
        for sid, name in (
            (a[0], '=HYPERLINK("x")'),
            (a[1], 'SITI; NUR "ANI"'),
            (a[2], "-BUDI"),
            (b[0], "ANDI\nBARIS DUA"),
            (b[1], "@RINA"),
        ):
            conn.execute(text("UPDATE student SET name = :n WHERE id = :i"), {"n": name, "i": sid})
        conn.execute(text("UPDATE student SET class_name = NULL, birth_place = '' WHERE id = :i"),
                     {"i": a[3]})  # fmt: skip
    lap = Laptop()
    assert enroll(client, world.code(), lap).status_code == 200
    walk_in = "W000000001"
    events = [
        lap.write("recorded", a[0]),
        lap.write("ikd_activated", a[0]),
        lap.write("absent", a[1]),
        lap.write("failed", b[0], {"reason": "siak_offline"}),
        lap.write("details_corrected", a[2], {"changes": {"name": "+ANTON", "nik": "3573010101010001"}}),
        lap.write("recorded", a[2]),
        lap.write(
            "student_added",
            walk_in,
            {"school_npsn": SCHOOL_A, "name": "SISWA BARU; \"W\"", "nisn": "0081234567",
             "sex": "P", "class_name": "XII-1", "birth_date": "2007-02-03"},
        ),
        lap.write("recorded", walk_in),
    ]  # fmt: skip
    r = push(client, lap, events)
    assert set(statuses(r.json())) == {"accepted"}, r.json()
    with world.engine.connect() as conn:
        team_id = str(conn.execute(text("SELECT min(id) FROM team")).scalar())
    for scope in (Scope("campaign"), Scope("team", team_id), Scope("school", SCHOOL_A)):
        for zone in ("WIB", "WITA", "WIT"):
            counter = _Counter()
            by_db = b"".join(copy_csv(world.engine, scope, zone, counter))
            by_python = b"".join(csv_stream(student_rows(world.engine, scope, zone)))
            assert by_db == by_python, (scope, zone)
            assert counter.rows == by_db.count(b"\n") - 1 - (b"BARIS DUA" in by_db)
    text_ = b"".join(copy_csv(world.engine, Scope("campaign"), "WIB")).decode("utf-8-sig")
    assert "'=HYPERLINK" in text_ and "'+ANTON" in text_ and "SISWA BARU" in text_
