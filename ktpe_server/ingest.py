"""Applying a push: verify each origin device's chain, store, fold, reply.

One transaction per push. The locks are always taken in the same order, so two
pushes never deadlock (and a deadlock or unique violation, should one happen
anyway, retries the whole transaction):

1. one advisory lock per origin device (PostgreSQL ``pg_advisory_xact_lock``; on
   SQLite a process lock serialises every push): two laptops relaying the same
   device at once store each event exactly once;
2. the ``student_state`` rows of the touched students (``FOR UPDATE``), so two
   pushes about one student fold each other's events;
3. the ``ingest`` counter row, taken last and held only for the inserts: the
   ``ingest_seq`` values of the event pull cursor are handed out in commit order.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    Engine,
    Insert,
    Select,
    Text,
    TextClause,
    Update,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import NullType

from ktpe_desktop.core.events import (
    Event,
    EventKind,
    FoldState,
    Status,
    fold_status,
    from_ms,
    to_ms,
    validate_event_payload,
)
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.core.protocol import (
    DEFAULT_MAX_CLOCK_AHEAD_SECONDS,
    ItemProblem,
    ItemStatus,
    LedgerHead,
    Segment,
    encode_push_reply,
)
from ktpe_desktop.core.signing import verify_segment
from ktpe_server import models as m
from ktpe_server.db import INGEST_COUNTER, bump_counter_on, pg_array
from ktpe_server.errors import server_now

log = logging.getLogger("ktpe.server.ingest")

ACCEPTED = "accepted"
REJECTED = "rejected"

MESSAGES = {
    "unknown_device": "the origin device is not enrolled",
    "other_team": "the origin device belongs to another team",
    "content_differs": "the server holds other content under this event_id",
    "missing_seq": "earlier events of this device are missing on the server",
    "bad_prev_hash": "prev_hash does not match the server's hash of seq - 1",
    "bad_hash": "the hash does not match the event's content",
    "after_broken_link": "an earlier event of this chain in the batch broke the chain",
    "unknown_student": "the student is neither in the roster nor added by an event",
    "school_not_assigned": "the student's school is not assigned to the team",
    "unknown_school": "the event names a school (NPSN) the server does not know",
    "unknown_kind": "unknown event kind",
    "bad_reason": "missing or unknown reason",
    "missing_target": "voided needs target_event_id",
    "missing_reason": "voided needs a reason",
    "missing_changes": "details_corrected needs changes",
    "unknown_field": "details_corrected changes an unknown field",
    "missing_details": "student_added needs name and school_npsn",
    "bad_note": "note must be text of at most 500 characters",
    "unsigned": "no valid signature of the origin device covers this event",
    "bad_signature": "the segment's signature does not verify with the origin device's key",
    "student_history_full": "the student already has the maximum number of events",
    "device_revoked": "the origin device was revoked before this event reached the server",
    "clock_ahead": "the event's HLC or occurred_at is ahead of the server's clock",
    "before_campaign": "the event's HLC or occurred_at is before the campaign's start",
}

# A student's accepted events are capped (a real student has a handful): the fold of
# a student, redone on each push about it, never grows beyond this (issue 12).
MAX_EVENTS_PER_STUDENT = 200

# With no campaign (and no KTPE_CAMPAIGN_START), nothing before this is accepted.
EARLIEST_EVENT = date(2020, 1, 1)


@dataclass(slots=True)
class _Item:
    """One pushed event and what became of it."""

    event: Event
    status: ItemStatus | None = None
    code: str = ""
    stored_row_id: int | None = None  # a stored row that this push re-validates
    school_npsn: str | None = None
    store: bool = False  # insert as a new row
    reaccept: bool = False  # stored as rejected, accepted now
    occurred_ms: int | None = None  # the event's occurred_at (set by the domain checks)


@dataclass(slots=True)
class _Ledger:
    contiguous_seq: int
    head_hash: str
    changed: bool = False


@dataclass(slots=True)
class _Push:
    """One push on its way through the phases of :meth:`Ingestor._push_once`."""

    team_id: int
    now: datetime
    items: list[list[_Item]]  # per pushed chain, in push order
    teams: dict[str, int] = field(default_factory=dict)  # origin device -> its team
    ledgers: dict[str, _Ledger] = field(default_factory=dict)  # in-scope origin devices
    held: dict[tuple[str, int], tuple[int, str, str, str | None, str | None]] = field(
        default_factory=dict
    )  # (device, seq) -> (row id, hash, state, school, reject code) already stored
    segments: list[list[Segment]] = field(default_factory=list)  # per chain, as pushed
    keys: dict[str, str | None] = field(default_factory=dict)  # origin -> public key
    revoked_at: dict[str, int] = field(default_factory=dict)  # origin -> seq at revocation
    signed: list[Segment] = field(default_factory=list)  # segments whose signature holds
    candidates: list[_Item] = field(default_factory=list)  # new or re-validated events
    student_ids: list[str] = field(default_factory=list)  # students of the candidates
    roster: dict[str, str] = field(default_factory=dict)  # student -> roster school
    hash_mismatch: AbstractSet[str] | None = None  # see Ingestor.push
    held_counts: dict[str, int] = field(default_factory=dict)  # student -> accepted held
    folded: _Folded | None = None  # the new states, written by the store phase

    def hash_ok(self, ev: Event) -> bool:
        """The event's content hashes to its ``hash``."""
        if self.hash_mismatch is None:
            return ev.computed_hash() == ev.hash
        return ev.event_id not in self.hash_mismatch


