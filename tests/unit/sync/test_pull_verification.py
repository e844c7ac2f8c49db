"""Issue 12: a laptop folds a pulled event only when its origin's signature covers it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ktpe_desktop.core.events import GENESIS_HASH, Event, make_event
from ktpe_desktop.core.hlc import Hlc, system_ms
from ktpe_desktop.core.signing import new_private_key, public_key_of, sign_segment
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store

from .conftest import STUDENTS, FakeServer

MATE = "cccccccc-0000-4000-8000-000000000003"


def _chain(n: int) -> list[Event]:
    out, prev = [], GENESIS_HASH
    for i in range(n):
        ev = make_event(
            device_id=MATE,
            seq=i + 1,
            prev_hash=prev,
            hlc=Hlc(system_ms() - 60_000 + i, 0),
            kind="absent",
            student_id=STUDENTS[i % len(STUDENTS)],
            operator="Petugas Dua",
            occurred_at=datetime(2024, 11, 20, 2, tzinfo=UTC),
        )
        out.append(ev)
        prev = ev.hash
    return out


def _segment(key: bytes, evs: list[Event], gaps: dict[str, str] | None = None) -> dict[str, Any]:
    first, last = evs[0].seq, evs[-1].seq
    hashes = [e.hash for e in evs]
    return {
        "device_id": MATE,
        "first_seq": first,
        "last_seq": last,
        "sig": sign_segment(key, MATE, first, hashes),
        "gaps": gaps or {},
    }


def _held(store: Store) -> dict[int, str]:
    with store.session() as s:
        return {h.seq: h.reason for h in s.query(m.HeldEvent).all()}


def _stored(store: Store) -> set[int]:
    with store.session() as s:
        return {r.seq for r in s.query(m.EventRow).filter(m.EventRow.device_id == MATE).all()}


def test_a_segment_split_over_two_pages_is_folded_when_whole(
    store: Store, service: SyncService, fake_server: FakeServer
) -> None:
    key = new_private_key()
    evs = _chain(4)
    seg = _segment(key, evs)
    keys = {MATE: public_key_of(key)}
    fake_server.event_pages = [
        {"events": [e.to_json() for e in evs[:2]], "keys": keys, "segments": [seg]},
        {"events": [e.to_json() for e in evs[2:]], "keys": keys, "segments": [seg]},
    ]
    summary = service.run_round()
    assert summary.error is None
    assert _stored(store) == {1, 2, 3, 4} and _held(store) == {}


@pytest.mark.allow_warnings("another key")
def test_a_forged_event_is_held_back_and_never_folded(
    store: Store, service: SyncService, fake_server: FakeServer
) -> None:
    key = new_private_key()
    evs = _chain(2)
    # a page that says the segment is signed by another key than the pinned one
    fake_server.event_pages = [
        {
            "events": [evs[0].to_json()],
            "keys": {MATE: public_key_of(key)},
            "segments": [_segment(key, evs[:1])],
        },
        {
            "events": [evs[1].to_json()],
            "keys": {MATE: public_key_of(new_private_key())},
            "segments": [_segment(new_private_key(), evs[1:])],
        },
    ]
    assert service.run_round().error is None
    assert _stored(store) == {1}
    assert _held(store) == {2: "unverified"}


def test_gaps_stand_for_events_this_laptop_is_never_served(
    store: Store, service: SyncService, fake_server: FakeServer
) -> None:
    key = new_private_key()
    evs = _chain(3)
    seg = _segment(key, evs, gaps={"2": evs[1].hash})
    fake_server.event_pages = [
        {
            "events": [evs[0].to_json(), evs[2].to_json()],
            "keys": {MATE: public_key_of(key)},
            "segments": [seg],
        }
    ]
    assert service.run_round().error is None
    assert _stored(store) == {1, 3} and _held(store) == {}
