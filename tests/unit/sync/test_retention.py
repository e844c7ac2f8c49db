"""Retention: personal data of a school purged once acknowledged and expired."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.repositories import school_counts, search_students
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
