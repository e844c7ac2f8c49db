"""Parsing and checking of Indonesian identifiers: NIK, No. KK, NISN, NPSN, NIP.

Every parser returns an :class:`IdResult`: the normalised value (or None when the
input is unusable), the *errors* that make it unusable and the *warnings* that an
operator must see but that never reject the value (DESIGN.md: an unknown region or
a NIK that disagrees with the birth date is shown, never silently rejected).

Each :class:`Finding` has a stable snake_case ``code`` for programs and a message
in Bahasa Indonesia with its English twin for people.

NIK layout (16 digits): ``PP KK CC DD MM YY SSSS`` — province, regency, district
where the person was first registered, day of birth (+40 for women), month, the
last two digits of the year, and a serial number from 0001. There is no check
digit. A No. KK has the same shape, but its date part is the issue date of the
family card, so no birth date or sex is read from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Generic, TypeVar

from ktpe_desktop.core import regions

__all__ = [
    "Finding",
    "IdResult",
    "NikInfo",
    "Severity",
    "Sex",
    "check_nik_vs_kk",
    "looks_like_scientific",
    "normalize_digits",
    "parse_kk",
    "parse_nik",
    "parse_nip",
    "parse_nisn",
    "parse_npsn",
    "restore_leading_zeros",
]

T = TypeVar("T")

NIK_LENGTH = 16
KK_LENGTH = 16
NISN_LENGTH = 10
NPSN_LENGTH = 8
NIP_LENGTH = 18
_FEMALE_DAY_OFFSET = 40


class Severity(StrEnum):
    """How bad a finding is: an error makes the value unusable, a warning does not."""

    ERROR = "error"
    WARNING = "warning"


class Sex(StrEnum):
    """Sex as written on Indonesian civil records (L = laki-laki, P = perempuan)."""

    MALE = "L"
    FEMALE = "P"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in an identifier.

    Attributes:
        severity: error (value rejected) or warning (value kept, shown to the user).
        code: stable snake_case code, e.g. ``"nik_length"``.
        message: Bahasa Indonesia text for the user.
        message_en: the same text in English.
    """

    severity: Severity
    code: str
    message: str
    message_en: str


@dataclass(frozen=True, slots=True)
class NikInfo:
    """What a valid NIK says about its holder.

    Attributes:
        nik: the 16 digits.
        region_code: district code ``"PP.KK.CC"`` where the holder was first registered.
        province_code: ``"PP"``.
        regency_code: ``"PP.KK"``.
        region_name: the district's name, or the regency's/province's name when only
            that level is known, or None.
        birth_date: the decoded birth date (see :func:`parse_nik` for the century).
        sex: decoded from the day (+40 for women).
        serial: the last four digits as a number (1..9999).
    """

    nik: str
    region_code: str
    province_code: str
    regency_code: str
    region_name: str | None
    birth_date: date
    sex: Sex
    serial: int


@dataclass(frozen=True, slots=True)
class IdResult(Generic[T]):
    """The outcome of parsing one identifier."""

    value: T | None
    errors: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings may remain)."""
        return not self.errors

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Errors first, then warnings."""
        return self.errors + self.warnings


# --------------------------------------------------------------------------- helpers

# Characters people and spreadsheets put inside numbers: spaces of every kind, dots,
# dashes, slashes are not included on purpose (a slash is not a digit grouping).
_SEPARATORS = re.compile(r"[\s\u00a0\u2007\u202f\u200b.\-\u2010-\u2015\u2212]")
_EXCEL_FLOAT = re.compile(r"^(\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+$")
_ASCII_DIGITS = frozenset("0123456789")


def normalize_digits(text: str) -> str:
    """Remove the decoration around a typed or pasted number.

    Strips spaces (including NBSP and other Unicode spaces), dots and dashes used as
    grouping, and the leading apostrophe Excel uses to force text. A number that
    Excel turned into a float (``"71234567.0"``) loses its ``.0``. Anything else
    (letters, other punctuation) is kept, so the caller can report it.
    """
    if text.isdigit() and text.isascii():
        return text  # ASCII digits only (most values): nothing to strip
    stripped = text.strip().lstrip("'\u2018\u2019`").strip()
    float_match = _EXCEL_FLOAT.match(stripped)
    if float_match:
        return float_match.group(1)
    return _SEPARATORS.sub("", stripped)


