"""Read models of the console pages: plain dataclasses from a few grouped queries.

Counts come from the counters kept by the database at ingest (``tally_*``, migration
0007: students by school, status and IKD; by hour; roster by school; accepted events by
device and school), ``student`` (a school's sex and class), and ``assignment`` (the
schedule). No page of the campaign counts students or events one by one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from ktpe_desktop.core.paperwork import TIME_ZONES
from ktpe_server import models as m

DONE_STATUSES = ("recorded", "already_recorded")
# Written as SQL text, not a bound parameter: PostgreSQL then uses the partial index
# ix_event_refused (its predicate must appear literally in the query).
REFUSED = text("event.state <> 'accepted'")
OUTCOMES = ("recorded", "already_recorded", "failed", "not_eligible", "absent", "pending")


@dataclass
class Tally:
    """Outcome counts of a group of students (a school, a team, the campaign)."""

    target: int = 0
    roster: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    ikd: int = 0
    anomalies: int = 0

    @property
    def recorded(self) -> int:
        return self.statuses.get("recorded", 0)

    @property
    def already(self) -> int:
        return self.statuses.get("already_recorded", 0)

    @property
    def done(self) -> int:
        return self.recorded + self.already

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.done)

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.target if self.target else 0.0

    def add(self, other: Tally) -> None:
        self.target += other.target
        self.roster += other.roster
        self.ikd += other.ikd
        self.anomalies += other.anomalies
        for k, v in other.statuses.items():
            self.statuses[k] = self.statuses.get(k, 0) + v


@dataclass
class SchoolRow:
    npsn: str
    name: str
    kecamatan: str
    principal_name: str
    principal_nip: str
    tally: Tally
    teams: list[str] = field(default_factory=list)
    first_visit: date | None = None
    last_visit: date | None = None


def school_tallies(s: Session) -> dict[str, SchoolRow]:
    """Every school with its tally, from the counters kept at ingest (migration 0007):
    a few thousand counter rows, whatever the number of students."""
    rows: dict[str, SchoolRow] = {}
    ts = m.TallySchool
    # One row per school: the counters pivoted by status in SQL (2,000 rows for a
    # province instead of 12,000 to turn into Python objects).
    pivot = (
        select(
            ts.school_npsn,
            *(func.sum(ts.n).filter(ts.status == st).label(st) for st in OUTCOMES),
            func.sum(ts.n).filter(ts.ikd.is_(True)).label("ikd"),
        )
        .group_by(ts.school_npsn)
        .subquery()
    )
    for r in s.execute(
        select(
            m.School.npsn,
            m.School.name,
            m.School.kecamatan,
            m.School.principal_name,
            m.School.principal_nip,
            m.School.target,
            m.TallyRoster.n,
            *(pivot.c[st] for st in OUTCOMES),
            pivot.c.ikd,
        )
        .outerjoin(m.TallyRoster, m.TallyRoster.school_npsn == m.School.npsn)
        .outerjoin(pivot, pivot.c.school_npsn == m.School.npsn)
        .order_by(m.School.name)
    ):
        npsn, name, kecamatan, principal, nip, target, n_roster = r[:7]
        n_roster = int(n_roster or 0)
        counts = r[7 : 7 + len(OUTCOMES)]
        tally = Tally(
            target=target or n_roster,
            roster=n_roster,
            statuses={st: int(n) for st, n in zip(OUTCOMES, counts, strict=True) if n},
            ikd=int(r[-1] or 0),
        )
        rows[npsn] = SchoolRow(npsn, name, kecamatan, principal, nip or "", tally)
    for npsn, n in s.execute(
        select(m.AnomalyRow.school_npsn, func.count()).group_by(m.AnomalyRow.school_npsn)
    ):
        if npsn in rows:
            rows[npsn].tally.anomalies = int(n)
    for team, npsn, first, last in s.execute(
        select(
            m.Team.name,
            m.Assignment.school_npsn,
            func.min(m.Assignment.date),
            func.max(m.Assignment.date),
        )
        .join(m.Team, m.Team.id == m.Assignment.team_id)
        .group_by(m.Team.name, m.Assignment.school_npsn)
    ):
        row = rows.get(npsn)
        if row is None:
            continue
        row.teams.append(team)
        row.first_visit = min(filter(None, (row.first_visit, first)))
        row.last_visit = max(filter(None, (row.last_visit, last)))
    for row in rows.values():
        processed = sum(row.tally.statuses.values()) - row.tally.statuses.get("pending", 0)
        row.tally.statuses["pending"] = max(0, row.tally.target - processed)
    return rows


def campaign_tally(rows: dict[str, SchoolRow]) -> Tally:
    total = Tally()
    for row in rows.values():
        total.add(row.tally)
    return total


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    name: str
    tally: Tally
    schools: int
    devices: int
    members: int


@dataclass(frozen=True, slots=True)
class TeamBase:
    """What a team's row needs besides the counts (changes with the roster counter)."""

    id: int
    name: str
    schools: frozenset[str]
    devices: int
    members: int


