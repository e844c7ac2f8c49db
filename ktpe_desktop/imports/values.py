"""Reading one cell: text, dates, sex and identifiers, as spreadsheets store them.

Each parser takes the raw cell value (``str``, ``int``, ``float``, ``datetime`` …
as the reader produced it) and returns the value plus the problems found, as
:class:`Problem` tuples that the roster reader turns into report lines.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ktpe_desktop.core.identifiers import (
    Finding,
    Sex,
    looks_like_scientific,
    normalize_digits,
    parse_kk,
    parse_nisn,
    restore_leading_zeros,
)
from ktpe_desktop.imports.model import Severity

__all__ = [
    "MONTHS",
    "Problem",
    "cell_text",
    "parse_date_value",
    "parse_sex_value",
    "read_identifier",
]

_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    code: str
    message: str
    message_en: str

    @classmethod
    def from_finding(cls, finding: Finding) -> Problem:
        return cls(
            Severity(finding.severity.value), finding.code, finding.message, finding.message_en
        )


def _error(code: str, message: str, message_en: str) -> Problem:
    return Problem(Severity.ERROR, code, message, message_en)


def _warning(code: str, message: str, message_en: str) -> Problem:
    return Problem(Severity.WARNING, code, message, message_en)


def cell_text(value: object) -> str:
    """A cell as clean text: NFC, no invisible characters, single spaces, stripped.

    Numbers that are whole print without ``.0``; dates print ``YYYY-MM-DD``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        # Already clean (most cells): printable ASCII has no invisible character and
        # nothing NFC changes, and its only whitespace is the plain space.
        if (
            type(value) is str
            and value.isascii()
            and value.isprintable()
            and "  " not in value
            and value[:1] != " "
            and value[-1:] != " "
        ):
            return value
    elif type(value) is int:
        return str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).translate(_INVISIBLE).replace("\u00a0", " ")
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


# --------------------------------------------------------------------------- dates

MONTHS: dict[str, int] = {
    # Bahasa Indonesia, full and the abbreviations in use (Agu/Agt/Ags for Agustus)
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agus": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12,
    # English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7,
    "august": 8, "aug": 8, "october": 10, "oct": 10, "december": 12, "dec": 12,
}  # fmt: skip

_ISO = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DMY = re.compile(
    r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})\s*[-/.\s]\s*([A-Za-z]+)\.?\s*[-/.\s,]\s*(\d{4})$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_WEEKDAY_PREFIX = re.compile(r"^[A-Za-z']+,\s*")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 1, 2_958_465  # 1900-01-01 .. 9999-12-31


def _serial_to_date(serial: float) -> date | None:
    if not math.isfinite(serial) or not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        return None
    days = int(serial)
    if days < 61:  # Excel's fictitious 29 Feb 1900: serials before it are one day off
        days += 1
    return _EXCEL_EPOCH + timedelta(days=days)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date_value(value: object, *, today: date) -> tuple[date | None, list[Problem]]:
    """A birth date from a cell.

    Accepts date cells, Excel serial numbers, ``2007-03-12``, ``12/03/2007``,
    ``12-03-2007``, ``12.03.2007``, ``12 Maret 2007``, ``12 Mar 2007``, ``12-Mar-2007``,
    ``March 12, 2007``, ``20070312``. Day-first is the Indonesian order; a value only
    valid month-first (``03/25/2007``) is read so with a warning.

    Returns:
        (the date or None, problems). An empty cell gives (None, []).
    """
    problems: list[Problem] = []
    parsed: date | None
    if value is None or value == "":
        return None, []
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, bool):
        parsed = None
    elif isinstance(value, int | float):
        parsed = _serial_to_date(float(value))
    else:
        parsed, problems = _parse_date_text(cell_text(value))
    if parsed is None:
        shown = cell_text(value)[:40]
        return None, [
            _error(
                "birth_date_unreadable",
                f"Tanggal lahir tidak terbaca: '{shown}'. Gunakan mis. 12-03-2007 atau "
                "12 Maret 2007.",
                f"Unreadable date of birth: '{shown}'. Use e.g. 12-03-2007 or 12 March 2007.",
            )
        ]
    if parsed > today:
        return None, [
            _error(
                "birth_date_future",
                f"Tanggal lahir {parsed:%d-%m-%Y} ada di masa depan.",
                f"The date of birth {parsed:%d-%m-%Y} is in the future.",
            )
        ]
    if parsed.year < today.year - 100:
        return None, [
            _error(
                "birth_date_implausible",
                f"Tanggal lahir {parsed:%d-%m-%Y} tidak masuk akal (lebih dari 100 tahun lalu).",
                f"The date of birth {parsed:%d-%m-%Y} is implausible (over 100 years ago).",
            )
        ]
    return parsed, problems