def looks_like_scientific(text: str) -> bool:
    """True for a number Excel mangled into scientific notation, e.g. ``"3.57301E+15"``.

    Such a value has lost its last digits for good: the only fix is to re-export
    the column as text.
    """
    return bool(_SCIENTIFIC.match(text.strip().replace("\u00a0", "")))


def restore_leading_zeros(text: str, width: int) -> str:
    """Pad an all-digit value that lost its leading zeros in a spreadsheet.

    Used by importers for columns known to be fixed-width codes (NISN: 10).
    Values that are not all digits, or already ``width`` long or longer, are
    returned normalised but otherwise untouched.

    Args:
        text: the cell value as text.
        width: the expected number of digits.
    """
    digits = normalize_digits(text)
    if digits and _is_digits(digits) and len(digits) < width:
        return digits.zfill(width)
    return digits


def _is_digits(text: str) -> bool:
    # str.isdigit() accepts Arabic-Indic and superscript digits; identifiers are ASCII.
    return bool(text) and set(text) <= _ASCII_DIGITS


def _error(code: str, message: str, message_en: str) -> Finding:
    return Finding(Severity.ERROR, code, message, message_en)


def _warning(code: str, message: str, message_en: str) -> Finding:
    return Finding(Severity.WARNING, code, message, message_en)


def _check_shape(
    text: str, prefix: str, label: str, length: int, *, zeros_hint: bool = False
) -> tuple[str, list[Finding]]:
    """Normalise ``text`` and check it is ``length`` ASCII digits.

    ``zeros_hint`` adds a hint about lost leading zeros to a too-short value, for
    codes that may start with 0 (NISN, NPSN).

    Returns the normalised digits and the shape errors (empty when the shape is fine).
    """
    if len(text) == length and text.isdigit() and text.isascii():
        return text, []  # already ``length`` ASCII digits (most values): nothing to strip
    if looks_like_scientific(text):
        return text.strip(), [
            _error(
                f"{prefix}_scientific",
                f"{label} rusak oleh Excel (notasi ilmiah {text.strip()}): "
                f"ekspor ulang kolom sebagai teks.",
                f"{label} was mangled by Excel into scientific notation ({text.strip()}): "
                f"export the column again as text.",
            )
        ]
    digits = normalize_digits(text)
    if not digits:
        return digits, [
            _error(
                f"{prefix}_empty",
                f"{label} kosong.",
                f"{label} is empty.",
            )
        ]
    if not _is_digits(digits):
        return digits, [
            _error(
                f"{prefix}_not_digits",
                f"{label} hanya boleh berisi angka.",
                f"{label} must contain digits only.",
            )
        ]
    if len(digits) != length:
        hint_id = hint_en = ""
        if zeros_hint and len(digits) < length:
            hint_id = " Mungkin angka 0 di depan hilang (Excel)?"
            hint_en = " Leading zeros may have been lost (Excel)?"
        return digits, [
            _error(
                f"{prefix}_length",
                f"{label} harus {length} digit angka (tertulis {len(digits)} digit).{hint_id}",
                f"{label} must be {length} digits (got {len(digits)}).{hint_en}",
            )
        ]
    return digits, []


def _region_findings(
    digits: str, prefix: str, label: str
) -> tuple[str | None, tuple[Finding, ...]]:
    """Check the region part (first 6 digits) shared by NIK and KK.

    Returns the most precise known region name and the findings: an error for
    province 00, a warning when the district is not in the table.
    """
    return _region_of(digits[0:6], prefix, label)


@lru_cache(maxsize=4096)
def _region_of(region: str, prefix: str, label: str) -> tuple[str | None, tuple[Finding, ...]]:
    # A roster's thousands of NIKs and KKs share a few dozen regions: each is looked
    # up and its findings built once.
    name, findings = _region_findings_of(region, prefix, label)
    return name, tuple(findings)