def team_bases(s: Session) -> list[TeamBase]:
    by_team: dict[int, set[str]] = defaultdict(set)
    for team_id, npsn in s.execute(
        select(m.Assignment.team_id, m.Assignment.school_npsn).distinct()
    ):
        by_team[int(team_id)].add(npsn)
    devices = dict(
        s.execute(
            select(m.Device.team_id, func.count())
            .where(m.Device.revoked.is_(False))
            .group_by(m.Device.team_id)
        ).all()
    )
    members = dict(
        s.execute(
            select(m.Operator.team_id, func.count())
            .where(m.Operator.active.is_(True))
            .group_by(m.Operator.team_id)
        ).all()
    )
    return [
        TeamBase(
            int(tid),
            name,
            frozenset(by_team.get(tid, ())),
            int(devices.get(tid, 0)),
            int(members.get(tid, 0)),
        )
        for tid, name in s.execute(select(m.Team.id, m.Team.name).order_by(m.Team.name))
    ]


def team_rows(bases: list[TeamBase], schools: dict[str, SchoolRow]) -> list[TeamRow]:
    """Each team's tally: the sum of its schools' (no query)."""
    out = []
    for team in bases:
        tally = Tally()
        for npsn in team.schools:
            row = schools.get(npsn)
            if row is not None:
                tally.add(row.tally)
        out.append(
            TeamRow(team.id, team.name, tally, len(team.schools), team.devices, team.members)
        )
    return out


def team_tallies(s: Session, schools: dict[str, SchoolRow]) -> list[TeamRow]:
    return team_rows(team_bases(s), schools)


