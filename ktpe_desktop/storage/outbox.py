"""The outbox: the upload state of this laptop's own events, in one place.

Every local event has one ``outbox`` row that moves through a small status machine
(persist-queue's ack queue is the model)::

    pending ──take_batch──▶ in_flight ──mark_replied──▶ acked
       ▲                        │                        │
       │  return_to_pending /   │  mark_replied          │ requeue_lost
       │  reset_in_flight       ▼  (refused)             │ (the server lost it)
       └──────────────────── quarantined ◀───────────────┘
              retry_quarantined

* rows are added ``pending`` by :func:`ktpe_desktop.storage.ledger.append_local`
  only (:func:`add_pending`), in the same transaction as their event;
* :func:`take_batch` marks the next contiguous run per device ``in_flight`` (and
  counts an attempt) -- the caller commits that before sending;
* :func:`mark_replied` applies a push reply: acknowledged ``acked``, refused
  ``quarantined`` with ``status|code|message``, "retry later" back to ``pending``;
* :func:`return_to_pending` (a failed request) and :func:`reset_in_flight` (start-up
  after a crash) put ``in_flight`` rows back to ``pending``;
* :func:`requeue_lost` puts ``acked`` rows beyond the server's contiguous seq back to
  ``pending``; :func:`retry_quarantined` does so for quarantined rows;
* :func:`counts` and :func:`quarantined` are the read side.

Every function runs in the caller's session and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_desktop.storage import models as m

Outbox = m.Outbox
OS = m.OutboxStatus

_CHUNK = 500
_SQL_INSERT = (
    "INSERT INTO outbox (event_id, status, attempts, last_error, updated_at) "
    "VALUES (?, ?, 0, NULL, ?)"
)


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int = 0
    in_flight: int = 0
    acked: int = 0
    quarantined: int = 0

    @property
    def unsent(self) -> int:
        """Belum Terkirim: what still has to reach the server."""
        return self.pending + self.in_flight


@dataclass(frozen=True, slots=True)
class QuarantinedItem:
    """A refused event, with the server's reason (no personal data)."""

    event_id: str
    seq: int
    kind: str
    student_id: str
    school_npsn: str | None
    occurred_at: datetime
    status: str
    code: str
    message: str
    attempts: int


def encode_problem(status: str, code: str, message: str) -> str:
    """``last_error`` of a quarantined row: ``status|code|message``."""
    return f"{status}|{code}|{message}"


def decode_problem(text: str | None) -> tuple[str, str, str]:
    if not text:
        return "", "", ""
    parts = text.split("|", 2)
    while len(parts) < 3:
        parts.append("")
    return parts[0], parts[1], parts[2]


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


# --------------------------------------------------------------------------- writes


def add_pending(raw: Any, event_ids: Sequence[str], updated_at: str | None) -> None:
    """New ``pending`` rows (DB-API connection; called by ``ledger.append_local`` only)."""
    rows = [(event_id, OS.PENDING.value, updated_at) for event_id in event_ids]
    if len(rows) == 1:
        raw.execute(_SQL_INSERT, rows[0])
    elif rows:
        raw.executemany(_SQL_INSERT, rows)


def take_batch(s: Session, size: int) -> list[Event]:
    """Mark the next contiguous run per device of pending events ``in_flight``.

    Returns the events in ``(device_id, seq)`` order; the caller commits before
    sending them.
    """
    from ktpe_desktop.storage.ledger import event_from_row  # ledger imports this module

    rows = (
        s.execute(
            select(m.EventRow)
            .join(Outbox, Outbox.event_id == m.EventRow.event_id)
            .where(Outbox.status == OS.PENDING)
            .order_by(m.EventRow.device_id, m.EventRow.seq)
            .limit(size)
        )
        .scalars()
        .all()
    )
    events = contiguous_runs([event_from_row(r) for r in rows])
    ids = [e.event_id for e in events]
    for chunk in _chunks(ids):
        s.execute(
            update(Outbox)
            .where(Outbox.event_id.in_(chunk))
            .values(status=OS.IN_FLIGHT, attempts=Outbox.attempts + 1, updated_at=_now())
        )
    return events


def return_to_pending(s: Session, event_ids: Sequence[str], code: str) -> None:
    """A request failed: its ``in_flight`` rows go back to ``pending`` with ``code``."""
    for chunk in _chunks(list(event_ids)):
        s.execute(
            update(Outbox)
            .where(Outbox.event_id.in_(chunk), Outbox.status == OS.IN_FLIGHT)
            .values(status=OS.PENDING, last_error=code, updated_at=_now())
        )


