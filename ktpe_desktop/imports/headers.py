"""Finding the header of a roster and mapping its columns to student fields.

Columns are mapped by name, never by position. A header text is normalised (case,
spaces, punctuation, a trailing note in parentheses) and looked up in
:data:`SYNONYMS`. Two-row headers (Dapodik's "Data Ayah / Data Ibu / Data Wali"
groups merged over their sub-columns) are read without the merge information: a
group label stands over every following column whose top cell is empty and whose
second-row cell is not, so the sub-column "Nama" under "Data Ibu" becomes
"Data Ibu / Nama".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ktpe_desktop.imports.model import ColumnInfo
from ktpe_desktop.imports.values import cell_text
from ktpe_desktop.imports.xlsx import column_letter

__all__ = [
    "HEADER_SCAN_ROWS",
    "SYNONYMS",
    "Header",
    "find_header",
    "is_numbering_row",
    "normalize_header",
]

HEADER_SCAN_ROWS = 40

# field -> the normalised header texts that mean it. The qualified two-row names
# ("data ibu nama") come from Dapodik; the others from school-made lists and other
# systems seen at the office.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("nama", "nama lengkap", "nama peserta didik", "nama siswa", "nama pd",
             "nama murid", "nama lengkap siswa", "nama lengkap peserta didik", "name",
             "full name", "nama lgkp", "nama lgkp penduduk"),  # SIAK extracts: NAMA_LGKP
    "sex": ("jk", "l p", "lp", "jenis kelamin", "kelamin", "jns kelamin", "sex", "gender",
            "l/p"),
    "nisn": ("nisn", "no nisn", "nomor nisn", "nomor induk siswa nasional"),
    "nik": ("nik", "nik siswa", "nik peserta didik", "no nik", "nomor nik",
            "nomor induk kependudukan", "nik pd"),
    "birth_place": ("tempat lahir", "tmp lahir", "tpt lahir", "tempat lhr",
                    "place of birth", "birth place"),
    "birth_date": ("tanggal lahir", "tgl lahir", "tgl lhr", "tanggal lhr", "tanggal lahir siswa",
                   "date of birth", "birth date", "birthdate", "dob"),
    "class_name": ("rombel saat ini", "kelas", "rombel", "rombongan belajar", "kelas rombel",
                   "rombel kelas", "nama rombel", "class"),
    "kk": ("no kk", "nomor kk", "no kartu keluarga", "nomor kartu keluarga", "kk", "nkk",
           "no kk siswa"),
    "mother_name": ("nama ibu kandung", "nama ibu", "ibu kandung", "data ibu nama",
                    "mother name", "mother s name"),
    "nipd": ("nipd", "nis", "nomor induk", "no induk", "nomor induk peserta didik",
             "no induk siswa", "nomor induk siswa"),
}  # fmt: skip

_LOOKUP: dict[str, str] = {syn: field for field, synonyms in SYNONYMS.items() for syn in synonyms}
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize_header(text: str) -> str:
    """``"Tanggal Lahir (dd/mm/yyyy)*"`` -> ``"tanggal lahir"``; ``"L/P"`` -> ``"l p"``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    stripped = _PARENS.sub(" ", text)
    if stripped.strip():  # "(KM)" alone stays meaningful
        text = stripped
    return _NON_WORD.sub(" ", text).strip()


def field_for(label: str) -> str | None:
    key = normalize_header(label)
    return _LOOKUP.get(key) or _LOOKUP.get(key.replace(" ", ""))


@dataclass(frozen=True, slots=True)
class Header:
    """Where the header is and what each column means.

    Attributes:
        first_row: the header's (first) row number, 1-based.
        last_row: the header's last row (first_row + 1 for a two-row header).
        columns: every non-empty header column.
        fields: field -> 0-based column index (the first column of a field wins).
        duplicates: labels of further columns that mean an already mapped field.
    """

    first_row: int
    last_row: int
    columns: tuple[ColumnInfo, ...]
    fields: dict[str, int]
    duplicates: tuple[str, ...]

    @property
    def unused(self) -> list[str]:
        return [c.label for c in self.columns if c.field is None]


