"""Reading single cells: dates, sex, identifiers as spreadsheets store them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.core.identifiers import Sex
from ktpe_desktop.imports.model import Severity
from ktpe_desktop.imports.values import (
    cell_text,
    parse_date_value,
    parse_sex_value,
    read_identifier,
)

TODAY = date(2024, 9, 1)
D = date(2007, 3, 12)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2007, 3, 12),
        D,
        39153,  # Excel serial
        39153.0,
        "39153",
        "2007-03-12",
        "2007-03-12 00:00:00",
        "2007/03/12",
        "12/03/2007",
        "12-03-2007",
        "12.03.2007",
        "12 Maret 2007",
        "12 maret 2007",
        "12 Mar 2007",
        "12 Mar. 2007",
        "12-Mar-2007",
        "12 March 2007",
        "March 12, 2007",
        "Senin, 12 Maret 2007",
        " 12 MARET 2007 ",
        "20070312",
    ],
)
def test_birth_date_formats(value: object) -> None:
    parsed, problems = parse_date_value(value, today=TODAY)
    assert parsed == D
    assert problems == []


@pytest.mark.parametrize(
    ("text", "month"),
    [("1 Agu 2007", 8), ("1 Agt 2007", 8), ("1 Ags 2007", 8), ("1 Agustus 2007", 8),
     ("1 Okt 2007", 10), ("1 Des 2007", 12), ("1 Mei 2007", 5), ("1 Jun 2007", 6),
     ("1 Jul 2007", 7), ("1 Sep 2007", 9), ("1 Nov 2007", 11), ("1 Nopember 2007", 11),
     ("1 Pebruari 2007", 2), ("1 Januari 2007", 1), ("1 Apr 2007", 4), ("1 Feb 2007", 2)],
)  # fmt: skip
def test_indonesian_months(text: str, month: int) -> None:
    parsed, _ = parse_date_value(text, today=TODAY)
    assert parsed == date(2007, month, 1)


def test_month_first_is_read_with_a_warning() -> None:
    parsed, problems = parse_date_value("03/25/2007", today=TODAY)
    assert parsed == date(2007, 3, 25)
    assert [p.code for p in problems] == ["birth_date_month_first"]
    assert problems[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    ("value", "code"),
    [("31/02/2007", "birth_date_unreadable"), ("kemarin", "birth_date_unreadable"),
     ("12 Mars 2007", "birth_date_unreadable"), ("2030-01-01", "birth_date_future"),
     ("01-01-1900", "birth_date_implausible"), (True, "birth_date_unreadable"),
     (-5, "birth_date_unreadable")],
)  # fmt: skip
def test_bad_birth_dates_are_errors(value: object, code: str) -> None:
    parsed, problems = parse_date_value(value, today=TODAY)
    assert parsed is None
    assert [p.code for p in problems] == [code]
    assert problems[0].severity is Severity.ERROR
    assert problems[0].message and problems[0].message_en


def test_empty_date_is_not_a_problem_here() -> None:
    assert parse_date_value(None, today=TODAY) == (None, [])
    assert parse_date_value("", today=TODAY) == (None, [])


@given(st.dates(min_value=date(1930, 1, 1), max_value=TODAY))
def test_any_date_survives_its_text_forms(day: date) -> None:
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
              "September", "Oktober", "November", "Desember"]  # fmt: skip
    for text in (day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d-%m-%Y"),
                 f"{day.day} {months[day.month - 1]} {day.year}",
                 f"{day.day} {months[day.month - 1][:3]} {day.year}"):  # fmt: skip
        assert parse_date_value(text, today=TODAY)[0] == day, text


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.booleans()))
def test_date_parsing_never_raises(value: object) -> None:
    parsed, problems = parse_date_value(value, today=TODAY)
    assert parsed is not None or problems or value in ("", None) or cell_text(value) == ""


@pytest.mark.parametrize(
    ("value", "sex"),
    [("L", Sex.MALE), ("l", Sex.MALE), ("Laki-laki", Sex.MALE), ("LAKI - LAKI", Sex.MALE),
     ("Laki Laki", Sex.MALE), ("M", Sex.MALE), ("Male", Sex.MALE), ("P", Sex.FEMALE),
     ("Perempuan", Sex.FEMALE), ("PEREMPUAN", Sex.FEMALE), ("F", Sex.FEMALE),
     ("Wanita", Sex.FEMALE), (" p ", Sex.FEMALE)],
)  # fmt: skip
def test_sex_words(value: str, sex: Sex) -> None:
    assert parse_sex_value(value) == (sex, [])


def test_unknown_sex_is_an_error() -> None:
    sex, problems = parse_sex_value("X")
    assert sex is None and problems[0].code == "sex_unreadable"
    assert parse_sex_value(None) == (None, [])


def test_nisn_as_number_gets_its_zeros_back() -> None:
    cell, problems = read_identifier(71234567, "nisn", text_cells_lose_zeros=False)
    assert cell is not None and cell.text == "0071234567" and cell.zeros_restored
    assert problems == []
    cell, _ = read_identifier(71234567.0, "nisn", text_cells_lose_zeros=False)
    assert cell is not None and cell.text == "0071234567"


def test_nisn_text_in_xlsx_keeps_its_length_but_csv_restores() -> None:
    cell, _ = read_identifier("71234567", "nisn", text_cells_lose_zeros=False)
    assert cell is not None and cell.text == "71234567"
    cell, _ = read_identifier("71234567", "nisn", text_cells_lose_zeros=True)
    assert cell is not None and cell.text == "0071234567"
    cell, _ = read_identifier("'0071234567", "nisn", text_cells_lose_zeros=False)
    assert cell is not None and cell.text.lstrip("'") == "0071234567"


@pytest.mark.parametrize("value", ["3.57301E+15", "3,57301E+15", 3.5730112030700015e15, 1.5,
                                   float("nan"), -3573011203070001])  # fmt: skip
def test_mangled_nik_is_an_error_that_says_so(value: object) -> None:
    cell, problems = read_identifier(value, "nik", text_cells_lose_zeros=False)
    assert cell is None
    assert [p.code for p in problems] == ["nik_mangled"]
    assert "Excel" in problems[0].message


def test_nik_stored_as_number_ending_in_zero_is_a_warning() -> None:
    cell, problems = read_identifier(3573011203070010, "nik", text_cells_lose_zeros=False)
    assert cell is not None and cell.text == "3573011203070010"
    assert [p.code for p in problems] == ["nik_stored_as_number"]
    cell, problems = read_identifier(3573011203070011, "nik", text_cells_lose_zeros=False)
    assert cell is not None and problems == []


def test_cell_text_cleans_spaces_and_invisible_characters() -> None:
    assert cell_text("  Budi\u00a0 \u200bSantoso ") == "Budi Santoso"
    assert cell_text(12.0) == "12"
    assert cell_text(None) == ""
    assert cell_text(datetime(2007, 3, 12)) == "2007-03-12"
