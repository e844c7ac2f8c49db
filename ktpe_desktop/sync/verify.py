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
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_desktop.core.signing import is_public_key, verify_segment
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.sync import state as keys

log = logging.getLogger("ktpe.sync")

DEVICE_KEYS = "device_keys"  # sync_state: pinned public keys, {device_id: key}
UNVERIFIED = "unverified"


def pin_keys(s: Session, page_keys: Mapping[str, Any]) -> dict[str, str]:
    """Pin the page's keys (first one wins); returns every pinned key."""
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
    if changed:
        keys.put_json(s, DEVICE_KEYS, pinned)
    return pinned


def verified(s: Session, events: Sequence[Event], page: Mapping[str, Any]) -> list[Event]:
    """The events (of this page, and held back before) that can be folded now.

    The others are held back (``held_event``, reason ``unverified``); the ones
    released are deleted from ``held_event``.
    """
    raw_keys = page.get("keys")
    pinned = pin_keys(s, raw_keys if isinstance(raw_keys, Mapping) else {})
    held_rows = s.scalars(select(m.HeldEvent).where(m.HeldEvent.reason == UNVERIFIED)).all()
    pool: dict[tuple[str, int], Event] = {}
    for row in held_rows:
        try:
            ev = Event.from_json(row.event)
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
                    keep_segment(s, device_id, first, last, str(seg["sig"]))
                    break
        if (device_id, seq) in proven:
            ok.append(ev)
    ok_ids = {ev.event_id for ev in ok}
    for row in held_rows:
        if row.event_id in ok_ids:
            s.delete(row)
    waiting = [ev for ev in pool.values() if ev.event_id not in ok_ids]
    ledger.hold_events(s, waiting, UNVERIFIED)
    if waiting:
        log.info("%d pulled events wait for their signature", len(waiting))
    return [ev for ev in ok if ev.with_valid_hash()]


def keep_segment(s: Session, device_id: str, first: int, last: int, sig: str) -> None:
    """Keep a verified segment: this laptop relays the origin's events with it."""
    if s.get(m.ChainSegment, (device_id, first, last)) is None:
        s.add(m.ChainSegment(device_id=device_id, first_seq=first, last_seq=last, sig=sig))
        s.flush()


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
