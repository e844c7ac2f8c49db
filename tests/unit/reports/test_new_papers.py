"""Daftar Hadir per Rombel and Rekapitulasi Tim, read back from the PDF (pypdf) and
compared with SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ktpe_desktop.core.events import Status
from ktpe_desktop.reports.class_list import TICK, TICK_COLUMNS
from ktpe_desktop.reports.labels import STATUS_ORDER
from ktpe_desktop.reports.words import format_angka
from ktpe_desktop.services.report_service import ReportService
from ktpe_desktop.storage import models as m
from tests.conftest import PASSWORD
from tests.unit.reports.conftest import PRINT_TIME, cli_beside, page_footer_ok, pdf_pages
from tests.unit.reports.test_data import busiest_school


def class_rows(store: Any, npsn: str) -> dict[str, list[tuple[str, str, str]]]:
    """class -> [(name, nisn, status)] from SQL."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    with store.session() as s:
        for klass, name, nisn, status in s.execute(
            select(m.Student.class_name, m.Student.name, m.Student.nisn, m.StudentState.status)
            .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
            .where(m.Student.school_npsn == npsn, m.Student.deleted.is_(False))
        ):
            out.setdefault(klass, []).append((name, nisn or "", str(status or "pending")))
    return out


def test_daftar_hadir_one_class_per_page_group_with_outcomes(
    demo_store: Any, tmp_path: Path
) -> None:
    npsn = busiest_school(demo_store)
    service = ReportService(demo_store, now=lambda: PRINT_TIME)
    result = service.class_list_pdf(npsn, tmp_path / "dh.pdf", after=True)
    pages = pdf_pages(tmp_path / "dh.pdf")
    assert result.pages == len(pages) and page_footer_ok(pages)
    expected = class_rows(demo_store, npsn)
    listing = service.class_list(npsn, after=True)
    assert [c.class_name for c in listing.classes] == sorted(
        expected,
        key=lambda k: __import__("ktpe_desktop.reports.data").reports.data.class_sort_key(k),
    )
    # Each class starts a page, with its name and its counts, and every student is listed.
    starts = [i for i, p in enumerate(pages) if "DAFTAR HADIR PEREKAMAN KTP-el" in p]
    assert len(starts) == len(listing.classes)
    for start, group in zip(starts, listing.classes, strict=True):
        assert f"Kelas (Rombel) : {group.class_name} ({len(group.students)} siswa" in pages[start]
        text = " ".join(pages[start : start + 3])
        rows = expected[group.class_name]
        for name, nisn, _ in rows:
            assert f"{name} {nisn}" in text, name
        for status in (Status.RECORDED, Status.FAILED, Status.PENDING):
            n = sum(1 for *_, st in rows if st == status.value)
            label = {"recorded": "Terekam", "failed": "Gagal Rekam", "pending": "Belum Diproses"}
            assert f"{label[status.value]} {format_angka(n)}" in pages[start] or n == 0
    ticks = sum(p.count(TICK) for p in pages)
    done = sum(1 for rows in expected.values() for *_, st in rows if st != "pending")
    assert ticks == done  # one tick per student with an outcome
    assert [letter for _, letter in TICK_COLUMNS] == ["T", "S", "G", "M", "H"]


def test_daftar_hadir_before_has_a_signature_column(
    store: Any, factory: Any, tmp_path: Path
) -> None:
    npsn = factory.school(name="SMAN 3")
    for i in range(3):
        factory.student(npsn, name=f"ANAK {i}", class_name="X-2")
    factory.student(npsn, name="ANAK TEN", class_name="X-10")
    factory.outcome(factory.student(npsn, name="ANAK SUDAH", class_name="X-2"), "recorded")
    service = ReportService(store, now=lambda: PRINT_TIME)
    service.class_list_pdf(npsn, tmp_path / "b.pdf", after=False)
    pages = pdf_pages(tmp_path / "b.pdf")
    assert len(pages) == 2  # X-2 then X-10, each on its own page
    assert "Kelas (Rombel) : X-2 (4 siswa" in pages[0] and "X-10" in pages[1]
    assert "Tanda Tangan" in pages[0] and TICK not in pages[0]
    assert "1. ...." in pages[0] and "4. ...." in pages[0]
    assert "SMA Negeri 3 Malang" in pages[0]


def test_daftar_hadir_cli(store: Any, factory: Any, tmp_path: Path, monkeypatch: Any) -> None:
    npsn = factory.school()
    factory.outcome(factory.student(npsn), "absent")
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    out = tmp_path / "c.pdf"
    argv = ["report", "classes", npsn, "--data-dir", str(store.data_dir), "--pdf", str(out)]
    assert cli_beside(store, [*argv, "--after", "--paper", "F4"]) == 0
    assert "setelah pelayanan" in pdf_pages(out)[0]
    team = tmp_path / "t.pdf"
    argv = ["report", "team", "--data-dir", str(store.data_dir), "--pdf", str(team)]
    assert cli_beside(store, argv) == 0
    assert "REKAPITULASI HASIL PEREKAMAN KTP-el PEMILIH PEMULA TIM" in pdf_pages(team)[0]


