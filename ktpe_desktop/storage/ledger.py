"""The device chain and the derived student state: the one owner of both.

These functions run inside a caller's transaction; they never commit.
:mod:`ktpe_desktop.services.recording` and the import service own the transactions.

**The device chain** (the small API other modules use):

* :class:`Draft` -- what a use case wants to write (kind, student, operator,
  payload, the school the event is about).
* :func:`append_local` ``(txn, drafts, *, device_id, clock)`` -- THE one place that
  appends to this laptop's chain: for 1..N drafts it ticks the HLC (never behind
  the persisted one), builds each event (next ``seq``, chained to the head hash),
  writes the event rows and their ``pending`` outbox rows
  (:mod:`ktpe_desktop.storage.outbox`) and advances the head (``next_seq``,
  ``head_hash``, ``hlc_last``). Returns the events written, in ``seq`` order.
  ``txn`` is a :class:`WriteTxn` (the hot path) or an ORM session (imports).
* :func:`read_head` -- the chain head ``(next_seq, head_hash, hlc_last)``.
* :func:`sign_segments` -- THE one place that signs (a push batch of own events:
  one Ed25519 signature over the segment's hashes, ``core.signing``);
  :func:`public_key` -- the key registered at enrolment (made on first use).
  A salvaged or re-enrolled laptop is a new device: new ``device_id``, new key.
* :func:`apply_remote` -- events received from others (bounded clock, held back
  for review when out of range or not yet verified: :func:`hold_events`).

Events received from others go in with :func:`insert_events_if_absent` (never the
outbox); every write path then refolds with :func:`recompute_state`.

Two ways in:

* an ORM :class:`~sqlalchemy.orm.Session` (sync pulls, imports, loaders);
* a :class:`WriteTxn` -- the check-off hot path. It runs plain prepared SQL on the
  DBAPI connection underneath a Core connection's ``BEGIN IMMEDIATE`` transaction
  (the driver caches the prepared statements), remembers the events it wrote so
  the fold does not read them back, and only builds an ORM session (bound to the
  same transaction) when a rare case needs one (detail events, audit rows).

Both write the same rows with the same encodings (the column types of
:mod:`~ktpe_desktop.storage.models` do the encoding), and the derived state is
always ``fold_status`` over *all* the student's events.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ktpe_desktop.core.events import (
    DETAIL_FIELDS,
    Event,
    EventKind,
    FoldState,
    fold_status,
    make_event_with_text,
)
from ktpe_desktop.core.hlc import Hlc, HybridClock, system_ms
from ktpe_desktop.core.namekeys import name_key
from ktpe_desktop.core.protocol import DEFAULT_MAX_CLOCK_AHEAD_SECONDS, Segment
from ktpe_desktop.core.signing import new_private_key, public_key_of, sign_segment
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import outbox
from ktpe_desktop.storage.engine import HEAD_HINT, JOURNAL_HINT
from ktpe_desktop.storage.journal import EventJournal
from ktpe_desktop.storage.logs import get_logger

log = get_logger("storage")


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


# --------------------------------------------------------------------------- raw hot path

_DIALECT = sqlite.dialect()
_UTC = m.UtcDateTime()
_JSON = m.JsonText()

_EVENT_COLUMNS = (
    "event_id, device_id, seq, hlc, prev_hash, hash, kind, student_id, operator, "
    "occurred_at, payload"
)
_SQL_STUDENT = "SELECT school_npsn, deleted FROM student WHERE id = ?"
_SQL_STATE_SCHOOL = "SELECT school_npsn FROM student_state WHERE student_id = ?"
_SQL_HEAD = "SELECT next_seq, head_hash, hlc_last FROM device WHERE device_id = ?"
_SQL_ADVANCE = "UPDATE device SET next_seq = ?, head_hash = ?, hlc_last = ? WHERE device_id = ?"
_SQL_INSERT_EVENT = (
    "INSERT INTO event (event_id, device_id, seq, hlc, prev_hash, hash, kind, student_id, "
    "school_npsn, operator, occurred_at, payload, origin, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQL_STUDENT_EVENTS = f"SELECT {_EVENT_COLUMNS} FROM event WHERE student_id = ?"
_SQL_EVENT_SCHOOL = "SELECT school_npsn FROM event WHERE student_id = ? AND school_npsn IS NOT NULL"
_SQL_UPSERT_STATE = (
    "INSERT INTO student_state (student_id, school_npsn, status, reason, deciding_event_id, "
    "decided_at, decided_by_device, decided_by_operator, ikd_activated, anomaly_count, "
    "event_count, last_hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (student_id) DO UPDATE SET school_npsn = excluded.school_npsn, "
    "status = excluded.status, reason = excluded.reason, "
    "deciding_event_id = excluded.deciding_event_id, decided_at = excluded.decided_at, "
    "decided_by_device = excluded.decided_by_device, "
    "decided_by_operator = excluded.decided_by_operator, "
    "ikd_activated = excluded.ikd_activated, anomaly_count = excluded.anomaly_count, "
    "event_count = excluded.event_count, last_hlc = excluded.last_hlc"
)
_SQL_OBSERVE_HLC = "UPDATE device SET hlc_last = ? WHERE device_id = ? AND hlc_last < ?"
# A large batch of events (a roster import) goes in with ``event_school_ai`` set aside;
# then one statement adds the pairs the trigger would have added (models.EventSchool).
_BULK_PAIRS_MIN = 1000
_SQL_PAIR_TRIGGER = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?"
_SQL_LAST_EVENT_ROWID = "SELECT coalesce(max(rowid), 0) FROM event"
_SQL_BULK_PAIRS = (
    "INSERT OR IGNORE INTO event_school (school_npsn, student_id) "
    "SELECT e.school_npsn, e.student_id FROM event AS e "
    "WHERE e.rowid > ? AND e.school_npsn IS NOT NULL AND NOT EXISTS (SELECT 1 FROM student "
    "AS s WHERE s.id = e.student_id AND s.school_npsn = e.school_npsn)"
)
_SQL_ANOMALIES = "SELECT id, code, event_ids, resolved FROM anomaly WHERE student_id = ?"
_SQL_RESOLVE_ANOMALY = "UPDATE anomaly SET resolved = 1, resolved_at = ? WHERE id = ?"
_SQL_REOPEN_ANOMALY = "UPDATE anomaly SET resolved = 0, resolved_at = NULL WHERE id = ?"
_SQL_INSERT_ANOMALY = (
    "INSERT INTO anomaly (student_id, code, event_ids, resolved, created_at, resolved_at) "
    "VALUES (?, ?, ?, 0, ?, NULL)"
)


def utc_text(ts: datetime | None) -> str | None:
    """A time as :class:`~ktpe_desktop.storage.models.UtcDateTime` stores it."""
    if ts is not None and ts.tzinfo is UTC:  # already UTC (the hot path's times)
        return ts.isoformat(timespec="microseconds")
    return _UTC.process_bind_param(ts, _DIALECT)


def json_text(value: Any) -> str | None:
    """A value as :class:`~ktpe_desktop.storage.models.JsonText` stores it."""
    return _JSON.process_bind_param(value, _DIALECT)


_LOCAL = m.EventOrigin.LOCAL.value


class StaleHead(Exception):
    """The device's head moved since the store's last check-off (D43): the
    check-off's transaction rolls back (its journal record is cut) and runs again
    with the head read in the transaction."""


class WriteTxn:
    """The hot-path handle on one write transaction (see the module docstring).

    ``with WriteTxn(conn) as txn:`` inside ``conn``'s transaction (started with
    ``BEGIN IMMEDIATE``); on a normal exit a session made by :meth:`session` is
    flushed. The caller's ``conn`` commits or rolls back everything together.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw: Any = conn.connection.driver_connection
        self.written: dict[str, Event] = {}  # the events this transaction inserted
        self.student_schools: dict[str, str | None] = {}  # looked up in this transaction
        # student_state's shown columns as this transaction wrote them on the raw path
        # (status, reason, ikd_activated, anomaly_count, event_count, decided_at text,
        # decided_by_operator): the row the screen shows next is made from them.
        self.states: dict[str, tuple[Any, ...]] = {}
        # The check-off journal (D43): set by a check-off, whose events
        # :func:`append_local` then writes and syncs there before inserting them.
        self.journal: EventJournal | None = None
        # The device's head as this transaction's append left it (next_seq, hash,
        # hlc_last): the next check-off's ``head`` once this one committed.
        self.new_head: tuple[int, str, str] | None = None
        self._session: Session | None = None

    def session(self) -> Session:
        """An ORM session joined to this transaction (made on first use)."""
        if self._session is None:
            if not self.conn.in_transaction():
                # SQLAlchemy joins the writer's transaction (begun on the driver) first:
                # a session that began its own would roll it all back at its close.
                self.conn.begin()
            self._session = Session(bind=self.conn, expire_on_commit=False)
        return self._session

    @property
    def used_session(self) -> bool:
        """True once :meth:`session` was called (ORM work in this transaction)."""
        return self._session is not None

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def __enter__(self) -> WriteTxn:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            if self._session is not None:
                self._session.close()
                self._session = None