def _map(labels: Sequence[str]) -> tuple[list[ColumnInfo], dict[str, int], list[str]]:
    columns: list[ColumnInfo] = []
    fields: dict[str, int] = {}
    duplicates: list[str] = []
    for index, label in enumerate(labels):
        if not label:
            continue
        field = field_for(label)
        if field is not None and field in fields:
            duplicates.append(label)
            field = None
        if field is not None:
            fields[field] = index
        columns.append(ColumnInfo(index, column_letter(index), label, field))
    return columns, fields, duplicates


def _accept(fields: dict[str, int]) -> bool:
    """A header names the student and either an identifier or two other known fields."""
    if "name" not in fields:
        return False
    return "nisn" in fields or "nik" in fields or len(fields) >= 3


def _is_subheader(top: Sequence[str], below: Sequence[object], name_col: int) -> bool:
    """Is ``below`` the second row of a two-row header whose first row is ``top``?

    Its cell under the name column is empty (merged vertically), all of its cells
    are words (no digits-only values, no dates), and at least one stands under an
    empty top cell (the span of a merged group).
    """
    texts = [cell_text(v) for v in below]
    if name_col < len(texts) and texts[name_col]:
        return False
    if not any(texts):
        return False
    under_group = False
    for index, (value, text) in enumerate(zip(below, texts, strict=False)):
        if not text:
            continue
        if not isinstance(value, str) or not re.search(r"[A-Za-z]", text):
            return False
        if index >= len(top) or not top[index]:
            under_group = True
    return under_group


def _qualified(top: Sequence[str], below: Sequence[str]) -> list[str]:
    labels: list[str] = []
    group = ""
    for index in range(max(len(top), len(below))):
        head = top[index] if index < len(top) else ""
        sub = below[index] if index < len(below) else ""
        if head and sub:
            group = head
            labels.append(f"{head} / {sub}")
        elif head:
            group = ""
            labels.append(head)
        elif sub:
            labels.append(f"{group} / {sub}" if group else sub)
        else:
            labels.append("")
    return labels


def find_header(rows: Sequence[tuple[int, Sequence[object]]]) -> Header | None:
    """Find the header among the first rows of a sheet.

    Args:
        rows: the first :data:`HEADER_SCAN_ROWS` (or more) ``(row_number, values)``.

    Returns:
        The header with the most recognised columns (the first one on a tie), or
        None when no row names the student plus an identifier or two other fields.
    """
    best: tuple[int, int] | None = None  # (score, position)
    for position, (_number, values) in enumerate(rows[:HEADER_SCAN_ROWS]):
        labels = [cell_text(v) for v in values]
        _, fields, _ = _map(labels)
        if _accept(fields) and (best is None or len(fields) > best[0]):
            best = (len(fields), position)
    if best is None:
        return None
    position = best[1]
    number, values = rows[position]
    top = [cell_text(v) for v in values]
    _, fields, _ = _map(top)
    last_row = number
    labels = top
    if position + 1 < len(rows):
        next_number, below = rows[position + 1]
        if next_number == number + 1 and _is_subheader(top, below, fields["name"]):
            labels = _qualified(top, [cell_text(v) for v in below])
            last_row = next_number
    columns, fields, duplicates = _map(labels)
    if not _accept(fields):  # the second row changed nothing essential; keep the first
        columns, fields, duplicates = _map(top)
        last_row = number
    return Header(number, last_row, tuple(columns), fields, tuple(duplicates))


def is_numbering_row(values: Sequence[object]) -> bool:
    """A row of column numbers (1, 2, 3 …) printed under some headers."""
    numbers = [cell_text(v) for v in values if cell_text(v)]
    if len(numbers) < 3:
        return False
    return numbers == [str(i) for i in range(1, len(numbers) + 1)]