@dataclass(slots=True)
class _Folded:
    """What a refold writes: the students' new states and their anomalies."""

    states: list[dict[str, Any]]
    anomalies: list[dict[str, Any]]
    clear: list[str]  # students whose anomalies are replaced


@dataclass(slots=True)
class PushResult:
    reply: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)


def _is_retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig)


class Ingestor:
    """Applies pushes to one database.

    Args:
        engine: the database.
        sessions: a session factory bound to ``engine``.
        max_clock_ahead_s: events further ahead of the server's clock are refused.
        campaign_start: events before this day are refused (None: see
            :meth:`_not_before_ms`).
        require_signatures: refuse events of devices without a registered key.
    """

    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        *,
        max_clock_ahead_s: float = DEFAULT_MAX_CLOCK_AHEAD_SECONDS,
        campaign_start: date | None = None,
        require_signatures: bool = True,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.max_clock_ahead_ms = int(max_clock_ahead_s * 1000)
        self.campaign_start = campaign_start
        self.require_signatures = require_signatures
        self.sqlite = engine.dialect.name == "sqlite"
        self._q = _statements(self.sqlite)
        self._process_lock = threading.Lock()

    def push(
        self,
        team_id: int,
        chains: Sequence[Sequence[Event]],
        segments: Sequence[Sequence[Segment]] | None = None,
        hash_mismatch: AbstractSet[str] | None = None,
    ) -> PushResult:
        """Apply one push from a device of ``team_id``; returns the reply body.

        Args:
            team_id: the caller's team.
            chains: the pushed chains (``decode_push``).
            segments: per chain, its signed segments (``decode_push_segments``).
            hash_mismatch: the ids of the events whose hash does not match their
                content, when ``decode_push`` checked them (every other event's hash
                is then trusted as computed); None: every hash is recomputed here.
        """
        attempts = 6
        for attempt in range(1, attempts + 1):
            try:
                if self.sqlite:
                    with self._process_lock, self.sessions() as session, session.begin():
                        return self._push_once(session, team_id, chains, segments, hash_mismatch)
                with self.sessions() as session, session.begin():
                    return self._push_once(session, team_id, chains, segments, hash_mismatch)
            except DBAPIError as exc:
                if attempt == attempts or not _is_retryable(exc):
                    raise
                log.info("push retried (attempt %d): %s", attempt, type(exc.orig).__name__)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    # ----------------------------------------------------------------- the work
    #
    # A push goes through named phases: lock_ledgers -> load_held ->
    # verify_signatures -> verify_chains -> check_domain -> fold_accepted -> store
    # -> reply. Each phase reads and fills
    # the :class:`_Push`; only ``store`` writes event rows and ledger heads.

    def _push_once(
        self,
        s: Session,
        team_id: int,
        chains: Sequence[Sequence[Event]],
        segments: Sequence[Sequence[Segment]] | None,
        hash_mismatch: AbstractSet[str] | None = None,
    ) -> PushResult:
        """One push, in named phases (each reads and fills the :class:`_Push`)."""
        push = _Push(team_id, datetime.now(UTC), [[_Item(ev) for ev in c] for c in chains])
        push.hash_mismatch = hash_mismatch
        push.segments = [list(x) for x in segments] if segments else [[] for _ in chains]
        self._lock_ledgers(s, push)
        self._load_held(s, push)
        self._verify_signatures(push)
        self._verify_chains(push)
        self._check_domain(s, push)
        self._fold_accepted(s, push)
        self._store(s, push)
        return self._reply(push)

    # ----------------------------------------------------------------- phases

    def _lock_ledgers(self, s: Session, push: _Push) -> None:
        """Phase 1: scope, then one lock per in-scope origin device, then its ledger head."""
        # Statements run on the session's connection (Core): the ORM's execution costs
        # twice as much CPU per statement, and a push runs about fifteen.
        c = s.connection()
        q = self._q
        device_ids = sorted({chain[0].event.device_id for chain in push.items if chain})
        for d, team, key, revoked_at in c.execute(q.devices, {"ids": device_ids}):
            push.teams[d] = team
            push.keys[d] = key
            if revoked_at is not None:
                push.revoked_at[d] = int(revoked_at)
        in_scope = [d for d in device_ids if push.teams.get(d) == push.team_id]
        if not self.sqlite:
            # Every statement of a push looks rows up by key from a list of a few hundred
            # (students, events of students, anomalies): without statistics (a new
            # database, a table grown since the last ANALYZE) the planner estimates such
            # lists to match every row and scans the table, testing each row against the
            # list one element after another (34 ms a push for a 20,000-event table,
            # growing with it). Index lookups are always right here.
            c.execute(_PG_NO_SEQSCAN)
            for d in in_scope:
                c.execute(_PG_DEVICE_LOCK, {"d": d})
        push.ledgers = {
            d: _Ledger(int(seq), h) for d, seq, h in c.execute(q.ledgers, {"ids": in_scope})
        }

    def _load_held(self, s: Session, push: _Push) -> None:
        """Phase 2: what the server already holds of the pushed seq ranges."""
        c = s.connection()
        ranges = []
        for chain in push.items:
            if chain and chain[0].event.device_id in push.ledgers:
                first, last = chain[0].event, chain[-1].event
                led = push.ledgers[first.device_id]
                lo, hi = first.seq, min(last.seq, led.contiguous_seq)
                if hi >= lo:
                    ranges.append(
                        and_(
                            m.EventRow.device_id == first.device_id, m.EventRow.seq.between(lo, hi)
                        )
                    )
        if not ranges:
            return
        for rid, dev, seq, h, st, sch, code in c.execute(
            select(
                m.EventRow.id,
                m.EventRow.device_id,
                m.EventRow.seq,
                m.EventRow.hash,
                m.EventRow.state,
                m.EventRow.school_npsn,
                m.EventRow.reject_code,
            ).where(or_(*ranges))
        ):
            push.held[(dev, int(seq))] = (int(rid), h, st, sch, code)

    def _verify_signatures(self, push: _Push) -> None:
        """Phase 3a: every event must be covered by a valid segment signature of its origin.

        A segment whose signature does not verify against the origin's registered
        key (or a chain without signatures) stops the chain there: its events and
        all later ones are ``chain_broken`` (not stored). A device with no key yet
        is refused as ``unsigned`` unless the server runs without
        ``require_signatures`` (the school hub, for laptops paired before keys).
        """
        for chain_items, segments in zip(push.items, push.segments, strict=True):
            if not chain_items or chain_items[0].event.device_id not in push.ledgers:
                continue
            key = push.keys.get(chain_items[0].event.device_id)
            if key is None and not self.require_signatures:
                continue
            by_seq = {it.event.seq: it for it in chain_items}
            bad_from: int | None = None
            code = "unsigned"
            if key is None or not segments:
                bad_from = chain_items[0].event.seq
            else:
                for seg in segments:
                    hashes = [by_seq[q].event.hash for q in range(seg.first_seq, seg.last_seq + 1)]
                    if not verify_segment(key, seg.device_id, seg.first_seq, hashes, seg.sig):
                        bad_from, code = seg.first_seq, "bad_signature"
                        break
                    push.signed.append(seg)
            if bad_from is not None:
                for it in chain_items:
                    if it.event.seq >= bad_from:
                        it.status, it.code = ItemStatus.CHAIN_BROKEN, code

    def _verify_chains(self, push: _Push) -> None:
        """Phase 3b: chain verification, item by item (fills ``push.candidates``)."""
        for chain_items in push.items:
            if not chain_items:
                continue
            device_id = chain_items[0].event.device_id
            if device_id not in push.ledgers:
                code = "unknown_device" if device_id not in push.teams else "other_team"
                for it in chain_items:
                    it.status, it.code = ItemStatus.NOT_IN_SCOPE, code
                continue
            led = push.ledgers[device_id]
            broken = False
            for it in chain_items:
                ev = it.event
                if it.status is not None:  # refused by the signature check
                    broken = True
                elif broken:
                    it.status, it.code = ItemStatus.CHAIN_BROKEN, "after_broken_link"
                elif ev.seq <= led.contiguous_seq:
                    rid, stored_hash, state, _school, _code = push.held[(device_id, ev.seq)]
                    if ev.hash != stored_hash or not push.hash_ok(ev):
                        it.status, it.code = ItemStatus.CONFLICT, "content_differs"
                    elif state == ACCEPTED:
                        it.status = ItemStatus.DUPLICATE
                    else:
                        it.stored_row_id = rid
                        push.candidates.append(it)
                elif ev.seq == led.contiguous_seq + 1:
                    if ev.prev_hash != led.head_hash:
                        it.status, it.code = ItemStatus.CHAIN_BROKEN, "bad_prev_hash"
                        broken = True
                    elif not push.hash_ok(ev):
                        it.status, it.code = ItemStatus.CHAIN_BROKEN, "bad_hash"
                        broken = True
                    else:
                        it.store = True
                        led.contiguous_seq, led.head_hash, led.changed = ev.seq, ev.hash, True
                        push.candidates.append(it)
                else:
                    it.status, it.code = ItemStatus.SEQ_GAP, "missing_seq"

    def _check_domain(self, s: Session, push: _Push) -> None:
        """Phase 4: domain checks, in push order (a student_added earlier in the push counts)."""
        c = s.connection()
        candidates = push.candidates
        push.student_ids = sorted({it.event.student_id for it in candidates})
        states: dict[str, tuple[str | None, str | None]] = {}
        history: dict[str, int] = {}  # accepted events held per student
        if push.student_ids:
            for sid, sch, added, count in self._lock_states(s, push.student_ids, push.now):
                states[sid] = (sch, added)
                history[sid] = int(count or 0)
            push.held_counts = dict(history)
            push.roster = dict(
                c.execute(self._q.roster, {"ids": self._ids(push.student_ids)}).all()
            )
        schools = set(c.execute(self._q.team_schools, {"team": push.team_id}).scalars())
        too_late = to_ms(push.now) + self.max_clock_ahead_ms
        too_early = self._not_before_ms(s)
        named = sorted({n for it in candidates if (n := _named_school(it.event))})
        known = (
            set(c.execute(self._q.known_schools, {"ids": self._ids(named)}).scalars())
            if named
            else set()
        )
        # Walk-ins added by this push count wherever they stand in it (order-free).
        added_now: dict[str, str] = {}
        for it in candidates:
            ev = it.event
            if (
                ev.kind == EventKind.STUDENT_ADDED
                and validate_event_payload(ev.kind, ev.payload) is None
            ):
                npsn = ev.payload.get("school_npsn")
                if isinstance(npsn, str) and npsn in schools:
                    added_now.setdefault(ev.student_id, npsn)
        roster = push.roster
        revoked = push.revoked_at
        for it in candidates:
            ev = it.event
            kind = ev.kind
            code = validate_event_payload(kind, ev.payload)
            named_school = _named_school(ev)
            if kind == _STUDENT_ADDED:
                npsn = ev.payload.get("school_npsn")
                school = npsn if isinstance(npsn, str) else None
            else:
                school = roster.get(ev.student_id) or added_now.get(ev.student_id)
                if school is None:
                    st_school, added_by = states.get(ev.student_id, (None, None))
                    school = st_school if added_by else None
            it.school_npsn = school if school and len(school) <= 8 else None
            it.occurred_ms = occurred = to_ms(ev.occurred_at)
            revoked_at = revoked.get(ev.device_id)
            if code is None and revoked_at is not None and ev.seq > revoked_at:
                code = "device_revoked"
            if code is None:
                code = _time_code(ev.hlc, occurred, too_early, too_late)
            moved_to = named_school if kind == _DETAILS_CORRECTED else None
            if code is None and named_school and named_school not in known:
                code = "unknown_school"  # no event may name a school the server does not know
            if code is None and it.school_npsn is None:
                code = "unknown_student"
            if code is None and it.school_npsn not in schools:
                code = "school_not_assigned"
            if code is None and moved_to is not None and moved_to not in schools:
                # A correction cannot move a student out of the writing team's scope.
                code = "school_not_assigned"
            if code is None and history.get(ev.student_id, 0) >= MAX_EVENTS_PER_STUDENT:
                # The fold of one student stays bounded whatever a device sends.
                code = "student_history_full"
            if code is None:
                history[ev.student_id] = history.get(ev.student_id, 0) + 1
                it.status = ItemStatus.ACCEPTED
                it.reaccept = it.stored_row_id is not None
            else:
                it.status, it.code = ItemStatus.REJECTED, code

    def _not_before_ms(self, s: Session) -> int:
        """The campaign's start: the setting, else a year before the reference date."""
        start = self.campaign_start
        if start is None:
            ref = s.connection().scalar(self._q.reference_date)
            start = ref - timedelta(days=365) if ref is not None else EARLIEST_EVENT
        return to_ms(datetime.combine(start, datetime.min.time(), UTC))

    def _fold_accepted(self, s: Session, push: _Push) -> None:
        """Phase 5: the fold of every student with a newly accepted event."""
        c = s.connection()
        accepted_now = [it for it in push.candidates if it.status is ItemStatus.ACCEPTED]
        touched = sorted({it.event.student_id for it in accepted_now})
        if touched:
            push.folded = self._refold(
                s,
                touched,
                [it.event for it in accepted_now],
                push.roster,
                push.now,
                push.held_counts,
            )
        untouched = sorted(set(push.student_ids) - set(touched))
        if untouched:
            # States created only to be locked, for students with no accepted event
            # (the touched ones get theirs written by the store phase).
            c.execute(self._q.drop_unused_states, {"ids": self._ids(untouched)})

    def _store(self, s: Session, push: _Push) -> None:
        """Phase 6: rows and ledger heads; ``ingest_seq`` values under the counter lock.

        Two kinds of rows are shared by every push and locked until the commit: the
        console's tally rows (migration 0007's triggers on ``student_state`` and
        ``event``) and the ``counter`` row (it hands out the pull cursor's values in
        commit order). So they are written last, with every row prepared beforehand:
        ledger heads, segments and re-rejected rows first, then the folded states,
        then the counter and the new events, then the commit.
        """
        c = s.connection()
        now = push.now
        for it in push.candidates:
            if it.stored_row_id is not None and it.status is ItemStatus.REJECTED:
                c.execute(
                    self._q.rereject,
                    {"b_id": it.stored_row_id, "b_code": it.code, "b_school": it.school_npsn},
                )
        for d, led in push.ledgers.items():
            if led.changed:
                c.execute(
                    self._q.ledger_head,
                    {"b_device": d, "b_seq": led.contiguous_seq, "b_hash": led.head_hash},
                )
        # Signatures of segments the server now holds whole: pulls hand them on.
        held_segments = [
            {
                "device_id": g.device_id,
                "first_seq": g.first_seq,
                "last_seq": g.last_seq,
                "sig": g.sig,
            }
            for g in push.signed
            if g.last_seq <= push.ledgers[g.device_id].contiguous_seq
        ]
        if held_segments:
            c.execute(self._q.segments, held_segments)

        new_items = [it for it in push.candidates if it.store]
        reaccepted = [it for it in push.candidates if it.reaccept]
        n = len(new_items) + len(reaccepted)
        # Every value is prepared before the shared locks (PostgreSQL: as array literals).
        columns = _event_columns(new_items)
        folded = None if push.folded is None else self._folded_params(push.folded, now)
        event_params: dict[str, Any] = {}
        if new_items and not self.sqlite:
            event_params = {f: pg_array(values) for f, values in columns.items()}
            event_params["now"] = now
        # --- from here to the commit every other push waits: keep it short.
        if push.folded is not None:
            self._write_folded(s, push.folded, folded)
        if not n:
            return
        next_seq = bump_counter_on(c, INGEST_COUNTER, n) - n + 1
        if new_items:
            seqs = range(next_seq, next_seq + len(new_items))
            next_seq += len(new_items)
            if self.sqlite:
                names = [*columns, "ingest_seq", "received_at"]
                rows = [
                    dict(zip(names, (*values, seq, now), strict=True))
                    for *values, seq in zip(*columns.values(), seqs, strict=True)
                ]
                c.execute(insert(m.EventRow), rows)
            else:
                event_params["ingest_seq"] = "{" + ",".join(map(str, seqs)) + "}"
                c.execute(_PG_INSERT_EVENTS, event_params)
        for it in reaccepted:
            c.execute(
                self._q.reaccept,
                {"b_id": it.stored_row_id, "b_school": it.school_npsn, "b_seq": next_seq},
            )
            next_seq += 1

    def _reply(self, push: _Push) -> PushResult:
        """Phase 7: the reply (per-event statuses, problems, ledger heads)."""
        tally: Counter[ItemStatus] = Counter()
        problems: list[ItemProblem] = []
        chain_results = []
        for chain_items in push.items:
            if not chain_items:
                continue
            sts = [it.status or ItemStatus.REJECTED for it in chain_items]
            tally.update(sts)
            for it, st in zip(chain_items, sts, strict=True):
                if st not in _ACKNOWLEDGED:
                    problems.append(
                        ItemProblem(
                            event_id=it.event.event_id,
                            device_id=it.event.device_id,
                            seq=it.event.seq,
                            status=st,
                            code=it.code,
                            message=MESSAGES.get(it.code, it.code),
                        )
                    )
            first = chain_items[0].event
            chain_results.append((first.device_id, first.seq, sts))
        counts = {st.value: n for st, n in tally.items()}
        reply = encode_push_reply(
            server_now(),
            chain_results,
            problems,
            {d: LedgerHead(led.contiguous_seq, led.head_hash) for d, led in push.ledgers.items()},
        )
        return PushResult(reply, counts)

    # ----------------------------------------------------------------- helpers

    def _ids(self, values: Sequence[str]) -> Any:
        """The ``ids`` parameter of a statement of :func:`_statements`: the list itself
        (SQLite, an expanding IN), or one array literal (PostgreSQL)."""
        return list(values) if self.sqlite else pg_array(values)

    def _lock_states(
        self, s: Session, student_ids: list[str], now: datetime
    ) -> list[tuple[str, str | None, str | None, int | None]]:
        """Make sure a state row exists for each student, lock them (sorted) and read them.

        Returns ``(student_id, school_npsn, added_by_event_id, event_count)`` of each.
        On PostgreSQL the locking SELECT reads them too: FOR UPDATE waits for a row a
        concurrent push holds, then returns its committed version.
        """
        c = s.connection()
        if self.sqlite:  # every push holds the process lock
            rows = [{"student_id": sid, "updated_at": now} for sid in student_ids]
            c.execute(sqlite_insert(m.StudentState).on_conflict_do_nothing(), rows)
            read = select(
                m.StudentState.student_id,
                m.StudentState.school_npsn,
                m.StudentState.added_by_event_id,
                m.StudentState.event_count,
            ).where(m.StudentState.student_id.in_(student_ids))
            return [tuple(r) for r in c.execute(read)]  # type: ignore[misc]
        ids = pg_array(student_ids)
        c.execute(_PG_ENSURE_STATES, {"ids": ids, "now": now})
        return [tuple(r) for r in c.execute(_PG_LOCK_STATES, {"ids": ids})]  # type: ignore[misc]

    def _refold(
        self,
        s: Session,
        student_ids: list[str],
        new_events: Iterable[Event],
        roster: dict[str, str],
        now: datetime,
        held_counts: dict[str, int] | None = None,
    ) -> _Folded:
        """Fold each student again from its accepted events held plus ``new_events``.

        Returns the rows to write (:meth:`_write_folded`), which the store phase writes
        last: the console's tally triggers (migration 0007) lock their counter rows
        when ``student_state`` changes, and every push shares those rows.

        ``held_counts`` (the students' ``event_count`` before this push): a student
        with none has no history to read and no anomaly to clear, which is most
        students of a first visit.
        """
        c = s.connection()
        by_student: dict[str, list[Event]] = {sid: [] for sid in student_ids}
        with_history = (
            student_ids
            if held_counts is None
            else [sid for sid in student_ids if held_counts.get(sid, 0) > 0]
        )
        if with_history:
            for row in c.execute(self._q.history, {"ids": self._ids(with_history)}):
                ev = event_from_tuple(row)
                by_student[ev.student_id].append(ev)
        for ev in new_events:
            by_student[ev.student_id].append(ev)
        updates = []
        anomalies = []
        for sid in student_ids:
            state = fold_status(sid, by_student[sid])
            school = roster.get(sid) or _details_school(state)
            updates.append(state_values(state, school, now))
            for an in state.anomalies:
                anomalies.append(
                    {
                        "student_id": sid,
                        "school_npsn": school,
                        "code": an.code.value,
                        "event_ids": ",".join(an.event_ids),
                        "detected_at": now,
                    }
                )
        return _Folded(updates, anomalies, with_history)

    def _folded_params(self, folded: _Folded, now: datetime) -> dict[str, Any] | None:
        """PostgreSQL: the states and anomalies as array literals (None on SQLite)."""
        if self.sqlite:
            return None
        params: dict[str, Any] = {"states": _columns(folded.states, _PG_STATE_FIELDS, now)}
        if folded.anomalies:
            params["anomalies"] = _columns(folded.anomalies, _PG_ANOMALY_FIELDS, now)
        if folded.clear:
            params["clear"] = pg_array(folded.clear)
        return params

    def _write_folded(
        self, s: Session, folded: _Folded, params: dict[str, Any] | None = None
    ) -> None:
        """The states of a refold and their anomalies (``params``: :meth:`_folded_params`)."""
        if params is None:
            s.execute(update(m.StudentState), folded.states)
            if folded.clear:
                s.execute(
                    delete(m.AnomalyRow).where(m.AnomalyRow.student_id.in_(folded.clear)),
                    execution_options={"synchronize_session": False},
                )
            if folded.anomalies:
                s.execute(insert(m.AnomalyRow), folded.anomalies)
            return
        c = s.connection()
        c.execute(_PG_UPDATE_STATES, params["states"])
        if "clear" in params:
            c.execute(_PG_CLEAR_ANOMALIES, {"ids": params["clear"]})
        if "anomalies" in params:
            c.execute(_PG_INSERT_ANOMALIES, params["anomalies"])


_AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class _Statements:
    """The statements of a push, built once per dialect (see :func:`_statements`).

    Built per push they cost more CPU than executing them: constructing the
    expression and computing its cache key (~60-150 us a statement on the
    2-core machine, ~20 statements a push, issue 18 session 10). Their parameters
    are bound by name; ``ids`` is a list (SQLite, an expanding IN) or one array
    literal (PostgreSQL, :func:`ktpe_server.db.pg_array`): see ``Ingestor._ids``.
    """

    devices: _AnySelect
    ledgers: _AnySelect
    roster: _AnySelect
    team_schools: _AnySelect
    known_schools: _AnySelect
    reference_date: _AnySelect
    history: _AnySelect
    drop_unused_states: Delete
    rereject: Update
    ledger_head: Update
    reaccept: Update
    segments: Insert


def _ids_in(column: Any, sqlite: bool) -> ColumnElement[bool]:
    """``column IN :ids``: an expanding IN on SQLite; on PostgreSQL ``= ANY`` of one
    array literal, sent untyped so that PostgreSQL types the parameter itself as
    text[] (a ``::VARCHAR`` on it would make the cast a per-row expression)."""
    if sqlite:
        return column.in_(bindparam("ids", expanding=True))  # type: ignore[no-any-return]
    param = bindparam("ids", type_=NullType())
    return column == any_(cast(param, ARRAY(Text)))  # type: ignore[no-any-return]


