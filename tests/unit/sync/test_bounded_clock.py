"""Issue 12, finding 1: a teammate's event with an absurd HLC must not brick this laptop.

Before the fix, pulling one event with HLC ``999999999999999-99999`` made the laptop's
clock overflow to ``1000000000000000-00000`` and every later recording and sync failed
with ``ValueError: not an HLC timestamp``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from ktpe_desktop.core.events import GENESIS_HASH, make_event
from ktpe_desktop.core.hlc import Hlc, system_ms
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store

from .conftest import STUDENTS, FakeServer, write


def _teammate_event(
    hlc: Hlc, seq: int = 1, prev: str = GENESIS_HASH, student: int = 0
) -> dict[str, Any]:
    ev = make_event(
        device_id="aaaaaaaa-0000-4000-8000-000000000001",
        seq=seq,
        prev_hash=prev,
        hlc=hlc,
        kind="absent",
        student_id=STUDENTS[student],
        operator="Petugas Dua",
        occurred_at=datetime(2024, 11, 20, 2, tzinfo=UTC),
    )
    return ev.to_json()


@pytest.mark.allow_warnings("clock ahead")
def test_a_pulled_event_from_the_far_future_is_held_and_the_laptop_goes_on(
    store: Store, service: SyncService, fake_server: FakeServer, recording: RecordingService
) -> None:
    bad = _teammate_event(Hlc(999_999_999_999_999, 99_999))
    fine = _teammate_event(Hlc(system_ms() - 60_000, 0), seq=1, student=1)
    fine["device_id"] = "bbbbbbbb-0000-4000-8000-000000000002"
    fine_ev = make_event(
        device_id=fine["device_id"],
        seq=1,
        prev_hash=GENESIS_HASH,
        hlc=fine["hlc"],
        kind="absent",
        student_id=STUDENTS[1],
        operator="Petugas Dua",
        occurred_at=datetime(2024, 11, 20, 2, tzinfo=UTC),
    )
    fake_server.event_pages = [{"events": [bad, fine_ev.to_json()]}]
    write(recording, 2)
    first = service.run_round()
    assert first.error is None, first.error
    # the absurd clock was not adopted: the laptop's clock stays near its wall clock
    assert store.clock.last.wall_ms < system_ms() + 11 * 60_000
    with store.session() as s:
        held = s.get(m.HeldEvent, bad["event_id"])
        assert held is not None and held.reason == "clock_ahead"
        assert s.get(m.EventRow, bad["event_id"]) is None  # never folded
        assert s.get(m.EventRow, fine_ev.event_id) is not None  # the rest of the page is
        state = s.get(m.StudentState, STUDENTS[0])
        assert state is not None and state.status.value == "recorded"
        device = s.get(m.Device, store.device_id)
        assert device is not None and Hlc.decode(device.hlc_last).wall_ms < system_ms() + 660_000
    # and it keeps recording and syncing
    saved = RecordingService(store).record_outcome(STUDENTS[2], "recorded", "petugas")
    Hlc.decode(saved.hlc)
    second = service.run_round()
    assert second.error is None and second.all_acknowledged
    with store.session() as s:
        assert len(s.scalars(select(m.EventRow).where(m.EventRow.origin == "local")).all()) == 3
