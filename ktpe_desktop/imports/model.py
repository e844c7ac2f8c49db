"""The data that a roster import produces: rows, held-back rows, report lines.

Plain frozen dataclasses, no I/O: the desktop app, the CLI and the server all
read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import cast

from ktpe_desktop.core.identifiers import Sex

__all__ = [
    "FIELD_LABELS",
    "ROSTER_FIELDS",
    "ColumnInfo",
    "HeldRow",
    "ReportLine",
    "RosterPreview",
    "RosterRow",
    "Severity",
]


class Severity(StrEnum):
    """How a report line weighs: an error holds its row back, a warning does not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


# The student fields a roster can fill, in display order. The names are those of
# ``core.events.DETAIL_FIELDS`` (minus ``school_npsn``, which the import supplies).
ROSTER_FIELDS: tuple[str, ...] = (
    "nisn",
    "nik",
    "kk",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "class_name",
    "mother_name",
    "nipd",
)

# Field -> (Bahasa Indonesia, English) label, for reports and the dialog.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "nisn": ("NISN", "NISN"),
    "nik": ("NIK", "NIK"),
    "kk": ("No. KK", "Family card no."),
    "name": ("Nama", "Name"),
    "sex": ("JK", "Sex"),
    "birth_place": ("Tempat Lahir", "Place of birth"),
    "birth_date": ("Tanggal Lahir", "Date of birth"),
    "class_name": ("Kelas (Rombel)", "Class"),
    "mother_name": ("Nama Ibu Kandung", "Mother's name"),
    "nipd": ("NIPD", "School ID (NIPD)"),
}


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One problem (or note) of an import, as the user will read it.

    Attributes:
        row: the row number as the spreadsheet shows it (1-based), or None for a
            line about the whole file.
        column: the column's header as written in the file ("Tanggal Lahir",
            "Data Ibu / Nama"), or None.
        severity: error | warning | info.
        code: stable snake_case code (``nisn_length``, ``duplicate_nik_in_file`` …).
        message: Bahasa Indonesia.
        message_en: English.
        cell: the spreadsheet reference of the cell ("H12"), when there is one.
    """

    row: int | None
    column: str | None
    severity: Severity
    code: str
    message: str
    message_en: str
    cell: str | None = None

    def text(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message


@dataclass(frozen=True, slots=True)
class RosterRow:
    """A valid student row of the file (it may still carry warnings)."""

    row_number: int
    name: str
    nisn: str | None = None
    nik: str | None = None
    kk: str | None = None
    sex: Sex | None = None
    birth_place: str | None = None
    birth_date: date | None = None
    class_name: str | None = None
    mother_name: str | None = None
    nipd: str | None = None

    def details(self) -> dict[str, str | None]:
        """The fields as JSON-ready values (dates ISO, sex ``L``/``P``), None when empty."""
        out: dict[str, str | None] = {}
        for name in ROSTER_FIELDS:
            value = getattr(self, name)
            if isinstance(value, date):
                out[name] = value.isoformat()
            elif isinstance(value, Sex):
                out[name] = value.value
            else:
                out[name] = value
        return out

    def added_payload(self, school_npsn: str) -> dict[str, str]:
        """The ``student_added`` payload: :meth:`details` and ``school_npsn``, without
        the empty fields, keys in sorted order (as the event's JSON text stores them)."""
        birth, sex = self.birth_date, self.sex
        payload: dict[str, str | None] = {
            "birth_date": birth.isoformat() if birth is not None else None,
            "birth_place": self.birth_place,
            "class_name": self.class_name,
            "kk": self.kk,
            "mother_name": self.mother_name,
            "name": self.name,
            "nik": self.nik,
            "nipd": self.nipd,
            "nisn": self.nisn,
            "school_npsn": school_npsn,
            "sex": sex.value if sex is not None else None,
        }
        if None in payload.values():
            return {k: v for k, v in payload.items() if v is not None}
        return cast(dict[str, str], payload)


@dataclass(frozen=True, slots=True)
class HeldRow:
    """A row with at least one error: not imported, listed for the user to fix.

    Attributes:
        row_number: as the spreadsheet shows it.
        values: field -> the cell's text as read (what the user will look for).
        lines: the row's report lines (errors first).
    """

    row_number: int
    values: dict[str, str]
    lines: tuple[ReportLine, ...]

    @property
    def name(self) -> str:
        return self.values.get("name", "")


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """One column of the header.

    Attributes:
        index: 0-based position.
        letter: the spreadsheet column letter ("A", "AB").
        label: the header as written (two-row headers qualified: "Data Ibu / Nama").
        field: the student field it fills, or None when unused.
    """

    index: int
    letter: str
    label: str
    field: str | None


@dataclass(slots=True)
class RosterPreview:
    """What :func:`~ktpe_desktop.imports.read_roster` found in a file.

    Attributes:
        rows: the valid rows (warnings allowed), in file order.
        held_back: the rows with errors; never imported, always listed.
        lines: every report line, file-level lines first, then by row.
        unused_columns: the headers of the columns the import does not use.
        columns: every header column and the field it fills.
        sheet_name: the sheet read (None for a CSV).
        header_row: the (first) header row, 1-based.
        file_kind: ``"xlsx"`` or ``"csv"``.
        encoding: the text encoding of a CSV (None for XLSX).
        delimiter: the delimiter of a CSV (None for XLSX).
        ignored_sheets: other sheets of the workbook, not read.
        skipped_rows: row numbers skipped on purpose (totals, footer, numbering).
    """

    rows: list[RosterRow] = field(default_factory=list)
    held_back: list[HeldRow] = field(default_factory=list)
    lines: list[ReportLine] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)
    sheet_name: str | None = None
    header_row: int = 0
    file_kind: str = ""
    file_name: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    ignored_sheets: list[str] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    #: Rows identical to an earlier row (same student written twice): imported once.
    duplicates_dropped: list[int] = field(default_factory=list)

    @property
    def errors(self) -> list[ReportLine]:
        return [ln for ln in self.lines if ln.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[ReportLine]:
        return [ln for ln in self.lines if ln.severity is Severity.WARNING]

    @property
    def infos(self) -> list[ReportLine]:
        return [ln for ln in self.lines if ln.severity is Severity.INFO]

    @property
    def mapped_fields(self) -> dict[str, str]:
        """Field -> header label of the columns that are used."""
        return {c.field: c.label for c in self.columns if c.field is not None}

    @property
    def total_rows(self) -> int:
        """Student rows found (valid + held back + identical repeats)."""
        return len(self.rows) + len(self.held_back) + len(self.duplicates_dropped)