def read_student(txn: WriteTxn, student_id: str) -> tuple[str, bool] | None:
    """``(school_npsn, deleted)`` of a student row, or None."""
    row = txn.raw.execute(_SQL_STUDENT, (student_id,)).fetchone()
    if row is None:
        txn.student_schools[student_id] = None
        return None
    txn.student_schools[student_id] = row[0]
    return str(row[0]), bool(row[1])


def state_school(txn: WriteTxn, student_id: str) -> str | None:
    row = txn.raw.execute(_SQL_STATE_SCHOOL, (student_id,)).fetchone()
    return None if row is None else row[0]


def read_head(txn: WriteTxn, device_id: str) -> tuple[int, str, str] | None:
    """This device's ledger head: ``(next_seq, head_hash, hlc_last)``."""
    return _head_raw(txn.raw, device_id)


def _head_raw(raw: Any, device_id: str) -> tuple[int, str, str] | None:
    row = raw.execute(_SQL_HEAD, (device_id,)).fetchone()
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]))


@dataclass(frozen=True, slots=True)
class Draft:
    """An event a use case wants to append to this laptop's chain.

    Args:
        kind: the event kind.
        student_id: the student the event is about.
        operator: who did it.
        payload: the kind's payload (already validated by the caller).
        school_npsn: the school the event row is filed under (None: unknown).
        occurred_at: when it happened (default: the append's ``now``).
    """

    kind: EventKind | str
    student_id: str
    operator: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    school_npsn: str | None = None
    occurred_at: datetime | None = None


