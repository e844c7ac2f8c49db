"""Relay: push the held events a server lacks, whichever laptop wrote them.

The protocol lets a laptop push any device of its team ("relay"); the server
stores each ``event_id`` once. What a server holds of each origin device is
tracked here as its contiguous ``seq`` ("heads", one map per server in
``sync_state``), learnt from push replies (their ``ledger``) and from pulls (a
server only hands out accepted events, which lie inside its contiguous run).

Two users:

* the school hub's link (:mod:`ktpe_desktop.hub.link`), which pushes everything
  the hub lacks, this laptop's own events included (the hub has no outbox);
* the central round (:class:`~ktpe_desktop.services.sync_service.SyncService`),
  which pushes teammates' events received through a hub (own events go through
  the outbox, whose acknowledgements stay the outbox's business).

Relayed events are sent exactly as stored, with the segments their origin signed
(kept from verified pulls, :func:`ktpe_desktop.sync.verify.keep_segment`): a relay
never writes nor signs another device's chain. Own events are signed by
``ledger.sign_segments``, as in the outbox's pushes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_desktop.core.protocol import MAX_EVENTS_PER_PUSH, PushReply, Segment, encode_push
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.ledger import WriteTxn
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.client import SyncClient

log = logging.getLogger("ktpe.sync")

CENTRAL_HEADS = "central_heads"  # what the central server holds, per origin device
PUSH_LIMIT = min(500, MAX_EVENTS_PER_PUSH)
MAX_PUSHES_PER_ROUND = 100


@dataclass(frozen=True, slots=True)
class RelayResult:
    pushed: int = 0
    acknowledged: int = 0
    requests: int = 0


def read_heads(session: Session | WriteTxn, key: str) -> dict[str, int]:
    data = keys.get_json(session, key) or {}
    return {str(k): int(v) for k, v in data.items()}


def note_held(session: Session | WriteTxn, key: str, events: Iterable[Event]) -> None:
    """A server sent these events: it holds each device's chain up to them."""
    heads = read_heads(session, key)
    moved = False
    for ev in events:
        if ev.seq > heads.get(ev.device_id, 0):
            heads[ev.device_id] = ev.seq
            moved = True
    if moved:
        keys.put_json(session, key, heads)


@dataclass(slots=True)
class Batch:
    """Events to push and, per origin device, the signed segments covering them."""

    events: list[Event]
    signatures: dict[str, list[Segment]]


def _own_run(s: Session, device_id: str, head: int, budget: int) -> list[Event]:
    rows = s.scalars(
        select(m.EventRow)
        .where(m.EventRow.device_id == device_id, m.EventRow.seq > head)
        .order_by(m.EventRow.seq)
        .limit(budget)
    ).all()
    out: list[Event] = []
    expected = head + 1
    for row in rows:
        if row.seq != expected:
            break  # a gap in what we hold: the server gets the run before it
        out.append(ledger.event_from_row(row))
        expected += 1
    return out


def _signed_run(
    s: Session, device_id: str, head: int, budget: int
) -> tuple[list[Event], list[Segment]]:
    """A teammate's events after ``head``, as whole segments its origin signed.

    The run starts at the first seq of the kept segment covering ``head + 1`` (the
    events before ``head + 1`` are duplicates the server answers as such) and goes
    on segment after segment while this laptop holds every event of the next one.
    """
    segs = s.scalars(
        select(m.ChainSegment)
        .where(m.ChainSegment.device_id == device_id, m.ChainSegment.last_seq > head)
        .order_by(m.ChainSegment.first_seq, m.ChainSegment.last_seq.desc())
    ).all()
    chosen: list[Segment] = []
    nxt = head + 1
    for seg in segs:
        if chosen and seg.first_seq != chosen[-1].last_seq + 1:
            continue
        if not chosen and not seg.first_seq <= nxt <= seg.last_seq:
            continue
        first = chosen[0].first_seq if chosen else seg.first_seq
        if seg.last_seq - first + 1 > budget:
            break
        chosen.append(Segment(device_id, seg.first_seq, seg.last_seq, seg.sig))
    if not chosen:
        return [], []
    first = chosen[0].first_seq
    events = _own_run(s, device_id, first - 1, chosen[-1].last_seq - first + 1)
    held = first - 1 + len(events)
    while chosen and chosen[-1].last_seq > held:
        chosen.pop()  # this laptop lacks some of that segment's events
    if not chosen:
        return [], []
    return events[: chosen[-1].last_seq - first + 1], chosen