def test_team_recap_every_school_outcome_by_sex(demo_store: Any, tmp_path: Path) -> None:
    service = ReportService(demo_store, now=lambda: PRINT_TIME)
    result = service.team_recap_pdf(tmp_path / "rt.pdf")
    pages = pdf_pages(tmp_path / "rt.pdf")
    assert result.pages == len(pages) and page_footer_ok(pages)
    assert "/RT-01/" in result.number
    text = " ".join(pages)
    recap = service.team_recap()
    with demo_store.session() as s:
        sql = {
            (npsn, str(st), sex): n
            for npsn, st, sex, n in s.execute(
                select(
                    m.Student.school_npsn,
                    func.coalesce(m.StudentState.status, "pending"),
                    m.Student.sex,
                    func.count(),
                )
                .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
                .where(m.Student.deleted.is_(False))
                .group_by(
                    m.Student.school_npsn,
                    func.coalesce(m.StudentState.status, "pending"),
                    m.Student.sex,
                )
            )
        }
        schools = {npsn for npsn, _, _ in sql}
    assert {r.npsn for r in recap.rows} == schools
    for i, row in enumerate(recap.rows, 1):
        cells = []
        for status in STATUS_ORDER:
            cells += [
                sql.get((row.npsn, status.value, "L"), 0),
                sql.get((row.npsn, status.value, "P"), 0),
            ]
        total_l = sum(v for (n, _, x), v in sql.items() if n == row.npsn and x == "L")
        total_p = sum(v for (n, _, x), v in sql.items() if n == row.npsn and x == "P")
        cells += [total_l, total_p, total_l + total_p]
        expected = f"{i} {row.name} ({row.npsn}) " + " ".join(format_angka(c) for c in cells)
        assert expected in text, expected
    total = sum(sql.values())
    assert "Jumlah" in text and format_angka(total) in text
    # Signed by the lead, with the sync line in every footer.
    assert "Koordinator Tim" in pages[-1] and "Drs. Ahmad Sutrisno" in pages[-1]


def test_class_signatures_never_stand_alone_on_a_page(
    store: Any, factory: Any, tmp_path: Path
) -> None:
    """A class that just fills its page carries its last rows over with the signatures."""
    npsn = factory.school()
    for rows in range(18, 27):  # one of these lengths leaves no room for the signatures
        klass = f"X-{rows}"
        for i in range(rows):
            factory.student(npsn, name=f"SISWA {rows}-{i:02d}", class_name=klass)
    service = ReportService(store, now=lambda: PRINT_TIME)
    service.class_list_pdf(npsn, tmp_path / "k.pdf", after=False)
    pages = pdf_pages(tmp_path / "k.pdf")
    signed = [p for p in pages if "Wali Kelas" in p]
    assert len(signed) == 9
    for page in pages:
        if "Wali Kelas" in page:
            assert "Nama Siswa" in page and "Tanda Tangan" in page, page[:200]


def test_a_class_of_36_fits_one_a4_page_after_the_visit(
    store: Any, factory: Any, tmp_path: Path
) -> None:
    """The largest rombel (36) with some names long enough to wrap: one A4 page after
    the visit, its legend and signatures with it (docs/reports looked at: 3 rows and
    the signatures went over to a second page for every class)."""
    npsn = factory.school()
    ids = []
    for i in range(36):
        name = f"MUHAMMAD {i:02d} RIZKY ANANDA PUTRA WIJAYA" if i % 12 == 0 else f"SISWA {i:02d}"
        ids.append(factory.student(npsn, name=name, class_name="XII TKJ 1"))
    for sid in ids[:10]:
        factory.outcome(sid, "recorded")
    factory.outcome(ids[10], "failed", reason="siak_offline")
    service = ReportService(store, now=lambda: PRINT_TIME)
    for paper in ("A4", "F4"):
        service.class_list_pdf(npsn, tmp_path / f"{paper}.pdf", paper, after=True)
        pages = pdf_pages(tmp_path / f"{paper}.pdf")
        assert len(pages) == 1, paper
        page = pages[0]
        assert "Wali Kelas XII TKJ 1" in page and "Jumlah kelas ini: Terekam 10" in page
        # Every row without a tick says so in the legend's words (not "Belum diproses").
        assert page.count("Belum Diproses") == 25 + 2  # the rows, the legend, the count
        assert "Belum diproses" not in page and "SIAK luring" in page
        assert page.count(TICK) == 11


def test_lists_are_dated_the_visit_day(store: Any, factory: Any, tmp_path: Path) -> None:
    """Printed the afternoon before, the list names the visit's day; printed the next
    morning, the list after the visit still names the day the students were served."""
    from datetime import UTC, date, datetime

    from ktpe_desktop.services.paper_settings import PaperSettings
    from ktpe_desktop.services.recording import RecordingService

    npsn = factory.school(visit_date=date(2024, 11, 28))
    sid = factory.student(npsn)
    PaperSettings(store).set_signer(display_name="Rina Kusuma", nip="198803122010012003")
    day_before = datetime(2024, 11, 27, 8, 0, tzinfo=UTC)  # 15:00 WIB
    before = ReportService(store, now=lambda: day_before).class_list(npsn, after=False)
    assert before.day == date(2024, 11, 28)
    served = datetime(2024, 11, 28, 2, 0, tzinfo=UTC)  # 09:00 WIB
    RecordingService(store, now=lambda: served).record_outcome(sid, "recorded", "petugas1")
    next_morning = datetime(2024, 11, 29, 0, 30, tzinfo=UTC)
    service = ReportService(store, now=lambda: next_morning)
    assert service.class_list(npsn, after=True).day == date(2024, 11, 28)
    service.class_list_pdf(npsn, tmp_path / "after.pdf", after=True)
    page = pdf_pages(tmp_path / "after.pdf")[0]
    assert "Hari/Tanggal : Kamis, 28 November 2024" in page
    assert "Malang, 28 November 2024" in page
    # The Petugas signs with the NIP the Berita Acara prints.
    assert "Rina Kusuma NIP. 198803122010012003" in page