def _raw_connection(txn: WriteTxn | Session) -> Any:
    if isinstance(txn, WriteTxn):
        return txn.raw
    txn.flush()  # pending ORM rows (a new school, a student) go first
    return txn.connection().connection.driver_connection


_STR_ONLY = {str}


def _reads_back_as_is(payload: Mapping[str, Any]) -> bool:
    """True when ``json.loads(json_text(payload))`` equals ``payload``, key order too."""
    if not payload:
        return type(payload) is dict  # {} reads back as {} (most outcomes)
    keys = list(payload)
    types = set(map(type, keys))
    types.update(map(type, payload.values()))
    return types == _STR_ONLY and keys == sorted(keys)


@dataclass(slots=True)
class Built:
    """Events built on a head by :func:`build_local`, not yet written.

    Attributes:
        events: the events, in ``seq`` order (payloads as a re-read gives them).
        rows: their ``event`` rows (``_SQL_INSERT_EVENT``'s columns); the school
            column is each draft's ``school_npsn``.
        stamp_text: the rows' ``received_at`` (and the outbox's) text.
        head: the head they were built on ``(next_seq, head_hash, hlc_last)``.
        new_head: the head after them.
    """

    events: list[Event]
    rows: list[tuple[Any, ...]]
    stamp_text: str
    head: tuple[int, str, str]
    new_head: tuple[int, str, str]


def build_local(
    drafts: Sequence[Draft],
    *,
    device_id: str,
    clock: HybridClock,
    head: tuple[int, str, str],
    now: datetime | None = None,
) -> Built:
    """The events of ``drafts`` chained on ``head`` (``(next_seq, head_hash,
    hlc_last)``), each with its HLC tick and hash: no database work, so that a
    check-off's journal record can be written before its transaction begins (D43).

    Args:
        drafts: 1..N events, in the order they get their ``seq``.
        device_id: this laptop's device id.
        clock: this laptop's HLC (ticked once per event).
        head: the device's head the events follow.
        now: ``occurred_at`` of drafts without one, and the rows' ``received_at``.
    """
    seq, prev_hash, persisted = head[0], head[1], Hlc.decode(head[2])
    stamp = now or datetime.now(UTC)
    stamp_text = utc_text(stamp)
    assert stamp_text is not None
    events: list[Event] = []
    event_rows: list[tuple[Any, ...]] = []
    occurred: datetime | None = None  # the last event's time and its column text:
    occurred_text: str | None = None  # a batch (a roster import) shares one time
    for draft in drafts:
        hlc = clock.tick()
        if hlc <= persisted:  # the clock was restored behind the database (tests, restore)
            hlc = clock.observe(persisted)
        persisted = hlc
        # The payload's column text is the one the hash encoded (json_text's encoding).
        ev, payload_text = make_event_with_text(
            device_id=device_id,
            seq=seq,
            prev_hash=prev_hash,
            hlc=hlc,
            kind=draft.kind,
            student_id=draft.student_id,
            operator=draft.operator,
            occurred_at=draft.occurred_at or stamp,
            payload=draft.payload,
        )
        if ev.occurred_at is not occurred:
            occurred, occurred_text = ev.occurred_at, utc_text(ev.occurred_at)
        event_rows.append(
            (ev.event_id, ev.device_id, ev.seq, ev.hlc, ev.prev_hash, ev.hash, ev.kind,
             ev.student_id, draft.school_npsn, ev.operator, occurred_text,
             payload_text, _LOCAL, stamp_text)
        )  # fmt: skip
        # Kept as a re-read would see it (payload through its JSON text); a payload
        # of strings in sorted key order (a roster import's) reads back as itself.
        events.append(
            ev
            if _reads_back_as_is(ev.payload)
            else replace(ev, payload=json.loads(payload_text or "{}"))
        )
        seq, prev_hash = seq + 1, ev.hash
    return Built(events, event_rows, stamp_text, head, (seq, prev_hash, persisted.encode()))