def _parse_date_text(text: str) -> tuple[date | None, list[Problem]]:
    text = _WEEKDAY_PREFIX.sub("", text.strip()) if not text[:1].isdigit() else text.strip()
    if m := _ISO.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3])), []
    if m := _DMY.match(text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        parsed = _make(year, month, day)
        if parsed is None and (swapped := _make(year, day, month)) is not None:
            return swapped, [
                _warning(
                    "birth_date_month_first",
                    f"Tanggal '{text}' dibaca sebagai bulan/tanggal/tahun ({swapped:%d-%m-%Y}); "
                    "periksa format tanggal di berkas.",
                    f"Date '{text}' read as month/day/year ({swapped:%d-%m-%Y}); check the "
                    "file's date format.",
                )
            ]
        return parsed, []
    if m := _DAY_MONTH_NAME.match(text):
        month_number = MONTHS.get(m[2].lower())
        return (_make(int(m[3]), month_number, int(m[1])) if month_number else None), []
    if m := _MONTH_NAME_DAY.match(text):
        month_number = MONTHS.get(m[1].lower())
        return (_make(int(m[3]), month_number, int(m[2])) if month_number else None), []
    if _SERIAL.match(text):
        return _serial_to_date(float(text)), []
    if m := _COMPACT.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3])), []
    return None, []


# --------------------------------------------------------------------------- sex

_SEX_WORDS: dict[str, Sex] = {
    "l": Sex.MALE, "lk": Sex.MALE, "laki": Sex.MALE, "laki laki": Sex.MALE,
    "lakilaki": Sex.MALE, "lelaki": Sex.MALE, "pria": Sex.MALE, "cowok": Sex.MALE,
    "m": Sex.MALE, "male": Sex.MALE, "man": Sex.MALE,
    "p": Sex.FEMALE, "pr": Sex.FEMALE, "perempuan": Sex.FEMALE, "wanita": Sex.FEMALE,
    "cewek": Sex.FEMALE, "w": Sex.FEMALE, "f": Sex.FEMALE, "female": Sex.FEMALE,
    "woman": Sex.FEMALE,
}  # fmt: skip
_NON_LETTERS = re.compile(r"[^a-z]+")


def parse_sex_value(value: object) -> tuple[Sex | None, list[Problem]]:
    """Sex from ``L``/``P``, ``Laki-laki``/``Perempuan``, ``M``/``F`` (any case)."""
    text = cell_text(value)
    if not text:
        return None, []
    key = _NON_LETTERS.sub(" ", text.lower()).strip()
    sex = _SEX_WORDS.get(key) or _SEX_WORDS.get(key.replace(" ", ""))
    if sex is None:
        return None, [
            _error(
                "sex_unreadable",
                f"Jenis kelamin '{text[:20]}' tidak dikenali: gunakan L atau P.",
                f"Sex '{text[:20]}' not recognised: use L (male) or P (female).",
            )
        ]
    return sex, []


# --------------------------------------------------------------------------- identifiers

_LABELS = {"nisn": "NISN", "nik": "NIK", "kk": "No. KK"}
_WIDTHS = {"nisn": 10, "nik": 16, "kk": 16}
# Excel keeps 15 significant digits: a 16-digit number that went through Excel's
# number format has a 0 in place of its last digit.
_EXCEL_DIGITS = 15


