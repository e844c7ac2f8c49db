"""Tests of ktpe_desktop.core.identifiers (and the region table behind it)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.core import regions
from ktpe_desktop.core.identifiers import (
    Finding,
    IdResult,
    Severity,
    Sex,
    check_nik_vs_kk,
    looks_like_scientific,
    normalize_digits,
    parse_kk,
    parse_nik,
    parse_nip,
    parse_nisn,
    parse_npsn,
    restore_leading_zeros,
)

TODAY = date(2024, 11, 27)


def codes(result: IdResult[object]) -> set[str]:
    return {f.code for f in result.findings}


def make_nik(region: str, birth: date, sex: Sex, serial: int) -> str:
    day = birth.day + (40 if sex is Sex.FEMALE else 0)
    return f"{region.replace('.', '')}{day:02d}{birth:%m}{birth.year % 100:02d}{serial:04d}"


# --------------------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3573024101080001", "3573024101080001"),
        (" 3573 0241 0108 0001 ", "3573024101080001"),
        ("3573.02.410108.0001", "3573024101080001"),
        ("3573-0241-0108-0001", "3573024101080001"),
        ("'0071234567", "0071234567"),
        ("\u00a0007\u00a01234567\u00a0", "0071234567"),
        ("71234567.0", "71234567"),
        ("", ""),
        ("35A7", "35A7"),
    ],
)
def test_normalize_digits(text: str, expected: str) -> None:
    assert normalize_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.57301E+15", True),
        ("3,57301E+15", True),
        ("3.57302e15", True),
        (" 3.573E+15 ", True),
        ("3573024101080001", False),
        ("0071234567", False),
        ("E+15", False),
        ("", False),
    ],
)
def test_looks_like_scientific(text: str, expected: bool) -> None:
    assert looks_like_scientific(text) is expected


def test_scientific_nik_is_a_specific_error() -> None:
    result = parse_nik("3.57301E+15", today=TODAY)
    assert not result.ok
    assert result.value is None
    assert codes(result) == {"nik_scientific"}
    assert "Excel" in result.errors[0].message and "Excel" in result.errors[0].message_en


# --------------------------------------------------------------------------- NIK


def test_nik_male_decoded() -> None:
    result = parse_nik("3573021508070123", today=TODAY)
    assert result.ok and not result.warnings
    info = result.value
    assert info is not None
    assert info.nik == "3573021508070123"
    assert info.region_code == "35.73.02"
    assert info.regency_code == "35.73"
    assert info.province_code == "35"
    assert info.region_name == "Klojen"
    assert info.birth_date == date(2007, 8, 15)
    assert info.sex is Sex.MALE
    assert info.serial == 123


@pytest.mark.parametrize(
    ("nik", "birth", "sex"),
    [
        ("3573024101080001", date(2008, 1, 1), Sex.FEMALE),  # day 41 = 1st, woman
        ("3573027112070001", date(2007, 12, 31), Sex.FEMALE),  # day 71 = 31st
        ("3573020101080001", date(2008, 1, 1), Sex.MALE),
        ("3573022902080001", date(2008, 2, 29), Sex.MALE),  # leap day 2008 ok
        ("3573026902080001", date(2008, 2, 29), Sex.FEMALE),
        ("3573022902000001", date(2000, 2, 29), Sex.MALE),  # 2000 is a leap year
        ("3507011508079999", date(2007, 8, 15), Sex.MALE),  # Kabupaten Malang
        ("3171015508070001", date(2007, 8, 15), Sex.FEMALE),  # Jakarta Pusat, Gambir
        ("3579011508070001", date(2007, 8, 15), Sex.MALE),  # Kota Batu
        ("3573022811240001", date(1924, 11, 28), Sex.MALE),  # after today in 2024 → 1924
        ("3573022711240001", date(2024, 11, 27), Sex.MALE),  # today itself → 2024
        ("3573021505990001", date(1999, 5, 15), Sex.MALE),
    ],
)
def test_nik_valid(nik: str, birth: date, sex: Sex) -> None:
    result = parse_nik(nik, today=TODAY)
    assert result.ok, result.errors
    assert not result.warnings
    assert result.value is not None
    assert result.value.birth_date == birth
    assert result.value.sex is sex


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("357302150807012", "nik_length"),  # 15 digits
        ("35730215080701234", "nik_length"),  # 17 digits
        ("", "nik_empty"),
        ("   ", "nik_empty"),
        ("35730215080701A3", "nik_not_digits"),
        ("3573021508070000", "nik_serial_zero"),
        ("3573020008070001", "nik_bad_date"),  # day 0
        ("3573024008070001", "nik_bad_date"),  # day 40 (neither man nor woman)
        ("3573023208070001", "nik_bad_date"),  # day 32
        ("3573027208070001", "nik_bad_date"),  # day 72 (= 32 for a woman)
        ("3573021513070001", "nik_bad_date"),  # month 13
        ("3573021500070001", "nik_bad_date"),  # month 0
        ("3573023102070001", "nik_bad_date"),  # 31 Feb
        ("3573022902070001", "nik_bad_date"),  # 29 Feb 2007 (and 1907)
        ("3573026902070001", "nik_bad_date"),  # 29 Feb 2007, woman
        ("3573023104070001", "nik_bad_date"),  # 31 Apr
        ("0073021508070001", "nik_province_zero"),
        ("3573021508070\u0661\u0662\u0663", "nik_not_digits"),  # Arabic-Indic digits
    ],
)
def test_nik_errors(nik: str, code: str) -> None:
    result = parse_nik(nik, today=TODAY)
    assert not result.ok
    assert result.value is None
    assert code in {f.code for f in result.errors}
    assert all(f.severity is Severity.ERROR for f in result.errors)


def test_nik_length_message_counts_digits() -> None:
    result = parse_nik("357302150807012", today=TODAY)
    (finding,) = result.errors
    assert finding.message == "NIK harus 16 digit angka (tertulis 15 digit)."
    assert finding.message_en == "NIK must be 16 digits (got 15)."


def test_nik_reports_several_errors_at_once() -> None:
    result = parse_nik("3573023102070000", today=TODAY)
    assert {f.code for f in result.errors} == {"nik_bad_date", "nik_serial_zero"}


def test_nik_unknown_district_is_a_warning_naming_the_regency() -> None:
    result = parse_nik("3573991508070001", today=TODAY)
    assert result.ok
    assert result.value is not None
    assert result.value.region_name == "Kota Malang"
    (warning,) = result.warnings
    assert warning.code == "nik_region_unknown"
    assert warning.severity is Severity.WARNING
    assert "35.73.99" in warning.message and "Kota Malang" in warning.message
    assert "Kota Malang" in warning.message_en


def test_nik_unknown_regency_names_the_province() -> None:
    result = parse_nik("3598011508070001", today=TODAY)
    assert result.ok and result.value is not None
    assert result.value.region_name == "Jawa Timur"
    assert "Jawa Timur" in result.warnings[0].message


def test_nik_unknown_province() -> None:
    result = parse_nik("9901011508070001", today=TODAY)
    assert result.ok and result.value is not None
    assert result.value.region_name is None
    assert codes(result) == {"nik_region_unknown"}


def test_nik_birth_date_and_sex_match_record() -> None:
    result = parse_nik("3573024101080001", birth_date=date(2008, 1, 1), sex=Sex.FEMALE)
    assert result.ok and not result.warnings


def test_nik_birth_date_mismatch_is_a_warning() -> None:
    result = parse_nik("3573024101080001", birth_date=date(2008, 1, 2), today=TODAY)
    assert result.ok
    assert codes(result) == {"nik_birth_date_mismatch"}
    assert "02-01-2008" in result.warnings[0].message


def test_nik_sex_mismatch_is_a_warning() -> None:
    result = parse_nik("3573024101080001", sex=Sex.MALE, today=TODAY)
    assert result.ok
    assert codes(result) == {"nik_sex_mismatch"}


def test_nik_century_comes_from_the_record_when_it_agrees() -> None:
    # Born 1924: the NIK alone would say 2024-01-15, the record settles it.
    result = parse_nik("3573021501240001", birth_date=date(1924, 1, 15), today=TODAY)
    assert result.ok and not result.warnings
    assert result.value is not None
    assert result.value.birth_date == date(1924, 1, 15)


def test_nik_default_today_is_used() -> None:
    result = parse_nik("3573021508070123")
    assert result.ok and result.value is not None
    assert result.value.birth_date == date(2007, 8, 15)


@given(
    birth=st.dates(min_value=date(1925, 1, 1), max_value=TODAY),
    sex=st.sampled_from(list(Sex)),
    serial=st.integers(min_value=1, max_value=9999),
    region=st.sampled_from(["35.73.01", "35.73.05", "35.07.01", "31.71.01", "92.02.03"]),
)
def test_nik_roundtrip(birth: date, sex: Sex, serial: int, region: str) -> None:
    nik = make_nik(region, birth, sex, serial)
    result = parse_nik(nik, birth_date=birth, sex=sex, today=TODAY)
    assert result.ok and not result.warnings
    info = result.value
    assert info is not None
    assert (info.birth_date, info.sex, info.serial, info.region_code) == (
        birth,
        sex,
        serial,
        region,
    )
    # Without the record, the century is the latest one not after today.
    alone = parse_nik(nik, today=TODAY).value
    assert alone is not None
    assert alone.birth_date <= TODAY
    assert alone.birth_date.year % 100 == birth.year % 100


@given(st.text(max_size=24))
def test_parse_nik_never_raises(text: str) -> None:
    result = parse_nik(text, today=TODAY)
    assert (result.value is None) == bool(result.errors)
    assert all(isinstance(f, Finding) and f.message and f.message_en for f in result.findings)


# --------------------------------------------------------------------------- KK


def test_kk_valid_and_date_part_not_decoded() -> None:
    # Day part 71 would be a woman's 31st in a NIK; in a KK it is simply not read.
    result = parse_kk("3573027112100005")
    assert result.ok and result.value == "3573027112100005"
    assert not result.warnings


@pytest.mark.parametrize(
    ("kk", "code"),
    [
        ("357302711210000", "kk_length"),
        ("35730271121000X5", "kk_not_digits"),
        ("0073027112100005", "kk_province_zero"),
        ("3.57302E+15", "kk_scientific"),
    ],
)
def test_kk_errors(kk: str, code: str) -> None:
    result = parse_kk(kk)
    assert not result.ok and result.value is None
    assert codes(result) == {code}


def test_kk_unknown_region_is_a_warning() -> None:
    result = parse_kk("3573991508070001")
    assert result.ok and result.value == "3573991508070001"
    assert codes(result) == {"kk_region_unknown"}


def test_nik_vs_kk() -> None:
    nik = "3573024101080001"
    (finding,) = check_nik_vs_kk(nik, "3573-0241-0108-0001")
    assert finding.code == "looks_like_kk"
    assert finding.severity is Severity.WARNING
    assert finding.message == "NIK dan No. KK sama: kemungkinan tertukar."
    assert check_nik_vs_kk(nik, "3573021212150003") == []
    assert check_nik_vs_kk("", "") == []


# --------------------------------------------------------------------------- NISN, NPSN, NIP


@pytest.mark.parametrize("nisn", ["0071234567", "0000000001", "1234567890", "'0071234567"])
def test_nisn_valid_keeps_leading_zeros(nisn: str) -> None:
    result = parse_nisn(nisn)
    assert result.ok
    assert result.value == nisn.lstrip("'")
    assert result.value is not None and len(result.value) == 10


@pytest.mark.parametrize(
    ("nisn", "code"),
    [
        ("71234567", "nisn_length"),  # Excel dropped "00": not repaired here
        ("00712345678", "nisn_length"),
        ("007123456X", "nisn_not_digits"),
        ("7.1234567E+07", "nisn_scientific"),
        ("", "nisn_empty"),
    ],
)
def test_nisn_errors(nisn: str, code: str) -> None:
    result = parse_nisn(nisn)
    assert not result.ok and result.value is None
    assert codes(result) == {code}


def test_short_nisn_message_hints_at_lost_zeros() -> None:
    (finding,) = parse_nisn("71234567").errors
    assert "0" in finding.message and "Excel" in finding.message


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("71234567", 10, "0071234567"),
        ("71234567.0", 10, "0071234567"),
        ("0071234567", 10, "0071234567"),
        ("12345678901", 10, "12345678901"),
        ("abc", 10, "abc"),
        ("", 10, ""),
        ("533660", 8, "00533660"),
    ],
)
def test_restore_leading_zeros(text: str, width: int, expected: str) -> None:
    assert restore_leading_zeros(text, width) == expected


@given(st.integers(min_value=1, max_value=9_999_999_999))
def test_restore_then_parse_nisn_roundtrip(number: int) -> None:
    nisn = f"{number:010d}"
    assert parse_nisn(restore_leading_zeros(str(number), 10)).value == nisn


@pytest.mark.parametrize(
    ("npsn", "ok"),
    [("20533660", True), ("2053366", False), ("205336600", False), ("2053366O", False)],
)
def test_npsn(npsn: str, ok: bool) -> None:
    result = parse_npsn(npsn)
    assert result.ok is ok
    assert (result.value == npsn) is ok


@pytest.mark.parametrize(
    ("nip", "warning_codes"),
    [
        ("198503152010012001", set()),
        ("198503152010011001", set()),
        ("198502302010012001", {"nip_bad_birth_date"}),
        ("198503152010013001", {"nip_bad_sex"}),
        ("198513322010010001", {"nip_bad_birth_date", "nip_bad_sex"}),
    ],
)
def test_nip(nip: str, warning_codes: set[str]) -> None:
    result = parse_nip(nip)
    assert result.ok and result.value == nip
    assert {f.code for f in result.warnings} == warning_codes


@pytest.mark.parametrize(
    ("nip", "code"), [("19850315201001200", "nip_length"), ("1985x", "nip_not_digits")]
)
def test_nip_errors(nip: str, code: str) -> None:
    result = parse_nip(nip)
    assert not result.ok and codes(result) == {code}


# --------------------------------------------------------------------------- regions


def test_region_table() -> None:
    assert regions.region_name("35.73.02") == "Klojen"
    assert regions.region_name("35.73") == "Kota Malang"
    assert regions.region_name("35") == "Jawa Timur"
    assert regions.region_name("35.73.99") is None
    region = regions.lookup("35.73.02")
    assert region is not None and region.level is regions.Level.DISTRICT
    assert region.parent_code == "35.73"
    assert [r.name for r in regions.districts_of("35.73")] == [
        "Blimbing",
        "Klojen",
        "Kedungkandang",
        "Sukun",
        "Lowokwaru",
    ]
    assert regions.all_regions() is regions.all_regions()  # loaded once