def append_local(
    txn: WriteTxn | Session,
    drafts: Sequence[Draft],
    *,
    device_id: str,
    clock: HybridClock,
    now: datetime | None = None,
    students_at_school: bool = False,
    school_after: Callable[[], str | None] | None = None,
    built: Built | None = None,
) -> list[Event]:
    """Append ``drafts`` to this device's chain (see the module docstring).

    Everything happens in the caller's transaction: if it rolls back, nothing of
    it stays (and ``next_seq`` is unchanged, so ``seq`` never has a gap).

    Args:
        txn: the hot path's :class:`WriteTxn`, or an ORM session.
        drafts: 1..N events to write, in the order they get their ``seq``.
        device_id: this laptop's device id (``Store.device_id``).
        clock: this laptop's HLC (ticked once per event).
        now: ``occurred_at`` of drafts without one, and the rows' ``received_at``.
        students_at_school: the caller's word that each draft's student has a row
            naming ``draft.school_npsn`` (a roster import's new students, inserted
            first): a large batch then adds no ``event_school`` pairs and skips their
            search (see :func:`_pairs_in_bulk`).
        school_after: a check-off's (D43): called once the journal holds the
            events, it checks the student and gives the school every row is filed
            under (the journal's rows have none: a replay looks it up the same way).
        built: a check-off's (D43): the drafts' events as :func:`build_local` made
            them on the head the store's last check-off left, already written to
            the journal before this transaction began. The head is read here; one
            that moved meanwhile raises :class:`StaleHead` (the caller's transaction
            rolls back, which cuts the record, and is tried again without it).

    Returns:
        The events written, in ``seq`` order.
    """
    if not drafts:
        return []
    raw = _raw_connection(txn)
    head = _head_raw(raw, device_id)
    if built is not None:
        if head != built.head:
            raise StaleHead()
    else:
        if head is None:  # pragma: no cover - created with the database
            raise RuntimeError("device row missing")
        built = build_local(drafts, device_id=device_id, clock=clock, head=head, now=now)
        if isinstance(txn, WriteTxn) and txn.journal is not None:
            # The check-off is durable here (D43); the inserts below are the
            # database's copy, committed without a sync of its own. A rollback cuts
            # the record off.
            txn.conn.info[JOURNAL_HINT] = (txn.journal, txn.journal.append(built.rows))
    events, event_rows = built.events, built.rows
    if school_after is not None:
        school = school_after()
        event_rows = [(*r[:8], school, *r[9:]) for r in event_rows]
    if len(event_rows) == 1:
        raw.execute(_SQL_INSERT_EVENT, event_rows[0])
    elif len(event_rows) < _BULK_PAIRS_MIN:
        raw.executemany(_SQL_INSERT_EVENT, event_rows)
    else:
        with _pairs_in_bulk(raw, search=not students_at_school):
            raw.executemany(_SQL_INSERT_EVENT, event_rows)
    outbox.add_pending(raw, [ev.event_id for ev in events], built.stamp_text)
    seq, prev_hash, persisted = built.new_head
    cur = raw.execute(_SQL_ADVANCE, (seq, prev_hash, persisted, device_id))
    if cur.rowcount != 1:  # pragma: no cover - the row was read in this transaction
        raise RuntimeError("device row missing")
    if isinstance(txn, WriteTxn):
        txn.written.update((ev.event_id, ev) for ev in events)
        # The store moves its tail marker to this head after the commit.
        txn.conn.info[HEAD_HINT] = (seq - 1, prev_hash)
        txn.new_head = built.new_head
    else:
        held = txn.identity_map.get(identity_key(m.Device, device_id))
        if held is not None:
            txn.expire(held)  # the ORM's copy of the head is stale now
    return events


_SQL_HASH_AT = "SELECT hash FROM event WHERE device_id = ? AND seq = ?"


@dataclass
class Replayed:
    """What :func:`replay_journaled` did with the journal's rows.

    Attributes:
        applied: the events inserted (the database lacked them), in ``seq`` order.
        present: rows the database already holds, the same event.
        left: rows that cannot be applied: a gap before them (the database is older
            than the journal: a restore), another head, a hash that does not match,
            another device's or another event at that ``seq``. Never thrown away.
    """

    applied: list[Event] = field(default_factory=list)
    present: int = 0
    left: list[tuple[Any, ...]] = field(default_factory=list)


