"""Daftar Hadir per Rombel: the attendance list of each class, before and after a visit.

Before the visit it is the list to call the students by class and to collect their
signatures (a numbered signature column, alternating left and right as Indonesian
attendance lists do). After it, the same list carries each student's outcome as a
tick (√) in one column per outcome and the reason under *Keterangan*, so the school
sees who still has to come. One class per page group: each class starts a new page,
and a class that runs over a page repeats its caption and header.

Data (Qt-free): :func:`load_class_list` reads the school's students (not deleted)
with their states; :func:`daftar_hadir` makes the :class:`DocumentSpec`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Status
from ktpe_desktop.core.letterhead import Letterhead
from ktpe_desktop.reports import data as rdata
from ktpe_desktop.reports.document import (
    BlockSpec,
    Column,
    DocumentSpec,
    PageBreakSpec,
    Row,
    TableSpec,
    _blocks,
    _footer,
)
from ktpe_desktop.reports.labels import STATUS_LABELS, reason_label
from ktpe_desktop.reports.template import Html, escape, render_template
from ktpe_desktop.reports.words import format_angka, format_tanggal, format_waktu
from ktpe_desktop.storage.models import Assignment, School, Student, StudentState

DAFTAR_HADIR_TEMPLATE = "daftar_hadir.html"
TICK = "√"  # in KTPE Serif (U+221A), as ticks are written on Indonesian forms
#: The outcome columns of the list after the visit, with their one-letter heads.
TICK_COLUMNS: tuple[tuple[Status, str], ...] = (
    (Status.RECORDED, "T"),
    (Status.ALREADY_RECORDED, "S"),
    (Status.FAILED, "G"),
    (Status.NOT_ELIGIBLE, "M"),
    (Status.ABSENT, "H"),
)


@dataclass(frozen=True, slots=True)
class ListedStudent:
    name: str
    nisn: str
    sex: str
    birth_date: date | None
    status: Status
    reason: str


@dataclass(frozen=True, slots=True)
class ClassGroup:
    class_name: str
    students: tuple[ListedStudent, ...]

    def count(self, status: Status) -> int:
        return sum(1 for s in self.students if s.status is status)


@dataclass(frozen=True, slots=True)
class ClassList:
    letterhead: Letterhead
    school: rdata.SchoolInfo
    day: date
    place: str
    classes: tuple[ClassGroup, ...]
    after: bool  # outcomes filled in
    petugas: rdata.Signatory
    device_id: str
    printed_at: datetime
    sync: rdata.AckStatus

    @property
    def student_count(self) -> int:
        return sum(len(c.students) for c in self.classes)


def load_class_list(
    session: Session,
    npsn: str,
    *,
    after: bool,
    day: date | None = None,
    printed_at: datetime | None = None,
    petugas: rdata.Signatory | None = None,
    class_name: str | None = None,
) -> ClassList:
    """The school's students by class (natural order), then by name.

    Raises:
        SchoolNotFound, SchoolPurged, LetterheadMissing.
    """
    school = session.get(School, npsn)
    if school is None:
        raise rdata.SchoolNotFound(npsn)
    if school.purged_at is not None:
        raise rdata.SchoolPurged(npsn)
    kop = rdata.letterhead(session)
    printed = rdata.to_local(printed_at) if printed_at is not None else rdata.local_now()
    query = (
        select(
            Student.name,
            Student.nisn,
            Student.sex,
            Student.birth_date,
            Student.class_name,
            StudentState.status,
            StudentState.reason,
        )
        .outerjoin(StudentState, StudentState.student_id == Student.id)
        .where(Student.school_npsn == npsn, Student.deleted.is_(False))
    )
    if class_name is not None:
        query = query.where(Student.class_name == class_name)
    groups: dict[str, list[ListedStudent]] = {}
    for name, nisn, sex, birth, klass, status, reason in session.execute(query):
        state = Status(status) if status is not None else Status.PENDING
        groups.setdefault(klass or "", []).append(
            ListedStudent(
                name=name,
                nisn=nisn or "",
                sex=(sex or "").upper(),
                birth_date=birth,
                status=state,
                reason=reason_label(state, reason),
            )
        )
    classes = tuple(
        ClassGroup(name or "(tanpa kelas)", tuple(sorted(members, key=lambda s: s.name)))
        for name, members in sorted(groups.items(), key=lambda kv: rdata.class_sort_key(kv[0]))
    )
    place = rdata.place_name(session)
    return ClassList(
        letterhead=kop,
        school=rdata._school_info(school, place),
        day=day or list_day(session, school, after=after, today=printed.date()),
        place=place,
        classes=classes,
        after=after,
        petugas=petugas or rdata.Signatory("Petugas"),
        device_id=rdata.device_id(session),
        printed_at=printed,
        sync=rdata.sync_status(session, [npsn]),
    )


def list_day(session: Session, school: School, *, after: bool, today: date) -> date:
    """The day a list is for when none is asked: the visit's.

    Before the visit, the school's next scheduled day (its ``visit_date`` or an
    assignment, today or later; a list printed the day before names the visit's day);
    after it, the last day of the visit that today belongs to or that ended before.
    """
    if after:
        return rdata.school_visit(session, school.npsn, today, school).last_day
    scheduled = set(
        session.scalars(
            select(Assignment.visit_date).where(
                Assignment.school_npsn == school.npsn, Assignment.visit_date >= today
            )
        )
    )
    if school.visit_date is not None and school.visit_date >= today:
        scheduled.add(school.visit_date)
    return min(scheduled, default=today)


def _birth(value: date | None) -> str:
    return f"{value:%d-%m-%Y}" if value else "–"


def students_table(group: ClassGroup, after: bool) -> TableSpec:
    """The class's list: a signature column before the visit, ticks after it."""
    base = (
        Column("No", 0.7, "center"),
        Column("Nama Siswa", 6.5),
        Column("NISN", 1.9, "center"),
        Column("L/P", 0.7, "center"),
        Column("Tgl. Lahir", 1.9, "center"),
    )
    rows: list[Row] = []
    if after:
        columns = (
            *base,
            *(Column(letter, 0.6, "center") for _, letter in TICK_COLUMNS),
            Column("Keterangan", 3.4),
        )
        for i, s in enumerate(group.students, 1):
            ticks = tuple(TICK if s.status is status else "" for status, _ in TICK_COLUMNS)
            # The reason, or the status for a row without a tick (as the legend says it).
            note = s.reason or (STATUS_LABELS[Status.PENDING] if s.status is Status.PENDING else "")
            rows.append(
                Row(
                    (
                        str(i),
                        s.name,
                        s.nisn or "–",
                        s.sex or "–",
                        _birth(s.birth_date),
                        *ticks,
                        note,
                    )
                )
            )
    else:
        columns = (*base, Column("Tanda Tangan", 5.0))
        for i, s in enumerate(group.students, 1):
            # Signatures alternate left and right so that neighbours do not overlap.
            dots = "." * 18
            sign = f"{i}. {dots}" if i % 2 else f"{' ' * 26}{i}. {dots}"
            rows.append(
                Row((str(i), s.name, s.nisn or "–", s.sex or "–", _birth(s.birth_date), sign))
            )
    return TableSpec(
        "students",
        columns,
        tuple(rows),
        # A class of 36 (the largest rombel) fits one A4 page after the visit.
        font_pt=9.0 if after else 10.0,
        caption=f"Kelas {group.class_name} (lanjutan)",
        row_min_mm=0.0 if after else 8.5,
    )


