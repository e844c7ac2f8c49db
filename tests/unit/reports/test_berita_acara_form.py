"""The Berita Acara as the office writes it, each rule read back from the PDF (pypdf).

Letterhead never missing, the parties named in the usual form, NIPs, team and
service hours, one number per visit (reprints say Salinan), ``--date`` and
multi-day visits, figures on the signed page, paraf boxes on the others, the
receipt's QR code and text, and wording identical to the UI.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ktpe_desktop.cli import main
from ktpe_desktop.core.letterhead import LetterheadMissing, default_letterhead
from ktpe_desktop.core.receipt import parse_receipt_code
from ktpe_desktop.reports.document import berita_acara, qr_matrix
from ktpe_desktop.reports.labels import ANOMALY_LABELS, FAIL_REASON_LABELS, NOT_ELIGIBLE_LABELS
from ktpe_desktop.services.paper_settings import InvalidNip, PaperSettings
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.report_service import ReportService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync.state import LAST_RECEIPT
from tests.conftest import LEAD, PASSWORD, Factory
from tests.unit.reports.conftest import cli_beside, pdf_pages

LEAD_NIP = "197001011995031001"
PRINCIPAL_NIP = "196805121993032004"
WIB = timedelta(hours=7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment given in WIB, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - WIB


def record(store: Any, student: str, kind: str, moment: datetime, operator: str, **kw: Any) -> Any:
    return RecordingService(store, now=lambda: moment).record_outcome(student, kind, operator, **kw)


@pytest.fixture
def visit(store: Any, factory: Factory) -> str:
    """SMAN 3 visited on Wed 27 Nov 2024, 08:00–10:30 WIB, by the lead and one operator."""
    npsn = factory.school(name="SMAN 3", address="Jl. Sultan Agung Utara 7", target=4)
    day = date(2024, 11, 27)
    students = [factory.student(npsn, name=f"SISWA {i}") for i in range(4)]
    record(store, students[0], "recorded", at(day, 8, 0), LEAD)
    record(store, students[1], "failed", at(day, 9, 15), "petugas1", reason="siak_offline")
    record(store, students[2], "absent", at(day, 10, 30), "petugas1")
    with store.transaction() as s:
        s.add(m.Operator(id="petugas1", name="Rina  Kusuma", nip=None))
    PaperSettings(store).set_signer(display_name="Drs. Ahmad Sutrisno", nip=LEAD_NIP)
    return npsn


def service_at(store: Any, moment: datetime) -> ReportService:
    return ReportService(store, now=lambda: moment)


def tidy(text: str) -> str:
    """pypdf puts a space where a bold run ends before punctuation: drop it."""
    return text.replace(" ,", ",").replace(" .", ".")


def pdf_text(service: ReportService, npsn: str, path: Path, **kw: Any) -> list[str]:
    service.school_pdf(npsn, path, **kw)
    return [tidy(p) for p in pdf_pages(path)]


# --------------------------------------------------------------------------- letterhead


def test_no_letterhead_is_never_printed_and_the_prefill_is_kota_malang(
    data_dir: Path, tmp_path: Path
) -> None:
    store = Store.create(data_dir, LEAD, PASSWORD, display_name="Koordinator Uji")
    try:
        npsn = Factory(store).school(name="SMAN 3")
        settings = PaperSettings(store)
        assert settings.needs_letterhead()
        assert settings.letterhead_prefill() == default_letterhead()
        with pytest.raises(LetterheadMissing):
            ReportService(store).school_pdf(npsn, tmp_path / "ba.pdf")
        assert not (tmp_path / "ba.pdf").exists()
        with pytest.raises(LetterheadMissing):
            settings.set_letterhead(
                default_letterhead().__class__("Pemerintah Kota Malang", "", "x")
            )
        edited = default_letterhead().__class__(
            "Pemerintah Kota Malang", "Dinas Kependudukan dan Pencatatan Sipil", "Jl. Uji 1"
        )
        settings.set_letterhead(edited)
        assert not settings.needs_letterhead()
        page = pdf_text(ReportService(store), npsn, tmp_path / "ba.pdf")[0]
        assert page.startswith(
            "PEMERINTAH KOTA MALANG DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL Jl. Uji 1"
        )
        assert "Tim Jemput Bola Dinas Kependudukan dan Pencatatan Sipil Kota Malang" in page
    finally:
        store.close()


def test_cli_letterhead_set_from_the_shipped_one(
    store: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    args = ["--data-dir", str(store.data_dir)]
    assert cli_beside(store, ["letterhead", "show", *args]) == 1
    assert (
        cli_beside(store, ["letterhead", "set", *args, "--kota-malang", "--address", "Jl. Baru 2"])
        == 0
    )
    assert cli_beside(store, ["letterhead", "show", *args]) == 0
    out = capsys.readouterr().out
    assert "Pemerintah Kota Malang" in out and "Jl. Baru 2" in out


# --------------------------------------------------------------------------- parties


def test_parties_are_named_in_the_usual_form(store: Any, visit: str, tmp_path: Path) -> None:
    PaperSettings(store).set_principal(visit, name="Dra. Sri Wahyuni, M.Pd.", nip=PRINCIPAL_NIP)
    pages = pdf_text(service_at(store, at(date(2024, 11, 27), 14)), visit, tmp_path / "ba.pdf")
    text = " ".join(pages)
    assert (
        "Pada hari ini Rabu tanggal dua puluh tujuh bulan November tahun dua ribu dua puluh "
        "empat (27-11-2024), bertempat di SMA Negeri 3 Malang, Jl. Sultan Agung Utara 7, "
        "Kecamatan Klojen, kami yang bertanda tangan di bawah ini:"
    ) in text
    assert (
        f"1. Nama : Drs. Ahmad Sutrisno NIP : {LEAD_NIP} Jabatan : Koordinator Tim Jemput Bola "
        "Dinas Kependudukan dan Pencatatan Sipil Kota Malang selanjutnya disebut PIHAK PERTAMA."
    ) in text
    assert (
        f"2. Nama : Dra. Sri Wahyuni, M.Pd. NIP : {PRINCIPAL_NIP} Jabatan : Kepala SMA Negeri 3 "
        "Malang selanjutnya disebut PIHAK KEDUA."
    ) in text
    assert "Demikian berita acara ini dibuat dengan sebenarnya" in text
    assert "untuk dipergunakan sebagaimana mestinya." in text
    # Signatures: names over NIPs, PIHAK PERTAMA with the place and date.
    assert (
        f"PIHAK KEDUA, Kepala SMA Negeri 3 Malang Dra. Sri Wahyuni, M.Pd. NIP. {PRINCIPAL_NIP} "
        f"Malang, 27 November 2024 PIHAK PERTAMA, Koordinator Tim Drs. Ahmad Sutrisno "
        f"NIP. {LEAD_NIP}"
    ) in text


def test_a_principal_without_nip_gets_no_nip_line(store: Any, visit: str, tmp_path: Path) -> None:
    PaperSettings(store).set_principal(visit, name="Yohanes Budi, S.Pd.", nip="")
    text = " ".join(
        pdf_text(service_at(store, at(date(2024, 11, 27), 14)), visit, tmp_path / "a.pdf")
    )
    assert "2. Nama : Yohanes Budi, S.Pd. Jabatan : Kepala SMA Negeri 3 Malang" in text
    # Only the lead's NIP is printed: in the parties and under the signature.
    assert text.count("NIP") == text.count(LEAD_NIP)
    assert "NIP. ....." not in text


def test_unknown_principal_and_no_display_name_print_dotted_lines(
    data_dir: Path, tmp_path: Path
) -> None:
    store = Store.create(data_dir, LEAD, PASSWORD)  # db init without --display-name
    try:
        factory = Factory(store)
        factory.letterhead()
        npsn = factory.school(name="SMAN 3")
        factory.student(npsn)
        text = " ".join(pdf_text(ReportService(store), npsn, tmp_path / "ba.pdf"))
        assert f"Nama : {LEAD}" not in text and f"Tim {LEAD}" not in text
        assert "1. Nama : (......" in text
        assert "2. Nama : (......" in text  # principal unknown: to fill in by hand
        assert text.count("NIP :....") == 2  # dotted lines to fill in by hand
    finally:
        store.close()


def test_nip_is_settable_from_the_cli_and_checked(
    store: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    args = ["--data-dir", str(store.data_dir)]
    assert (
        cli_beside(
            store, ["db", "set-user", *args, "--display-name", "Ir. Budi", "--nip", LEAD_NIP]
        )
        == 0
    )
    assert PaperSettings(store).signer().nip == LEAD_NIP
    assert cli_beside(store, ["db", "set-user", *args, "--nip", "12345"]) == 2
    assert "NIP" in capsys.readouterr().err
    with pytest.raises(InvalidNip):
        PaperSettings(store).set_principal("x", name="A", nip="1234")


def test_db_init_takes_a_nip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    folder = tmp_path / "baru"
    argv = ["db", "init", "--data-dir", str(folder), "--display-name", "Ir. Budi"]
    assert main([*argv, "--nip", LEAD_NIP]) == 0
    store = Store.open(folder, LEAD, PASSWORD)
    try:
        signer = PaperSettings(store).signer()
        assert (signer.display_name, signer.nip) == ("Ir. Budi", LEAD_NIP)
    finally:
        store.close()


# --------------------------------------------------------------------------- team, hours


def test_team_members_and_service_hours(store: Any, visit: str, tmp_path: Path) -> None:
    text = " ".join(
        pdf_text(service_at(store, at(date(2024, 11, 27), 14)), visit, tmp_path / "b.pdf")
    )
    assert "pada Rabu, 27 November 2024 pukul 08.00–10.30 WIB, disaksikan oleh PIHAK KEDUA" in text
    assert f"Petugas yang melayani: 1. Drs. Ahmad Sutrisno (NIP. {LEAD_NIP}) 2. Rina Kusuma" in text


# --------------------------------------------------------------------------- numbers


def test_one_number_per_visit_and_reprints_say_salinan(
    store: Any, visit: str, tmp_path: Path
) -> None:
    first = service_at(store, at(date(2024, 11, 27), 14)).school_pdf(visit, tmp_path / "1.pdf")
    assert "/BA-01/" in first.number and not first.copy
    later = service_at(store, at(date(2024, 11, 28), 9, 5))
    again = later.school_pdf(visit, tmp_path / "2.pdf")
    assert again.number == first.number and again.copy
    pages = pdf_pages(tmp_path / "2.pdf")
    assert (
        "SALINAN – dicetak ulang 28-11-2024 09:05 WIB; asli dicetak 27-11-2024 14:00 WIB"
        in pages[0]
    )
    assert all("SALINAN · Berita Acara Nomor" in p for p in pages)
    assert "SALINAN" not in " ".join(pdf_pages(tmp_path / "1.pdf"))
    # The next visit (a week later) gets the next number.
    student = RecordingService(store).store
    with student.session() as s:
        pending = s.scalars(
            select(m.Student.id)
            .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
            .where(m.Student.school_npsn == visit)
            .where(m.StudentState.student_id.is_(None) | (m.StudentState.status == "pending"))
        ).first()
    assert pending is not None
    record(store, pending, "recorded", at(date(2024, 12, 4), 9), LEAD)
    follow = service_at(store, at(date(2024, 12, 4), 12)).school_pdf(visit, tmp_path / "3.pdf")
    assert "/BA-02/" in follow.number and "/XII/2024" in follow.number and not follow.copy


def test_report_date_names_the_visit_day_and_a_multi_day_visit_is_one(
    store: Any, visit: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    # Printed the next morning: still the visit's day, not the print's.
    next_morning = service_at(store, at(date(2024, 11, 28), 7, 30))
    report = next_morning.school_report(visit)
    assert report.report_date == date(2024, 11, 27)
    # A second day of service: one Berita Acara over both days, dated the last.
    with store.session() as s:
        left = s.scalars(
            select(m.Student.id)
            .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
            .where(m.Student.school_npsn == visit)
            .where(m.StudentState.student_id.is_(None) | (m.StudentState.status == "pending"))
        ).first()
    assert left is not None
    record(store, left, "recorded", at(date(2024, 11, 28), 8, 10), LEAD)
    text = " ".join(
        pdf_text(service_at(store, at(date(2024, 11, 28), 12)), visit, tmp_path / "two.pdf")
    )
    assert "Pada hari ini Kamis tanggal dua puluh delapan bulan November" in text
    assert (
        "pada Rabu, 27 November 2024 pukul 08.00–10.30 WIB; dan Kamis, 28 November 2024 "
        "pukul 08.10–08.10 WIB"
    ) in text
    assert "27 s.d. 28 November 2024" in text
    # --date picks a day of an earlier visit on the command line.
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    out = tmp_path / "cli.pdf"
    argv = ["report", "school", visit, "--data-dir", str(store.data_dir), "--pdf", str(out)]
    assert cli_beside(store, [*argv, "--date", "2024-11-27"]) == 0
    assert "(SALINAN)" in capsys.readouterr().out  # the visit's number, kept
    assert "(27-11-2024)" in pdf_pages(out)[0]


# --------------------------------------------------------------------------- signed page


def test_signed_page_carries_the_totals_and_the_others_paraf_boxes(
    demo_store: Any, tmp_path: Path
) -> None:
    from tests.unit.reports.test_data import busiest_school

    npsn = busiest_school(demo_store)
    service = ReportService(demo_store, now=lambda: datetime(2024, 11, 27, 7, tzinfo=UTC))
    report = service.school_report(npsn)
    pages = pdf_text(service, npsn, tmp_path / "ba.pdf")
    assert len(pages) > 2
    signed = [i for i, p in enumerate(pages) if "PIHAK PERTAMA, Koordinator Tim" in p]
    assert len(signed) == 1
    page = pages[signed[0]]
    totals = [report.roster.total, *(o.count.total for o in report.outcomes), report.ikd.total]
    from ktpe_desktop.reports.words import format_angka

    assert (
        "Jumlah Siswa Terekam Sudah Terekam Gagal Tdk. Memenuhi Syarat Tidak Hadir "
        "Belum Diproses IKD " + " ".join(format_angka(v) for v in totals)
    ) in page
    assert "Paraf PIHAK PERTAMA" not in page
    for i, other in enumerate(pages):
        if i != signed[0]:
            assert "Paraf PIHAK PERTAMA" in other and "Paraf PIHAK KEDUA" in other, i


# --------------------------------------------------------------------------- receipt


def _code_from(text: str) -> str:
    """The receipt code as printed (wrapped over lines: spaces do not count)."""
    start = text.index("KTPE-BA1|")
    ends = [text.find(w, start) for w in ("BELUM TERSINKRON", "Tersinkron:")]
    end = min(e for e in ends if e > 0)
    return "".join(text[start:end].split())


def test_unsynced_visit_prints_a_code_that_says_so(store: Any, visit: str, tmp_path: Path) -> None:
    service = service_at(store, at(date(2024, 11, 27), 14))
    report = service.school_report(visit)
    text = " ".join(pdf_text(service, visit, tmp_path / "ba.pdf"))
    code = parse_receipt_code(_code_from(text))
    assert not code.synced and code.npsn == visit and code.number == report.number
    assert code.counts["recorded"] == 1 and code.counts["failed"] == 1
    assert "BELUM TERSINKRON" in text
    spec = berita_acara(report)
    assert spec.qr_codes["qr:receipt"] == qr_matrix(report.receipt_code().text())


def test_synced_visit_prints_the_servers_receipt(store: Any, visit: str, tmp_path: Path) -> None:
    with store.transaction() as s:
        for row in s.scalars(select(m.Outbox)):
            row.status = m.OutboxStatus.ACKED
        head = s.scalars(select(m.Device)).one().head_hash
        s.add(
            m.SyncState(
                key=LAST_RECEIPT,
                value=json.dumps(
                    {"contiguous_seq": 3, "head_hash": head, "local_hash_at_seq": head}
                ),
                updated_at=datetime.now(UTC),
            )
        )
    text = " ".join(
        pdf_text(service_at(store, at(date(2024, 11, 27), 14)), visit, tmp_path / "s.pdf")
    )
    code = parse_receipt_code(_code_from(text))
    assert code.synced and (code.seq, code.head_hash) == (3, head)
    assert code.device_id == store.device_id


# --------------------------------------------------------------------------- wording


def test_reasons_print_as_the_ui_says_them() -> None:
    from ktpe_desktop.ui import labels as ui

    assert dict(FAIL_REASON_LABELS) == {str(k): v for k, v in ui.FAIL_REASON_LABELS.items()}
    assert dict(NOT_ELIGIBLE_LABELS) == {str(k): v for k, v in ui.NOT_ELIGIBLE_LABELS.items()}
    assert dict(ANOMALY_LABELS) == {str(k): v for k, v in ui.ANOMALY_LABELS.items()}


def test_belum_diproses_and_belum_terekam_reconcile_on_the_page(
    store: Any, visit: str, tmp_path: Path
) -> None:
    text = " ".join(
        pdf_text(service_at(store, at(date(2024, 11, 27), 14)), visit, tmp_path / "w.pdf")
    )
    assert "Gagal Rekam SIAK luring 1" in text  # the UI's words
    assert "Belum Diproses (1) adalah siswa dalam daftar yang belum dilayani sama sekali" in text
    assert (
        "belum terekam (3) adalah semua yang tidak Terekam dan tidak Sudah Terekam Sebelumnya: "
        "Gagal Rekam 1, Tidak Memenuhi Syarat 0, Tidak Hadir 1, Belum Diproses 1."
    ) in text


def test_the_roster_pull_carries_the_principal(store: Any) -> None:
    from ktpe_desktop.sync.roster_pull import apply_roster_page

    school = {"npsn": "20533812", "name": "SMAS KATOLIK ST ALBERTUS", "status": "swasta"}
    page = {"schools": [{**school, "principal_name": "Romo Yohanes", "principal_nip": None}]}
    with store.transaction() as s:
        apply_roster_page(s, page, team="tim-1")
    assert PaperSettings(store).principal("20533812").name == "Romo Yohanes"
    assert PaperSettings(store).principal("20533812").nip == ""
    # A server that does not send the fields leaves what the lead typed in.
    PaperSettings(store).set_principal("20533812", name="Romo Yohanes, S.S.", nip=None)
    for unknown in ({}, {"principal_name": "", "principal_nip": None}):
        with store.transaction() as s:
            apply_roster_page(s, {"schools": [{**school, **unknown}]}, team="tim-1")
        assert PaperSettings(store).principal("20533812").name == "Romo Yohanes, S.S."


# --------------------------------------------------------------------------- fonts


def test_the_pdf_uses_only_the_shipped_fonts(store: Any, visit: str, tmp_path: Path) -> None:
    from ktpe_desktop.paths import resource
    from ktpe_desktop.reports.render import FONT_FILES, load_report_fonts
    from ktpe_desktop.selftest import pdf_fonts

    assert load_report_fonts() == ("KTPE Serif", "KTPE Mono")
    for name in FONT_FILES:
        assert resource("fonts", name).is_file()
    licence = resource("fonts", "LICENSE-OFL-1.1.txt").read_text("utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    service_at(store, at(date(2024, 11, 27), 14)).school_pdf(visit, tmp_path / "f.pdf")
    fonts = pdf_fonts((tmp_path / "f.pdf").read_bytes())
    assert {"KTPESerif-Regular", "KTPESerif-Bold", "KTPEMono-Regular"} <= fonts
    assert all(f.startswith(("KTPESerif-", "KTPEMono-")) for f in fonts), fonts
