"""Low-level event persistence and the derived student state.

These functions run inside a caller's transaction (``session``); they never
commit. :mod:`ktpe_desktop.services.recording` owns the transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import DETAIL_FIELDS, Event, fold_status
from ktpe_desktop.core.events import StudentState as FoldState
from ktpe_desktop.core.namekeys import name_key
from ktpe_desktop.storage import models as m


def event_from_row(row: m.EventRow) -> Event:
    return Event(
        event_id=row.event_id,
        device_id=row.device_id,
        seq=row.seq,
        hlc=row.hlc,
        prev_hash=row.prev_hash,
        hash=row.hash,
        kind=row.kind,
        student_id=row.student_id,
        operator=row.operator,
        occurred_at=row.occurred_at,
        payload=dict(row.payload or {}),
    )


def row_from_event(ev: Event, origin: m.EventOrigin, school_npsn: str | None) -> m.EventRow:
    return m.EventRow(
        event_id=ev.event_id,
        device_id=ev.device_id,
        seq=ev.seq,
        hlc=ev.hlc,
        prev_hash=ev.prev_hash,
        hash=ev.hash,
        kind=ev.kind,
        student_id=ev.student_id,
        school_npsn=school_npsn,
        operator=ev.operator,
        occurred_at=ev.occurred_at,
        payload=dict(ev.payload),
        origin=origin,
    )


def student_events(session: Session, student_id: str) -> list[Event]:
    rows = session.scalars(select(m.EventRow).where(m.EventRow.student_id == student_id))
    return [event_from_row(r) for r in rows]


def next_doc_no(session: Session) -> int:
    """The next free FTS document number (``max + 1``: an index lookup)."""
    current = session.scalar(select(func.max(m.Student.doc_no)))
    return int(current or 0) + 1


def ensure_school(session: Session, npsn: str) -> None:
    """A placeholder school row so that a student can point at it (filled by the roster)."""
    if session.get(m.School, npsn) is None:
        session.add(m.School(npsn=npsn, name=f"Sekolah {npsn}"))
        session.flush()


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def apply_details(session: Session, student: m.Student, details: Mapping[str, Any]) -> bool:
    """Write detail fields (from walk-in / correction events) onto the student row."""
    changed = False
    for key in DETAIL_FIELDS:
        if key not in details:
            continue
        value = details[key]
        if key == "birth_date":
            value = _as_date(value)
        elif key == "school_npsn":
            if not value:
                continue
            ensure_school(session, str(value))
            value = str(value)
        elif value is not None:
            value = str(value)
        if key == "name" and not value:
            continue
        if getattr(student, key) != value:
            setattr(student, key, value)
            changed = True
    if changed:
        student.search_key = name_key(student.name)
        student.updated_at = datetime.now(UTC)
    return changed


def recompute_state(session: Session, student_id: str) -> FoldState:
    """Fold the student's events (read inside the transaction) into ``student_state``.

    Also keeps the ``anomaly`` rows in step (new ones added, vanished ones marked
    resolved) and applies detail events to the student row; a walk-in received
    from another laptop gets its student row here.
    """
    events = student_events(session, student_id)
    state = fold_status(student_id, events)
    student = session.get(m.Student, student_id)
    if state.details:
        if student is None and state.added_by_event_id and state.details.get("school_npsn"):
            ensure_school(session, str(state.details["school_npsn"]))
            student = m.Student(
                id=student_id,
                doc_no=next_doc_no(session),
                school_npsn=str(state.details["school_npsn"]),
                name=str(state.details.get("name", "")),
                class_name="",
                search_key="",
                source=m.StudentSource.LOCAL,
            )
            session.add(student)
        if student is not None:
            apply_details(session, student, state.details)
    school = student.school_npsn if student is not None else None
    if school is None:
        school = next(
            (
                e_school
                for e_school in session.scalars(
                    select(m.EventRow.school_npsn).where(
                        m.EventRow.student_id == student_id, m.EventRow.school_npsn.is_not(None)
                    )
                )
            ),
            None,
        )
    row = session.get(m.StudentState, student_id)
    if row is None:
        row = m.StudentState(student_id=student_id)
        session.add(row)
    row.school_npsn = school
    row.status = state.status
    row.reason = state.reason
    row.deciding_event_id = state.deciding_event_id
    row.decided_at = state.decided_at
    row.decided_by_device = state.decided_by_device
    row.decided_by_operator = state.decided_by_operator
    row.ikd_activated = state.ikd_activated
    row.anomaly_count = len(state.anomalies)
    row.event_count = state.event_count
    row.last_hlc = state.last_hlc
    _sync_anomalies(session, student_id, state)
    session.flush()
    return state


def _sync_anomalies(session: Session, student_id: str, state: FoldState) -> None:
    wanted = {(a.code.value, tuple(sorted(a.event_ids))) for a in state.anomalies}
    existing = session.scalars(
        select(m.AnomalyRow).where(m.AnomalyRow.student_id == student_id)
    ).all()
    have: set[tuple[str, tuple[str, ...]]] = set()
    now = datetime.now(UTC)
    for row in existing:
        ident = (row.code, tuple(sorted(row.event_ids)))
        have.add(ident)
        if ident not in wanted and not row.resolved:
            row.resolved = True  # the events no longer contradict (e.g. one was voided)
            row.resolved_at = now
    for code, ids in sorted(wanted - have):
        session.add(m.AnomalyRow(student_id=student_id, code=code, event_ids=list(ids)))


def insert_events_if_absent(
    session: Session, events: Iterable[Event], origin: m.EventOrigin
) -> tuple[list[Event], list[Event]]:
    """Insert events whose id is not held yet.

    Returns:
        (inserted, conflicting): events held under the same id with other content
        are not inserted and come back in ``conflicting``.
    """
    inserted: list[Event] = []
    conflicting: list[Event] = []
    batch = list({ev.event_id: ev for ev in events}.values())
    held: dict[str, str] = {}
    ids = [ev.event_id for ev in batch]
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for event_id, ev_hash in session.execute(
            select(m.EventRow.event_id, m.EventRow.hash).where(m.EventRow.event_id.in_(chunk))
        ):
            held[event_id] = ev_hash
    schools: dict[str, str | None] = {}
    for ev in batch:
        if ev.event_id in held:
            if held[ev.event_id] != ev.hash:
                conflicting.append(ev)
            continue
        if ev.student_id not in schools:
            schools[ev.student_id] = session.scalar(
                select(m.Student.school_npsn).where(m.Student.id == ev.student_id)
            )
        school = schools[ev.student_id] or (
            str(ev.payload["school_npsn"]) if ev.payload.get("school_npsn") else None
        )
        session.add(row_from_event(ev, origin, school))
        inserted.append(ev)
    session.flush()
    return inserted, conflicting


def reset_in_flight(session: Session) -> int:
    """At start-up, outbox rows left ``in_flight`` by a crash go back to ``pending``."""
    result = session.execute(
        update(m.Outbox)
        .where(m.Outbox.status == m.OutboxStatus.IN_FLIGHT)
        .values(status=m.OutboxStatus.PENDING, updated_at=datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)
