"""XLSX/CSV exports: identifiers as text, bold frozen headers, audit rows, no leftovers."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.reports.export import EXPORT_WARNING, EXPORT_WARNING_EN, STUDENT_COLUMNS
from ktpe_desktop.services.report_service import ReportService
from ktpe_desktop.storage import models as m


@pytest.fixture
def school(store: Any, factory: Any) -> str:
    npsn = factory.school(name="SMA EKSPOR")
    a = factory.student(npsn, nisn="0012345678", nik="3573020101070001", name="=HYPERLINK(1)")
    b = factory.student(npsn, nisn="0098765432", sex="P", name="SITI AMINAH")
    factory.student(npsn, nisn="0000000001", name="BUDI")
    factory.outcome(a, "recorded")
    factory.outcome(b, "failed", reason="no_kk")
    return npsn


def audit_rows(store: Any) -> list[m.AuditLog]:
    with store.session() as s:
        return list(s.scalars(select(m.AuditLog).where(m.AuditLog.action == m.AuditAction.EXPORT)))


def test_xlsx_sheets_text_identifiers_and_headers(store: Any, school: str, tmp_path: Path) -> None:
    result = ReportService(store).export_school_xlsx(school, tmp_path / "siswa.xlsx", "petugas1")
    assert result.rows == 3
    wb = load_workbook(tmp_path / "siswa.xlsx")
    assert wb.sheetnames == ["Rekapitulasi", "Per Kelas", "Siswa", "Belum Terekam", "Anomali"]
    sheet = wb["Siswa"]
    headers = [c.value for c in sheet[1]]
    assert headers == [c[1] for c in STUDENT_COLUMNS]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    rows = {r[3]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"=HYPERLINK(1)", "SITI AMINAH", "BUDI"}
    assert rows["BUDI"][1] == "0000000001"  # leading zeros kept
    assert rows["=HYPERLINK(1)"][2] == "3573020101070001"
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type == "s" and row[2].data_type == "s"
        assert row[3].data_type == "s"  # a name that looks like a formula stays text
    assert rows["SITI AMINAH"][8] == "Gagal Rekam"
    assert rows["SITI AMINAH"][9] == "Tidak ada KK"
    recap = {r[0]: r for r in wb["Rekapitulasi"].iter_rows(values_only=True) if r[0]}
    assert recap["Terekam"][1:] == (1, 0, 1)
    assert recap["Gagal Rekam"][1:] == (0, 1, 1)
    assert recap["Jumlah siswa dalam daftar"][3] == 3
    follow = list(wb["Belum Terekam"].iter_rows(min_row=2, values_only=True))
    assert len(follow) == 2
    [row] = audit_rows(store)
    assert row.actor == "petugas1" and row.subject == f"students:{school}"
    assert row.detail == {
        "format": "xlsx",
        "npsn": school,
        "rows": 3,
        "destination": str(tmp_path / "siswa.xlsx"),
    }
    assert "SITI" not in str(row.detail) and "0012345678" not in str(row.detail)


def test_csv_is_excel_friendly_and_defused(store: Any, school: str, tmp_path: Path) -> None:
    result = ReportService(store).export_school_csv(school, tmp_path / "siswa.csv")
    raw = (tmp_path / "siswa.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [c[1] for c in STUDENT_COLUMNS]
    assert len(rows) - 1 == result.rows == 3
    names = {r[3] for r in rows[1:]}
    assert "'=HYPERLINK(1)" in names
    assert "0000000001" in {r[1] for r in rows[1:]}
    assert [r.detail["format"] for r in audit_rows(store)] == ["csv"]


def test_a_failed_write_leaves_nothing_behind(
    store: Any, school: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KnownError) as info:
        ReportService(store).export_school_xlsx(school, out / "siswa.xlsx")
    assert info.value.code == "write_failed"
    assert list(out.iterdir()) == []
    assert audit_rows(store) == []


def test_an_export_needs_a_chosen_destination(store: Any, school: str, tmp_path: Path) -> None:
    service = ReportService(store)
    with pytest.raises(KnownError) as info:
        service.export_school_xlsx(school, "")
    assert info.value.code == "no_destination"
    with pytest.raises(KnownError):
        service.export_school_csv(school, tmp_path / "siswa.xlsx")
    assert audit_rows(store) == []


def test_the_warning_exists_in_both_languages() -> None:
    assert "data pribadi" in EXPORT_WARNING and "UU No. 27 Tahun 2022" in EXPORT_WARNING
    assert "personal data" in EXPORT_WARNING_EN and "audit log" in EXPORT_WARNING_EN
