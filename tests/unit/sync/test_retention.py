"""Retention: personal data of a school purged once acknowledged and expired."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.repositories import (
    bulk_insert_students,
    school_counts,
    search_students,
)
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.relay import CENTRAL_HEADS
from tests.unit.sync.conftest import SCHOOL, STUDENTS, write

VISIT = date(2024, 11, 4)


def _set_visit(service: SyncService, retention_days: int | None = None) -> None:
    with service.store.transaction() as s:
        s.add(m.Assignment(team_id="1", school_npsn=SCHOOL, visit_date=VISIT))
        if retention_days is not None:
            s.add(
                m.Campaign(
                    id="c",
                    name="Pilkada",
                    reference_date=date(2024, 11, 27),
                    retention_days=retention_days,
                )
            )


@pytest.fixture(autouse=True)
def _today_is_visit_day(service: SyncService) -> None:
    # Rounds purge what is due "today"; pin today to the visit so that each test
    # decides when time passes.
    service._today = lambda: VISIT


def test_not_purged_before_the_retention_period(
    service: SyncService, recording: RecordingService
) -> None:
    _set_visit(service)
    write(recording, 3)
    assert service.run_round().all_acknowledged
    assert service.purge_expired(today=VISIT + timedelta(days=13)) == []
    due = {r.npsn: r for r in service.retention_status(today=VISIT)}[SCHOOL]
    assert due.purge_due == VISIT + timedelta(days=14)  # the default


def test_not_purged_while_an_event_is_unacknowledged(
    service: SyncService, recording: RecordingService
) -> None:
    _set_visit(service)
    write(recording, 3)
    assert service.purge_expired(today=VISIT + timedelta(days=60)) == []
    service.run_round()
    assert [p.npsn for p in service.purge_expired(today=VISIT + timedelta(days=60))] == [SCHOOL]


def test_a_good_round_purges_what_is_due(service: SyncService, recording: RecordingService) -> None:
    _set_visit(service)
    write(recording, 3)
    service._today = lambda: VISIT + timedelta(days=14)
    assert service.run_round().all_acknowledged
    status = {r.npsn: r for r in service.retention_status()}[SCHOOL]
    assert status.unacknowledged == 0 and status.purged_at is not None


def test_purge_blanks_personal_data_and_keeps_counts(
    service: SyncService, recording: RecordingService
) -> None:
    _set_visit(service, retention_days=7)
    recording.record_outcome(STUDENTS[0], "recorded", "petugas", note="NIK 3573012345678901")
    recording.correct_details(
        STUDENTS[1], {"name": "NAMA BARU", "nik": "3573014101070001"}, "koordinator"
    )
    recording.record_outcome(STUDENTS[2], "absent", "petugas")
    assert service.run_round().all_acknowledged
    with service.store.session() as s:
        before = school_counts(s, SCHOOL)
        assert search_students(s, SCHOOL, "SISWA")

    done = service.purge_expired(today=VISIT + timedelta(days=7))
    assert [(p.npsn, p.students) for p in done] == [(SCHOOL, len(STUDENTS))]

    with service.store.session() as s:
        for st in s.scalars(select(m.Student).where(m.Student.school_npsn == SCHOOL)):
            assert (st.nik, st.nisn, st.kk, st.name, st.birth_date, st.mother_name) == (
                None,
                None,
                None,
                "",
                None,
                None,
            )
            assert st.search_key == ""
        # The name index holds nothing of them any more.
        assert search_students(s, SCHOOL, "SISWA") == []
        assert search_students(s, None, "NAMA") == []
        hits = s.execute(text("SELECT count(*) FROM student_fts WHERE student_fts MATCH 'siswa'"))
        assert hits.scalar() == 0
        s.execute(text("INSERT INTO student_fts(student_fts) VALUES ('integrity-check')"))
        # Event payloads are scrubbed; the counts the reports need are kept.
        for ev in s.scalars(select(m.EventRow)):
            flat = str(ev.payload)
            assert "3573" not in flat and "NAMA BARU" not in flat
        after = school_counts(s, SCHOOL)
        assert after.by_status == before.by_status and after.by_sex == before.by_sex
        assert s.get(m.School, SCHOOL).purged_at is not None
        audit = s.scalars(select(m.AuditLog).where(m.AuditLog.action == m.AuditAction.PURGE)).all()
        assert [a.subject for a in audit] == [SCHOOL]
    # A second pass does nothing; a roster page does not bring the names back.
    assert service.purge_expired(today=VISIT + timedelta(days=30)) == []


TEAMMATE = "e" * 32  # a teammate's laptop whose events came through the school hub


def _from_the_hub(recording: RecordingService, student_ids: list[str]) -> list[str]:
    """The teammate's events for these students, received (as a hub pull stores them)."""
    from ktpe_desktop.core.events import GENESIS_HASH, make_event
    from ktpe_desktop.core.hlc import Hlc

    prev, out = GENESIS_HASH, []
    events = []
    for i, sid in enumerate(student_ids):
        ev = make_event(
            device_id=TEAMMATE,
            seq=i + 1,
            prev_hash=prev,
            hlc=Hlc(recording.clock.tick().wall_ms, 0),
            kind="absent",
            student_id=sid,
            operator="sari",
            occurred_at=datetime(2024, 11, 4, 8, i, tzinfo=UTC),
        )
        prev = ev.hash
        events.append(ev)
        out.append(ev.event_id)
    with recording.store.background_transaction() as txn:
        assert recording.apply_remote_events(txn, events).inserted == len(events)
    return out