def _journal_event(row: Sequence[Any]) -> Event | None:
    """The event a journal row describes, its hash and id recomputed; None if they
    do not match the row's (a row that is not what was written)."""
    try:
        ev, _ = make_event_with_text(
            device_id=str(row[1]),
            seq=int(row[2]),
            prev_hash=str(row[4]),
            hlc=str(row[3]),
            kind=str(row[6]),
            student_id=str(row[7]),
            operator=str(row[9]),
            occurred_at=datetime.fromisoformat(str(row[10])),
            payload=json.loads(row[11]) if row[11] is not None else {},
        )
    except (ValueError, TypeError):
        return None
    if ev.hash != row[5] or ev.event_id != row[0]:
        return None
    return ev


def replay_journaled(txn: WriteTxn, rows: Sequence[Sequence[Any]], device_id: str) -> Replayed:
    """Insert the check-off journal's rows the database lacks (D43), in the caller's
    transaction: each only where it extends this device's chain exactly (its ``seq``
    the next, its ``prev_hash`` the head, its hash recomputed), with its outbox row,
    the device's head and the student's state, as :func:`append_local` and
    :func:`recompute_state` would have written them.

    For a ``seq`` written twice, the last record counts (an earlier one belonged to
    a transaction that rolled back).
    """
    raw = txn.raw
    done = Replayed()
    head = read_head(txn, device_id)
    if head is None:  # pragma: no cover - created with the database
        raise RuntimeError("device row missing")
    next_seq, head_hash, hlc_last = head[0], head[1], Hlc.decode(head[2])
    by_seq: dict[int, tuple[Any, ...]] = {}
    for r in rows:
        if r[1] != device_id or not isinstance(r[2], int):
            done.left.append(tuple(r))
        else:
            by_seq[r[2]] = tuple(r)
    for seq in sorted(by_seq):
        r = by_seq[seq]
        if seq < next_seq:
            held = raw.execute(_SQL_HASH_AT, (device_id, seq)).fetchone()
            if held is not None and held[0] == r[5]:
                done.present += 1
            else:
                done.left.append(r)
            continue
        ev = _journal_event(r) if seq == next_seq and r[4] == head_hash else None
        student = None if ev is None else read_student(txn, ev.student_id)
        if ev is None or student is None or student[1]:
            # Not this chain's next event, or a student this database does not have
            # (a save refused as unknown whose record could not be cut): kept aside.
            done.left.append(r)
            continue
        if r[8] is None:  # a check-off's row: filed under its student's school
            r = (*r[:8], student[0], *r[9:])
        raw.execute(_SQL_INSERT_EVENT, r)
        outbox.add_pending(raw, [ev.event_id], r[13])
        done.applied.append(ev)
        next_seq, head_hash = seq + 1, ev.hash
        hlc_last = max(hlc_last, Hlc.decode(ev.hlc))
    if done.applied:
        raw.execute(_SQL_ADVANCE, (next_seq, head_hash, hlc_last.encode(), device_id))
        txn.written.update((ev.event_id, ev) for ev in done.applied)
        txn.conn.info[HEAD_HINT] = (next_seq - 1, head_hash)
        for student_id in dict.fromkeys(ev.student_id for ev in done.applied):
            recompute_state(txn, student_id)
    return done


@contextlib.contextmanager
def _pairs_in_bulk(raw: Any, *, search: bool) -> Iterator[None]:
    """Insert many events without ``event_school_ai`` running once per row (its
    program was ~1.7 us per event, ~25 ms of a 10,000-row import): the trigger is
    dropped, the rows go in, one ``INSERT … SELECT`` over the new rows adds the same
    pairs (``search``; without it the caller vouches that there are none), and the
    trigger is created again from its stored text. All in the caller's transaction
    (a rollback brings the trigger back). Only the trigger this code knows
    (``models.EVENT_SCHOOL_INSERT_TRIGGER``) is set aside."""
    row = raw.execute(_SQL_PAIR_TRIGGER, ("event_school_ai",)).fetchone()
    if row is None or row[0] != m.EVENT_SCHOOL_INSERT_TRIGGER:
        yield
        return
    before = raw.execute(_SQL_LAST_EVENT_ROWID).fetchone()[0]
    raw.execute("DROP TRIGGER event_school_ai")
    try:
        yield
        if search:
            raw.execute(_SQL_BULK_PAIRS, (before,))
    finally:
        raw.execute(m.EVENT_SCHOOL_INSERT_TRIGGER)


