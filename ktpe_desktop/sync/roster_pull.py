"""Applying one page of ``GET /sync/roster`` to the local database.

Runs inside the caller's transaction (the engine commits the page together with
its cursor, so an interrupted download resumes at the next page). Students of a
school whose personal data was purged (:mod:`ktpe_desktop.sync.retention`) are
not downloaded again. Local work wins: a student with walk-in or correction
events keeps those details on top of the roster's
(:func:`~ktpe_desktop.storage.repositories.upsert_students_from_roster` refolds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.repositories import RosterStudent, upsert_students_from_roster
from ktpe_desktop.sync import state as keys


@dataclass(frozen=True, slots=True)
class RosterPageResult:
    campaign: bool = False
    schools: int = 0
    operators: int = 0
    assignments: int = 0
    assignments_removed: int = 0
    students: int = 0
    skipped_purged: int = 0
    # Schools that had no assignment of the team on this laptop before this page: the
    # server's event pull cursor may already be past their older events.
    new_schools: tuple[str, ...] = ()


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def apply_roster_page(session: Session, page: Mapping[str, Any], team: str) -> RosterPageResult:
    """Upsert the rows of one roster page (no commit)."""
    now = datetime.now(UTC)
    team_ref = page.get("team")
    if isinstance(team_ref, Mapping) and _text(team_ref.get("name")):
        keys.put(session, keys.TEAM_NAME, _text(team_ref.get("name")))  # a renamed team too
    campaign = page.get("campaign")
    if isinstance(campaign, Mapping) and campaign.get("id"):
        row = session.get(m.Campaign, str(campaign["id"]))
        if row is None:
            row = m.Campaign(id=str(campaign["id"]), name="", reference_date=date.today())
            session.add(row)
        row.name = str(campaign.get("name") or row.name or "")
        ref = _date(campaign.get("reference_date"))
        if ref is not None:
            row.reference_date = ref
        for key in ("min_recording_age", "voting_age", "retention_days"):
            if isinstance(campaign.get(key), int):
                setattr(row, key, campaign[key])
        for key in ("government_name", "office_name", "office_address", "region_code"):
            if campaign.get(key) is not None:
                setattr(row, key, str(campaign[key]))
        row.updated_at = now

    schools = 0
    for sc in page.get("schools") or ():
        npsn = str(sc["npsn"])
        row_s = session.get(m.School, npsn)
        if row_s is None:
            row_s = m.School(npsn=npsn, name=str(sc.get("name") or npsn))
            session.add(row_s)
        row_s.name = str(sc.get("name") or row_s.name)
        for key in ("kind", "status", "kecamatan", "address"):
            if sc.get(key) is not None:
                setattr(row_s, key, str(sc[key]))
        # The principal signs the Berita Acara (PIHAK KEDUA); a NIP only when there is one.
        # The office's value wins when it has one; an empty one (the console does not know
        # the principal yet) leaves what the lead typed in on the laptop.
        if _text(sc.get("principal_name")):
            row_s.principal_name = _text(sc.get("principal_name"))
            row_s.principal_nip = _text(sc.get("principal_nip"))
        if isinstance(sc.get("target"), int):
            row_s.target = sc["target"]
        row_s.updated_at = now
        schools += 1
    session.flush()

    operators = 0
    for op in page.get("operators") or ():
        row_o = session.get(m.Operator, str(op["id"]))
        if row_o is None:
            row_o = m.Operator(id=str(op["id"]), name="")
            session.add(row_o)
        row_o.name = str(op.get("name") or "")
        row_o.nip = _text(op.get("nip"))
        role = str(op.get("role") or "operator")
        row_o.role = role if op.get("active", True) else "inactive"
        row_o.updated_at = now
        operators += 1

    assignments = 0
    new_schools: list[str] = []
    for a in page.get("assignments") or ():
        npsn = str(a["school_npsn"])
        day = _date(a.get("date") or a.get("visit_date"))
        if day is None:
            continue
        known = session.scalar(
            select(m.Assignment.id)
            .where(m.Assignment.team_id == team, m.Assignment.school_npsn == npsn)
            .limit(1)
        )
        if known is None and npsn not in new_schools:
            new_schools.append(npsn)
        if session.get(m.School, npsn) is None:
            session.add(m.School(npsn=npsn, name=f"Sekolah {npsn}"))
            session.flush()
        exists = session.scalar(
            select(m.Assignment.id).where(
                m.Assignment.team_id == team,
                m.Assignment.school_npsn == npsn,
                m.Assignment.visit_date == day,
            )
        )
        if exists is None:
            session.add(m.Assignment(team_id=team, school_npsn=npsn, visit_date=day))
        assignments += 1

    # Visit days the office took off the schedule: they leave Hari ini. (The server
    # keeps one of a day's addition and removal, so the order of the two lists in a page
    # does not matter.)
    removed = 0
    for a in page.get("assignments_removed") or ():
        day = _date(a.get("date"))
        if day is None or not a.get("school_npsn"):
            continue
        gone = session.execute(
            delete(m.Assignment).where(
                m.Assignment.team_id == team,
                m.Assignment.school_npsn == str(a["school_npsn"]),
                m.Assignment.visit_date == day,
            )
        )
        removed += int(getattr(gone, "rowcount", 0) or 0)

    purged = set(session.scalars(select(m.School.npsn).where(m.School.purged_at.is_not(None))))
    students: list[RosterStudent] = []
    skipped = 0
    for st in page.get("students") or ():
        npsn = str(st["school_npsn"])
        if npsn in purged:
            skipped += 1
            continue
        students.append(
            RosterStudent(
                id=str(st["id"]),
                school_npsn=npsn,
                name=str(st.get("name") or ""),
                nisn=_text(st.get("nisn")),
                nik=_text(st.get("nik")),
                kk=_text(st.get("kk")),
                sex=_text(st.get("sex")),
                birth_place=_text(st.get("birth_place")),
                birth_date=_date(st.get("birth_date")),
                class_name=str(st.get("class_name") or ""),
                mother_name=_text(st.get("mother_name")),
                nipd=_text(st.get("nipd")),
                deleted=bool(st.get("deleted", False)),
            )
        )
    if students:
        upsert_students_from_roster(session, students)
    session.flush()
    return RosterPageResult(
        campaign=isinstance(campaign, Mapping),
        schools=schools,
        operators=operators,
        assignments=assignments,
        assignments_removed=removed,
        students=len(students),
        skipped_purged=skipped,
        new_schools=tuple(new_schools),
    )
