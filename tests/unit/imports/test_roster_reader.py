"""read_roster on the corpus: every row is imported, held back, or skipped on purpose."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ktpe_desktop.core.identifiers import Sex
from ktpe_desktop.imports import RosterPreview, Severity, read_roster, write_report_csv
from tests.unit.imports import corpus as C
from tests.unit.imports.conftest import TODAY


def _same_students(preview: RosterPreview, students: list[C.Student]) -> None:
    assert not preview.held_back, [h.lines for h in preview.held_back]
    got = [
        (r.nisn, r.nik, r.kk, r.name, r.sex, r.birth_place, r.birth_date, r.class_name,
         r.mother_name, r.nipd)
        for r in preview.rows
    ]  # fmt: skip
    want = [
        (s.nisn, s.nik, s.kk, s.name, s.sex, s.birth_place, s.birth_date, s.class_name,
         s.mother_name, s.nipd)
        for s in students
    ]  # fmt: skip
    assert got == want


def test_dapodik_export_66_columns(tmp_path: Path, students: list[C.Student]) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "dapodik.xlsx", students)
    preview = read_roster(path, today=TODAY)
    _same_students(preview, students)
    assert preview.file_kind == "xlsx" and preview.sheet_name == "Daftar Peserta Didik"
    assert preview.header_row == C.HEADER_FIRST_ROW
    assert len(preview.columns) == 66
    assert len(preview.unused_columns) == 56
    assert "Data Ayah / Nama" in preview.unused_columns and "Agama" in preview.unused_columns
    assert preview.mapped_fields["mother_name"] == "Data Ibu / Nama"
    assert [r.row_number for r in preview.rows] == [C.row_of(i) for i in range(len(students))]
    assert preview.errors == [] and preview.warnings == []


def test_rombel_third_nisn_numbers_blank_rows_totals_second_sheet(
    tmp_path: Path, students: list[C.Student]
) -> None:
    blanks = (0, 5, 6, 30)
    path = C.write_dapodik_xlsx(
        tmp_path / "v.xlsx", students, rombel_third=True, nisn_as_number=True,
        dates_as_cells=True, blank_rows_after=blanks, totals=True, second_sheet=True,
    )  # fmt: skip
    preview = read_roster(path, today=TODAY)
    _same_students(preview, students)
    assert [r.row_number for r in preview.rows] == [
        C.row_of(i, blank_rows_after=blanks) for i in range(len(students))
    ]
    codes = {ln.code for ln in preview.lines}
    assert {"sheet_ignored", "totals_row", "footer_skipped", "nisn_zeros_restored"} <= codes
    assert preview.ignored_sheets == ["Rekap"]
    totals = next(ln for ln in preview.lines if ln.code == "totals_row")
    assert totals.row == C.row_of(len(students) - 1, blank_rows_after=blanks) + 1
    assert totals.severity is Severity.INFO


def test_csv_semicolon_windows_1252(tmp_path: Path, students: list[C.Student]) -> None:
    path = C.write_csv(tmp_path / "siswa.csv", students)
    raw = path.read_bytes()
    assert b"\x92" in raw or b"\xe9" in raw  # really Windows-1252 (’ or é)
    preview = read_roster(path, today=TODAY)
    assert preview.encoding == "cp1252" and preview.delimiter == ";"
    _same_students(preview, students)
    assert preview.rows[0].row_number == C.csv_row_of(0)
    assert any("’" in r.name or "é" in r.name for r in preview.rows)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-8", ";"), ("utf-8", "\t"), ("utf-16", "\t"), ("cp1252", ",")],
)
def test_csv_encodings_and_delimiters(
    tmp_path: Path, students: list[C.Student], encoding: str, delimiter: str
) -> None:
    path = C.write_csv(tmp_path / "s.csv", students, encoding=encoding, delimiter=delimiter,
                       title_rows=False, nisn_lost_zeros=False)  # fmt: skip
    preview = read_roster(path, today=TODAY)
    assert preview.delimiter == delimiter
    _same_students(preview, students)


def _write_rows(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEADER = ["No", "Nama", "JK", "NISN", "NIK", "Tanggal Lahir", "Kelas"]
GOOD_NIK = "3573011203070001"  # Kota Malang, Klojen, 12-03-07, male


def test_errors_and_warnings_with_spreadsheet_row_numbers(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Daftar Siswa"],
        HEADER,
        [1, "Budi", "L", "0071234567", GOOD_NIK, "12-03-2007", "XII"],  # row 3: fine
        [2, "", "L", "0071234568", "3573011203070002", "12-03-2007", "XII"],  # 4: no name
        [3, "Citra", "P", "0071234569", "3573015203070003", "31-02-2007", "XII"],  # 5: date
        [4, "Dedi", "L", "0071234570", "357301120307001", "12-03-2007", "XII"],  # 6: NIK 15
        [5, "Eka", "P", "00712345701", "3573015203070005", "12-03-2007", "XII"],  # 7: NISN 11
        [6, "Fajar", "L", "0071234572", "3.57301E+15", "12-03-2007", "XII"],  # 8: mangled
        [7, "Gita", "P", "0071234573", "3573011203070007", "12-03-2007", "XII"],  # 9: sex≠NIK
        [8, "Hadi", "L", "0071234574", "3573011203070008", "13-03-2007", "XII"],  # 10: date≠
        [9, "Intan", "P", "0071234575", "9973015203070009", "12-03-2007", "XII"],  # 11: region
        [10, "Joko", "L", "0071234567", "3573011203070010", "12-03-2007", "XII"],  # 12: dup NISN
        [11, "Kiki", "L", "0071234580", GOOD_NIK, "12-03-2007", "XII"],  # 13: dup NIK
        [12, "Lina", "X", "0071234581", "3573015203070012", "12-03-2007", "XII"],  # 14: sex
        [13, "Mira", "", "", "", "", ""],  # 15: no identifier, no date
        [],  # 16: blank, silent
        ["Jumlah", "", "", "", "", "", 13],  # 17: totals
    ]
    preview = read_roster(_write_rows(tmp_path / "e.csv", rows), today=TODAY)
    by_row: dict[int, set[str]] = {}
    for line in preview.lines:
        if line.row is not None:
            by_row.setdefault(line.row, set()).add(line.code)
    # Rows 3 and 12 share a NISN, rows 3 and 13 a NIK, with other details: all held back.
    assert by_row[3] == {"duplicate_nisn_in_file", "duplicate_nik_in_file"}
    assert "name_missing" in by_row[4]
    assert "birth_date_unreadable" in by_row[5]
    assert "nik_length" in by_row[6]
    assert "nisn_length" in by_row[7]
    assert "nik_mangled" in by_row[8]
    assert "nik_sex_mismatch" in by_row[9]
    assert "nik_birth_date_mismatch" in by_row[10]
    assert "nik_region_unknown" in by_row[11]
    assert "duplicate_nisn_in_file" in by_row[12]
    assert "duplicate_nik_in_file" in by_row[13]
    assert "sex_unreadable" in by_row[14]
    assert {"no_identifier", "birth_date_missing"} <= by_row[15]
    assert 16 not in by_row
    assert by_row[17] == {"totals_row"}
    assert sorted(h.row_number for h in preview.held_back) == [3, 4, 5, 6, 7, 8, 12, 13, 14, 15]
    assert [r.row_number for r in preview.rows] == [9, 10, 11]
    # Every line names its column as the file does, and its cell.
    mangled = next(ln for ln in preview.lines if ln.code == "nik_mangled")
    assert (mangled.column, mangled.cell, mangled.severity) == ("NIK", "E8", Severity.ERROR)
    assert "Excel" in mangled.message and "Excel" in mangled.message_en
    nik_length = next(ln for ln in preview.lines if ln.code == "nik_length")
    assert "0 di depan" not in nik_length.message.replace("diawali 0", "")
    held = next(h for h in preview.held_back if h.row_number == 5)
    assert held.values["name"] == "Citra" and held.lines[0].severity is Severity.ERROR


def test_missing_birth_date_and_sex_taken_from_nik(tmp_path: Path) -> None:
    rows = [HEADER, [1, "Budi", "", "0071234567", GOOD_NIK, "", "XII"]]
    preview = read_roster(_write_rows(tmp_path / "n.csv", rows), today=TODAY)
    (row,) = preview.rows
    assert row.birth_date == date(2007, 3, 12) and row.sex is Sex.MALE
    assert {ln.code for ln in preview.warnings} == {"birth_date_from_nik", "sex_from_nik"}


def test_missing_columns_are_warned_once(tmp_path: Path) -> None:
    preview = read_roster(_write_rows(tmp_path / "m.csv", [["Nama", "NISN"], ["Budi",
                                                           "0071234567"]]), today=TODAY)  # fmt: skip
    missing = [ln for ln in preview.lines if ln.code == "column_missing"]
    assert len(missing) == 4  # NIK, JK, Tanggal Lahir, Kelas
    assert [h.lines[0].code for h in preview.held_back] == ["birth_date_missing"]


def test_report_csv(tmp_path: Path) -> None:
    rows = [HEADER, [1, "", "L", "0071234567", GOOD_NIK, "12-03-2007", "XII"]]
    preview = read_roster(_write_rows(tmp_path / "r.csv", rows), today=TODAY)
    out = tmp_path / "report.csv"
    write_report_csv(preview, None, out)
    text = out.read_text(encoding="utf-8-sig")
    lines = list(csv.reader(text.splitlines(), delimiter=";"))
    assert lines[0] == ["baris", "kolom", "sel", "tingkat", "kode", "pesan", "message_en"]
    assert ["2", "Nama", "B2", "kesalahan", "name_missing", "Nama kosong.",
            "The name is empty."] in lines  # fmt: skip


def test_ten_thousand_rows(big_xlsx: Path, big_students: list[C.Student]) -> None:
    preview = read_roster(big_xlsx, today=TODAY)
    assert len(preview.rows) == 10_000 and not preview.held_back
    assert preview.rows[-1].nisn == big_students[-1].nisn
    assert preview.rows[-1].row_number == C.row_of(9_999)


_cells = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.integers(-10, 10**17), st.floats(allow_nan=True),
    st.sampled_from(["L", "P", "0071234567", GOOD_NIK, "12 Maret 2007", "3.57301E+15",
                     "Jumlah", "Total"]),
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(st.lists(_cells, min_size=7, max_size=7), max_size=25))
def test_no_row_is_lost(tmp_path: Path, body: list[list[object]]) -> None:
    """Every row with a name or identifier is imported, held back, or skipped with a line."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in body:
        ws.append(row)
    path = tmp_path / "h.xlsx"
    wb.save(path)
    preview = read_roster(path, today=TODAY)
    accounted = {r.row_number for r in preview.rows} | {h.row_number for h in preview.held_back}
    accounted |= set(preview.skipped_rows)
    for number, row in enumerate(body, start=2):
        texts = [str(v).strip() if v is not None else "" for v in row[1:5]]
        if any(texts):
            assert number in accounted, (number, row)
    for held in preview.held_back:
        assert any(ln.severity is Severity.ERROR for ln in held.lines)