@dataclass(frozen=True, slots=True)
class IdentifierCell:
    """What an identifier cell held, before the identifier's own checks."""

    text: str  # normalised text to hand to parse_nik / parse_kk / parse_nisn
    from_number: bool  # the cell was a number (not text)
    zeros_restored: bool  # leading zeros were put back (NISN)


def read_identifier(
    value: object, kind: str, *, text_cells_lose_zeros: bool
) -> tuple[IdentifierCell | None, list[Problem]]:
    """Turn a NISN / NIK / KK cell into text, catching what Excel did to it.

    Args:
        value: the raw cell.
        kind: ``"nisn"``, ``"nik"`` or ``"kk"``.
        text_cells_lose_zeros: True for a CSV, whose text cells were numbers in Excel
            before they were saved (so a short NISN there lost its zeros too).

    Returns:
        (None, []) for an empty cell; (None, [error]) for a mangled value; else the
        cell and possibly warnings. Length and region checks are left to the caller.
    """
    label = _LABELS[kind]
    width = _WIDTHS[kind]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, []
    problems: list[Problem] = []
    if isinstance(value, bool | date):
        return None, [
            _error(
                f"{kind}_not_digits",
                f"{label} berisi '{cell_text(value)}', bukan angka.",
                f"{label} holds '{cell_text(value)}', not a number.",
            )
        ]
    from_number = isinstance(value, int | float)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or abs(value) >= 2**53:
            return None, [_mangled(kind, label, cell_text(value))]
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            return None, [_mangled(kind, label, str(value))]
        text = str(value)
        if width == 16 and len(text) == 16 and text.endswith("0"):
            problems.append(
                _warning(
                    f"{kind}_stored_as_number",
                    f"{label} tersimpan sebagai angka di Excel, yang hanya menyimpan 15 digit: "
                    "digit terakhir mungkin sudah berubah menjadi 0. Cocokkan dengan KK/KTP, "
                    "atau format kolom sebagai Teks.",
                    f"The {label} is stored as a number in Excel, which keeps only 15 digits: "
                    "its last digit may have become 0. Check it against the family card, or "
                    "format the column as Text.",
                )
            )
        elif width == 16 and len(text) > _EXCEL_DIGITS and len(text) != 16:
            return None, [_mangled(kind, label, text)]
    elif type(value) is str and value.isdigit() and value.isascii():
        text = value  # ASCII digits (most text cells): cell_text keeps it, not scientific
    else:
        raw = cell_text(value)
        if looks_like_scientific(raw):
            return None, [_mangled(kind, label, raw)]
        text = raw
    restored = False
    if kind == "nisn" and (from_number or text_cells_lose_zeros):
        digits = text if text.isdigit() and text.isascii() else normalize_digits(text)
        if digits.isascii() and digits.isdigit() and 7 <= len(digits) < width:
            text = restore_leading_zeros(digits, width)
            restored = True
    return IdentifierCell(text, from_number, restored), problems


def _mangled(kind: str, label: str, shown: str) -> Problem:
    return _error(
        f"{kind}_mangled",
        f"{label} sudah dirusak Excel ('{shown[:24]}'): angka sepanjang ini hanya aman bila "
        "kolomnya berformat Teks. Ketik ulang atau ekspor ulang dari Dapodik.",
        f"The {label} was mangled by Excel ('{shown[:24]}'): numbers this long are only safe "
        "in a column formatted as Text. Retype it or export it again from Dapodik.",
    )


def check_nisn(cell: IdentifierCell) -> tuple[str | None, list[Problem]]:
    result = parse_nisn(cell.text)
    return result.value, [Problem.from_finding(f) for f in result.findings]


def check_kk(cell: IdentifierCell) -> tuple[str | None, list[Problem]]:
    result = parse_kk(cell.text)
    return result.value, [Problem.from_finding(f) for f in result.findings]