LEGEND_AFTER = (
    "T: Terekam, S: Sudah Terekam Sebelumnya, G: Gagal Rekam, M: Tidak Memenuhi Syarat, "
    "H: Tidak Hadir, kosong: Belum Diproses.\nJumlah kelas ini: {counts}."
)
LEGEND_BEFORE = (
    "Siswa menandatangani pada nomornya saat dipanggil untuk perekaman. Bawa KTP/KK "
    "orang tua bila ada; NISN dan tanggal lahir diperiksa petugas."
)


def class_values(listing: ClassList, group: ClassGroup) -> dict[str, object]:
    males = sum(1 for s in group.students if s.sex == "L")
    females = sum(1 for s in group.students if s.sex == "P")
    if listing.after:
        counts = ", ".join(
            f"{STATUS_LABELS[status]} {format_angka(group.count(status))}"
            for status in (*(st for st, _ in TICK_COLUMNS), Status.PENDING)
        )
        first, second = LEGEND_AFTER.format(counts=counts).split("\n")
        legend: str = Html(f"{escape(first)}<br/>{escape(second)}")
        subtitle = "setelah pelayanan (hasil perekaman terisi)"
    else:
        legend = LEGEND_BEFORE
        subtitle = "untuk pemanggilan dan tanda tangan siswa"
    return {
        "government_name": listing.letterhead.government_name.upper(),
        "office_name": listing.letterhead.office_name.upper(),
        "title": "DAFTAR HADIR PEREKAMAN KTP-el PEMILIH PEMULA",
        "subtitle": subtitle,
        "school_name": listing.school.name,
        "npsn": listing.school.npsn,
        "class_name": group.class_name,
        "class_total": format_angka(len(group.students)),
        "class_male": format_angka(males),
        "class_female": format_angka(females),
        "hari_tanggal": format_tanggal(listing.day),
        "tanggal": format_tanggal(listing.day, with_day=False),
        "place": listing.place,
        "legend": legend,
        "petugas_name": (
            Html(f"<b><u>{escape(listing.petugas.name)}</u></b>")
            if listing.petugas.name
            else "(" + "." * 44 + ")"
        ),
        "petugas_nip_line": Html(
            f"<br/>NIP. {escape(listing.petugas.nip)}" if listing.petugas.nip else ""
        ),
    }


def daftar_hadir(listing: ClassList) -> DocumentSpec:
    """The Daftar Hadir of every class, one class per page group."""
    blocks: list[BlockSpec] = []
    for group in listing.classes:
        if blocks:
            blocks.append(PageBreakSpec())
        segments = render_template(DAFTAR_HADIR_TEMPLATE, class_values(listing, group))
        tables: dict[str, Callable[[], TableSpec]] = {
            "students": lambda g=group: students_table(g, listing.after)  # type: ignore[misc]
        }
        blocks.extend(_blocks(segments, tables))
    which = "sesudah" if listing.after else "sebelum"
    return DocumentSpec(
        title=f"Daftar Hadir per Rombel {listing.school.name} ({which} pelayanan)",
        blocks=tuple(blocks),
        footer=_footer(
            f"Daftar Hadir per Rombel ({which} pelayanan) · {listing.school.name} · "
            f"{format_tanggal(listing.day, with_day=False)}",
            listing.device_id,
            format_waktu(listing.printed_at),
            listing.sync,
        ),
    )


__all__ = ["ClassGroup", "ClassList", "ListedStudent", "daftar_hadir", "load_class_list"]
