"""The roster feed (``GET /sync/roster``): cursor-paged changes in a team's scope.

Every roster row carries the ``change_seq`` of the transaction that last wrote it.
A school enters a team's scope with the team's first assignment to it, so a row's
*effective* sequence is ``max(row.change_seq, first assignment's change_seq)``: a
newly assigned school brings its whole roster, an older one only what changed.
Rows are ordered by ``(effective_seq, kind, id)`` and the cursor is the last
triple sent, so paging is exact and resumable (keyset pagination).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.paperwork import DEFAULT_BA_PATTERN, TIME_ZONES
from ktpe_server import models as m

# A cursor holds an index of this tuple: new kinds go at the end.
KINDS = ("campaign", "school", "operator", "assignment", "student", "assignment_removed")
_K = {k: i for i, k in enumerate(KINDS)}


class BadCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Cursor:
    seq: int = 0
    kind: int = -1
    key: str = ""

    def encode(self) -> str:
        return f"r1.{self.seq}.{self.kind}.{self.key}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        parts = text.split(".", 3)
        if len(parts) != 4 or parts[0] != "r1":
            raise BadCursor("not a roster cursor of this server")
        try:
            seq, kind = int(parts[1]), int(parts[2])
        except ValueError:
            raise BadCursor("not a roster cursor of this server") from None
        if not 0 <= seq < 2**63 or not -1 <= kind < len(KINDS) or len(parts[3]) > 64:
            raise BadCursor("not a roster cursor of this server")
        return cls(seq, kind, parts[3])


def _after(cur: Cursor, kind: int, eff: Any, key: Any, key_value: Any) -> ColumnElement[bool]:
    """``(eff, kind, key) > cursor`` for the rows of one kind."""
    if kind > cur.kind:
        return eff >= cur.seq  # type: ignore[no-any-return]
    if kind < cur.kind:
        return eff > cur.seq  # type: ignore[no-any-return]
    return or_(eff > cur.seq, and_(eff == cur.seq, key > key_value))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _campaign_row(c: m.Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "reference_date": _iso(c.reference_date),
        "min_recording_age": c.min_recording_age,
        "voting_age": c.voting_age,
        "government_name": c.government_name,
        "office_name": c.office_name,
        "office_address": c.office_address,
        "region_code": c.region_code,
        "retention_days": c.retention_days,
        "letterhead_lines": [line for line in (c.letterhead or "").split("\n") if line.strip()],
        "head_of_office_name": c.head_name or "",
        "head_of_office_nip": c.head_nip or None,
        "time_zone": c.time_zone or "WIB",
        "utc_offset_minutes": TIME_ZONES.get(c.time_zone or "WIB", 420),
        "ba_number_pattern": c.ba_number_pattern or DEFAULT_BA_PATTERN,
    }


def _school_row(sc: m.School) -> dict[str, Any]:
    return {
        "npsn": sc.npsn,
        "name": sc.name,
        "kind": sc.kind,
        "status": sc.status,
        "kecamatan": sc.kecamatan,
        "address": sc.address,
        "lat": sc.lat,
        "lon": sc.lon,
        "target": sc.target,
        "principal_name": sc.principal_name or "",
        "principal_nip": sc.principal_nip or None,
    }


def _operator_row(op: m.Operator) -> dict[str, Any]:
    return {"id": op.id, "name": op.name, "nip": op.nip, "role": op.role, "active": op.active}


def _assignment_row(a: m.Assignment) -> dict[str, Any]:
    return {"id": a.id, "school_npsn": a.school_npsn, "date": _iso(a.date)}


def _removed_row(r: m.AssignmentRemoved) -> dict[str, Any]:
    return {"id": r.assignment_id, "school_npsn": r.school_npsn, "date": _iso(r.date)}


def _student_row(st: m.Student) -> dict[str, Any]:
    return {
        "id": st.id,
        "school_npsn": st.school_npsn,
        "nisn": st.nisn,
        "nik": st.nik,
        "kk": st.kk,
        "name": st.name,
        "sex": st.sex,
        "birth_place": st.birth_place,
        "birth_date": _iso(st.birth_date),
        "class_name": st.class_name,
        "mother_name": st.mother_name,
        "nipd": st.nipd,
        "deleted": st.deleted,
    }


# How each kind is sent, in KINDS order.
_ROW: dict[str, Callable[[Any], dict[str, Any]]] = {
    "campaign": _campaign_row,
    "school": _school_row,
    "operator": _operator_row,
    "assignment": _assignment_row,
    "student": _student_row,
    "assignment_removed": _removed_row,
}


def roster_page(s: Session, team_id: int, cursor: Cursor, limit: int) -> dict[str, Any]:
    """One page of the feed for a team: rows grouped by kind, plus the next cursor."""
    first = (
        select(
            m.Assignment.school_npsn.label("npsn"),
            func.min(m.Assignment.change_seq).label("first_seq"),
        )
        .where(m.Assignment.team_id == team_id)
        .group_by(m.Assignment.school_npsn)
        .subquery()
    )
    found: list[tuple[tuple[int, int, Any], str, dict[str, Any]]] = []

    def key_of(kind: str, raw: str) -> Any:
        if kind in ("operator", "assignment", "assignment_removed"):
            try:
                return int(raw) if raw else -1
            except ValueError:
                raise BadCursor("not a roster cursor of this server") from None
        return raw

    def cursor_key(kind: str) -> Any:
        return key_of(kind, cursor.key) if _K[kind] == cursor.kind else None

    def by_change(kind: str, model: Any, *where: Any) -> None:
        """Rows ordered by their own ``change_seq``, keyed by ``id``."""
        k = _K[kind]
        for row in s.scalars(
            select(model)
            .where(*where, _after(cursor, k, model.change_seq, model.id, cursor_key(kind)))
            .order_by(model.change_seq, model.id)
            .limit(limit + 1)
        ):
            found.append(((row.change_seq, k, row.id), kind, _ROW[kind](row)))

    def in_scope(kind: str, model: Any, npsn: Any, key: Any) -> None:
        """Rows of the schools in scope, ordered by their effective sequence."""
        k = _K[kind]
        eff = case(
            (model.change_seq > first.c.first_seq, model.change_seq), else_=first.c.first_seq
        )
        for row, e in s.execute(
            select(model, eff)
            .join(first, first.c.npsn == npsn)
            .where(_after(cursor, k, eff, key, cursor_key(kind)))
            .order_by(eff, key)
            .limit(limit + 1)
        ):
            found.append(((int(e), k, getattr(row, key.key)), kind, _ROW[kind](row)))

    by_change("campaign", m.Campaign)
    in_scope("school", m.School, m.School.npsn, m.School.npsn)
    by_change("operator", m.Operator, m.Operator.team_id == team_id)
    by_change("assignment", m.Assignment, m.Assignment.team_id == team_id)
    in_scope("student", m.Student, m.Student.school_npsn, m.Student.id)
    # Visit days taken off the schedule (a list of their own: an older laptop, which
    # does not know it, ignores it rather than taking the days as new visits).
    by_change("assignment_removed", m.AssignmentRemoved, m.AssignmentRemoved.team_id == team_id)

    found.sort(key=lambda f: f[0])
    page = found[:limit]
    has_more = len(found) > limit
    out: dict[str, Any] = {
        "campaign": None,
        "schools": [],
        "operators": [],
        "assignments": [],
        "students": [],
        "assignments_removed": [],
    }
    for _key, kind, data in page:
        if kind == "campaign":
            out["campaign"] = data
        elif kind == "assignment_removed":
            out["assignments_removed"].append(data)
        else:
            out[kind + "s"].append(data)
    if page:
        seq, kind_i, key = page[-1][0]
        out["next_cursor"] = Cursor(seq, kind_i, str(key)).encode()
    else:
        out["next_cursor"] = cursor.encode()
    out["has_more"] = has_more
    return out
