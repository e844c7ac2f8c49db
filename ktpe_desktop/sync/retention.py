"""Retention: purge a school's personal data once it is safely on the server.

A school is purged when

* every local event about its students is acknowledged by the server (no outbox
  row of those events is pending, in flight or quarantined), and every teammate's
  event about them that this laptop received through a school hub is held by the
  central server (its receipt: the relay's ``central_heads``), since this laptop
  may be the one that carries it there and a scrubbed event can no longer be
  relayed, and
* the campaign's ``retention_days`` (default 14) have passed since the school's
  visit date (the later of ``school.visit_date`` and its last assignment day).

The purge blanks the students' personal fields (NIK, NISN, KK, name, birth place
and date, mother's name, NIPD) and forgets the roster's copy of them
(``roster_details``: NULL, so a later refold takes the blanked row as its base),
removes their names from the name index
(``student_fts`` keeps only the school code of each row, so the index stays in
step with its triggers), scrubs the personal fields out of the stored event payloads,
and keeps what the reports count: the student rows themselves (id, school, class,
sex), their ``student_state`` rows and the school's totals. The school gets
``purged_at`` and the audit log a ``purge`` row. ``secure_delete`` is on for the
transaction so freed pages are zeroed inside the (already encrypted) file.

Event hashes stay as they were: the chain was verified by the server; a purged
payload can no longer be re-verified locally, which is the point. The teammates'
signed segments kept for relaying (``chain_segment``) go once every event they
cover that this laptop holds is about a purged school (and held by the central
server): nothing is left to relay with them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import EventKind
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.relay import CENTRAL_HEADS

log = logging.getLogger("ktpe.sync.retention")

DEFAULT_RETENTION_DAYS = 14
PERSONAL_FIELDS = ("nik", "nisn", "kk", "name", "birth_place", "birth_date", "mother_name", "nipd")
# Free text could hold anything a person typed: scrubbed too.
SCRUBBED_PAYLOAD_KEYS = (*PERSONAL_FIELDS, "note")


@dataclass(frozen=True, slots=True)
class SchoolRetention:
    """Where one school stands (for the UI: "akan dihapus pada …")."""

    npsn: str
    visit_date: date | None
    purge_due: date | None
    unacknowledged: int
    purged_at: datetime | None


@dataclass(frozen=True, slots=True)
class PurgeResult:
    npsn: str
    students: int
    events_scrubbed: int
    purged_at: datetime


def retention_days(session: Session) -> int:
    value = session.scalar(select(m.Campaign.retention_days).order_by(m.Campaign.updated_at.desc()))
    return int(value) if isinstance(value, int) and value >= 0 else DEFAULT_RETENTION_DAYS


def _visit_dates(session: Session) -> dict[str, date]:
    out: dict[str, date] = {}
    for npsn, day in session.execute(
        select(m.Assignment.school_npsn, func.max(m.Assignment.visit_date)).group_by(
            m.Assignment.school_npsn
        )
    ):
        if day is not None:
            out[npsn] = day
    for npsn, visit in session.execute(
        select(m.School.npsn, m.School.visit_date).where(m.School.visit_date.is_not(None))
    ):
        if visit is not None and (npsn not in out or visit > out[npsn]):
            out[npsn] = visit
    return out


_SCHOOL = func.coalesce(m.EventRow.school_npsn, m.Student.school_npsn)


def _central_heads(session: Session) -> dict[str, int]:
    """What the central server holds of each device's chain, as this laptop knows it."""
    data = keys.get_json(session, CENTRAL_HEADS) or {}
    return {str(d): int(v) for d, v in data.items()}


def _unacknowledged(session: Session) -> dict[str, int]:
    """Per school, events the central server may not hold yet: this laptop's own
    not acknowledged (pending, in flight, quarantined), and teammates' received
    through a hub beyond what the central server is known to hold."""
    out: dict[str, int] = {}
    rows = session.execute(
        select(_SCHOOL, func.count())
        .select_from(m.Outbox)
        .join(m.EventRow, m.EventRow.event_id == m.Outbox.event_id)
        .outerjoin(m.Student, m.Student.id == m.EventRow.student_id)
        .where(m.Outbox.status != m.OutboxStatus.ACKED)
        .group_by(_SCHOOL)
    ).all()
    for npsn, n in rows:
        out[str(npsn)] = out.get(str(npsn), 0) + int(n)
    heads = _central_heads(session)
    devices = session.scalars(
        select(m.EventRow.device_id).where(m.EventRow.origin == m.EventOrigin.REMOTE).distinct()
    ).all()
    for device_id in devices:
        for npsn, n in session.execute(
            select(_SCHOOL, func.count())
            .select_from(m.EventRow)
            .outerjoin(m.Student, m.Student.id == m.EventRow.student_id)
            .where(
                m.EventRow.device_id == device_id,
                m.EventRow.origin == m.EventOrigin.REMOTE,
                m.EventRow.seq > heads.get(device_id, 0),
            )
            .group_by(_SCHOOL)
        ):
            out[str(npsn)] = out.get(str(npsn), 0) + int(n)
    return out


def retention_status(store: Store, *, today: date | None = None) -> list[SchoolRetention]:
    today = today or date.today()
    with store.session() as s:
        days = retention_days(s)
        visits = _visit_dates(s)
        open_ = _unacknowledged(s)
        out = []
        for sc in s.scalars(select(m.School).order_by(m.School.npsn)):
            visit = visits.get(sc.npsn)
            out.append(
                SchoolRetention(
                    npsn=sc.npsn,
                    visit_date=visit,
                    purge_due=visit + timedelta(days=days) if visit else None,
                    unacknowledged=open_.get(sc.npsn, 0),
                    purged_at=sc.purged_at,
                )
            )
    return out