@functools.cache
def _statements(sqlite: bool) -> _Statements:
    """The push's statements for SQLite or PostgreSQL (immutable, shared)."""
    dev = m.Device
    by_device = dev.device_id.in_(bindparam("ids", expanding=True))
    return _Statements(
        devices=select(dev.device_id, dev.team_id, dev.public_key, dev.revoked_at_seq).where(
            by_device
        ),
        ledgers=select(dev.device_id, dev.contiguous_seq, dev.head_hash).where(by_device),
        roster=select(m.Student.id, m.Student.school_npsn).where(_ids_in(m.Student.id, sqlite)),
        team_schools=select(m.Assignment.school_npsn)
        .where(m.Assignment.team_id == bindparam("team"))
        .distinct(),
        known_schools=select(m.School.npsn).where(_ids_in(m.School.npsn, sqlite)),
        reference_date=select(m.Campaign.reference_date).order_by(m.Campaign.change_seq.desc()),
        history=select(*EVENT_COLUMNS).where(
            _ids_in(m.EventRow.student_id, sqlite), m.EventRow.state == ACCEPTED
        ),
        drop_unused_states=delete(m.StudentState).where(
            _ids_in(m.StudentState.student_id, sqlite), m.StudentState.event_count == 0
        ),
        rereject=update(m.EventRow)
        .where(m.EventRow.id == bindparam("b_id"))
        .values(reject_code=bindparam("b_code"), school_npsn=bindparam("b_school")),
        ledger_head=update(dev)
        .where(dev.device_id == bindparam("b_device"))
        .values(contiguous_seq=bindparam("b_seq"), head_hash=bindparam("b_hash")),
        reaccept=update(m.EventRow)
        .where(m.EventRow.id == bindparam("b_id"))
        .values(
            state=ACCEPTED,
            reject_code=None,
            school_npsn=bindparam("b_school"),
            ingest_seq=bindparam("b_seq"),
        ),
        segments=(sqlite_insert if sqlite else pg_insert)(m.ChainSegment).on_conflict_do_nothing(),
    )


