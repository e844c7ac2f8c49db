"""The report data against the database, counted independently in SQL."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from ktpe_desktop.core.events import Status
from ktpe_desktop.reports import data as rdata
from ktpe_desktop.services.report_service import ReportService
from ktpe_desktop.storage import models as m
from ktpe_desktop.sync.state import LAST_RECEIPT
from tests.unit.reports.conftest import PRINT_TIME


def busiest_school(store: Any) -> str:
    with store.session() as s:
        return str(
            s.execute(
                select(m.StudentState.school_npsn, func.count())
                .where(m.StudentState.status != Status.PENDING)
                .group_by(m.StudentState.school_npsn)
                .order_by(func.count().desc(), m.StudentState.school_npsn)
            ).first()[0]
        )


def sql_counts(store: Any, npsn: str) -> Counter[tuple[str, str]]:
    with store.session() as s:
        rows = s.execute(
            select(m.StudentState.status, m.Student.sex, func.count())
            .join(m.Student, m.Student.id == m.StudentState.student_id)
            .where(m.Student.school_npsn == npsn, m.Student.deleted.is_(False))
            .group_by(m.StudentState.status, m.Student.sex)
        ).all()
    return Counter({(str(status), sex or ""): n for status, sex, n in rows})


def test_school_counts_match_the_database(demo_store: Any) -> None:
    npsn = busiest_school(demo_store)
    report = ReportService(demo_store, now=lambda: PRINT_TIME).school_report(npsn)
    expected = sql_counts(demo_store, npsn)
    for row in report.outcomes:
        assert row.count.male == expected[(row.status.value, "L")], row
        assert row.count.female == expected[(row.status.value, "P")], row
        assert row.count.total == sum(v for (st, _), v in expected.items() if st == row.status)
    assert report.roster.total == sum(expected.values())
    with demo_store.session() as s:
        ikd = s.scalar(
            select(func.count())
            .select_from(m.StudentState)
            .join(m.Student, m.Student.id == m.StudentState.student_id)
            .where(m.Student.school_npsn == npsn, m.StudentState.ikd_activated.is_(True))
        )
        school = s.get(m.School, npsn)
        classes = dict(
            s.execute(
                select(m.Student.class_name, func.count())
                .where(m.Student.school_npsn == npsn)
                .group_by(m.Student.class_name)
            ).all()
        )
    assert report.ikd.total == ikd
    assert report.school.target == school.target
    assert {c.class_name: c.total for c in report.classes} == classes
    assert (
        sum(c.count(Status.RECORDED) for c in report.classes)
        == report.outcome(Status.RECORDED).total
    )
    done = report.outcome(Status.RECORDED).total + report.outcome(Status.ALREADY_RECORDED).total
    assert len(report.follow_up) == report.roster.total - done
    assert report.achieved == done
    assert all(f.status not in (Status.RECORDED, Status.ALREADY_RECORDED) for f in report.follow_up)


def test_opening_words_number_and_signatures(demo_store: Any) -> None:
    npsn = busiest_school(demo_store)
    report = ReportService(demo_store, now=lambda: PRINT_TIME).school_report(npsn)
    assert report.report_date == date(2024, 11, 27)
    assert report.printed_at.strftime("%H:%M") == "14:30"
    assert report.number.startswith("474/BA-")
    assert report.number.endswith(f"/{npsn}/35.73/XI/2024")
    assert report.place == "Malang"
    assert report.letterhead.office_name.startswith("Dinas Kependudukan")
    assert report.petugas.name == "Drs. Ahmad Sutrisno"
    assert report.kepala_sekolah.name == "" and report.kepala_sekolah.nip == ""


def test_unknown_school_is_a_known_error(store: Any) -> None:
    with pytest.raises(rdata.SchoolNotFound):
        ReportService(store).school_report("99999999")


def test_purged_school_has_no_report(store: Any, factory: Any) -> None:
    npsn = factory.school()
    with store.transaction() as s:
        s.get(m.School, npsn).purged_at = datetime.now(UTC)
    with pytest.raises(rdata.SchoolPurged):
        ReportService(store).school_report(npsn)


def test_unsynced_events_say_belum_tersinkron(store: Any, factory: Any) -> None:
    npsn = factory.school()
    sid = factory.student(npsn)
    factory.outcome(sid, "recorded")
    sync = ReportService(store).school_report(npsn).sync
    assert not sync.synced
    assert sync.unacknowledged == 1
    assert sync.text().startswith("BELUM TERSINKRON")


def test_acknowledged_events_print_the_receipt(store: Any, factory: Any) -> None:
    npsn = factory.school()
    factory.outcome(factory.student(npsn), "recorded")
    factory.outcome(factory.student(npsn), "absent")
    with store.transaction() as s:
        for row in s.scalars(select(m.Outbox)):
            row.status = m.OutboxStatus.ACKED
        head = s.scalars(select(m.Device)).one().head_hash
        s.add(
            m.SyncState(
                key=LAST_RECEIPT,
                value=json.dumps(
                    {
                        "contiguous_seq": 2,
                        "head_hash": head,
                        "local_hash_at_seq": head,
                        "fetched_at": "2024-11-27T09:00:00+00:00",
                        "counts": {},
                    }
                ),
                updated_at=datetime.now(UTC),
            )
        )
    sync = ReportService(store).school_report(npsn).sync
    assert sync.synced
    assert (
        sync.text()
        == f"Tersinkron: server menerima catatan perangkat s.d. seq 2, rantai {head[:12]}"
    )


def test_a_receipt_whose_chain_differs_is_not_synced() -> None:
    receipt = rdata.parse_receipt(
        json.dumps({"contiguous_seq": 5, "head_hash": "a" * 64, "local_hash_at_seq": "b" * 64})
    )
    assert receipt is not None and not receipt.chain_matches
    status = rdata.AckStatus("dev", 5, 0, receipt)
    assert not status.synced
    assert "BELUM TERSINKRON" in status.text()
    assert rdata.parse_receipt("not json") is None
    assert rdata.parse_receipt(json.dumps({"head_hash": "x"})) is None


def test_a_visit_keeps_its_number_and_a_print_without_one_moves_the_counter(
    store: Any, factory: Any
) -> None:
    npsn = factory.school()
    factory.student(npsn)
    service = ReportService(store, now=lambda: PRINT_TIME)
    report = service.school_report(npsn)
    assert "/BA-01/" in report.number and not report.is_copy
    service.record_print(
        rdata.berita_acara_subject(npsn),
        document="berita_acara",
        number=report.number,
        pages=2,
        paper="A4",
        output="printer",
        report=report,
    )
    again = service.school_report(npsn)
    assert again.number == report.number and again.is_copy  # the same visit: a Salinan
    # Prints made before numbers were kept per visit still count for the next visit.
    with store.transaction() as s:
        s.execute(m.DocumentNumber.__table__.delete())
    assert "/BA-02/" in service.school_report(npsn).number


def test_daily_report_rows_and_totals(store: Any, factory: Any) -> None:
    a = factory.school(name="SMAN 11", visit_date=date(2024, 11, 27), target=3)
    b = factory.school(name="SMA BETA", target=5)
    factory.school(name="SMA GAMMA", visit_date=date(2024, 11, 28))
    s1, s2 = factory.student(a, sex="L"), factory.student(a, sex="P")
    factory.student(b)
    factory.outcome(s1, "recorded")
    factory.outcome(s2, "failed", reason="no_kk")
    report = ReportService(store, now=lambda: PRINT_TIME).daily_report(date(2024, 11, 27))
    # Scheduled that day: ALFA. BETA is not (nothing recorded there), GAMMA is another day.
    assert [r.name for r in report.rows] == ["SMA Negeri 11 Malang"]
    row = report.rows[0]
    assert (row.roster, row.count(Status.RECORDED), row.count(Status.FAILED)) == (2, 1, 1)
    assert report.totals.roster == 2 and report.totals.target == 3
    today = rdata.local_now().date()
    live = ReportService(store).daily_report(today)
    assert "SMA Negeri 11 Malang" in [r.name for r in live.rows]  # worked today (events of today)
    assert live.totals.decided_today == 2


def test_class_names_sort_naturally() -> None:
    names = ["XII IPA 10", "XII IPA 2", "", "XII IPA 1", "XII IPS 1"]
    assert sorted(names, key=rdata.class_sort_key) == [
        "XII IPA 1",
        "XII IPA 2",
        "XII IPA 10",
        "XII IPS 1",
        "",
    ]