def _region_findings_of(digits: str, prefix: str, label: str) -> tuple[str | None, list[Finding]]:
    province = digits[0:2]
    regency = f"{province}.{digits[2:4]}"
    district_code = f"{regency}.{digits[4:6]}"
    if province == "00":
        return None, [
            _error(
                f"{prefix}_province_zero",
                f"Kode provinsi {label} tidak boleh 00.",
                f"The province code of a {label} cannot be 00.",
            )
        ]
    district_region = regions.lookup(district_code)
    if district_region is not None:
        return district_region.name, []
    regency_region = regions.lookup(regency)
    province_region = regions.lookup(province)
    if regency_region is not None:
        where_id = f"kabupaten/kota {regency} ({regency_region.name}) dikenal"
        where_en = f"regency/city {regency} ({regency_region.name}) is known"
        name: str | None = regency_region.name
    elif province_region is not None:
        where_id = (
            f"provinsi {province} ({province_region.name}) dikenal, kabupaten/kota {regency} tidak"
        )
        where_en = (
            f"province {province} ({province_region.name}) is known, regency/city {regency} is not"
        )
        name = province_region.name
    else:
        where_id = f"provinsi {province} juga tidak dikenal"
        where_en = f"province {province} is unknown too"
        name = None
    return name, [
        _warning(
            f"{prefix}_region_unknown",
            f"Kode wilayah {label} {district_code} tidak ada di tabel wilayah; {where_id}.",
            f"Region code {district_code} of the {label} is not in the region table; {where_en}.",
        )
    ]


def _decode_date(day: int, month: int, yy: int, today: date) -> date | None:
    """The latest date with this day, month and two-digit year not after ``today``."""
    century = today.year // 100 * 100
    for base in (century, century - 100, century - 200):
        try:
            candidate = date(base + yy, month, day)
        except ValueError:
            continue  # e.g. 29 Feb in a non-leap year of this century
        if candidate <= today:
            return candidate
    return None


# --------------------------------------------------------------------------- NIK


def parse_nik(
    text: str,
    *,
    birth_date: date | None = None,
    sex: Sex | None = None,
    today: date | None = None,
) -> IdResult[NikInfo]:
    """Parse and check a NIK (Nomor Induk Kependudukan).

    Errors: not 16 digits, non-digits, Excel scientific notation, province 00,
    impossible date (day 0 or 32..40 or over 71, month 0 or over 12, 31 Feb,
    29 Feb of a year that is not a leap year in any candidate century), serial 0000.

    Warnings: district code not in the region table; the NIK's birth date differs
    from ``birth_date``; the NIK's sex differs from ``sex``.

    The NIK only has two digits of the year. The century chosen is the latest one
    that puts the birth date on or before ``today``. When ``birth_date`` is given
    and agrees on day, month and the two year digits, its century is used instead.

    Args:
        text: the NIK as typed, scanned or imported.
        birth_date: the birth date on record, to compare with the NIK.
        sex: the sex on record, to compare with the NIK.
        today: the date used to choose the century; defaults to ``date.today()``.
    """
    digits, errors = _check_shape(text, "nik", "NIK", NIK_LENGTH)
    if errors:
        return IdResult(None, tuple(errors))
    warnings: list[Finding] = []
    today = today or date.today()

    name, region_findings = _region_findings(digits, "nik", "NIK")
    for finding in region_findings:
        (errors if finding.severity is Severity.ERROR else warnings).append(finding)

    raw_day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    nik_sex = Sex.FEMALE if raw_day > _FEMALE_DAY_OFFSET else Sex.MALE
    day = raw_day - _FEMALE_DAY_OFFSET if nik_sex is Sex.FEMALE else raw_day
    decoded = _decode_date(day, month, yy, today) if 1 <= day <= 31 else None
    if decoded is None:
        errors.append(
            _error(
                "nik_bad_date",
                f"Tanggal lahir dalam NIK tidak mungkin ({digits[6:8]}-{digits[8:10]}-"
                f"{digits[10:12]}; perempuan: tanggal + 40).",
                f"The birth date in the NIK is impossible ({digits[6:8]}-{digits[8:10]}-"
                f"{digits[10:12]}; women: day + 40).",
            )
        )
    serial = int(digits[12:16])
    if serial == 0:
        errors.append(
            _error(
                "nik_serial_zero",
                "Nomor urut NIK (4 digit terakhir) tidak boleh 0000.",
                "The NIK serial number (last 4 digits) cannot be 0000.",
            )
        )
    if errors or decoded is None:
        return IdResult(None, tuple(errors), tuple(warnings))

    if birth_date is not None:
        if (birth_date.day, birth_date.month, birth_date.year % 100) == (day, month, yy):
            decoded = birth_date
        else:
            warnings.append(
                _warning(
                    "nik_birth_date_mismatch",
                    f"Tanggal lahir dalam NIK ({day:02d}-{month:02d}-{yy:02d}) berbeda dengan "
                    f"tanggal lahir di data ({birth_date:%d-%m-%Y}).",
                    f"The birth date in the NIK ({day:02d}-{month:02d}-{yy:02d}) differs from "
                    f"the recorded birth date ({birth_date:%d-%m-%Y}).",
                )
            )
    if sex is not None and Sex(sex) is not nik_sex:
        nik_word = "perempuan" if nik_sex is Sex.FEMALE else "laki-laki"
        nik_word_en = "female" if nik_sex is Sex.FEMALE else "male"
        warnings.append(
            _warning(
                "nik_sex_mismatch",
                f"NIK menunjukkan {nik_word}, tetapi di data tercatat "
                f"{'laki-laki' if nik_sex is Sex.FEMALE else 'perempuan'}.",
                f"The NIK says {nik_word_en}, but the student is recorded as "
                f"{'male' if nik_sex is Sex.FEMALE else 'female'}.",
            )
        )

    info = NikInfo(
        nik=digits,
        region_code=f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}",
        province_code=digits[0:2],
        regency_code=f"{digits[0:2]}.{digits[2:4]}",
        region_name=name,
        birth_date=decoded,
        sex=nik_sex,
        serial=serial,
    )
    return IdResult(info, (), tuple(warnings))