def mark_replied(
    s: Session,
    acked: Sequence[str],
    retry_later: Sequence[str],
    refused: Sequence[tuple[str, str]],
) -> None:
    """Apply a push reply.

    Args:
        acked: event ids the server holds (``acked``).
        retry_later: event ids to send again (``pending``, ``last_error = seq_gap``).
        refused: ``(event_id, encode_problem(...))`` pairs (``quarantined``).
    """
    now = _now()
    for chunk in _chunks(list(acked)):
        s.execute(
            update(Outbox)
            .where(Outbox.event_id.in_(chunk))
            .values(status=OS.ACKED, last_error=None, updated_at=now)
        )
    for chunk in _chunks(list(retry_later)):
        s.execute(
            update(Outbox)
            .where(Outbox.event_id.in_(chunk))
            .values(status=OS.PENDING, last_error="seq_gap", updated_at=now)
        )
    for event_id, problem in refused:
        s.execute(
            update(Outbox)
            .where(Outbox.event_id == event_id)
            .values(status=OS.QUARANTINED, last_error=problem, updated_at=now)
        )


def reset_in_flight(s: Session) -> int:
    """At start-up, rows left ``in_flight`` by a crash go back to ``pending``."""
    result = s.execute(
        update(Outbox)
        .where(Outbox.status == OS.IN_FLIGHT)
        .values(status=OS.PENDING, updated_at=_now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def requeue_lost(s: Session, device_id: str, contiguous_seq: int) -> int:
    """``acked`` rows of ``device_id`` beyond the server's contiguous seq go back to pending."""
    lost = s.scalars(
        select(Outbox.event_id)
        .join(m.EventRow, m.EventRow.event_id == Outbox.event_id)
        .where(
            Outbox.status == OS.ACKED,
            m.EventRow.device_id == device_id,
            m.EventRow.seq > contiguous_seq,
        )
    ).all()
    for chunk in _chunks(list(lost)):
        s.execute(
            update(Outbox)
            .where(Outbox.event_id.in_(chunk))
            .values(status=OS.PENDING, last_error="server_lost", updated_at=_now())
        )
    return len(lost)


def retry_quarantined(s: Session, event_ids: Iterable[str] | None = None) -> int:
    """Quarantined rows (all, or those given) go back to ``pending``."""
    stmt = update(Outbox).where(Outbox.status == OS.QUARANTINED)
    if event_ids is not None:
        ids = list(event_ids)
        if not ids:
            return 0
        stmt = stmt.where(Outbox.event_id.in_(ids))
    result = s.execute(stmt.values(status=OS.PENDING, updated_at=_now()))
    return int(getattr(result, "rowcount", 0) or 0)


# --------------------------------------------------------------------------- reads


def counts(s: Session) -> OutboxCounts:
    rows: dict[str, int] = {
        str(getattr(status, "value", status)): int(n)
        for status, n in s.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
    }

    def get(st: m.OutboxStatus) -> int:
        return rows.get(st.value, 0)

    return OutboxCounts(get(OS.PENDING), get(OS.IN_FLIGHT), get(OS.ACKED), get(OS.QUARANTINED))


def quarantined(s: Session) -> list[QuarantinedItem]:
    rows = s.execute(
        select(Outbox, m.EventRow)
        .join(m.EventRow, m.EventRow.event_id == Outbox.event_id)
        .where(Outbox.status == OS.QUARANTINED)
        .order_by(m.EventRow.device_id, m.EventRow.seq)
    ).all()
    out = []
    for ob, ev in rows:
        status, code, message = decode_problem(ob.last_error)
        out.append(
            QuarantinedItem(
                event_id=ev.event_id,
                seq=ev.seq,
                kind=ev.kind,
                student_id=ev.student_id,
                school_npsn=ev.school_npsn,
                occurred_at=ev.occurred_at,
                status=status,
                code=code,
                message=message,
                attempts=ob.attempts,
            )
        )
    return out


def contiguous_runs(events: list[Event]) -> list[Event]:
    """Per device, the leading run of consecutive ``seq`` (what one chain may carry)."""
    out: list[Event] = []
    last: dict[str, int] = {}
    stopped: set[str] = set()
    for ev in events:
        if ev.device_id in stopped:
            continue
        prev = last.get(ev.device_id)
        if prev is not None and ev.seq != prev + 1:
            stopped.add(ev.device_id)
            continue
        last[ev.device_id] = ev.seq
        out.append(ev)
    return out
