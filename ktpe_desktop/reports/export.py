"""XLSX and CSV exports of a school's students and outcomes (Qt-free).

Exports hold personal data (names, NISN, NIK, birth dates: specific personal data
of children under UU 27/2022). So: the user picks the destination (the service
refuses to guess one), the UI shows :data:`EXPORT_WARNING`, the file is built in
memory and written once, atomically (:mod:`ktpe_desktop.reports.files`), and the
service writes an audit row with the counts, never the values.

Identifiers are text: NISN and NIK keep their leading zeros (XLSX cells typed as
strings with the ``@`` number format; never ints). A value that a spreadsheet
would read as a formula (``=``, ``+``, ``-``, ``@`` at the start) is stored as a
plain string in XLSX and prefixed with ``'`` in CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ktpe_desktop.reports.data import SchoolReport
from ktpe_desktop.reports.labels import STATUS_ORDER, STATUS_SHORT
from ktpe_desktop.reports.words import format_waktu

#: Shown by the UI before the save dialog (Bahasa Indonesia, then English).
EXPORT_WARNING = (
    "Berkas ekspor berisi data pribadi siswa (nama, NISN, NIK, tanggal lahir) yang "
    "dilindungi UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi. Simpan hanya "
    "di tempat yang aman, jangan dibagikan selain untuk keperluan dinas, dan hapus "
    "setelah tidak diperlukan. Setiap ekspor dicatat dalam log audit."
)
EXPORT_WARNING_EN = (
    "The export file holds students' personal data (names, NISN, NIK, dates of "
    "birth), protected by Law 27/2022 on Personal Data Protection. Keep it only in a "
    "safe place, share it only for official purposes, and delete it when it is no "
    "longer needed. Every export is recorded in the audit log."
)

XLSX_SUFFIXES = (".xlsx",)
CSV_SUFFIXES = (".csv",)
CSV_DELIMITER = ";"  # what Excel expects under Indonesian regional settings

#: The student columns: key in the export row, heading, width (characters), text?
STUDENT_COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("no", "No", 6, False),
    ("nisn", "NISN", 13, True),
    ("nik", "NIK", 19, True),
    ("name", "Nama", 34, True),
    ("sex", "L/P", 5, True),
    ("birth_place", "Tempat Lahir", 18, True),
    ("birth_date", "Tanggal Lahir", 13, False),
    ("class_name", "Kelas", 12, True),
    ("status_label", "Hasil", 24, True),
    ("reason", "Alasan", 26, True),
    ("ikd", "Aktivasi IKD", 12, True),
    ("decided_at", "Waktu Dicatat (WIB)", 19, False),
    ("operator", "Petugas", 16, True),
    ("anomalies", "Anomali", 9, False),
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: str
    rows: int  # student rows written
    format: str


def _cell_value(key: str, row: Mapping[str, Any], index: int) -> Any:
    if key == "no":
        return index
    value = row.get(key)
    if key == "ikd":
        return "Ya" if value else "Tidak"
    return value


# --------------------------------------------------------------------------- XLSX


def _text_cell(sheet: Worksheet, row: int, col: int, value: Any) -> Cell:
    cell = sheet.cell(row=row, column=col)
    cell.value = "" if value is None else str(value)
    cell.data_type = "s"  # never a formula, never a number
    cell.number_format = "@"
    return cell


def _sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    widths: Sequence[int],
    *,
    preamble: Sequence[str] = (),
) -> tuple[Worksheet, int]:
    sheet = wb.create_sheet(title)
    row = 1
    for line in preamble:
        _text_cell(sheet, row, 1, line).font = _BOLD if row == 1 else Font()
        row += 1
    if preamble:
        row += 1
    for col, (heading, width) in enumerate(zip(headers, widths, strict=True), 1):
        cell = _text_cell(sheet, row, col, heading)
        cell.font = _BOLD
        cell.alignment = _HEADER_ALIGN
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
    return sheet, row + 1


def _put(sheet: Worksheet, row: int, values: Sequence[Any], text: Sequence[bool]) -> None:
    for col, (value, is_text) in enumerate(zip(values, text, strict=True), 1):
        if is_text:
            _text_cell(sheet, row, col, value)
            continue
        cell = sheet.cell(row=row, column=col)
        if isinstance(value, datetime):
            cell.value = value
            cell.number_format = "dd-mm-yyyy hh:mm"
        elif isinstance(value, date):
            cell.value = value
            cell.number_format = "dd-mm-yyyy"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            cell.value = value
        else:
            _text_cell(sheet, row, col, value)


def school_xlsx_bytes(report: SchoolReport, students: Sequence[Mapping[str, Any]]) -> bytes:
    """The workbook: Rekapitulasi, Per Kelas, Siswa, Belum Terekam, Anomali."""
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    school = report.school
    preamble = (
        f"{school.name} (NPSN {school.npsn})",
        f"Dicetak {format_waktu(report.printed_at)} · perangkat {report.device_id}",
    )

    sheet, row = _sheet(
        wb, "Rekapitulasi", ("Hasil", "L", "P", "Jumlah"), (34, 8, 8, 10), preamble=preamble
    )
    flags: tuple[bool, ...] = (True, False, False, False)
    for outcome in report.outcomes:
        c = outcome.count
        _put(sheet, row, (outcome.label, c.male, c.female, c.total), flags)
        row += 1
    r = report.roster
    _put(sheet, row, ("Jumlah siswa dalam daftar", r.male, r.female, r.total), flags)
    for cell in sheet[row]:
        cell.font = _BOLD
    row += 1
    i = report.ikd
    _put(sheet, row, ("Aktivasi IKD", i.male, i.female, i.total), flags)
    row += 2
    _put(sheet, row, ("Target sekolah", None, None, school.target), flags)
    row += 1
    _put(sheet, row, ("Capaian (Terekam + Sudah Terekam)", None, None, report.achieved), flags)

    headers = ("Kelas", "Jumlah Siswa", *(STATUS_SHORT[s] for s in STATUS_ORDER), "IKD")
    sheet, row = _sheet(wb, "Per Kelas", headers, (16, 12, *([14] * len(STATUS_ORDER)), 8))
    flags = (True, *([False] * (len(headers) - 1)))
    for klass in report.classes:
        values = (klass.class_name, klass.total, *(klass.count(s) for s in STATUS_ORDER), klass.ikd)
        _put(sheet, row, values, flags)
        row += 1

    keys = [c[0] for c in STUDENT_COLUMNS]
    sheet, row = _sheet(
        wb, "Siswa", [c[1] for c in STUDENT_COLUMNS], [c[2] for c in STUDENT_COLUMNS]
    )
    flags = tuple(c[3] for c in STUDENT_COLUMNS)
    for index, student in enumerate(students, 1):
        _put(sheet, row, [_cell_value(k, student, index) for k in keys], flags)
        row += 1

    sheet, row = _sheet(
        wb, "Belum Terekam", ("No", "Nama", "L/P", "Kelas", "Keterangan"), (6, 34, 5, 12, 40)
    )
    flags = (False, True, True, True, True)
    for index, f in enumerate(report.follow_up, 1):
        _put(sheet, row, (index, f.name, f.sex, f.class_name, f.keterangan), flags)
        row += 1

    sheet, row = _sheet(
        wb, "Anomali", ("No", "Nama", "Kelas", "Anomali", "Status"), (6, 34, 12, 40, 16)
    )
    flags = (False, True, True, True, True)
    for index, a in enumerate(report.anomalies, 1):
        status = "Selesai" if a.resolved else "Belum ditinjau"
        _put(sheet, row, (index, a.student_name, a.class_name, a.label, status), flags)
        row += 1

    wb.properties.title = f"Data siswa {school.name} ({school.npsn})"
    wb.properties.creator = "KTP-el Jemput Bola"
    return workbook_bytes(wb)


class _InMemoryExcelWriter(ExcelWriter):  # type: ignore[misc]
    """openpyxl's writer, with each worksheet serialised in memory.

    The stock ``ExcelWriter.write_worksheet`` streams every sheet's XML — each
    name and NIK of the export — into a ``NamedTemporaryFile`` in the system temp
    folder before zipping it: plaintext personal data on the disk (deleted
    afterwards, but recoverable, and left behind if the app dies mid-save).
    """

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def workbook_bytes(wb: Workbook) -> bytes:
    """``wb`` as XLSX bytes, built without any temporary file (see above)."""
    out = io.BytesIO()
    archive = ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = datetime.now(UTC).replace(tzinfo=None)
    _InMemoryExcelWriter(wb, archive).save()
    return out.getvalue()


# --------------------------------------------------------------------------- CSV


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def school_csv_bytes(students: Iterable[Mapping[str, Any]]) -> tuple[bytes, int]:
    """The students sheet as CSV (UTF-8 with BOM, ``;``-separated); returns (bytes, rows)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c[1] for c in STUDENT_COLUMNS])
    count = 0
    for index, student in enumerate(students, 1):
        writer.writerow([_csv_text(_cell_value(c[0], student, index)) for c in STUDENT_COLUMNS])
        count += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8"), count