def check_nik_vs_kk(nik: str, kk: str) -> list[Finding]:
    """Warn when a NIK and a No. KK look swapped or copied (they are equal).

    Both are 16 digits of the same shape, so a form or an import may easily put
    one in the place of the other.
    """
    a, b = normalize_digits(nik), normalize_digits(kk)
    if a and a == b:
        return [
            _warning(
                "looks_like_kk",
                "NIK dan No. KK sama: kemungkinan tertukar.",
                "NIK and family card number (No. KK) are equal: probably swapped.",
            )
        ]
    return []


# --------------------------------------------------------------------------- others


def parse_kk(text: str) -> IdResult[str]:
    """Parse a No. KK (Kartu Keluarga number): 16 digits with a NIK-like region part.

    The region is checked as for a NIK (unknown district: warning). The date part
    is the card's issue date, so no birth date or sex is decoded from it.
    """
    digits, errors = _check_shape(text, "kk", "No. KK", KK_LENGTH)
    if errors:
        return IdResult(None, tuple(errors))
    _, findings = _region_findings(digits, "kk", "No. KK")
    if not findings:  # a known region (most cards)
        return IdResult(digits)
    errs = tuple(f for f in findings if f.severity is Severity.ERROR)
    warns = tuple(f for f in findings if f.severity is Severity.WARNING)
    return IdResult(None if errs else digits, errs, warns)


def parse_nisn(text: str) -> IdResult[str]:
    """Parse a NISN: exactly 10 digits, kept as text with its leading zeros.

    A shorter all-digit value (Excel dropped the zeros) is an error here; importers
    that know the column is a NISN call :func:`restore_leading_zeros` first.
    """
    digits, errors = _check_shape(text, "nisn", "NISN", NISN_LENGTH, zeros_hint=True)
    return IdResult(None if errors else digits, tuple(errors))


def parse_npsn(text: str) -> IdResult[str]:
    """Parse an NPSN (school number): exactly 8 digits."""
    digits, errors = _check_shape(text, "npsn", "NPSN", NPSN_LENGTH, zeros_hint=True)
    return IdResult(None if errors else digits, tuple(errors))


def parse_nip(text: str) -> IdResult[str]:
    """Parse a NIP (civil servant number): 18 digits.

    Layout: birth date ``YYYYMMDD``, appointment ``YYYYMM``, sex digit (1 male,
    2 female), serial ``NNN``. An impossible birth date or sex digit is a warning:
    the number is still the key the civil service uses.
    """
    digits, errors = _check_shape(text, "nip", "NIP", NIP_LENGTH)
    if errors:
        return IdResult(None, tuple(errors))
    warnings: list[Finding] = []
    try:
        date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        warnings.append(
            _warning(
                "nip_bad_birth_date",
                f"Tanggal lahir dalam NIP tidak mungkin ({digits[0:8]}).",
                f"The birth date in the NIP is impossible ({digits[0:8]}).",
            )
        )
    if digits[14] not in "12":
        warnings.append(
            _warning(
                "nip_bad_sex",
                f"Digit jenis kelamin NIP (ke-15) harus 1 atau 2 (tertulis {digits[14]}).",
                f"The sex digit of the NIP (15th) must be 1 or 2 (got {digits[14]}).",
            )
        )
    return IdResult(digits, (), tuple(warnings))