def purge_expired(
    store: Store,
    *,
    today: date | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[PurgeResult]:
    """Purge every school that is due (see the module docstring)."""
    today = today or date.today()
    done = []
    for sr in retention_status(store, today=today):
        if sr.purged_at is not None or sr.purge_due is None:
            continue
        if today < sr.purge_due or sr.unacknowledged:
            continue
        done.append(purge_school(store, sr.npsn, now=now()))
    purge_segments(store)
    return done


def purge_segments(store: Store) -> int:
    """Delete the kept teammates' segments nothing is left to relay with.

    A segment goes when the central server holds its whole range and every event
    of the range this laptop holds is about a purged school (those events are
    scrubbed: a relay of them would be refused anyway). Returns how many went.
    """
    with store.session() as s:
        segments = s.execute(
            select(
                m.ChainSegment.device_id, m.ChainSegment.first_seq, m.ChainSegment.last_seq
            ).order_by(m.ChainSegment.device_id)
        ).all()
        if not segments:
            return 0
        heads = _central_heads(s)
        purged = set(s.scalars(select(m.School.npsn).where(m.School.purged_at.is_not(None))))
        schools: dict[str, dict[int, str | None]] = {}
        for device_id in {d for d, _f, _l in segments}:
            schools[device_id] = {
                seq: npsn
                for seq, npsn in s.execute(
                    select(m.EventRow.seq, _SCHOOL)
                    .outerjoin(m.Student, m.Student.id == m.EventRow.student_id)
                    .where(m.EventRow.device_id == device_id)
                )
            }
    gone = [
        (device_id, first, last)
        for device_id, first, last in segments
        if last <= heads.get(device_id, 0)
        and all(
            schools[device_id][q] in purged
            for q in range(first, last + 1)
            if q in schools[device_id]
        )
    ]
    if gone:
        with store.transaction() as s:
            for device_id, first, last in gone:
                s.execute(
                    delete(m.ChainSegment).where(
                        m.ChainSegment.device_id == device_id,
                        m.ChainSegment.first_seq == first,
                        m.ChainSegment.last_seq == last,
                    )
                )
        log.info("retention: %d kept segment(s) of purged schools deleted", len(gone))
    return len(gone)


def _scrub(payload: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The payload without personal values; None when nothing changes."""
    changed = False
    out = dict(payload)
    for key in SCRUBBED_PAYLOAD_KEYS:
        if key in out and out[key] not in (None, ""):
            out[key] = None
            changed = True
    if kind == EventKind.DETAILS_CORRECTED and isinstance(out.get("changes"), dict):
        changes = dict(out["changes"])
        for key in SCRUBBED_PAYLOAD_KEYS:
            if key in changes and changes[key] not in (None, ""):
                changes[key] = None
                changed = True
        out["changes"] = changes
    return out if changed else None


def purge_school(store: Store, npsn: str, *, now: datetime | None = None) -> PurgeResult:
    """Purge one school's personal data now (the checks are the caller's)."""
    now = now or datetime.now(UTC)
    with store.transaction() as s:
        s.execute(text("PRAGMA secure_delete = ON"))
        try:
            students = s.execute(
                select(m.Student.id, m.Student.doc_no, m.Student.search_key).where(
                    m.Student.school_npsn == npsn
                )
            ).all()
            # One UPDATE; the FTS trigger (on search_key) removes each student's name
            # tokens from the index and leaves only the school code there. 'optimize'
            # then merges the FTS segments so no old token survives as a tombstoned copy.
            s.execute(
                text(
                    "UPDATE student SET nik = NULL, nisn = NULL, kk = NULL, name = '', "
                    "birth_place = NULL, birth_date = NULL, mother_name = NULL, nipd = NULL, "
                    "roster_details = NULL, search_key = '', updated_at = :t "
                    "WHERE school_npsn = :n"
                ),
                {"n": npsn, "t": now.isoformat(timespec="microseconds")},
            )
            s.execute(text("INSERT INTO student_fts(student_fts) VALUES ('optimize')"))
            ids = [sid for sid, _d, _k in students]
            elsewhere = select(m.EventSchool.student_id).where(m.EventSchool.school_npsn == npsn)
            scrubbed = 0
            # At least once: a school whose students all left still has events filed under it.
            for i in range(0, max(len(ids), 1), 500):
                chunk = ids[i : i + 500]
                # The school's students' events, and the events filed under the
                # school of students no longer (or never) in its roster.
                for ev in s.scalars(
                    select(m.EventRow).where(
                        (m.EventRow.student_id.in_(chunk))
                        | (m.EventRow.student_id.in_(elsewhere) & (m.EventRow.school_npsn == npsn))
                    )
                ):
                    new = _scrub(dict(ev.payload or {}), ev.kind)
                    if new is not None:
                        ev.payload = new
                        scrubbed += 1
            s.execute(update(m.School).where(m.School.npsn == npsn).values(purged_at=now))
            s.add(
                m.AuditLog(
                    actor=store.username,
                    action=m.AuditAction.PURGE,
                    subject=npsn,
                    detail={"students": len(students), "events_scrubbed": scrubbed},
                )
            )
            s.flush()
        finally:
            s.execute(text("PRAGMA secure_delete = OFF"))
    log.info("purged school %s: %d students", npsn, len(students))
    return PurgeResult(npsn, len(students), scrubbed, now)
