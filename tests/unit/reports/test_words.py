from __future__ import annotations

from datetime import date, datetime

import pytest

from ktpe_desktop.reports.words import (
    bulan_romawi,
    format_angka,
    format_tanggal,
    format_waktu,
    hari,
    kalimat_tanggal,
    persen,
    terbilang,
)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (27, "dua puluh tujuh"),
        (31, "tiga puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (111, "seratus sebelas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (1945, "seribu sembilan ratus empat puluh lima"),
        (2000, "dua ribu"),
        (2024, "dua ribu dua puluh empat"),
        (11000, "sebelas ribu"),
        (100000, "seratus ribu"),
        (101000, "seratus satu ribu"),
        (1000000, "satu juta"),
        (663178, "enam ratus enam puluh tiga ribu seratus tujuh puluh delapan"),
        (2_000_001_000, "dua miliar seribu"),
    ],
)
def test_terbilang(n: int, words: str) -> None:
    assert terbilang(n) == words


@pytest.mark.parametrize("bad", [-1, 10**15])
def test_terbilang_refuses_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        terbilang(bad)


def test_terbilang_refuses_non_int() -> None:
    with pytest.raises(TypeError):
        terbilang(True)


def test_voting_day_in_words() -> None:
    day = date(2024, 11, 27)
    assert hari(day) == "Rabu"
    assert format_tanggal(day) == "Rabu, 27 November 2024"
    assert format_tanggal(day, with_day=False) == "27 November 2024"
    assert kalimat_tanggal(day) == (
        "Rabu tanggal dua puluh tujuh bulan November tahun dua ribu dua puluh empat"
    )
    assert bulan_romawi(day.month) == "XI"


def test_every_weekday_and_month_has_a_name() -> None:
    names = {hari(date(2024, 11, d)) for d in range(25, 32 - 0) if d <= 30}
    assert names == {"Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
    assert hari(date(2024, 12, 1)) == "Minggu"
    assert format_tanggal(date(2025, 1, 1)) == "Rabu, 1 Januari 2025"


def test_numbers_and_percentages() -> None:
    assert format_angka(4586) == "4.586"
    assert format_angka(12) == "12"
    assert persen(7, 8) == "87,5%"
    assert persen(1, 3) == "33,3%"
    assert persen(2, 3) == "66,7%"
    assert persen(0, 0) == "–"
    assert persen(10, 10) == "100,0%"
    assert format_waktu(datetime(2024, 11, 27, 14, 5)) == "27-11-2024 14:05 WIB"
