"""Indonesian words for numbers and dates, as official letters write them.

``terbilang(2024)`` → ``"dua ribu dua puluh empat"``; ``format_tanggal`` gives the
app's date style (``"Rabu, 27 November 2024"``); :func:`kalimat_tanggal` gives the
words of a Berita Acara's opening sentence (``"Rabu tanggal dua puluh tujuh bulan
November tahun dua ribu dua puluh empat"``). Pure Python, no locale needed: the
names are spelled here so that the output never depends on the machine's locale.
"""

from __future__ import annotations

from datetime import date, datetime

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ROMAWI = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

_SATUAN = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)
_SKALA = (
    (10**12, "triliun"),
    (10**9, "miliar"),
    (10**6, "juta"),
    (1000, "ribu"),
)


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_SATUAN[hundreds], "ratus"]
    if rest == 0:
        return words
    if rest < 12:
        words.append(_SATUAN[rest])
    elif rest < 20:
        words += [_SATUAN[rest - 10], "belas"]
    else:
        tens, unit = divmod(rest, 10)
        words += [_SATUAN[tens], "puluh"]
        if unit:
            words.append(_SATUAN[unit])
    return words


def terbilang(n: int) -> str:
    """A whole number in Indonesian words (``1001`` → ``"seribu satu"``).

    Raises:
        ValueError: ``n`` is negative or not below 10**15.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("terbilang takes an int")
    if n < 0 or n >= 10**15:
        raise ValueError(f"out of range: {n}")
    if n == 0:
        return "nol"
    words: list[str] = []
    rest = n
    for value, name in _SKALA:
        count, rest = divmod(rest, value)
        if not count:
            continue
        if count == 1 and value == 1000:
            words.append("seribu")  # "seribu", never "satu ribu"
        else:
            words += [*_below_thousand(count), name]
    words += _below_thousand(rest)
    return " ".join(words)


def hari(day: date) -> str:
    """The weekday's name (``"Rabu"``)."""
    return HARI[day.weekday()]


def nama_bulan(month: int) -> str:
    return BULAN[month - 1]


def bulan_romawi(month: int) -> str:
    """The month in Roman numerals, as letter numbers use it (``11`` → ``"XI"``)."""
    return ROMAWI[month - 1]


def format_tanggal(day: date, *, with_day: bool = True) -> str:
    """``"Rabu, 27 November 2024"`` (or ``"27 November 2024"`` without the weekday)."""
    text = f"{day.day} {nama_bulan(day.month)} {day.year}"
    return f"{hari(day)}, {text}" if with_day else text


def kalimat_tanggal(day: date) -> str:
    """The date in words for an opening sentence.

    ``"Rabu tanggal dua puluh tujuh bulan November tahun dua ribu dua puluh empat"``
    """
    return (
        f"{hari(day)} tanggal {terbilang(day.day)} bulan {nama_bulan(day.month)} "
        f"tahun {terbilang(day.year)}"
    )


def format_waktu(moment: datetime, zone_label: str = "WIB") -> str:
    """``"27-11-2024 14:05 WIB"`` (the moment is shown as given, in local time)."""
    return f"{moment:%d-%m-%Y %H:%M} {zone_label}".rstrip()


def persen(part: int, whole: int) -> str:
    """A percentage with a decimal comma (``"87,5%"``); ``"–"`` when ``whole`` is 0."""
    if whole <= 0:
        return "–"
    tenths = (part * 2000 + whole) // (2 * whole)  # half up, exact in integers
    return f"{tenths // 10},{tenths % 10}%"


def format_angka(n: int) -> str:
    """Thousands with a dot, as Indonesian text writes them (``4586`` → ``"4.586"``)."""
    return f"{n:,}".replace(",", ".")


def format_tanggal_angka(day: date) -> str:
    """The date in figures, as a Berita Acara repeats it: ``"27-11-2024"``."""
    return f"{day:%d-%m-%Y}"


def format_jam(moment: datetime) -> str:
    """A time of day as Indonesian letters write it: ``"07.45"``."""
    return f"{moment:%H.%M}"
