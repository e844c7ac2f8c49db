"""The student row shows the roster's values overlaid with the fold's details (D12).

A laptop keeps each student's roster values (``student.roster_details``) beside the
row, so that undoing a correction brings the roster's value back, and the row a
laptop shows depends on the set of events and the roster only, not on the order in
which they arrived.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ktpe_desktop.core.events import DETAIL_FIELDS, Event, EventKind, make_event
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync.retention import purge_school
from ktpe_desktop.sync.roster_pull import apply_roster_page
from tests.conftest import LEAD, PASSWORD, Factory

SCHOOL = "20539901"
ROSTER: dict[str, Any] = {
    "school_npsn": SCHOOL,
    "name": "RINA MARLINA",
    "nisn": "0071234567",
    "nik": "3573024708070001",
    "kk": "3573020101070001",
    "sex": "P",
    "birth_place": "MALANG",
    "birth_date": "2007-08-07",
    "class_name": "XII IPA 1",
    "mother_name": "SITI AMINAH",
    "nipd": "1234",
}
FIRST = {"name": "RINA MARLINAWATI", "nik": "3573024708070002"}
SECOND = {"class_name": "XII IPS 3", "mother_name": "SITI AMINAH BINTI ALI"}

ROW_SQL = f"SELECT {', '.join(DETAIL_FIELDS)}, search_key FROM student WHERE id = ?"


def displayed(store: Store, sid: str) -> tuple[Any, ...] | None:
    """The stored text of the row's detail fields and its name key."""
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(ROW_SQL, (sid,)).one_or_none()
    return None if row is None else tuple(row)


def expected_row(values: dict[str, Any]) -> tuple[Any, ...]:
    from ktpe_desktop.core.namekeys import name_key

    return (*(values.get(k) for k in DETAIL_FIELDS), name_key(values["name"]))


def found_by_name(store: Store, query: str) -> set[str]:
    with store.session() as s:
        return {r.id for r in repo.search_students(s, SCHOOL, query)}


def roster_page(sid: str, **changes: Any) -> dict[str, Any]:
    return {"students": [{"id": sid, **ROSTER, **changes}]}


def load_roster(store: Store, sid: str, **changes: Any) -> None:
    with store.transaction() as s:
        apply_roster_page(s, roster_page(sid, **changes), team="tim-1")


def other_laptop_events(sid: str, n: int) -> dict[str, Event]:
    """correction 1, its undo and correction 2, written in that order on laptop ``n``."""
    device = f"0d0d0d0d-0000-4000-8000-{n:012d}"
    wall_ms = 1_732_680_000_000 + n * 10
    out: dict[str, Event] = {}
    prev = "0" * 64
    specs: list[tuple[str, EventKind, dict[str, Any]]] = [
        ("correction", EventKind.DETAILS_CORRECTED, {"changes": FIRST}),
        ("void", EventKind.VOIDED, {}),
        ("second correction", EventKind.DETAILS_CORRECTED, {"changes": SECOND}),
    ]
    for seq, (step, kind, payload) in enumerate(specs, start=1):
        if kind == EventKind.VOIDED:
            payload = {"target_event_id": out["correction"].event_id, "reason": "salah ketik"}
        ev = make_event(
            device_id=device,
            seq=seq,
            prev_hash=prev,
            hlc=Hlc(wall_ms + seq, 0),
            kind=kind,
            student_id=sid,
            operator="op-lain",
            occurred_at=datetime(2024, 11, 27, 2, 0, seq, tzinfo=UTC),
            payload=payload,
        )
        out[step] = ev
        prev = ev.hash
    return out


@pytest.fixture
def school(store: Store, factory: Factory) -> str:
    return factory.school(SCHOOL)


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[Store]:
    """A second, fresh laptop."""
    s = Store.create(tmp_path / "replica", LEAD, PASSWORD)
    try:
        with s.transaction() as ss:
            ss.add(m.School(npsn=SCHOOL, name="SMA UJI"))
        yield s
    finally:
        s.close()


def test_undoing_a_correction_brings_the_roster_value_back(store: Store, school: str) -> None:
    sid = "s-rina"
    load_roster(store, sid)
    service = RecordingService(store)
    correction = service.correct_details(sid, FIRST, "op")
    assert displayed(store, sid) == expected_row({**ROSTER, **FIRST})
    assert found_by_name(store, "marlinawati") == {sid}
    service.void(correction.event_id, "salah ketik", "op")
    assert displayed(store, sid) == expected_row(ROSTER)
    assert found_by_name(store, "marlinawati") == set()  # the FTS index followed
    assert found_by_name(store, "rina marlina") == {sid}
    # An ordinary check-off afterwards changes nothing (hot path).
    service.record_outcome(sid, "recorded", "op")
    assert displayed(store, sid) == expected_row(ROSTER)


def test_undo_of_one_field_keeps_a_later_correction(store: Store, school: str) -> None:
    sid = "s-rina"
    load_roster(store, sid)
    service = RecordingService(store)
    first = service.correct_details(sid, FIRST, "op")
    service.correct_details(sid, {"name": "RINA M."}, "op")
    service.void(first.event_id, "salah", "op")
    assert displayed(store, sid) == expected_row({**ROSTER, "name": "RINA M."})


def test_roster_resend_keeps_local_corrections_and_updates_the_base(
    store: Store, school: str
) -> None:
    sid = "s-rina"
    load_roster(store, sid)
    service = RecordingService(store)
    correction = service.correct_details(sid, FIRST, "op")
    load_roster(store, sid, name="RINA MARLINA S", kk="3573020101070009")
    # local work wins for the corrected fields; the rest follows the roster
    assert displayed(store, sid) == expected_row({**ROSTER, **FIRST, "kk": "3573020101070009"})
    with store.session() as s:
        student = s.get(m.Student, sid)
        assert student is not None and student.roster_details is not None
        assert student.roster_details["name"] == "RINA MARLINA S"
    service.void(correction.event_id, "salah", "op")
    assert displayed(store, sid) == expected_row(
        {**ROSTER, "name": "RINA MARLINA S", "kk": "3573020101070009"}
    )


