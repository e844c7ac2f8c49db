"""Shared conventions of the papers, used by the laptop and the office console.

* :func:`format_ba_number`: a Berita Acara number from the campaign's pattern.
* the receipt code printed on a Berita Acara is :mod:`ktpe_desktop.core.receipt`.
* :data:`TIME_ZONES`: the three Indonesian time zones and their UTC offsets.
"""

from __future__ import annotations

import string
from datetime import date

TIME_ZONES: dict[str, int] = {"WIB": 7 * 60, "WITA": 8 * 60, "WIT": 9 * 60}  # minutes east of UTC

DEFAULT_BA_PATTERN = "474/BA-{no:02d}/{npsn}/{wilayah}/{bulan_romawi}/{tahun}"
BA_FIELDS = ("no", "npsn", "wilayah", "tim", "tanggal", "bulan", "bulan_romawi", "tahun")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class PatternError(ValueError):
    """A number pattern that cannot be used (unknown field, bad format)."""


def format_ba_number(
    pattern: str, *, no: int, npsn: str, day: date, region: str = "", team: str = ""
) -> str:
    """The number of a Berita Acara.

    Fields: ``{no}`` (per-school counter, e.g. ``{no:02d}``), ``{npsn}``, ``{wilayah}``
    (region code), ``{tim}``, ``{tanggal}`` (YYYYMMDD), ``{bulan}`` (01-12),
    ``{bulan_romawi}`` (I-XII), ``{tahun}``.

    Raises:
        PatternError: the pattern names an unknown field or its format is wrong.
    """
    check_ba_pattern(pattern)
    values = {
        "no": no,
        "npsn": npsn,
        "wilayah": region,
        "tim": team,
        "tanggal": f"{day:%Y%m%d}",
        "bulan": f"{day.month:02d}",
        "bulan_romawi": _ROMAN[day.month - 1],
        "tahun": day.year,
    }
    try:
        return (pattern or DEFAULT_BA_PATTERN).format(**values)
    except (ValueError, KeyError, IndexError) as exc:
        raise PatternError(str(exc)) from None


def check_ba_pattern(pattern: str) -> None:
    """Raise :class:`PatternError` unless ``pattern`` uses only :data:`BA_FIELDS`."""
    if len(pattern) > 200:
        raise PatternError("pattern too long")
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise PatternError(str(exc)) from None
    names = [p[1] for p in parts if p[1] is not None]
    for name in names:
        if name not in BA_FIELDS:
            raise PatternError(f"unknown field {{{name}}}")
    if pattern and "no" not in names:
        raise PatternError("the pattern needs {no}: two visits would get the same number")
    try:
        (pattern or DEFAULT_BA_PATTERN).format(
            no=1,
            npsn="20533660",
            wilayah="35.73",
            tim="tim-01",
            tanggal="20241127",
            bulan="11",
            bulan_romawi="XI",
            tahun=2024,
        )
    except (ValueError, KeyError, IndexError) as exc:
        raise PatternError(str(exc)) from None
