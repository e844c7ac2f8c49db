"""Rekapitulasi Tim: every school on this laptop, outcome × L/P and IKD (Qt-free).

The team's own formal recap (kop, number, signature of the Koordinator), landscape
because it has a column per outcome and sex. The office's campaign-wide recap is the
console's. Every number is a query over ``student`` ⟕ ``student_state`` per school.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Status
from ktpe_desktop.core.letterhead import Letterhead
from ktpe_desktop.core.schools import natural_key
from ktpe_desktop.reports import data as rdata
from ktpe_desktop.reports.document import (
    Column,
    DocumentSpec,
    Html,
    Row,
    TableSpec,
    _blocks,
    _footer,
    upper_title,
)
from ktpe_desktop.reports.labels import STATUS_ORDER
from ktpe_desktop.reports.template import escape, render_template
from ktpe_desktop.reports.words import (
    bulan_romawi,
    format_angka,
    format_tanggal,
    format_waktu,
    persen,
)
from ktpe_desktop.storage.models import School, Student, StudentState

REKAP_TIM_TEMPLATE = "rekap_tim.html"
LETTERS = {
    Status.RECORDED: "T",
    Status.ALREADY_RECORDED: "S",
    Status.FAILED: "G",
    Status.NOT_ELIGIBLE: "M",
    Status.ABSENT: "H",
    Status.PENDING: "B",
}


def rekap_tim_subject(day: date) -> str:
    return f"rekap_tim:{day.isoformat()}"


@dataclass(frozen=True, slots=True)
class TeamSchoolRow:
    npsn: str
    name: str
    target: int
    by_status_sex: dict[tuple[Status, str], int]
    ikd: dict[str, int]  # "L" / "P" / "" -> count

    def count(self, status: Status, sex: str | None = None) -> int:
        if sex is None:
            return sum(v for (s, _), v in self.by_status_sex.items() if s is status)
        return self.by_status_sex.get((status, sex), 0)

    def total(self, sex: str | None = None) -> int:
        if sex is None:
            return sum(self.by_status_sex.values())
        return sum(v for (_, x), v in self.by_status_sex.items() if x == sex)

    def ikd_total(self, sex: str | None = None) -> int:
        return sum(self.ikd.values()) if sex is None else self.ikd.get(sex, 0)

    @property
    def achieved(self) -> int:
        return self.count(Status.RECORDED) + self.count(Status.ALREADY_RECORDED)


@dataclass(frozen=True, slots=True)
class TeamRecap:
    letterhead: Letterhead
    title: str
    number: str
    day: date
    place: str
    rows: tuple[TeamSchoolRow, ...]
    totals: TeamSchoolRow
    koordinator: rdata.Signatory
    device_id: str
    printed_at: datetime
    sync: rdata.AckStatus


def _sum(rows: list[TeamSchoolRow]) -> TeamSchoolRow:
    by: Counter[tuple[Status, str]] = Counter()
    ikd: Counter[str] = Counter()
    for r in rows:
        by.update(r.by_status_sex)
        ikd.update(r.ikd)
    return TeamSchoolRow("", "Jumlah", sum(r.target for r in rows), dict(by), dict(ikd))


def load_team_recap(
    session: Session,
    *,
    printed_at: datetime | None = None,
    koordinator: rdata.Signatory | None = None,
    counter: int | None = None,
) -> TeamRecap:
    """Every school on the laptop whose students are still there (not purged).

    Raises:
        LetterheadMissing: no letterhead is set.
    """
    kop = rdata.letterhead(session)
    printed = rdata.to_local(printed_at) if printed_at is not None else rdata.local_now()
    day = printed.date()
    place = rdata.place_name(session)
    status_col = func.coalesce(StudentState.status, Status.PENDING.value)
    counts: dict[str, dict[tuple[Status, str], int]] = {}
    for npsn, status, sex, n in session.execute(
        select(
            Student.school_npsn,
            status_col,
            func.upper(func.coalesce(Student.sex, "")),
            func.count(),
        )
        .outerjoin(StudentState, StudentState.student_id == Student.id)
        .where(Student.deleted.is_(False))
        .group_by(Student.school_npsn, status_col, func.upper(func.coalesce(Student.sex, "")))
    ):
        counts.setdefault(npsn, {})[(Status(str(status)), sex)] = int(n)
    ikd: dict[str, dict[str, int]] = {}
    for npsn, sex, n in session.execute(
        select(Student.school_npsn, func.upper(func.coalesce(Student.sex, "")), func.count())
        .join(StudentState, StudentState.student_id == Student.id)
        .where(Student.deleted.is_(False), StudentState.ikd_activated.is_(True))
        .group_by(Student.school_npsn, func.upper(func.coalesce(Student.sex, "")))
    ):
        ikd.setdefault(npsn, {})[sex] = int(n)
    rows = [
        TeamSchoolRow(
            npsn=school.npsn,
            name=rdata.school_display_name(school, place),
            target=school.target,
            by_status_sex=counts.get(school.npsn, {}),
            ikd=ikd.get(school.npsn, {}),
        )
        for school in session.scalars(select(School).where(School.purged_at.is_(None)))
        if school.npsn in counts
    ]
    rows.sort(key=lambda r: natural_key(r.name))
    if counter is None:
        counter = rdata.document_counter(session, rekap_tim_subject(day))
    region = rdata.region_code(session)
    number = (
        f"{rdata.DOCUMENT_CLASS}/RT-{counter:02d}/{day:%Y%m%d}/{region}/"
        f"{bulan_romawi(day.month)}/{day.year}"
    )
    return TeamRecap(
        letterhead=kop,
        title="Rekapitulasi Hasil Perekaman KTP-el Pemilih Pemula Tim Jemput Bola",
        number=number,
        day=day,
        place=place,
        rows=tuple(rows),
        totals=_sum(rows),
        koordinator=koordinator or rdata.Signatory("Koordinator Tim"),
        device_id=rdata.device_id(session),
        printed_at=printed,
        sync=rdata.sync_status(session, [r.npsn for r in rows]),
    )


def team_table(recap: TeamRecap) -> TableSpec:
    def cells(row: TeamSchoolRow, no: str) -> tuple[str, ...]:
        out = [no, row.name + (f" ({row.npsn})" if row.npsn else "")]
        for status in STATUS_ORDER:
            out += [format_angka(row.count(status, "L")), format_angka(row.count(status, "P"))]
        out += [
            format_angka(row.total("L")),
            format_angka(row.total("P")),
            format_angka(row.total()),
        ]
        out += [format_angka(row.ikd_total("L")), format_angka(row.ikd_total("P"))]
        out.append(persen(row.achieved, row.target))
        return tuple(out)

    rows = [Row(cells(r, str(i))) for i, r in enumerate(recap.rows, 1)]
    if recap.rows:
        rows.append(Row(cells(recap.totals, ""), bold=True))
    columns = [Column("No", 0.6, "center"), Column("Sekolah (NPSN)", 4.6)]
    for status in STATUS_ORDER:
        letter = LETTERS[status]
        columns += [Column(f"{letter} L", 0.8, "center"), Column(f"{letter} P", 0.8, "center")]
    columns += [
        Column("Jumlah L", 0.95, "center"),
        Column("Jumlah P", 0.95, "center"),
        Column("Jumlah", 1.0, "center"),
        Column("IKD L", 0.8, "center"),
        Column("IKD P", 0.8, "center"),
        Column("Capaian Target", 1.1, "center"),
    ]
    return TableSpec(
        "schools",
        tuple(columns),
        tuple(rows),
        font_pt=9.0,
        caption="Rekapitulasi Tim (lanjutan)",
    )


def team_recap_values(recap: TeamRecap) -> dict[str, object]:
    totals = recap.totals
    who = recap.koordinator
    return {
        "government_name": recap.letterhead.government_name.upper(),
        "office_name": recap.letterhead.office_name.upper(),
        "office_address": recap.letterhead.office_address,
        "title": upper_title(recap.title),
        "number": recap.number,
        "keadaan": format_waktu(recap.printed_at),
        "device_id": recap.device_id,
        "school_count": format_angka(len(recap.rows)),
        "target": format_angka(totals.target),
        "achieved": format_angka(totals.achieved),
        "achieved_pct": persen(totals.achieved, totals.target),
        "ikd_total": format_angka(totals.ikd_total()),
        "place": recap.place,
        "tanggal": format_tanggal(recap.day, with_day=False),
        "koordinator_title": who.title,
        "koordinator_name": Html(f"<b><u>{escape(who.name)}</u></b>")
        if who.name
        else "(" + "." * 44 + ")",
        "koordinator_nip_line": Html(f"<br/>NIP. {escape(who.nip or '.' * 36)}"),
    }


def rekap_tim(recap: TeamRecap) -> DocumentSpec:
    """The team recap, ready to lay out (landscape)."""
    segments = render_template(REKAP_TIM_TEMPLATE, team_recap_values(recap))
    return DocumentSpec(
        title=f"Rekapitulasi Tim {format_tanggal(recap.day)}",
        blocks=_blocks(segments, {"schools": lambda: team_table(recap)}),
        footer=_footer(
            f"Rekapitulasi Tim Nomor {recap.number}",
            recap.device_id,
            format_waktu(recap.printed_at),
            recap.sync,
        ),
        landscape=True,
    )


__all__ = ["TeamRecap", "TeamSchoolRow", "load_team_recap", "rekap_tim", "rekap_tim_subject"]
