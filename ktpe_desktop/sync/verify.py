"""Verifying pulled events back to their origin device's key (issue 12).

A page of pulled events carries the public key of each origin device and the
signed segments that cover its events, with the hashes of the segment's events
this laptop will never be served (``gaps``). An event is folded only when a
segment covering it verifies: the segment's hashes come from the page, from
events held back earlier (``held_event``, reason ``unverified``), from events
already stored, and from the gaps. An event that cannot be verified yet (the rest
of its segment comes in a later page) is held back and retried with each page.

Keys are pinned: the first key this laptop sees for a device is kept, and a page
that omits it or gives another key cannot make that device's events pass. Events
of a device whose key no party gave (a laptop enrolled before keys, a hub's
station) are taken on the server's word, as before protocol 2.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_desktop.core.signing import is_public_key, verify_segment
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.ledger import WriteTxn
from ktpe_desktop.sync import state as keys

log = logging.getLogger("ktpe.sync")

DEVICE_KEYS = "device_keys"  # sync_state: pinned public keys, {device_id: key}
UNVERIFIED = "unverified"


def _pins(s: Session | WriteTxn, page_keys: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
    """Every pinned key with the page's added (first one wins), and whether it added any."""
    pinned = keys.get_json(s, DEVICE_KEYS)
    pinned = dict(pinned) if isinstance(pinned, dict) else {}
    changed = False
    for device_id, key in page_keys.items():
        if not isinstance(device_id, str) or not is_public_key(key):
            continue
        if device_id not in pinned:
            pinned[device_id] = key
            changed = True
        elif pinned[device_id] != key:
            log.error("a page gave another key for a device: ignored (pinned key kept)")
    return pinned, changed


def pin_keys(s: Session, page_keys: Mapping[str, Any]) -> dict[str, str]:
    """Pin these keys (first one wins); returns every pinned key."""
    pinned, changed = _pins(s, page_keys)
    if changed:
        keys.put_json(s, DEVICE_KEYS, pinned)
    return pinned


def _covers(seg: Mapping[str, Any], seq: int) -> bool:
    try:
        return int(seg["first_seq"]) <= seq <= int(seg["last_seq"])
    except (KeyError, TypeError, ValueError):
        return False


def _check(
    s: Session, key: str, seg: Mapping[str, Any], pool: Mapping[tuple[str, int], Event]
) -> bool:
    device_id = str(seg["device_id"])
    first, last = int(seg["first_seq"]), int(seg["last_seq"])
    if last - first > 100_000:
        return False
    gaps = seg.get("gaps") if isinstance(seg.get("gaps"), Mapping) else {}
    stored = dict(
        s.execute(
            select(m.EventRow.seq, m.EventRow.hash).where(
                m.EventRow.device_id == device_id, m.EventRow.seq.between(first, last)
            )
        ).all()
    )
    hashes: list[str] = []
    for q in range(first, last + 1):
        ev = pool.get((device_id, q))
        if ev is not None:
            if not ev.with_valid_hash():
                return False
            hashes.append(ev.hash)
        elif q in stored:
            hashes.append(stored[q])
        elif isinstance(gaps, Mapping) and isinstance(gaps.get(str(q)), str):
            hashes.append(gaps[str(q)])
        else:
            return False  # the rest of the segment has not arrived yet
    try:
        return verify_segment(key, device_id, first, hashes, str(seg.get("sig", "")))
    except ValueError:
        return False


@dataclass(slots=True)
class PageCheck:
    """What :func:`check_page` decided about a page, for :func:`record` to write."""

    ready: list[Event]  # the events that can be folded now (hashes valid)
    pinned: dict[str, str]  # every pinned key the decision used (this page's included)
    new_pins: bool  # the page pinned keys not kept yet
    segments: list[tuple[str, int, int, str]] = field(default_factory=list)
    release: list[str] = field(default_factory=list)  # held events verified now
    hold: list[Event] = field(default_factory=list)  # events still waiting


