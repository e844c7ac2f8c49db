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


def test_the_local_time_is_to_char_s_text_at_any_instant(world: World) -> None:
    """The export writes a decision's local time from a timestamp's own text when it
    falls in 1970-9999 (cheaper) and by to_char elsewhere: to_char's text at every
    instant, in every zone, on both sides of each bound."""
    from ktpe_server.office.exports import _FAST_MS_FIRST, _FAST_MS_LAST, _pg_state_columns

    instants = [
        0, 1, 59_999, 60_000, _FAST_MS_FIRST - 1, _FAST_MS_FIRST, 1_732_000_000_123,
        1_767_225_599_999, _FAST_MS_LAST, _FAST_MS_LAST + 1, 253_402_300_800_000,
        300_000_000_000_123, -1, -60_001, -62_135_596_800_000,
    ]  # fmt: skip
    rows = ", ".join(f"({ms}::bigint)" for ms in instants)
    with world.engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL DateStyle = 'ISO'")
        for zone, offset in (("WIB", 420), ("WITA", 480), ("WIT", 540)):
            written = _pg_state_columns(zone)[3]
            by_to_char = (
                "to_char(to_timestamp((st.decided_ms / 60000) * 60) AT TIME ZONE 'UTC'"
                f" + make_interval(mins => {offset}), 'YYYY-MM-DD HH24:MI') || ' {zone}'"
            )
            got = conn.exec_driver_sql(
                f"SELECT st.decided_ms, {written}, {by_to_char} FROM (VALUES {rows}) AS st(decided_ms)"
            ).all()
            assert len(got) == len(instants)
            for ms, text_written, text_expected in got:
                assert text_written == text_expected, (zone, ms)