_PG_DEVICE_LOCK = text("SELECT pg_advisory_xact_lock(7301, hashtext(:d))")

# PostgreSQL fast paths: one statement per batch over arrays (``unnest``) instead of
# one protocol round per row. Each column goes as one array *literal* built here
# (:func:`ktpe_server.db.pg_array`) and parsed in C by PostgreSQL: a Python list bound
# as an array is dumped element by element by the driver, which was the largest cost
# of a push (issue 12 profile); JSON rows (``json_to_recordset``) cost twice the
# literals' Python time.
_PG_NO_SEQSCAN = text("SELECT set_config('enable_seqscan', 'off', true)")  # this transaction
_PG_ENSURE_STATES = text(
    "INSERT INTO student_state (student_id, status, ikd_activated, details, event_count,"
    " updated_at) SELECT u, 'pending', false, '{}', 0, :now"
    " FROM unnest(CAST(:ids AS text[])) AS u ORDER BY u ON CONFLICT DO NOTHING"
)
_PG_LOCK_STATES = text(
    "SELECT student_id, school_npsn, added_by_event_id, event_count FROM student_state"
    " WHERE student_id = ANY(CAST(:ids AS text[])) ORDER BY student_id FOR UPDATE"
)
_PG_EVENT_FIELDS = (
    ("event_id", "text"),
    ("device_id", "text"),
    ("seq", "bigint"),
    ("hlc", "text"),
    ("prev_hash", "text"),
    ("hash", "text"),
    ("kind", "text"),
    ("student_id", "text"),
    ("school_npsn", "text"),
    ("operator", "text"),
    ("occurred_ms", "bigint"),
    ("payload", "text"),
    ("state", "text"),
    ("reject_code", "text"),
    ("ingest_seq", "bigint"),
)