def _event_from_raw(r: tuple[Any, ...]) -> Event:
    """An event from a ``_SQL_STUDENT_EVENTS`` row, decoded as the ORM would."""
    return Event(
        event_id=r[0],
        device_id=r[1],
        seq=r[2],
        hlc=r[3],
        prev_hash=r[4],
        hash=r[5],
        kind=r[6],
        student_id=r[7],
        operator=r[8],
        occurred_at=datetime.fromisoformat(r[9]).astimezone(UTC),
        payload=dict(json.loads(r[10]) or {}) if r[10] is not None else {},
    )


def _recompute_raw(txn: WriteTxn, student_id: str) -> FoldState:
    """:func:`recompute_state` on the hot path: plain SQL, no ORM objects.

    Reads the student's events (the ones this transaction wrote are taken from
    memory, not re-decoded) and folds *all* of them with ``fold_status``; the fold
    over a student's handful of events costs microseconds, and a full fold is
    what keeps it exactly equal to the definition. A student with detail events
    (walk-ins, corrections, even all of them undone: the row goes back to the
    roster's values) has its row rewritten and goes through the ORM path instead.
    """
    written = txn.written
    events = [
        written.get(r[0]) or _event_from_raw(r)
        for r in txn.raw.execute(_SQL_STUDENT_EVENTS, (student_id,))
    ]
    state = fold_status(student_id, events)
    if state.details or any(ev.kind in DETAIL_KINDS for ev in events):
        return _recompute_orm(txn.session(), student_id)
    if student_id in txn.student_schools:
        school = txn.student_schools[student_id]
    else:
        row = txn.raw.execute(_SQL_STUDENT, (student_id,)).fetchone()
        school = None if row is None else row[0]
    if school is None:
        row = txn.raw.execute(_SQL_EVENT_SCHOOL, (student_id,)).fetchone()
        school = None if row is None else row[0]
    status, decided_at = state.status.value, utc_text(state.decided_at)
    ikd, anomalies = (1 if state.ikd_activated else 0), len(state.anomalies)
    txn.raw.execute(
        _SQL_UPSERT_STATE,
        (
            student_id,
            school,
            status,
            state.reason,
            state.deciding_event_id,
            decided_at,
            state.decided_by_device,
            state.decided_by_operator,
            ikd,
            anomalies,
            state.event_count,
            state.last_hlc,
        ),
    )
    _sync_anomalies_raw(txn, student_id, state)
    txn.states[student_id] = (
        status, state.reason, ikd, anomalies, state.event_count, decided_at,
        state.decided_by_operator,
    )  # fmt: skip
    return state


def _sync_anomalies_raw(txn: WriteTxn, student_id: str, state: FoldState) -> None:
    existing = txn.raw.execute(_SQL_ANOMALIES, (student_id,)).fetchall()
    if not existing and not state.anomalies:
        return
    wanted = {(a.code.value, tuple(sorted(a.event_ids))) for a in state.anomalies}
    have: set[tuple[str, tuple[str, ...]]] = set()
    now = utc_text(datetime.now(UTC))
    for row_id, code, event_ids, resolved in existing:
        ident = (code, tuple(sorted(json.loads(event_ids))))
        if ident not in wanted:
            if not resolved:
                txn.raw.execute(_SQL_RESOLVE_ANOMALY, (now, row_id))
        elif resolved and ident not in have:
            txn.raw.execute(_SQL_REOPEN_ANOMALY, (row_id,))
        have.add(ident)
    for code, ids in sorted(wanted - have):
        txn.raw.execute(_SQL_INSERT_ANOMALY, (student_id, code, json_text(list(ids)), now))


# --------------------------------------------------------------------------- ORM path


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


# Event kinds that carry student details (folded into ``StudentState.details``).
DETAIL_KINDS = frozenset({EventKind.STUDENT_ADDED.value, EventKind.DETAILS_CORRECTED.value})


def roster_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """``student.roster_details`` of a roster row: every detail field, dates as ISO text."""
    out: dict[str, Any] = {}
    for key in DETAIL_FIELDS:
        value = values.get(key)
        if isinstance(value, date):
            value = value.isoformat()
        elif value == "" and key != "class_name":
            value = None
        out[key] = value
    return out


