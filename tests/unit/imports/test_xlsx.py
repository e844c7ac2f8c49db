"""The streaming XLSX reader returns what openpyxl (read-only, data-only) returns."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ktpe_desktop.imports.xlsx import XlsxWorkbook, column_letter
from tests.unit.imports import corpus as C


def _openpyxl_rows(path: Path, sheet: int) -> dict[int, list[object]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[sheet]
        ws.reset_dimensions()
        out: dict[int, list[object]] = {}
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            if values:
                out[number] = values
        return out
    finally:
        wb.close()


def _ours(path: Path, sheet: int) -> dict[int, list[object]]:
    with XlsxWorkbook(str(path)) as book:
        out: dict[int, list[object]] = {}
        for number, values in book.rows(sheet):
            values = list(values)
            while values and values[-1] is None:
                values.pop()
            if values:
                out[number] = values
        return out


@pytest.mark.parametrize("fast", [False, True], ids=["shared-strings", "inline-strings"])
def test_same_values_as_openpyxl(tmp_path: Path, fast: bool) -> None:
    students = C.make_students(25, seed=5)
    path = C.write_dapodik_xlsx(
        tmp_path / "a.xlsx", students, nisn_as_number=True, dates_as_cells=True,
        blank_rows_after=(2, 10), totals=True, second_sheet=True, fast=fast,
    )  # fmt: skip
    for sheet in (0, 1):
        assert _ours(path, sheet) == _openpyxl_rows(path, sheet)


def test_wanted_columns_only(tmp_path: Path) -> None:
    students = C.make_students(5, seed=5)
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", students, fast=True)
    with XlsxWorkbook(str(path)) as book:
        rows = dict(book.rows(0, frozenset({1, 4})))
    first = rows[C.row_of(0)]
    assert first[1] == students[0].name and first[4] == students[0].nisn
    assert all(v is None for i, v in enumerate(first) if i not in (1, 4))


def test_dates_and_types(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["text", 12, 1.5, True, datetime(2007, 3, 12), date(2007, 3, 12), "=1+1"])
    wb.save(tmp_path / "t.xlsx")
    with XlsxWorkbook(str(tmp_path / "t.xlsx")) as book:
        ((number, values),) = list(book.rows(0))
    assert number == 1
    assert values[:6] == ["text", 12, 1.5, True, datetime(2007, 3, 12), datetime(2007, 3, 12)]
    assert values[6] is None  # a formula without a cached value: data_only gives None


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 65, 701, 702)] == [
        "A", "Z", "AA", "AB", "BN", "ZZ", "AAA"]  # fmt: skip