def by_day(s: Session, time_zone: str) -> list[tuple[date, int]]:
    """Students recorded (or already recorded) per local day of the campaign's zone.

    The counters hold UTC hours; the zones are whole hours from UTC, so each hour lies
    in one local day.
    """
    offset_ms = TIME_ZONES.get(time_zone, 420) * 60_000
    days: dict[int, int] = defaultdict(int)
    for hour, n in s.execute(
        select(m.TallyHour.hour, m.TallyHour.n).where(m.TallyHour.status.in_(DONE_STATUSES))
    ):
        if n:
            days[(int(hour) * 3_600_000 + offset_ms) // 86_400_000] += int(n)
    return [(date(1970, 1, 1) + timedelta(days=day), n) for day, n in sorted(days.items()) if n]


def local_today(time_zone: str) -> date:
    return (datetime.now(UTC) + timedelta(minutes=TIME_ZONES.get(time_zone, 420))).date()


@dataclass(frozen=True, slots=True)
class VisitGap:
    team: str
    npsn: str
    school: str
    last_day: date
    events: int


def visits_without_receipt(s: Session, today: date) -> list[VisitGap]:
    """Past visits for which the server holds no accepted event of the school from the team.

    A team that went to a school and synced has events for it; none means the
    Berita Acara of that visit cannot have a synced receipt yet.
    """
    past = (
        select(
            m.Assignment.team_id,
            m.Assignment.school_npsn,
            func.max(m.Assignment.date).label("last_day"),
        )
        .where(m.Assignment.date < today)
        .group_by(m.Assignment.team_id, m.Assignment.school_npsn)
        .subquery()
    )
    tds = m.TallyDeviceSchool
    held = (
        select(m.Device.team_id, tds.school_npsn, func.sum(tds.n).label("n"))
        .join(m.Device, m.Device.device_id == tds.device_id)
        .where(tds.n > 0)
        .group_by(m.Device.team_id, tds.school_npsn)
        .subquery()
    )
    out = []
    for team, npsn, school, last_day, n in s.execute(
        select(m.Team.name, past.c.school_npsn, m.School.name, past.c.last_day, held.c.n)
        .join(m.Team, m.Team.id == past.c.team_id)
        .join(m.School, m.School.npsn == past.c.school_npsn)
        .outerjoin(
            held, and_(held.c.team_id == past.c.team_id, held.c.school_npsn == past.c.school_npsn)
        )
        .where(held.c.n.is_(None))
        .order_by(past.c.last_day, m.School.name)
    ):
        out.append(VisitGap(team, npsn, school, last_day, int(n or 0)))
    return out


@dataclass
class SchoolDetail:
    row: SchoolRow
    by_sex: dict[str, dict[str, int]]  # status -> {"L": n, "P": n, "?": n}
    by_class: list[tuple[str, dict[str, int]]]  # class -> status -> n
    ikd_by_sex: dict[str, int]


def school_detail(s: Session, npsn: str, row: SchoolRow) -> SchoolDetail:
    """Outcome x L/P and outcome per class for one school (walk-ins from their details)."""
    by_sex: dict[str, dict[str, int]] = {k: {"L": 0, "P": 0, "?": 0} for k in OUTCOMES}
    by_class: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    ikd_by_sex = {"L": 0, "P": 0, "?": 0}
    seen: set[str] = set()
    for sid, sex, cls, status, ikd, details in s.execute(
        select(
            m.Student.id,
            m.Student.sex,
            m.Student.class_name,
            m.StudentState.status,
            m.StudentState.ikd_activated,
            m.StudentState.details,
        )
        .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
        .where(m.Student.school_npsn == npsn, m.Student.deleted.is_(False))
    ):
        seen.add(sid)
        extra = _details(details)
        sx = str(extra.get("sex") or sex or "?")
        sx = sx if sx in ("L", "P") else "?"
        st = status or "pending"
        by_sex[st][sx] += 1
        by_class[str(extra.get("class_name") or cls or "-")][st] += 1
        if ikd:
            ikd_by_sex[sx] += 1
    # Walk-ins: known only from their events (student_added), not on the roster.
    for sid, status, ikd, details in s.execute(
        select(
            m.StudentState.student_id,
            m.StudentState.status,
            m.StudentState.ikd_activated,
            m.StudentState.details,
        ).where(m.StudentState.school_npsn == npsn, m.StudentState.added_by_event_id.is_not(None))
    ):
        if sid in seen:
            continue
        extra = _details(details)
        sx = str(extra.get("sex") or "?")
        sx = sx if sx in ("L", "P") else "?"
        by_sex[status][sx] += 1
        by_class[str(extra.get("class_name") or "-")][status] += 1
        if ikd:
            ikd_by_sex[sx] += 1
    return SchoolDetail(row, by_sex, sorted(by_class.items()), ikd_by_sex)


def _details(raw: str | None) -> dict[str, Any]:
    if not raw or raw == "{}":
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class Visit:
    team: str
    npsn: str
    school: str
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def visits(s: Session) -> list[Visit]:
    """Assignments grouped into visits: consecutive days of one team at one school."""
    out: list[Visit] = []
    rows = s.execute(
        select(m.Team.name, m.Assignment.school_npsn, m.School.name, m.Assignment.date)
        .join(m.Team, m.Team.id == m.Assignment.team_id)
        .join(m.School, m.School.npsn == m.Assignment.school_npsn)
        .order_by(m.Team.name, m.Assignment.school_npsn, m.Assignment.date)
    ).all()
    for team, npsn, school, day in rows:
        last = out[-1] if out else None
        if (
            last
            and last.team == team
            and last.npsn == npsn
            and day - last.last <= timedelta(days=1)
        ):
            last.last = max(last.last, day)
        else:
            out.append(Visit(team, npsn, school, day, day))
    out.sort(key=lambda v: (v.first, v.team, v.school))
    return out