def displayed_details(student: m.Student, details: Mapping[str, Any]) -> dict[str, Any]:
    """What the row shows: the roster's values overlaid with the fold's ``details``.

    Every detail field is given: one neither the roster nor an event gives is
    empty (a walk-in's base is ``{}``). A row from before migration 0002 has no
    roster values (NULL): its current values are taken as the base, once, and
    written to ``roster_details`` (a correction applied before the upgrade is
    then part of that base; the roster sending the student again replaces it).
    """
    base = student.roster_details
    if base is None:
        base = roster_values({key: getattr(student, key) for key in DETAIL_FIELDS})
        student.roster_details = base
    shown: dict[str, Any] = dict.fromkeys(DETAIL_FIELDS)
    shown.update((k, v) for k, v in base.items() if k in DETAIL_FIELDS)
    shown.update((k, v) for k, v in details.items() if k in DETAIL_FIELDS)
    return shown


def apply_details(session: Session, student: m.Student, details: Mapping[str, Any]) -> bool:
    """Write detail fields onto the student row (and its name key, so the FTS index).

    A field missing from ``details`` is left as it is; an empty name or school is
    never written (the row keeps its own).
    """
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
        elif key == "class_name":
            value = ""
        if key == "name" and not value:
            continue
        if getattr(student, key) != value:
            setattr(student, key, value)
            changed = True
    if changed:
        student.search_key = name_key(student.name)
        student.updated_at = datetime.now(UTC)
    return changed


def recompute_state(session: Session | WriteTxn, student_id: str) -> FoldState:
    """Fold the student's events (read inside the transaction) into ``student_state``.

    Also keeps the ``anomaly`` rows in step (new ones added, vanished ones marked
    resolved) and, for a student with detail events, writes the student row as
    the roster's values overlaid with the fold's details (:func:`displayed_details`),
    so an undone correction gives the roster's value back; a walk-in received from
    another laptop gets its student row here.

    ``session`` is an ORM session, or the hot path's :class:`WriteTxn`.
    """
    if isinstance(session, WriteTxn):
        return _recompute_raw(session, student_id)
    return _recompute_orm(session, student_id)


def _recompute_orm(session: Session, student_id: str) -> FoldState:
    events = student_events(session, student_id)
    state = fold_status(student_id, events)
    student = session.get(m.Student, student_id)
    if state.details or any(ev.kind in DETAIL_KINDS for ev in events):
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
                roster_details={},  # a walk-in: no roster values, its event gives them
            )
            session.add(student)
        if student is not None:
            apply_details(session, student, displayed_details(student, state.details))
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
        if ident not in wanted:
            if not row.resolved:
                row.resolved = True  # the events no longer contradict (e.g. one was voided)
                row.resolved_at = now
        elif row.resolved and ident not in have:
            row.resolved = False  # the contradiction is back (e.g. its undo was undone)
            row.resolved_at = None
        have.add(ident)
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


# --------------------------------------------------------------------------- signing


def signing_key(session: Session, device_id: str) -> bytes:
    """This laptop's Ed25519 private key (made on first use, inside the encrypted store)."""
    row = session.get(m.DeviceKey, device_id)
    if row is None:
        row = m.DeviceKey(device_id=device_id, signing_key=new_private_key())
        session.add(row)
        session.flush()
        log.info("device signing key created")
    return bytes(row.signing_key)


def public_key(session: Session, device_id: str) -> str:
    """This laptop's public key (base64url), registered with the server at enrolment."""
    return public_key_of(signing_key(session, device_id))


def sign_segments(session: Session, device_id: str, events: Sequence[Event]) -> list[Segment]:
    """THE one place where this laptop signs: one segment over its own events given.

    ``events`` are this device's, contiguous in ``seq`` (a push batch); the
    signature covers their hashes (``core.signing``). Other devices' events are
    never signed here (a laptop relays their own signatures).
    """
    own = sorted((ev for ev in events if ev.device_id == device_id), key=lambda e: e.seq)
    if not own:
        return []
    key = signing_key(session, device_id)
    first = own[0].seq
    sig = sign_segment(key, device_id, first, [ev.hash for ev in own])
    return [Segment(device_id, first, own[-1].seq, sig)]


