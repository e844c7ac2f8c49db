"""Roster imports: Dapodik "Daftar Peserta Didik" exports, XLSX and CSV files.

Pure Python (no Qt, no SQLAlchemy): the desktop app's import service and the
server's ``import-roster`` command both use it.

- :func:`read_roster` reads a file into a :class:`RosterPreview` (valid rows,
  held-back rows, one report line per problem);
- :func:`compare_with_roster` plans the merge with the students already held;
- :func:`write_report_csv` writes the report for the office.

See docs/import.md.
"""

from __future__ import annotations

from ktpe_desktop.imports.errors import RosterFileError
from ktpe_desktop.imports.headers import SYNONYMS, normalize_header
from ktpe_desktop.imports.merge import (
    ExistingStudent,
    FieldChange,
    MergePlan,
    SkippedRow,
    StudentChange,
    compare_with_roster,
)
from ktpe_desktop.imports.model import (
    FIELD_LABELS,
    ROSTER_FIELDS,
    ColumnInfo,
    HeldRow,
    ReportLine,
    RosterPreview,
    RosterRow,
    Severity,
)
from ktpe_desktop.imports.report import report_lines, write_report_csv
from ktpe_desktop.imports.roster_reader import MAX_DATA_ROWS, read_roster
from ktpe_desktop.imports.source import MAX_FILE_BYTES

__all__ = [
    "FIELD_LABELS",
    "MAX_DATA_ROWS",
    "MAX_FILE_BYTES",
    "ROSTER_FIELDS",
    "SYNONYMS",
    "ColumnInfo",
    "ExistingStudent",
    "FieldChange",
    "HeldRow",
    "MergePlan",
    "ReportLine",
    "RosterFileError",
    "RosterPreview",
    "RosterRow",
    "Severity",
    "SkippedRow",
    "StudentChange",
    "compare_with_roster",
    "normalize_header",
    "read_roster",
    "report_lines",
    "write_report_csv",
]