def _pg_insert_unnest(table: str, fields: tuple[tuple[str, str], ...], stamped: str) -> TextClause:
    """``INSERT INTO table (fields, stamped) SELECT u.*, :now FROM unnest(arrays)``:
    one statement for a push's rows, one typed array parameter per column."""
    return text(
        f"INSERT INTO {table} ("
        + ", ".join(f for f, _ in fields)
        + f", {stamped}) SELECT u.*, :now FROM unnest("
        + ", ".join(f"CAST(:{f} AS {t}[])" for f, t in fields)
        + ") AS u"
    )


_PG_INSERT_EVENTS = _pg_insert_unnest("event", _PG_EVENT_FIELDS, "received_at")
_PG_STATE_FIELDS = (
    ("student_id", "text"),
    ("school_npsn", "text"),
    ("status", "text"),
    ("reason", "text"),
    ("deciding_event_id", "text"),
    ("decided_ms", "bigint"),
    ("decided_by_device", "text"),
    ("decided_by_operator", "text"),
    ("ikd_activated", "boolean"),
    ("details", "text"),
    ("added_by_event_id", "text"),
    ("event_count", "integer"),
    ("last_hlc", "text"),
)
_PG_UPDATE_STATES = text(
    "UPDATE student_state AS t SET "
    + ", ".join(f"{f} = u.{f}" for f, _ in _PG_STATE_FIELDS[1:])
    + ", updated_at = :now FROM unnest("
    + ", ".join(f"CAST(:{f} AS {t}[])" for f, t in _PG_STATE_FIELDS)
    + ") AS u("
    + ", ".join(f for f, _ in _PG_STATE_FIELDS)
    + ") WHERE t.student_id = u.student_id"
)


