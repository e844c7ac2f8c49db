"""The PDFs, read back with pypdf: every number is the database's, pages are right.

Rendering runs headless (Qt ``offscreen``), as the CLI does.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from ktpe_desktop.core.events import Status
from ktpe_desktop.reports import data as rdata
from ktpe_desktop.reports.document import berita_acara
from ktpe_desktop.reports.labels import STATUS_LABELS, STATUS_ORDER
from ktpe_desktop.reports.words import format_angka, persen
from ktpe_desktop.services.report_service import ReportService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.repositories import bulk_insert_students
from tests.unit.reports.conftest import PRINT_TIME, count_of, page_footer_ok, pdf_pages
from tests.unit.reports.test_data import busiest_school, sql_counts


def n(value: int) -> str:
    return format_angka(value)


def test_berita_acara_pdf_numbers_are_the_database(demo_store: Any, tmp_path: Path) -> None:
    npsn = busiest_school(demo_store)
    service = ReportService(demo_store, now=lambda: PRINT_TIME)
    result = service.school_pdf(npsn, tmp_path / "ba.pdf")
    pages = pdf_pages(tmp_path / "ba.pdf")
    assert result.pages == len(pages)
    text = " ".join(pages)
    expected = sql_counts(demo_store, npsn)
    roster_l = sum(v for (_, sex), v in expected.items() if sex == "L")
    roster_p = sum(v for (_, sex), v in expected.items() if sex == "P")
    for i, status in enumerate(STATUS_ORDER, 1):
        male, female = expected[(status.value, "L")], expected[(status.value, "P")]
        row = f"{i} {STATUS_LABELS[status]} {n(male)} {n(female)} {n(male + female)}"
        assert row in pages[0], row
    total = sum(expected.values())
    assert f"Jumlah siswa dalam daftar {n(roster_l)} {n(roster_p)} {n(total)}" in pages[0]
    with demo_store.session() as s:
        school = s.get(m.School, npsn)
        ikd = dict(
            s.execute(
                select(m.Student.sex, func.count())
                .join(m.StudentState, m.StudentState.student_id == m.Student.id)
                .where(m.Student.school_npsn == npsn, m.StudentState.ikd_activated.is_(True))
                .group_by(m.Student.sex)
            ).all()
        )
        per_class = s.execute(
            select(m.Student.class_name, m.StudentState.status, func.count())
            .join(m.StudentState, m.StudentState.student_id == m.Student.id)
            .where(m.Student.school_npsn == npsn)
            .group_by(m.Student.class_name, m.StudentState.status)
        ).all()
    ikd_l, ikd_p = ikd.get("L", 0), ikd.get("P", 0)
    assert f"(Identitas Kependudukan Digital) {ikd_l} {ikd_p} {ikd_l + ikd_p}" in text
    done = sum(v for (st, _), v in expected.items() if st in ("recorded", "already_recorded"))
    assert f"Target sekolah: {n(school.target)} siswa" in text
    assert f"Sebelumnya): {n(done)} siswa ({persen(done, school.target)} dari target)" in text
    assert f"belum terekam sebanyak {n(total - done)} orang" in text
    # Per class: every class row, numbered in the report's order.
    report = service.school_report(npsn)
    table: dict[str, dict[str, int]] = {}
    for class_name, status, count in per_class:
        table.setdefault(class_name, {})[str(status)] = count
    for i, klass in enumerate(report.classes, 1):
        counts = table[klass.class_name]
        cells = [sum(counts.values())] + [counts.get(s.value, 0) for s in STATUS_ORDER]
        assert f"{i} {klass.class_name} " + " ".join(map(n, cells)) in text
    # The follow-up list: everyone not recorded, numbered 1..N.
    for i, student in enumerate(report.follow_up, 1):
        assert f"{i} {student.name} {student.sex}" in text
    # Header, number, date in words, footer.
    assert "BERITA ACARA PEREKAMAN KTP-el PEMILIH PEMULA" in pages[0]
    assert f"Nomor: {result.number}" in pages[0]
    assert (
        "Pada hari ini Rabu tanggal dua puluh tujuh bulan November tahun dua ribu dua puluh empat"
        in pages[0]
    )
    assert f"(NPSN {npsn})" in pages[0]
    assert page_footer_ok(pages)
    assert all("BELUM TERSINKRON" in p and "Dicetak: 27-11-2024 14:30 WIB" in p for p in pages)
    assert all(demo_store.device_id in p for p in pages)


def test_daily_pdf_numbers_are_the_database(demo_store: Any, tmp_path: Path) -> None:
    day = rdata.local_now().date()  # the simulated outcomes were recorded today
    service = ReportService(demo_store, now=lambda: PRINT_TIME)
    service.daily_pdf(day, tmp_path / "day.pdf")
    pages = pdf_pages(tmp_path / "day.pdf")
    text = " ".join(pages)
    report = service.daily_report(day)
    assert report.rows, "the simulated outcomes make today a working day"
    start, end = rdata.local_day_bounds(day)
    with demo_store.session() as s:
        for i, row in enumerate(report.rows, 1):
            counts = sql_counts(demo_store, row.npsn)
            by_status = by_status_of(counts)
            ikd = s.scalar(
                select(func.count())
                .select_from(m.StudentState)
                .join(m.Student, m.Student.id == m.StudentState.student_id)
                .where(m.Student.school_npsn == row.npsn, m.StudentState.ikd_activated.is_(True))
            )
            today = s.scalar(
                select(func.count())
                .select_from(m.StudentState)
                .join(m.Student, m.Student.id == m.StudentState.student_id)
                .where(
                    m.Student.school_npsn == row.npsn,
                    m.StudentState.decided_at >= start,
                    m.StudentState.decided_at < end,
                )
            )
            target = s.get(m.School, row.npsn).target
            roster = sum(by_status.values())
            done = by_status["recorded"] + by_status["already_recorded"]
            cells = [target, roster, *(by_status[st.value] for st in STATUS_ORDER), ikd, today]
            expected = (
                f"{i} {row.npsn} {row.name} " + " ".join(map(n, cells)) + f" {persen(done, target)}"
            )
            assert expected in text, expected
    t = report.totals
    assert f"Jumlah {n(t.target)} {n(t.roster)}" in text
    assert page_footer_ok(pages)


def by_status_of(counts: Any) -> dict[str, int]:
    out: dict[str, int] = {s.value: 0 for s in Status}
    for (status, _sex), value in counts.items():
        out[status] += value
    return out


LONG = "MUHAMMAD RIZKY ANANDA PUTRA PRATAMA WIJAYAKUSUMA NUGROHO SANTOSO"


@pytest.fixture
def big_school(store: Any, factory: Any) -> tuple[str, list[str]]:
    """A 1,500-student school, all pending but 12; some names long enough to wrap."""
    npsn = factory.school(name="SMKN 99 MALANG", target=1500)
    rng = random.Random(5)
    rows = []
    names = []
    for i in range(1500):
        name = f"PESERTA {i:04d} " + (LONG if i % 37 == 0 else rng.choice(["DEWI", "BUDI", "SITI"]))
        names.append(name)
        rows.append(
            {
                "id": f"B{i:09d}",
                "school_npsn": npsn,
                "name": name,
                "sex": "LP"[i % 2],
                "nisn": f"{i:010d}",
                "class_name": f"XII {['TKJ', 'RPL', 'AKL'][i % 3]} {i % 14 + 1}",
            }
        )
    with store.transaction() as s:
        bulk_insert_students(s, rows)
    for i in range(12):
        factory.outcome(f"B{i * 100:09d}", "recorded")
    return npsn, names


def test_1500_students_paginate_without_cut_rows(
    store: Any, big_school: tuple[str, list[str]], tmp_path: Path
) -> None:
    npsn, names = big_school
    assert len(set(names)) == 1500
    service = ReportService(store, now=lambda: PRINT_TIME)
    result = service.school_pdf(npsn, tmp_path / "big.pdf")
    pages = pdf_pages(tmp_path / "big.pdf")
    assert len(pages) == result.pages > 30
    assert page_footer_ok(pages)
    header = "No Nama Siswa L/P Kelas Keterangan"
    report = service.school_report(npsn)
    listed = {s.name for s in report.follow_up}
    assert len(listed) == 1488
    seen: dict[str, int] = {}
    for i, page in enumerate(pages):
        on_page = [name for name in listed if name in page]
        if not on_page:
            continue
        assert count_of(header, page) == 1, f"page {i + 1} lacks the repeated header"
        for name in on_page:
            assert name not in seen, f"{name} on pages {seen[name] + 1} and {i + 1}"
            seen[name] = i
    assert set(seen) == listed  # every name whole, on one page (a cut row would split it)
    for name in listed:
        assert sum(count_of(name, p) for p in pages) == 1
    # A page that goes on with the list says which list it is.
    first = next(i for i, p in enumerate(pages) if "DAFTAR SISWA BELUM TEREKAM" in p)
    for page in pages[first + 1 :]:
        if count_of(header, page):
            assert "Lampiran II – Daftar Siswa Belum Terekam (lanjutan)" in page
    # Numbered 1..N in order, each number beside its own name.
    for k, student in enumerate(report.follow_up, 1):
        assert f"{k} {student.name} " in pages[seen[student.name]]


def test_layout_never_puts_a_row_below_the_content_area(
    store: Any, big_school: tuple[str, list[str]]
) -> None:
    from ktpe_desktop.reports.render import _Table, render

    npsn, _ = big_school
    report = ReportService(store, now=lambda: PRINT_TIME).school_report(npsn)
    for paper in ("A4", "F4"):
        doc = render(berita_acara(report), paper)
        g = doc.geometry
        rows_placed = 0
        for page in doc.pages:
            for item in page.items:
                if isinstance(item.block, _Table):
                    table = item.block
                    bottom = item.y + table.header.height
                    bottom += sum(r.height for r in table.rows[item.start : item.end])
                    assert bottom <= g.bottom + 0.01
                    if table.spec.name == "follow_up":
                        rows_placed += item.end - item.start
        assert rows_placed == len(report.follow_up)


def test_no_table_starts_or_ends_with_a_lone_row(
    store: Any, big_school: tuple[str, list[str]], factory: Any
) -> None:
    """On F4 Lampiran II began with its heading and one row at the foot of page 3
    (docs/reports looked at): a table starts a page with three rows or waits for the
    next, and its last page carries at least two."""
    from ktpe_desktop.reports.class_list import daftar_hadir
    from ktpe_desktop.reports.render import _Table, render

    npsn, _ = big_school
    service = ReportService(store, now=lambda: PRINT_TIME)
    report = service.school_report(npsn)
    docs = [berita_acara(report), daftar_hadir(service.class_list(npsn, after=False))]
    checked = 0
    for spec in docs:
        for paper in ("A4", "F4"):
            doc = render(spec, paper)
            for page in doc.pages:
                for item in page.items:
                    if not isinstance(item.block, _Table):
                        continue
                    total, n = len(item.block.rows), item.end - item.start
                    if item.start == 0 and item.end < total:
                        assert n >= min(3, total), (paper, item.block.spec.name)
                        checked += 1
                    if item.start > 0 and item.end == total:
                        assert n >= min(2, total), (paper, item.block.spec.name)
                        checked += 1
    assert checked > 40  # the lists of 14 classes, the follow-up list on both papers


def test_a_lampiran_line_stays_with_its_list(
    store: Any, big_school: tuple[str, list[str]], tmp_path: Path
) -> None:
    """ "Lampiran II Berita Acara Nomor …" stood alone at the foot of a page, its title
    and list on the next (F4, docs/reports looked at)."""
    npsn, _ = big_school
    heads = {
        "Lampiran I Berita Acara": "No Kelas (Rombel) Jumlah Siswa",
        "Lampiran II Berita Acara": "No Nama Siswa L/P Kelas Keterangan 1 ",
        "Lampiran III Berita Acara": "No Nama Siswa Kelas Anomali Status",
    }
    service = ReportService(store, now=lambda: PRINT_TIME)
    for paper in ("A4", "F4"):
        service.school_pdf(npsn, tmp_path / f"{paper}.pdf", paper)
        pages = pdf_pages(tmp_path / f"{paper}.pdf")
        for line, table in heads.items():
            (page,) = [p for p in pages if f"{line} Nomor" in p]
            assert table in page, (paper, line)


def test_footer_text_is_never_cut(
    store: Any, big_school: tuple[str, list[str]], tmp_path: Path
) -> None:
    """Beside the paraf boxes, "Halaman 12 dari 34 · Perangkat <uuid> · Dicetak … WIB"
    did not fit and lost its "WIB" (docs/reports looked at): a footer text too wide
    for its place is set smaller, never cut."""
    from ktpe_desktop.reports.render import FOOTER_PT, render

    npsn, _ = big_school
    service = ReportService(store, now=lambda: PRINT_TIME)
    report = service.school_report(npsn)
    smaller = 0
    for paper in ("A4", "F4"):
        doc = render(berita_acara(report), paper)
        assert doc.page_count >= 10  # two-digit page numbers
        for index in range(doc.page_count):
            for text in doc.footer_texts(index):
                assert doc.fitted_advance(text) <= text.rect.width() + 0.01, (paper, index, text)
                smaller += text.pt < FOOTER_PT
    assert smaller  # the device line needed it on this report
    service.school_pdf(npsn, tmp_path / "ba.pdf")
    for page in pdf_pages(tmp_path / "ba.pdf"):
        assert "Dicetak: 27-11-2024 14:30 WIB" in page


def test_f4_paper_is_215_by_330_mm(store: Any, factory: Any, tmp_path: Path) -> None:
    npsn = factory.school()
    factory.student(npsn)
    service = ReportService(store)
    service.school_pdf(npsn, tmp_path / "f4.pdf", "F4")
    service.school_pdf(npsn, tmp_path / "a4.pdf", "a4")
    for name, (w, h) in (("f4.pdf", (215, 330)), ("a4.pdf", (210, 297))):
        box = PdfReader(str(tmp_path / name)).pages[0].mediabox
        assert round(float(box.width) / 72 * 25.4) == w
        assert round(float(box.height) / 72 * 25.4) == h


def test_pdf_is_audited_and_leaves_no_temporary_file(
    store: Any, factory: Any, tmp_path: Path
) -> None:
    npsn = factory.school()
    factory.student(npsn)
    out = tmp_path / "out"
    out.mkdir()
    result = ReportService(store).school_pdf(npsn, out / "ba.pdf")
    assert sorted(p.name for p in out.iterdir()) == ["ba.pdf"]
    with store.session() as s:
        row = s.scalars(select(m.AuditLog).where(m.AuditLog.action == m.AuditAction.PRINT)).one()
    assert row.subject == f"berita_acara:{npsn}"
    assert row.detail["number"] == result.number and row.detail["output"] == "pdf"
    assert row.actor == "koordinator"


def test_bad_destinations_are_refused_before_any_work(
    store: Any, factory: Any, tmp_path: Path
) -> None:
    from ktpe_desktop.core.errors import KnownError

    npsn = factory.school()
    service = ReportService(store)
    out = tmp_path / "out"
    out.mkdir()
    for bad in ("", out, out / "missing" / "x.pdf", out / "x.txt"):
        with pytest.raises(KnownError):
            service.school_pdf(npsn, bad)
    with pytest.raises(KnownError):
        service.school_pdf(npsn, out / "x.pdf", paper="Letter")
    assert list(out.iterdir()) == []


def test_page_one_renders_to_png(demo_store: Any, tmp_path: Path) -> None:
    """Page 1 of each report as an image (docs/reports/ is `make screenshots`'
    tests.docs_reports: every page of every paper)."""
    service = ReportService(demo_store)  # today's clock: the outcomes were simulated today
    school = service.school_report(busiest_school(demo_store), counter=1)
    daily = service.daily_report(rdata.local_now().date(), counter=1)
    for doc, name in (
        (service.school_document(school), "report-berita-acara.png"),
        (service.daily_document(daily), "report-rekap-harian.png"),
    ):
        image = doc.page_image(0, dpi=100)
        assert image.width() > 700
        # Not blank: the kop, the tables and the footer are drawn in black.
        dark = sum(
            1
            for y in range(0, image.height(), 7)
            for x in range(0, image.width(), 7)
            if image.pixelColor(x, y).lightness() < 100
        )
        assert dark > 200
        assert image.save(str(tmp_path / name))


def test_rendered_at_a_printer_resolution_looks_the_same(demo_store: Any, tmp_path: Path) -> None:
    """A 600-dpi device gets a scaled painter: glyphs keep their size (printing path)."""
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrinter

    from ktpe_desktop.reports.printing import make_printer, print_to

    service = ReportService(demo_store, now=lambda: PRINT_TIME)
    report = service.school_report(busiest_school(demo_store))
    doc = service.school_document(report)
    printer = make_printer(doc)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(600)
    assert printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A4
    printed = print_to(printer, doc)
    assert printed == list(range(doc.page_count))
    pages = pdf_pages(tmp_path / "printed.pdf")
    assert page_footer_ok(pages)
    assert "Jumlah siswa dalam daftar" in pages[0]
