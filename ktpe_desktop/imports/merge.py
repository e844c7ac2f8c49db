"""Comparing an import with the roster already held: the merge plan.

Rules (docs/import.md):

- A row is matched to a student of the same school by NISN first, then by NIK.
- A matched row whose fields differ becomes a *change* (``details_corrected``);
  an empty cell never erases a value, and a column the file lacks changes nothing.
- An unmatched row is a *new* student (``student_added``).
- Students of the school that the file does not mention are *missing*: reported,
  never deleted.
- Rows that cannot be applied safely are *skipped* with a warning: a second row with
  the same NISN/NIK in the file, a row whose NISN and NIK point at two different
  students, a second row matching a student already matched.
- A new row whose NISN or NIK belongs to a student of another school is imported
  with a warning (a student who changed school, or a double listing to resolve).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ktpe_desktop.imports.model import (
    FIELD_LABELS,
    ROSTER_FIELDS,
    ReportLine,
    RosterPreview,
    RosterRow,
    Severity,
)

__all__ = [
    "ExistingStudent",
    "FieldChange",
    "MergePlan",
    "SkippedRow",
    "StudentChange",
    "compare_with_roster",
]


@dataclass(frozen=True, slots=True)
class ExistingStudent:
    """A student already held (the storage layer's row, as plain values)."""

    student_id: str
    school_npsn: str
    name: str
    nisn: str | None = None
    nik: str | None = None
    kk: str | None = None
    sex: str | None = None
    birth_place: str | None = None
    birth_date: date | None = None
    class_name: str | None = None
    mother_name: str | None = None
    nipd: str | None = None

    def details(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name in ROSTER_FIELDS:
            value = getattr(self, name)
            if isinstance(value, date):
                value = value.isoformat()
            out[name] = value if value not in ("", None) else None
        return out


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str | None
    new: str


@dataclass(frozen=True, slots=True)
class StudentChange:
    """A matched student whose details the file changes."""

    row: RosterRow
    student: ExistingStudent
    changes: tuple[FieldChange, ...]
    matched_by: str  # "nisn" | "nik"

    def payload(self) -> dict[str, object]:
        """The ``details_corrected`` payload: ``{"changes": {field: new value}}``."""
        return {"changes": {c.field: c.new for c in self.changes}}


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A valid row that the plan does not apply, and why."""

    row: RosterRow
    code: str
    message: str
    message_en: str


@dataclass(slots=True)
class MergePlan:
    """What a commit would do. Nothing is ever deleted."""

    school_npsn: str | None = None
    new: list[RosterRow] = field(default_factory=list)
    changed: list[StudentChange] = field(default_factory=list)
    unchanged: list[tuple[RosterRow, ExistingStudent]] = field(default_factory=list)
    missing: list[ExistingStudent] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True when a commit would write nothing."""
        return not self.new and not self.changed

    def summary(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "missing": len(self.missing),
            "skipped": len(self.skipped),
        }


def _diff(row: RosterRow, student: ExistingStudent) -> tuple[FieldChange, ...]:
    new = row.details()
    old = student.details()
    changes = []
    for name in ROSTER_FIELDS:
        value = new[name]
        if value is None or value == "":
            continue  # an empty cell never erases what is held
        if value != old[name]:
            changes.append(FieldChange(name, old[name], value))
    return tuple(changes)


def _shown(value: object) -> str:
    """A field's value as the report shows it: dates dd-mm-yyyy, empty as (kosong)."""
    if value is None or value == "":
        return "(kosong)"
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return f"{date.fromisoformat(text):%d-%m-%Y}"
        except ValueError:
            return f"'{text}'"
    return f"'{text}'"


def _first_by(students: Iterable[ExistingStudent], attr: str) -> dict[str, ExistingStudent]:
    table: dict[str, ExistingStudent] = {}
    for student in students:
        key = getattr(student, attr)
        if key:
            table.setdefault(key, student)
    return table


def compare_with_roster(
    preview: RosterPreview,
    existing: list[ExistingStudent],
    *,
    school_npsn: str | None = None,
) -> MergePlan:
    """Plan the merge of ``preview`` into the roster ``existing``.

    Args:
        preview: what :func:`read_roster` found.
        existing: the students already held. With ``school_npsn``, only that
            school's students are merged with; the others only raise duplicate
            warnings. Without it, all of ``existing`` is the school's roster.
        school_npsn: the school the file belongs to.

    Returns:
        The plan; its ``lines`` are the merge's warnings and notes.
    """
    if school_npsn is None:
        own, others = list(existing), []
    else:
        own = [s for s in existing if s.school_npsn == school_npsn]
        others = [s for s in existing if s.school_npsn != school_npsn]
    by_nisn, by_nik = _first_by(own, "nisn"), _first_by(own, "nik")
    other_nisn, other_nik = _first_by(others, "nisn"), _first_by(others, "nik")
    plan = MergePlan(school_npsn=school_npsn)
    claimed: dict[str, int] = {}
    seen_nisn: dict[str, int] = {}
    seen_nik: dict[str, int] = {}
    nisn_label = preview.mapped_fields.get("nisn", "NISN")
    nik_label = preview.mapped_fields.get("nik", "NIK")

    def skip(row: RosterRow, code: str, msg: str, msg_en: str, *, report: bool = True) -> None:
        plan.skipped.append(SkippedRow(row, code, msg, msg_en))
        if report:
            plan.lines.append(ReportLine(row.row_number, None, Severity.WARNING, code, msg, msg_en))

    for row in preview.rows:
        # In-file duplicates were reported by read_roster; here they are held out.
        if row.nisn and seen_nisn.setdefault(row.nisn, row.row_number) != row.row_number:
            first = seen_nisn[row.nisn]
            skip(
                row,
                "duplicate_nisn_in_file",
                f"NISN sama dengan baris {first}.",
                f"Same NISN as row {first}.",
                report=False,
            )
            continue
        if row.nik and seen_nik.setdefault(row.nik, row.row_number) != row.row_number:
            first = seen_nik[row.nik]
            skip(
                row,
                "duplicate_nik_in_file",
                f"NIK sama dengan baris {first}.",
                f"Same NIK as row {first}.",
                report=False,
            )
            continue
        match_nisn = by_nisn.get(row.nisn) if row.nisn else None
        match_nik = by_nik.get(row.nik) if row.nik else None
        if match_nisn and match_nik and match_nisn.student_id != match_nik.student_id:
            skip(
                row,
                "conflict_nisn_nik",
                f"NISN cocok dengan siswa '{match_nisn.name}', tetapi NIK cocok dengan siswa "
                f"lain '{match_nik.name}': baris ini tidak diterapkan, periksa datanya.",
                f"The NISN matches student '{match_nisn.name}' but the NIK matches another "
                f"student '{match_nik.name}': row not applied, check the data.",
            )
            continue
        student = match_nisn or match_nik
        if student is None:
            plan.new.append(row)
            other = (other_nisn.get(row.nisn) if row.nisn else None) or (
                other_nik.get(row.nik) if row.nik else None
            )
            if other is not None:
                which = "NISN" if row.nisn and other.nisn == row.nisn else "NIK"
                plan.lines.append(
                    ReportLine(
                        row.row_number,
                        nisn_label if which == "NISN" else nik_label,
                        Severity.WARNING,
                        "duplicate_in_other_school",
                        f"{which} ini sudah terdaftar di sekolah lain (NPSN {other.school_npsn}, "
                        f"'{other.name}'): siswa pindah sekolah atau terdaftar dua kali?",
                        f"This {which} is already on the roster of another school (NPSN "
                        f"{other.school_npsn}, '{other.name}'): moved school, or listed twice?",
                    )
                )
            continue
        if student.student_id in claimed:
            first = claimed[student.student_id]
            skip(
                row,
                "matched_twice",
                f"Baris ini dan baris {first} cocok dengan siswa yang sama ('{student.name}'); "
                "baris ini tidak diterapkan.",
                f"This row and row {first} match the same student ('{student.name}'); this "
                "row is not applied.",
            )
            continue
        claimed[student.student_id] = row.row_number
        matched_by = "nisn" if match_nisn else "nik"
        changes = _diff(row, student)
        if not changes:
            plan.unchanged.append((row, student))
            continue
        plan.changed.append(StudentChange(row, student, changes, matched_by))
        for change in changes:
            if change.field in ("nisn", "nik") and change.old:
                label = FIELD_LABELS[change.field][0]
                plan.lines.append(
                    ReportLine(
                        row.row_number,
                        label,
                        Severity.WARNING,
                        f"{change.field}_changed",
                        f"{label} siswa '{student.name}' akan diubah dari {change.old} "
                        f"menjadi {change.new}.",
                        f"The {label} of student '{student.name}' will change from "
                        f"{change.old} to {change.new}.",
                    )
                )
        fields_id = "; ".join(
            f"{FIELD_LABELS[c.field][0]}: {_shown(c.old)} → {_shown(c.new)}" for c in changes
        )
        fields_en = "; ".join(
            f"{FIELD_LABELS[c.field][1]}: {_shown(c.old)} → {_shown(c.new)}" for c in changes
        )
        plan.lines.append(
            ReportLine(
                row.row_number,
                None,
                Severity.INFO,
                "student_changed",
                f"Data '{student.name}' berubah: {fields_id}.",
                f"Details of '{student.name}' change: {fields_en}.",
            )
        )
    for student in own:
        if student.student_id not in claimed:
            plan.missing.append(student)
    if plan.missing:
        plan.lines.append(
            ReportLine(
                None,
                None,
                Severity.WARNING,
                "missing_from_file",
                f"{len(plan.missing)} siswa yang sudah ada tidak tercantum di berkas ini; "
                "mereka tidak dihapus.",
                f"{len(plan.missing)} students already held are not in this file; they are "
                "not deleted.",
            )
        )
        for student in plan.missing:
            ident = student.nisn or student.nik or "-"
            plan.lines.append(
                ReportLine(
                    None,
                    None,
                    Severity.INFO,
                    "missing_student",
                    f"Tidak ada di berkas: {student.name} ({ident}).",
                    f"Not in the file: {student.name} ({ident}).",
                )
            )
    return plan
