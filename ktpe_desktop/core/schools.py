"""The public school reference shipped with the app: SMA/SMK of Kota Malang (2019).

A laptop that starts offline has no schools from a server; a roster import for a
school of this list may create the school row from it (``ImportService``). The
list is the public 2019 snapshot in ``core/data/sma_smk_kota_malang_2019.csv``
(columns ``npsn,nama,bentuk,status,kecamatan,alamat,lintang,bujur``), the same
file the demo campaign picks its schools from.

Pure Python (no Qt, no SQLAlchemy): the server and the CLI may use it too.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "ReferenceSchool",
    "find_reference_school",
    "natural_key",
    "official_school_name",
    "reference_rows",
    "reference_schools",
    "school_matches",
    "search_reference_schools",
]

_SCHOOLS_FILE = "sma_smk_kota_malang_2019.csv"


@dataclass(frozen=True, slots=True)
class ReferenceSchool:
    """One school of the public reference.

    Attributes:
        npsn: 8-digit school number (text: leading digits matter).
        name: name as written in the source, spaces tidied (``"SMAN 1"``).
        kind: ``"SMA"`` or ``"SMK"``.
        status: ``"negeri"`` or ``"swasta"``.
        kecamatan: district of Kota Malang.
        address: street address, spaces tidied.
        lat: latitude (WGS 84), None when missing.
        lon: longitude (WGS 84), None when missing.
    """

    npsn: str
    name: str
    kind: str
    status: str
    kecamatan: str
    address: str
    lat: float | None = None
    lon: float | None = None

    @property
    def label(self) -> str:
        """``"SMAN 1 (20533660)"``: what a list shows."""
        return f"{self.name} ({self.npsn})"


def reference_rows() -> list[dict[str, str]]:
    """The raw CSV rows of the reference file, in file order (a fresh list each call)."""
    raw = resources.files("ktpe_desktop.core").joinpath("data", _SCHOOLS_FILE).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(raw)))


def _tidy(text: str | None) -> str:
    return " ".join((text or "").split())


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text and text.strip() else None
    except ValueError:
        return None


@cache
def _schools() -> tuple[ReferenceSchool, ...]:
    found: dict[str, ReferenceSchool] = {}
    for row in reference_rows():
        npsn = (row.get("npsn") or "").strip()
        if len(npsn) != 8 or not npsn.isdigit() or npsn in found:
            continue
        found[npsn] = ReferenceSchool(
            npsn=npsn,
            name=_tidy(row.get("nama")) or npsn,
            kind=_tidy(row.get("bentuk")),
            status=_tidy(row.get("status")).lower(),
            kecamatan=_tidy(row.get("kecamatan")),
            address=_tidy(row.get("alamat")),
            lat=_float(row.get("lintang")),
            lon=_float(row.get("bujur")),
        )
    return tuple(sorted(found.values(), key=lambda s: (natural_key(s.name), s.npsn)))


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts ``SMKN 2`` before ``SMKN 10`` (numbers by value)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.findall(r"\d+|\D+", name.upper())
    )


def reference_schools() -> list[ReferenceSchool]:
    """Every school of the reference, sorted by name (numbers by value), then NPSN."""
    return list(_schools())


def find_reference_school(npsn: str) -> ReferenceSchool | None:
    """The reference school with this NPSN (surrounding spaces ignored), or None."""
    wanted = (npsn or "").strip()
    return next((s for s in _schools() if s.npsn == wanted), None)


def school_matches(text: str, name: str, npsn: str) -> bool:
    """Whether a school matches what was typed in a search field.

    True when the NPSN starts with ``text`` (spaces ignored), or when every word of
    ``text`` starts a word of ``name`` (``"smkn 2"`` finds SMKN 2 MALANG, not
    SMKN 12 MALANG). Case is ignored; an empty ``text`` matches every school.
    """
    words = text.upper().split()
    if not words:
        return True
    digits = "".join(words)
    if digits.isdigit() and npsn.startswith(digits):
        return True
    parts = name.upper().split()
    return all(any(part.startswith(w) for part in parts) for w in words)


def search_reference_schools(text: str) -> list[ReferenceSchool]:
    """The reference schools matching ``text`` (:func:`school_matches`), by name."""
    return [s for s in _schools() if school_matches(text, s.name, s.npsn)]


# --------------------------------------------------------------------------- names

#: Dapodik's abbreviations of a school's form and status, as an office letter spells them.
_FORM_PREFIXES: dict[str, str] = {
    "SMAN": "SMA Negeri",
    "SMKN": "SMK Negeri",
    "MAN": "MA Negeri",
    "SMAS": "SMA",
    "SMKS": "SMK",
    "MAS": "MA",
    "SMA": "SMA",
    "SMK": "SMK",
    "MA": "MA",
}
#: Words kept in capitals (acronyms, Roman numerals) or spelled as letters write them.
_WORD_SPELLING: dict[str, str] = {
    "PGRI": "PGRI",
    "YPK": "YPK",
    "YP": "YP",
    "UM": "UM",
    "IT": "IT",
    "ST": "St.",
    "K": "Katolik",
    "MAARIF": "Ma'arif",
    "JATIM": "Jatim",
    "NU": "NU",
}
_ROMAN = re.compile(r"^(?=[IVX]+$)X{0,3}(IX|IV|V?I{0,3})$")
_CITY_SUFFIXES = ("KOTA MALANG", "MALANG")


def _spell(word: str) -> str:
    upper = word.upper()
    if upper in _WORD_SPELLING:
        return _WORD_SPELLING[upper]
    if upper.isdigit() or _ROMAN.match(upper):
        return upper
    return word[:1].upper() + word[1:].lower()


def official_school_name(name: str, status: str = "", city: str = "Malang") -> str:
    """A school's name as the office writes it in a letter (``"SMA Negeri 3 Malang"``).

    Dapodik's short forms (``"SMAN 3"``, ``"SMKS PGRI 3 MALANG"``) are spelled out:
    the form and status (``SMAN`` → ``SMA Negeri``), the words in title case but
    acronyms and numerals kept (``PGRI``, ``IV``), and a state school named with its
    city, as state schools are numbered per city. A name already written in mixed
    case and without a short form (the office typed it) is kept as it is.

    Args:
        name: the name as the school list or the roster gives it.
        status: ``"negeri"`` or ``"swasta"``; kept for callers, the form (``SMAN``,
            ``SMA NEGERI``) decides, since a roster's status column is often wrong.
        city: the city a state school is numbered in.
    """
    text = " ".join((name or "").split())
    if not text:
        return text
    text = re.sub(r"\bMA ARIF\b", "MAARIF", text)
    words = text.split(" ")
    first = words[0].upper()
    short_form = first in ("SMAN", "SMKN", "MAN", "SMAS", "SMKS", "MAS")
    if not short_form and text != text.upper():
        return text  # already written by hand (mixed case)
    if first not in _FORM_PREFIXES:
        return " ".join(_spell(w) for w in words)
    rest = words[1:]
    state = first in ("SMAN", "SMKN", "MAN") or [w.upper() for w in rest[:1]] == ["NEGERI"]
    prefix = _FORM_PREFIXES[first]
    if state and "Negeri" not in prefix:
        prefix += " Negeri"
    if rest and rest[0].upper() == "NEGERI":
        rest = rest[1:]
    had_city = False
    joined = " ".join(rest).upper()
    for suffix in _CITY_SUFFIXES:
        if joined.endswith(" " + suffix) or joined == suffix:
            rest = rest[: len(rest) - len(suffix.split())]
            had_city = True
            break
    out = " ".join([prefix, *(_spell(w) for w in rest)])
    if (state or had_city) and city:
        out += f" {city}"
    return out