def _central_holds(service: SyncService, seq: int) -> None:
    """The central server's receipt for the teammate's chain up to ``seq`` (as the
    hub hands receipts down, or a central pull shows)."""
    with service.store.transaction() as s:
        keys.put_json(s, CENTRAL_HEADS, {TEAMMATE: seq})


def test_teammates_events_from_the_hub_wait_for_their_central_receipt(
    service: SyncService, recording: RecordingService
) -> None:
    """This laptop may be the one that carries a teammate's events to the office: a
    purge (which scrubs them, so no relay could carry them any more) waits until the
    central server holds them."""
    _set_visit(service)
    write(recording, 2)
    _from_the_hub(recording, [STUDENTS[3], STUDENTS[4]])
    assert service.run_round().all_acknowledged  # this laptop's own events: acknowledged
    later = VISIT + timedelta(days=60)
    assert service.purge_expired(today=later) == []
    status = {r.npsn: r for r in service.retention_status(today=later)}[SCHOOL]
    assert status.unacknowledged == 2 and status.purged_at is None
    _central_holds(service, 1)
    assert service.purge_expired(today=later) == []  # one still on its way
    _central_holds(service, 2)
    assert [p.npsn for p in service.purge_expired(today=later)] == [SCHOOL]


def test_kept_segments_go_with_the_events_they_cover(
    service: SyncService, recording: RecordingService
) -> None:
    """The teammate's signed segments (kept to relay its events) are purged under the
    same rule as the events: once the school of every event they cover is purged
    and the central server holds them; a segment still needed stays."""
    other = "20533702"
    with service.store.transaction() as s:
        s.add(m.School(npsn=other, name="SMA NEGERI 2 MALANG"))
        s.flush()
        s.add(m.Assignment(team_id="1", school_npsn=other, visit_date=VISIT + timedelta(days=30)))
        bulk_insert_students(
            s, [{"id": "s-other", "school_npsn": other, "name": "SISWA LAIN", "class_name": "XII"}]
        )
    _set_visit(service)
    _from_the_hub(recording, [STUDENTS[0], STUDENTS[1], "s-other"])
    with service.store.transaction() as s:
        for first, last in ((1, 2), (3, 3)):
            s.add(m.ChainSegment(device_id=TEAMMATE, first_seq=first, last_seq=last, sig="x"))
    _central_holds(service, 3)
    later = VISIT + timedelta(days=20)  # the first school is due, the other not yet
    assert [p.npsn for p in service.purge_expired(today=later)] == [SCHOOL]
    with service.store.session() as s:
        kept = s.execute(select(m.ChainSegment.first_seq, m.ChainSegment.last_seq)).all()
    assert [tuple(r) for r in kept] == [(3, 3)]  # the other school's event still relayable
    assert [p.npsn for p in service.purge_expired(today=VISIT + timedelta(days=60))] == [other]
    with service.store.session() as s:
        assert s.scalar(select(func.count()).select_from(m.ChainSegment)) == 0