_PG_ANOMALY_FIELDS = (
    ("student_id", "text"),
    ("school_npsn", "text"),
    ("code", "text"),
    ("event_ids", "text"),
)
_PG_INSERT_ANOMALIES = _pg_insert_unnest("anomaly", _PG_ANOMALY_FIELDS, "detected_at")
_PG_CLEAR_ANOMALIES = text("DELETE FROM anomaly WHERE student_id = ANY(CAST(:ids AS text[]))")


def _event_columns(items: Sequence[_Item]) -> dict[str, list[Any]]:
    """The new event rows, column by column (the fields of :data:`_PG_EVENT_FIELDS`
    but ``ingest_seq``, which the counter hands out under its lock)."""
    evs = [it.event for it in items]
    return {
        "event_id": [e.event_id for e in evs],
        "device_id": [e.device_id for e in evs],
        "seq": [e.seq for e in evs],
        "hlc": [e.hlc for e in evs],
        "prev_hash": [e.prev_hash for e in evs],
        "hash": [e.hash for e in evs],
        "kind": [e.kind for e in evs],
        "student_id": [e.student_id for e in evs],
        "school_npsn": [it.school_npsn for it in items],
        "operator": [e.operator for e in evs],
        # Worked out by the domain checks, which every stored item passes; any other
        # item would get its own (never a default).
        "occurred_ms": [
            to_ms(it.event.occurred_at) if it.occurred_ms is None else it.occurred_ms
            for it in items
        ],
        "payload": [_dump(e.payload) for e in evs],
        "state": [ACCEPTED if it.status is ItemStatus.ACCEPTED else REJECTED for it in items],
        "reject_code": [it.code or None for it in items],
    }


