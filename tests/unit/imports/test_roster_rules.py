"""The roster rules at import, each on a generated file: duplicates, eligibility, two-digit
years, a NIK typed as a number, rows in order."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from ktpe_desktop.core.eligibility import CampaignRules
from ktpe_desktop.imports import Severity, read_roster
from tests.unit.imports.conftest import TODAY

HEADER = ["No", "Nama", "JK", "NISN", "NIK", "Tanggal Lahir", "Kelas"]
RULES = CampaignRules(date(2024, 11, 27), 16, 17)


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def codes(preview: object, row: int) -> set[str]:
    return {ln.code for ln in preview.lines if ln.row == row}  # type: ignore[attr-defined]


def test_duplicate_nisn_with_other_details_holds_both_rows(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [1, "BUDI SANTOSO", "L", "0071234567", "3573011203070001", "12-03-2007", "XII-1"],
        [2, "SITI AMINAH", "P", "0071234567", "3573015506070002", "15-06-2007", "XII-2"],
        [3, "CITRA LESTARI", "P", "0071234569", "3573015203070003", "12-03-2007", "XII-1"],
    ]
    preview = read_roster(write_csv(tmp_path / "d.csv", rows), today=TODAY)
    assert [h.row_number for h in preview.held_back] == [2, 3]
    assert [r.row_number for r in preview.rows] == [4]
    line = next(ln for ln in preview.lines if ln.row == 2 and ln.code == "duplicate_nisn_in_file")
    assert line.severity is Severity.ERROR
    assert "baris 3" in line.message and "Nama" in line.message and "NIK" in line.message
    assert preview.total_rows == 3  # the summary counts no dropped row as ready
    assert len(preview.rows) == 1 and len(preview.held_back) == 2


def test_the_same_student_twice_is_one_row_and_a_warning(tmp_path: Path) -> None:
    same = ["BUDI SANTOSO", "L", "0071234567", "3573011203070001", "12-03-2007", "XII-1"]
    rows: list[list[object]] = [[1, *same], [2, "ANI", "P", "0071234599", "", "01-01-2007", "X"]]
    rows.append([3, *same])
    preview = read_roster(write_csv(tmp_path / "s.csv", rows), today=TODAY)
    assert [r.row_number for r in preview.rows] == [2, 3]
    assert preview.duplicates_dropped == [4] and not preview.held_back
    (line,) = [ln for ln in preview.lines if ln.row == 4]
    assert line.severity is Severity.WARNING and "sama persis dengan baris 2" in line.message
    assert preview.total_rows == 3


def test_eligibility_is_flagged_at_import(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        # 17 on voting day: fine.
        [1, "TUA", "L", "0071234567", "", "01-01-2007", "XII"],
        # 16 today (1 Sep 2024) but not 17 on 27 Nov 2024: not a voter this time.
        [2, "MUDA", "L", "0071234568", "", "01-01-2008", "XII"],
        # 15 today: cannot be recorded yet.
        [3, "KECIL", "P", "0071234569", "", "01-06-2009", "X"],
    ]
    preview = read_roster(write_csv(tmp_path / "e.csv", rows), today=TODAY, rules=RULES)
    assert not codes(preview, 2) & {"under_voting_age", "under_recording_age"}
    assert codes(preview, 3) >= {"under_voting_age"} and "under_recording_age" not in codes(
        preview, 3
    )
    assert codes(preview, 4) >= {"under_voting_age", "under_recording_age"}
    under = next(ln for ln in preview.lines if ln.code == "under_recording_age")
    assert under.severity is Severity.WARNING and "01-06-2025" in under.message
    assert "belum cukup umur" in under.message
    assert [r.row_number for r in preview.rows] == [2, 3, 4]  # kept: warnings only


def test_two_digit_years_take_the_century_from_the_nik(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [1, "AGREE", "L", "0071234567", "3573011708070001", "17/08/07", "XII"],
        [2, "DISAGREE", "L", "0071234568", "3573011708060002", "17/08/07", "XII"],
        [3, "NO NIK", "L", "0071234569", "", "17/08/07", "XII"],
    ]
    preview = read_roster(write_csv(tmp_path / "y.csv", rows), today=TODAY)
    (row,) = preview.rows
    assert row.row_number == 2 and row.birth_date == date(2007, 8, 17)
    assert "birth_date_century_from_nik" in codes(preview, 2)
    assert "birth_date_two_digit_year" in codes(preview, 3)
    assert "birth_date_two_digit_year" in codes(preview, 4)
    assert [h.row_number for h in preview.held_back] == [3, 4]


def test_a_nik_typed_as_a_number_gives_one_clear_message(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([1, "BUDI", "L", "0071234567", 3.57302e15, "12-03-2007", "XII"])
    sheet.append([2, "ANI", "P", "0071234568", 3.57301e15, "12-03-2007", "XII"])
    sheet.append([3, "CITRA", "P", "0071234569", "3573015203070003", "12-03-2007", "XII"])
    path = tmp_path / "n.xlsx"
    book.save(path)
    preview = read_roster(path, today=TODAY)
    assert codes(preview, 2) == {"nik_excel_number"}  # one line, not three
    assert codes(preview, 3) == {"nik_excel_number"}
    (note,) = [ln for ln in preview.lines if ln.row is None and ln.code == "nik_excel_number"]
    assert "2 NIK" in note.message and "Format Cells > Text" in note.message
    assert "Text" in note.message_en
    assert [h.row_number for h in preview.held_back] == [2, 3]


def test_warnings_come_in_row_order(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [1, "A", "L", "0071234567", "", "01-01-2007", "XII"],
        [2, "B", "", "0071234568", "", "01-01-2007", "XII"],
        [3, "C", "L", "0071234567", "", "01-01-2007", "XII"],  # duplicate of row 2 (other name)
        [4, "D", "L", "", "3573010101070004", "01-01-2007", "XII"],
    ]
    preview = read_roster(write_csv(tmp_path / "o.csv", rows), today=TODAY)
    numbers = [ln.row for ln in preview.lines if ln.row is not None]
    assert numbers == sorted(numbers)


def test_a_repeat_and_a_different_row_with_one_nisn_are_told_apart(tmp_path: Path) -> None:
    """Rows 2 and 3 the same student, row 4 another with the same NISN: all three are held,
    and the messages say which row differs and which is a repeat (row 2's said "row 3,
    4 with other details", and row 3 was told it would be imported once)."""
    same = ["BUDI SANTOSO", "L", "0071234567", "3573011203070001", "12-03-2007", "XII-1"]
    other = ["SITI AMINAH", "P", "0071234567", "3573015506070002", "15-06-2007", "XII-2"]
    rows: list[list[object]] = [[1, *same], [2, *same], [3, *other]]
    preview = read_roster(write_csv(tmp_path / "r.csv", rows), today=TODAY)
    assert [h.row_number for h in preview.held_back] == [2, 3, 4] and not preview.rows
    assert not preview.duplicates_dropped and preview.total_rows == 3
    by_row = {ln.row: ln for ln in preview.lines if ln.code == "duplicate_nisn_in_file"}
    assert "baris 4 dengan data berbeda" in by_row[2].message
    assert "baris 3 sama persis" in by_row[2].message
    assert "baris 2, 3 dengan data berbeda" in by_row[4].message
    assert "sama persis" not in by_row[4].message
    assert not [ln for ln in preview.lines if ln.code.endswith("_same_row")]
