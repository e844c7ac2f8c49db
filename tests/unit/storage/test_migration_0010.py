"""Migration 0010 (issue 18): ``event.school_npsn``'s index is dropped; a school's events
are found through its students and ``event_school`` (the pairs of students no longer, or
never, in the school's roster), kept by triggers. The per-school queries must find
exactly the events filed under the school, as the index did."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ktpe_desktop.reports import data as report_data
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import store as store_mod
from ktpe_desktop.storage.repositories import school_event_students
from ktpe_desktop.storage.store import Store, list_backups
from ktpe_desktop.sync.retention import purge_school
from tests.conftest import LEAD, PASSWORD, Factory
from tests.unit.storage.old_schema import indexes, store_at


def _pairs(store: Store) -> set[tuple[str, str]]:
    with store.session() as s:
        return {
            (a, b)
            for a, b in s.execute(select(m.EventSchool.school_npsn, m.EventSchool.student_id))
        }


def _filed_under(store: Store, npsn: str) -> tuple[set[str], set[str]]:
    """The events filed under ``npsn``: by a scan of ``event``, and as the queries find them."""
    with store.session() as s:
        scanned = set(
            s.scalars(
                text("SELECT event_id FROM event NOT INDEXED WHERE school_npsn = :n"), {"n": npsn}
            )
        )
        found = set(
            s.scalars(
                select(m.EventRow.event_id).where(
                    m.EventRow.student_id.in_(school_event_students([npsn])),
                    m.EventRow.school_npsn == npsn,
                )
            )
        )
    return scanned, found


def _move(store: Store, student_id: str, npsn: str) -> None:
    RecordingService(store).correct_details(student_id, {"school_npsn": npsn}, "op")


def test_a_0009_store_upgrades_with_the_pairs_of_its_moved_students(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = store_at("0009", data_dir, tmp_path, monkeypatch)
    assert "ix_event_school_npsn" in indexes(s, "event")
    factory = Factory(s)
    a, b = factory.school(), factory.school()
    stay, moved = factory.student(a), factory.student(a)
    service = RecordingService(s)
    service.record_outcome(stay, "recorded", "op")
    service.record_outcome(moved, "absent", "op")
    _move(s, moved, b)  # its outcome stays filed under a
    s.close()
    monkeypatch.undo()

    s = Store.open(data_dir, LEAD, PASSWORD)
    try:
        assert s.schema_revision() == store_mod.schema_head()
        assert [bk.reason for bk in list_backups(s.data_dir)] == ["pre-migrate-0009"]
        assert "ix_event_school_npsn" not in indexes(s, "event")
        assert _pairs(s) == {(a, moved)}
        for npsn, held in ((a, True), (b, False)):
            scanned, found = _filed_under(s, npsn)
            assert found == scanned and bool(scanned) is held
        with s.engine.connect() as conn:
            triggers = {
                str(r[0])
                for r in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                )
            }
        assert {
            "event_school_ai",
            "event_school_au",
            "student_school_au",
            "student_school_ad",
        } <= triggers
        # A check-off of a roster student at its own school adds no pair.
        RecordingService(s).record_outcome(stay, "recorded", "op2")
        assert _pairs(s) == {(a, moved)}
    finally:
        s.close()


def test_every_event_filed_under_a_school_is_found_through_its_students(
    store: Store, factory: Factory
) -> None:
    a, b, c = factory.school(), factory.school(), factory.school()
    ids = [factory.student(a) for _ in range(4)] + [factory.student(b) for _ in range(2)]
    service = RecordingService(store)
    for sid in ids:
        service.record_outcome(sid, "recorded", "op")
    assert _pairs(store) == set()  # roster students at their own schools: nothing kept
    _move(store, ids[0], b)  # a -> b: its events under a stay there
    service.record_outcome(ids[0], "absent", "op")  # filed under b now
    _move(store, ids[0], c)  # b -> c
    _move(store, ids[4], a)  # b -> a
    with store.transaction() as s:
        # An event received for a student this laptop has no row of (filed under c),
        # and a student row deleted outright (its events stay filed under b).
        s.execute(
            text(
                "INSERT INTO event (event_id, device_id, seq, hlc, prev_hash, hash, kind, "
                "student_id, school_npsn, operator, occurred_at, payload, origin, received_at) "
                "VALUES ('e-x', 'dev-x', 1, '000001732680000123-00000', '', 'h', 'recorded', "
                "'nobody', :c, 'op', '2026-12-06T09:00:00.000000+00:00', '{}', 'remote', "
                "'2026-12-06T09:00:00.000000+00:00')"
            ),
            {"c": c},
        )
        s.execute(text("DELETE FROM student_state WHERE student_id = :i"), {"i": ids[5]})
        s.execute(text("DELETE FROM student WHERE id = :i"), {"i": ids[5]})
    assert _pairs(store) == {(a, ids[0]), (b, ids[0]), (b, ids[4]), (c, "nobody"), (b, ids[5])}
    for npsn in (a, b, c):
        scanned, found = _filed_under(store, npsn)
        assert scanned and found == scanned, npsn


def test_the_papers_and_the_purge_count_a_moved_students_events(
    store: Store, factory: Factory
) -> None:
    a, b = factory.school(), factory.school()
    moved = factory.student(a, nik="3573024708070001")
    service = RecordingService(store)
    saved = service.record_outcome(moved, "recorded", "op")
    service.correct_details(moved, {"nik": "3573024708070002"}, "op")  # personal data, under a
    _move(store, moved, b)
    today = datetime.now(UTC).date() + timedelta(days=1)
    with store.session() as s:
        visit = report_data.school_visit(s, a, today)
        assert visit.days and isinstance(visit.days[0].day, date)
        assert [mbr.name for mbr in report_data.visit_team(s, a, visit)] == ["op"]
        status = report_data.sync_status(s, [a])
        assert status.local_events == 3 and status.unacknowledged == 3  # outcome, 2 fixes
        assert report_data.sync_status(s, [b]).local_events == 0
    result = purge_school(store, a)
    assert result.events_scrubbed >= 1
    with store.session() as s:
        corrections = s.scalars(
            select(m.EventRow).where(
                m.EventRow.student_id == moved, m.EventRow.kind == "details_corrected"
            )
        ).all()
        filed_under_a = [ev for ev in corrections if ev.school_npsn == a]
        assert filed_under_a
        for ev in filed_under_a:
            assert ev.payload["changes"].get("nik") is None  # scrubbed with school a
    assert saved.seq == 1


def _trigger_sql(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'event_school_ai'"
        ).scalar()


def test_the_model_knows_the_trigger_the_migration_made(store: Store) -> None:
    from importlib import import_module

    migration = import_module("ktpe_desktop.storage.migrations.versions.0010_event_school")
    assert migration.TRIGGERS[0] == m.EVENT_SCHOOL_INSERT_TRIGGER == _trigger_sql(store)


@pytest.mark.parametrize("at_school", [False, True])
def test_a_large_batch_adds_the_same_pairs_and_keeps_the_trigger(
    store: Store, factory: Factory, at_school: bool
) -> None:
    from ktpe_desktop.storage import ledger

    a, b = factory.school(), factory.school()
    roster = [factory.student(a) for _ in range(3)]
    n = ledger._BULK_PAIRS_MIN
    # Students of the roster at their school, and (unless the caller vouches for the
    # batch) students with no row yet, filed under b.
    targets = [(sid, a) for sid in roster] + (
        [] if at_school else [(f"w-{i}", b) for i in range(n)]
    )
    targets += [(roster[i % 3], a) for i in range(n - len(targets) + 3)]
    drafts = [ledger.Draft("recorded", sid, "op", {}, npsn) for sid, npsn in targets]
    with store.transaction() as s:
        ledger.append_local(
            s, drafts, device_id=store.device_id, clock=store.clock, students_at_school=at_school
        )
    assert _trigger_sql(store) == m.EVENT_SCHOOL_INSERT_TRIGGER
    expected = set() if at_school else {(b, f"w-{i}") for i in range(n)}
    assert _pairs(store) == expected
    for npsn in (a, b):
        scanned, found = _filed_under(store, npsn)
        assert found == scanned
    # A batch that fails half-way leaves the trigger (the transaction rolls back).
    with pytest.raises(RuntimeError), store.transaction() as s:
        ledger.append_local(s, drafts[:n], device_id=store.device_id, clock=store.clock)
        raise RuntimeError("power cut")
    assert _trigger_sql(store) == m.EVENT_SCHOOL_INSERT_TRIGGER
    RecordingService(store).record_outcome(roster[0], "absent", "op")  # the writer still works
