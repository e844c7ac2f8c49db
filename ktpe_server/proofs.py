"""What a pulled event needs to be verified back to its origin device's key.

For every origin device in a page of pulled events: its public key, and the signed
segments (``chain_segment``) that cover the page's events. Of each segment's other
events, the page carries only the *hashes* of those this caller will never be
served (refused events, events about another team's school); the events the
caller gets in other pages it verifies when it holds them all
(docs/sync-protocol.md, "Signatures").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_server import models as m

ACCEPTED = "accepted"
#: Terms of one ``OR`` at most: SQLite parses ``a OR b OR …`` one tree level a term and
#: refuses a tree deeper than 1,000 ("Expression tree is too large"); a page of 2,000
#: events may name as many devices or one-event segments.
OR_TERMS = 400

_T = TypeVar("_T")


def _batches(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), OR_TERMS):
        yield items[i : i + OR_TERMS]


def page_proofs(
    s: Session, events: Sequence[Event], team_schools: set[str], caller: str
) -> dict[str, Any]:
    """``{"keys": {device: key}, "segments": [...]}`` for a page of pulled events."""
    by_device: dict[str, list[int]] = {}
    for ev in events:
        by_device.setdefault(ev.device_id, []).append(ev.seq)
    if not by_device:
        return {"keys": {}, "segments": []}
    conn = s.connection()  # Core: the ORM's execution costs about twice the CPU
    keys = {
        d: k
        for d, k in conn.execute(
            select(m.Device.device_id, m.Device.public_key).where(
                m.Device.device_id.in_(sorted(by_device))
            )
        )
        if k
    }
    conds = [
        and_(
            m.ChainSegment.device_id == d,
            m.ChainSegment.last_seq >= min(seqs),
            m.ChainSegment.first_seq <= max(seqs),
        )
        for d, seqs in by_device.items()
    ]
    candidates: dict[str, list[tuple[int, int, str]]] = {}
    for terms in _batches(conds):
        for d, first, last, sig in conn.execute(
            select(
                m.ChainSegment.device_id,
                m.ChainSegment.first_seq,
                m.ChainSegment.last_seq,
                m.ChainSegment.sig,
            )
            .where(or_(*terms))
            .order_by(m.ChainSegment.device_id, m.ChainSegment.last_seq, m.ChainSegment.first_seq)
        ):
            candidates.setdefault(d, []).append((int(first), int(last), sig))
    chosen: list[tuple[str, int, int, str]] = []
    for d, seqs in by_device.items():
        picked: set[tuple[int, int, str]] = set()
        for seq in seqs:
            seg = next((c for c in candidates.get(d, []) if c[0] <= seq <= c[1]), None)
            if seg is not None:
                picked.add(seg)
        chosen.extend((d, *seg) for seg in sorted(picked))
    if not chosen:
        return {"keys": keys, "segments": []}
    # The events of the chosen segments in one statement per OR_TERMS segments (a page
    # usually names a few devices with a segment or two each), then shared out to the
    # segments that cover them.
    held: dict[str, list[tuple[int, str, str, str | None]]] = {}
    for some in _batches(chosen):
        for d, seq, h, state, school in conn.execute(
            select(
                m.EventRow.device_id,
                m.EventRow.seq,
                m.EventRow.hash,
                m.EventRow.state,
                m.EventRow.school_npsn,
            ).where(
                or_(
                    *(
                        and_(m.EventRow.device_id == d, m.EventRow.seq.between(first, last))
                        for d, first, last, _sig in some
                    )
                )
            )
        ):
            held.setdefault(d, []).append((int(seq), h, state, school))
    for rows in held.values():
        rows.sort()
    held_seqs = {d: [r[0] for r in rows] for d, rows in held.items()}
    segments = []
    for d, first, last, sig in chosen:
        gaps: dict[str, str] = {}
        rows = held.get(d, [])
        seqs = held_seqs.get(d, [])
        for seq, h, state, school in rows[bisect_left(seqs, first) : bisect_right(seqs, last)]:
            served = state == ACCEPTED and school in team_schools and d != caller
            if not served:
                gaps[str(seq)] = h
        segments.append(
            {"device_id": d, "first_seq": first, "last_seq": last, "sig": sig, "gaps": gaps}
        )
    return {"keys": keys, "segments": segments}