# --------------------------------------------------------------------------- received events


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What :func:`apply_remote` did with a batch of received events."""

    inserted: int
    duplicates: int
    conflicting: tuple[str, ...] = ()
    bad_hash: tuple[str, ...] = ()
    touched_students: tuple[str, ...] = ()
    held: tuple[tuple[str, str], ...] = ()  # (event_id, reason) set aside, not folded


def _insert_remote_raw(txn: WriteTxn, events: Sequence[Event]) -> tuple[list[Event], list[Event]]:
    """:func:`insert_events_if_absent` on the hot path (origin ``remote``), one
    ``executemany`` for the batch; the inserted events are remembered in the
    transaction so the refold does not read them back."""
    batch = list({ev.event_id: ev for ev in events}.values())
    held: dict[str, str] = {}
    ids = [ev.event_id for ev in batch]
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        held.update(
            txn.raw.execute(f"SELECT event_id, hash FROM event WHERE event_id IN ({marks})", chunk)
        )
    inserted: list[Event] = []
    conflicting: list[Event] = []
    rows: list[tuple[Any, ...]] = []
    stamp = utc_text(datetime.now(UTC))
    for ev in batch:
        if ev.event_id in held:
            if held[ev.event_id] != ev.hash:
                conflicting.append(ev)
            continue
        if ev.student_id not in txn.student_schools:
            read_student(txn, ev.student_id)
        school = txn.student_schools[ev.student_id] or (
            str(ev.payload["school_npsn"]) if ev.payload.get("school_npsn") else None
        )
        payload_text = json_text(dict(ev.payload))
        rows.append(
            (ev.event_id, ev.device_id, ev.seq, ev.hlc, ev.prev_hash, ev.hash, ev.kind,
             ev.student_id, school, ev.operator, utc_text(ev.occurred_at), payload_text,
             m.EventOrigin.REMOTE.value, stamp)
        )  # fmt: skip
        ev = replace(ev, payload=json.loads(payload_text or "{}"))  # as a re-read sees it
        inserted.append(ev)
        txn.written[ev.event_id] = ev
    if rows:
        txn.raw.executemany(_SQL_INSERT_EVENT, rows)
    return inserted, conflicting


def apply_remote(
    session: Session | WriteTxn,
    events: Iterable[Event],
    *,
    device_id: str,
    clock: HybridClock,
    max_ahead_ms: int = DEFAULT_MAX_CLOCK_AHEAD_SECONDS * 1000,
) -> ApplyResult:
    """Store events received from others (pull, hub) and refold the students they touch.

    Runs in the caller's transaction; never touches the outbox. Events whose hash
    does not match their content, or that conflict with a held event, are skipped
    and reported. An event whose HLC lies beyond this laptop's wall clock plus
    ``max_ahead_ms`` is set aside in ``held_event`` (reason ``clock_ahead``), never
    folded and never adopted by the clock: one bad clock cannot stop this laptop
    from recording (the HLC is bounded) or make it refuse its own events later.
    The HLC then observes the newest event kept, and the reading is persisted.

    ``session`` is an ORM session, or a :class:`WriteTxn` (a background writer's:
    the events go in with one prepared ``executemany`` and are refolded on the hot
    path, so the transaction stays a few milliseconds long).
    """
    events = list(events)
    good = [ev for ev in events if ev.with_valid_hash()]
    bad = tuple(ev.event_id for ev in events if not ev.with_valid_hash())
    limit = system_ms() + max_ahead_ms
    in_time: list[Event] = []
    ahead: list[Event] = []
    for ev in good:
        (ahead if Hlc.decode(ev.hlc).wall_ms > limit else in_time).append(ev)
    orm = session.session() if isinstance(session, WriteTxn) else session
    held = hold_events(orm, ahead, "clock_ahead") if ahead else []
    if isinstance(session, WriteTxn):
        inserted, conflicting = _insert_remote_raw(session, in_time)
    else:
        inserted, conflicting = insert_events_if_absent(session, in_time, m.EventOrigin.REMOTE)
    touched = sorted({ev.student_id for ev in inserted})
    for sid in touched:
        recompute_state(session, sid)
    if inserted:
        reading = clock.observe(max(Hlc.decode(ev.hlc) for ev in inserted)).encode()
        if isinstance(session, WriteTxn):
            session.raw.execute(_SQL_OBSERVE_HLC, (reading, device_id, reading))
        else:
            device = session.get(m.Device, device_id)
            if device is not None and reading > device.hlc_last:
                device.hlc_last = reading
    if conflicting or bad or held:
        log.warning(
            "remote events refused: %d conflicting, %d bad hash, %d clock ahead (held)",
            len(conflicting),
            len(bad),
            len(held),
        )
    return ApplyResult(
        inserted=len(inserted),
        duplicates=len(in_time) - len(inserted) - len(conflicting),
        conflicting=tuple(ev.event_id for ev in conflicting),
        bad_hash=bad,
        touched_students=tuple(touched),
        held=tuple((event_id, "clock_ahead") for event_id in held),
    )


def hold_events(session: Session, events: Iterable[Event], reason: str) -> list[str]:
    """Keep received events aside (``held_event``) with ``reason``; returns the new ids."""
    out: list[str] = []
    for ev in events:
        if session.get(m.HeldEvent, ev.event_id) is not None:
            continue
        if session.get(m.EventRow, ev.event_id) is not None:
            continue
        session.add(
            m.HeldEvent(
                event_id=ev.event_id,
                device_id=ev.device_id,
                seq=ev.seq,
                reason=reason,
                event=ev.to_json(),
            )
        )
        out.append(ev.event_id)
    session.flush()
    return out