def _columns(
    rows: Sequence[dict[str, Any]], fields: Sequence[tuple[str, str]], now: datetime
) -> dict[str, Any]:
    """Rows as one array literal per column (the parameters of an ``unnest`` statement)."""
    out: dict[str, Any] = {f: pg_array([row[f] for row in rows]) for f, _ in fields}
    out["now"] = now
    return out


_ACKNOWLEDGED = frozenset(st for st in ItemStatus if st.acknowledged)
_STUDENT_ADDED = EventKind.STUDENT_ADDED.value
_DETAILS_CORRECTED = EventKind.DETAILS_CORRECTED.value


def _named_school(ev: Event) -> str | None:
    """The NPSN an event names: a walk-in's school, or a correction's new school."""
    if not ev.payload:  # most events
        return None
    if ev.kind == _STUDENT_ADDED:
        npsn = ev.payload.get("school_npsn")
    elif ev.kind == _DETAILS_CORRECTED:
        changes = ev.payload.get("changes")
        npsn = changes.get("school_npsn") if isinstance(changes, dict) else None
    else:
        return None
    return npsn if isinstance(npsn, str) and npsn else None


def _hlc_wall(hlc: str) -> int:
    """``Hlc.decode(hlc).wall_ms`` (and its ValueError), its common case without the
    object: 15 digits, a dash, 5 digits."""
    wall = hlc[:15]
    if len(hlc) == 21 and hlc[15] == "-" and wall.isdigit() and hlc[16:].isdigit():
        return int(wall)
    return Hlc.decode(hlc).wall_ms


def _time_code(hlc: str, occurred: int, too_early: int, too_late: int) -> str | None:
    """``clock_ahead`` / ``before_campaign`` when the event's HLC or its occurred_at
    (``occurred``, ms) is out of range."""
    wall = _hlc_wall(hlc)
    if wall > too_late or occurred > too_late:
        return "clock_ahead"
    if wall < too_early or occurred < too_early:
        return "before_campaign"
    return None


def _details_school(state: FoldState) -> str | None:
    school = state.details.get("school_npsn")
    return school if isinstance(school, str) and len(school) <= 8 else None


def state_values(state: FoldState, school: str | None, now: datetime) -> dict[str, Any]:
    return {
        "student_id": state.student_id,
        "school_npsn": school,
        "status": _STATUS_TEXT[state.status],
        "reason": state.reason[:200] if state.reason else None,
        "deciding_event_id": state.deciding_event_id,
        "decided_ms": to_ms(state.decided_at) if state.decided_at else None,
        "decided_by_device": state.decided_by_device,
        "decided_by_operator": state.decided_by_operator,
        "ikd_activated": state.ikd_activated,
        "details": _dump(dict(state.details)) if state.details else "{}",
        "added_by_event_id": state.added_by_event_id,
        "event_count": state.event_count,
        "last_hlc": state.last_hlc,
        "updated_at": now,
    }


def _dump(payload: Any) -> str:
    if not payload and type(payload) is dict:
        return "{}"  # most events
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_STATUS_TEXT = {st: st.value for st in Status}


EVENT_COLUMNS = (
    m.EventRow.event_id,
    m.EventRow.device_id,
    m.EventRow.seq,
    m.EventRow.hlc,
    m.EventRow.prev_hash,
    m.EventRow.hash,
    m.EventRow.kind,
    m.EventRow.student_id,
    m.EventRow.operator,
    m.EventRow.occurred_ms,
    m.EventRow.payload,
)


def event_from_tuple(row: Sequence[Any]) -> Event:
    """The full event a stored row holds (its hash recomputes to the stored hash).

    Args:
        row: the values of :data:`EVENT_COLUMNS`, in that order.
    """
    event_id, device_id, seq, hlc, prev_hash, hash_, kind, student_id, operator, ms, payload = row
    return Event(
        event_id=event_id,
        device_id=device_id,
        seq=int(seq),
        hlc=hlc,
        prev_hash=prev_hash,
        hash=hash_,
        kind=kind,
        student_id=student_id,
        operator=operator,
        occurred_at=from_ms(int(ms)),
        payload=json.loads(payload),
    )