def test_walk_in_keeps_its_added_values_when_a_correction_is_undone(
    store: Store, school: str
) -> None:
    service = RecordingService(store)
    walk_in = service.add_walk_in(
        {"school_npsn": SCHOOL, "name": "ANDI WIJAYA", "sex": "L", "nisn": "0071234568"}, "op"
    )
    correction = service.correct_details(
        walk_in, {"name": "ANDI WIJAYA K", "nik": FIRST["nik"]}, "op"
    )
    service.void(correction.event_id, "salah", "op")
    row = displayed(store, walk_in)
    assert row is not None
    values = dict(zip(DETAIL_FIELDS, row[:-1], strict=True))
    assert values["name"] == "ANDI WIJAYA" and values["nik"] is None
    assert values["nisn"] == "0071234568" and values["sex"] == "L"
    assert values["class_name"] == ""


def test_an_existing_database_takes_the_row_as_its_base_once(store: Store, school: str) -> None:
    """roster_details NULL (rows from before migration 0002): the row values are the base."""
    sid = "s-rina"
    load_roster(store, sid)
    with store.transaction() as s:
        s.execute(text("UPDATE student SET roster_details = NULL"))
    service = RecordingService(store)
    correction = service.correct_details(sid, FIRST, "op")
    with store.session() as s:
        student = s.get(m.Student, sid)
        assert student is not None
        assert student.roster_details == ledger.roster_values(ROSTER)  # written lazily
    service.void(correction.event_id, "salah", "op")
    assert displayed(store, sid) == expected_row(ROSTER)


def test_purge_forgets_the_roster_values(store: Store, school: str) -> None:
    sid = "s-rina"
    load_roster(store, sid)
    RecordingService(store).correct_details(sid, FIRST, "op")
    purge_school(store, SCHOOL)
    with store.session() as s:
        student = s.get(m.Student, sid)
        assert student is not None and student.roster_details is None and student.name == ""


def test_bulk_insert_keeps_the_roster_values(store: Store, school: str) -> None:
    row = {"id": "s-bulk", **ROSTER, "birth_date": date(2007, 8, 7)}
    with store.transaction() as s:
        repo.bulk_insert_students(s, [row])
    service = RecordingService(store)
    correction = service.correct_details("s-bulk", FIRST, "op")
    with store.session() as s:
        student = s.get(m.Student, "s-bulk")
        assert student is not None and student.roster_details == ledger.roster_values(ROSTER)
    service.void(correction.event_id, "salah", "op")
    assert displayed(store, "s-bulk") == expected_row(ROSTER)


STEPS = ("roster", "correction", "void", "second correction")


def test_any_arrival_order_shows_what_a_fresh_replica_shows(
    store: Store, school: str, replica: Store
) -> None:
    """Roster page and another laptop's correction, undo, second correction in any order."""
    service = RecordingService(store)
    fresh = RecordingService(replica)
    counter = [0]
    expected = expected_row({**ROSTER, **SECOND})

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.permutations(STEPS), st.lists(st.booleans(), min_size=4, max_size=4))
    def run(order: list[str], batched: list[bool]) -> None:
        counter[0] += 1
        sid = f"s-perm-{counter[0]}"
        events = other_laptop_events(sid, counter[0])
        pending: list[Event] = []

        def flush() -> None:
            if pending:
                with store.transaction() as s:
                    service.apply_remote_events(s, list(pending))
                pending.clear()

        for step, together in zip(order, batched, strict=True):
            if step == "roster":
                flush()
                load_roster(store, sid)
            else:
                pending.append(events[step])
                if not together:
                    flush()
            # an ordinary local check-off in between (hot path) must not disturb the row
            if step == "roster" or displayed(store, sid) is not None:
                service.record_outcome(sid, "absent", "op")
        flush()
        # the fresh replica: roster first, then every event in one batch
        load_roster(replica, sid)
        with replica.transaction() as s:
            fresh.apply_remote_events(s, list(events.values()))
        assert displayed(store, sid) == displayed(replica, sid) == expected

    run()


def test_local_writes_and_a_replica_receiving_them_in_any_order_agree(
    store: Store, school: str, replica: Store
) -> None:
    """This laptop corrects, undoes and corrects again (hot path); a replica gets them shuffled."""
    service = RecordingService(store)
    fresh = RecordingService(replica)
    counter = [0]
    expected = expected_row({**ROSTER, **SECOND})

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.integers(1, 3), st.permutations(STEPS))
    def run(resend_at: int, order: list[str]) -> None:
        counter[0] += 1
        sid = f"s-local-{counter[0]}"
        load_roster(store, sid)
        written: dict[str, str] = {}
        for i, step in enumerate(STEPS[1:], start=1):
            if i == resend_at:
                load_roster(store, sid)  # the roster sends the student again meanwhile
            if step == "correction":
                written[step] = service.correct_details(sid, FIRST, "op").event_id
            elif step == "void":
                written[step] = service.void(written["correction"], "salah", "op").event_id
            else:
                written[step] = service.correct_details(sid, SECOND, "op").event_id
        assert displayed(store, sid) == expected
        with store.session() as s:
            held = {ev.event_id: ev for ev in ledger.student_events(s, sid)}
        for step in order:
            if step == "roster":
                load_roster(replica, sid)
            else:
                with replica.transaction() as s:
                    fresh.apply_remote_events(s, [held[written[step]]])
        assert displayed(replica, sid) == expected

    run()