def pending(
    store: Store,
    heads: dict[str, int],
    *,
    include_own: bool,
    skip: set[str] | None = None,
    limit: int = PUSH_LIMIT,
) -> Batch:
    """Held events the server lacks: per device, the contiguous run after its head.

    This laptop's own events are signed here (``ledger.sign_segments``); a
    teammate's go with the segments its origin signed (kept from verified pulls),
    whole: events no kept signature covers are left for their origin to push.
    """
    out: list[Event] = []
    sigs: dict[str, list[Segment]] = {}
    skip = skip or set()
    own: list[Event] = []
    with store.session() as s:  # reads only: a save never waits for it
        tops = dict(
            s.execute(
                select(m.EventRow.device_id, func.max(m.EventRow.seq)).group_by(
                    m.EventRow.device_id
                )
            ).all()
        )
        for device_id, top in sorted(tops.items()):
            if device_id in skip or (device_id == store.device_id and not include_own):
                continue
            head = heads.get(device_id, 0)
            if int(top) <= head:
                continue
            budget = limit - len(out)
            if budget <= 0:
                break
            if device_id == store.device_id:
                own = _own_run(s, device_id, head, budget)
                out.extend(own)
                continue
            run, signed = _signed_run(s, device_id, head, budget)
            if run:
                out.extend(run)
                sigs[device_id] = signed
    if own:
        with store.session() as s:
            has_key = s.get(m.DeviceKey, store.device_id) is not None
            if has_key:  # signing reads the key: no write, no writer taken
                sigs[store.device_id] = ledger.sign_segments(s, store.device_id, own)
        if not has_key:  # the key is made on first use: a short write that yields to saves
            with store.background_transaction() as txn:
                sigs[store.device_id] = ledger.sign_segments(txn.session(), store.device_id, own)
    return Batch(out, sigs)


def push_missing(
    store: Store,
    client: SyncClient,
    heads_key: str,
    *,
    include_own: bool,
    skip: set[str] | None = None,
) -> RelayResult:
    """Push, batch after batch, every held event the server lacks.

    Devices the server does not take (another team, unknown) are added to ``skip``
    and not offered again by this caller. Raises the client's ``SyncError``.
    """
    skip = skip if skip is not None else set()
    pushed = acked = requests = 0
    for _ in range(MAX_PUSHES_PER_ROUND):
        with store.session() as s:
            heads = read_heads(s, heads_key)
        signed = pending(store, heads, include_own=include_own, skip=skip)
        batch = signed.events
        if not batch:
            break
        reply: PushReply = client.push(encode_push(batch, signed.signatures))
        requests += 1
        pushed += len(batch)
        acked += sum(1 for st in reply.statuses.values() if st.acknowledged)
        moved = False
        # What the server holds can be asked again: no fsync of its own.
        with store.background_transaction(durable=False) as txn:
            heads = read_heads(txn, heads_key)
            for device_id in sorted({e.device_id for e in batch}):
                head = reply.ledger.get(device_id)
                if head is None:
                    # Not in this server's scope (another team, unknown): remember what
                    # was offered, so the next rounds do not offer it again.
                    skip.add(device_id)
                    offered = max(e.seq for e in batch if e.device_id == device_id)
                    heads[device_id] = max(heads.get(device_id, 0), offered)
                    log.info("relay: the server does not take device %s", device_id[:8])
                    continue
                if head.contiguous_seq != heads.get(device_id, 0):
                    moved = True
                heads[device_id] = head.contiguous_seq
            keys.put_json(txn, heads_key, heads)
        if not moved:
            break
    return RelayResult(pushed, acked, requests)


def central_receipts(store: Store) -> dict[str, dict[str, object]]:
    """What the central server holds of each device's chain, as this laptop knows it.

    ``{device_id: {"contiguous_seq", "head_hash"}}`` with the head hash read from the
    events held here (a relay's word is checked against the chain it names).
    """
    out: dict[str, dict[str, object]] = {}
    with store.session() as s:
        heads = read_heads(s, CENTRAL_HEADS)
        own = keys.get(s, keys.SERVER_CONTIGUOUS_SEQ)
        if own and own.isdigit():
            heads[store.device_id] = max(heads.get(store.device_id, 0), int(own))
        for device_id, seq in heads.items():
            if seq <= 0:
                continue
            h = s.scalar(
                select(m.EventRow.hash).where(
                    m.EventRow.device_id == device_id, m.EventRow.seq == seq
                )
            )
            if h:
                out[device_id] = {"contiguous_seq": seq, "head_hash": h}
    return out