def check_page(s: Session, events: Sequence[Event], page: Mapping[str, Any]) -> PageCheck:
    """Decide which events of a page (and of those held back before) verify; reads only.

    A background writer runs it before it takes the writer (the signature checks
    need the CPU, not the database lock), then :func:`record` in its transaction.
    """
    raw_keys = page.get("keys")
    pinned, new_pins = _pins(s, raw_keys if isinstance(raw_keys, Mapping) else {})
    held_rows = s.execute(
        select(m.HeldEvent.event_id, m.HeldEvent.event).where(m.HeldEvent.reason == UNVERIFIED)
    ).all()
    held_ids: set[str] = set()
    pool: dict[tuple[str, int], Event] = {}
    for event_id, data in held_rows:
        held_ids.add(event_id)
        try:
            ev = Event.from_json(data)
        except (ValueError, TypeError, KeyError):
            continue
        pool[(ev.device_id, ev.seq)] = ev
    for ev in events:
        pool[(ev.device_id, ev.seq)] = ev
    segments: dict[str, list[Mapping[str, Any]]] = {}
    raw_segments = page.get("segments")
    for seg in raw_segments if isinstance(raw_segments, list) else []:
        if isinstance(seg, Mapping) and isinstance(seg.get("device_id"), str):
            segments.setdefault(seg["device_id"], []).append(seg)
    ok: list[Event] = []
    proven: set[tuple[str, int]] = set()
    kept: list[tuple[str, int, int, str]] = []
    for (device_id, seq), ev in sorted(pool.items()):
        key = pinned.get(device_id)
        if key is None:
            ok.append(ev)  # no key known anywhere: the server's word (before protocol 2)
            continue
        if (device_id, seq) not in proven:
            for seg in segments.get(device_id, []):
                if _covers(seg, seq) and _check(s, key, seg, pool):
                    first, last = int(seg["first_seq"]), int(seg["last_seq"])
                    proven.update((device_id, q) for q in range(first, last + 1))
                    kept.append((device_id, first, last, str(seg["sig"])))
                    break
        if (device_id, seq) in proven:
            ok.append(ev)
    ok_ids = {ev.event_id for ev in ok}
    waiting = [ev for ev in pool.values() if ev.event_id not in ok_ids]
    return PageCheck(
        ready=[ev for ev in ok if ev.with_valid_hash()],
        pinned=pinned,
        new_pins=new_pins,
        segments=kept,
        release=sorted(held_ids & ok_ids),
        hold=waiting,
    )


_SQL_KEEP_SEGMENT = (
    "INSERT OR IGNORE INTO chain_segment (device_id, first_seq, last_seq, sig) VALUES (?, ?, ?, ?)"
)
_SQL_HOLD = (
    "INSERT OR IGNORE INTO held_event (event_id, device_id, seq, reason, event, held_at) "
    "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM event WHERE event_id = ?)"
)


def record(s: Session | WriteTxn, check: PageCheck) -> bool:
    """Write what :func:`check_page` decided: pins, kept segments, held events.

    Returns False, writing nothing, when the pinned keys changed since the check
    (another pull pinned one meanwhile): the caller checks the page again.
    """
    current = keys.get_json(s, DEVICE_KEYS)
    current = current if isinstance(current, dict) else {}
    if any(check.pinned.get(d) != k for d, k in current.items()):
        return False
    if check.new_pins:
        keys.put_json(s, DEVICE_KEYS, check.pinned)
    if isinstance(s, WriteTxn):
        s.flush()
        if check.segments:
            s.raw.executemany(_SQL_KEEP_SEGMENT, check.segments)
        if check.release:
            marks = ", ".join("?" * len(check.release))
            s.raw.execute(f"DELETE FROM held_event WHERE event_id IN ({marks})", check.release)
        now = ledger.utc_text(datetime.now(UTC))
        s.raw.executemany(
            _SQL_HOLD,
            [
                (ev.event_id, ev.device_id, ev.seq, UNVERIFIED, ledger.json_text(ev.to_json()),
                 now, ev.event_id)
                for ev in check.hold
            ],
        )  # fmt: skip
    else:
        for device_id, first, last, sig in check.segments:
            keep_segment(s, device_id, first, last, sig)
        if check.release:
            s.execute(delete(m.HeldEvent).where(m.HeldEvent.event_id.in_(check.release)))
        ledger.hold_events(s, check.hold, UNVERIFIED)
    if check.hold:
        log.info("%d pulled events wait for their signature", len(check.hold))
    return True


def verified(s: Session, events: Sequence[Event], page: Mapping[str, Any]) -> list[Event]:
    """The events (of this page, and held back before) that can be folded now.

    The others are held back (``held_event``, reason ``unverified``); the ones
    released are deleted from ``held_event``. In the caller's transaction.
    """
    check = check_page(s, events, page)
    record(s, check)
    return check.ready


def keep_segment(s: Session, device_id: str, first: int, last: int, sig: str) -> None:
    """Keep a verified segment: this laptop relays the origin's events with it."""
    if s.get(m.ChainSegment, (device_id, first, last)) is None:
        s.add(m.ChainSegment(device_id=device_id, first_seq=first, last_seq=last, sig=sig))
        s.flush()
