"""Review findings on the sync engine: a restored laptop, stuck in-flight rows, a newly
assigned school's older events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from ktpe_desktop.core.events import Event, make_event
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.core.protocol import ItemStatus
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from tests.unit.sync.conftest import SCHOOL, STUDENTS, FakeServer, write


def _statuses(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {o.event_id: o.status.value for o in s.scalars(select(m.Outbox))}


def _foreign_chain(device_id: str, first_seq: int, prev_hash: str, n: int) -> list[Event]:
    """Events of our own device id that this laptop never wrote (a restored backup)."""
    out = []
    prev = prev_hash
    for i in range(n):
        ev = make_event(
            device_id=device_id,
            seq=first_seq + i,
            prev_hash=prev,
            hlc=Hlc(1_732_000_000_000 + i, 0),
            kind="absent",
            student_id=STUDENTS[0],
            operator="lain",
            occurred_at=datetime(2024, 11, 19, tzinfo=UTC),
        )
        out.append(ev)
        prev = ev.hash
    return out


def _server_head(fake_server: FakeServer, device_id: str) -> tuple[int, str]:
    return fake_server.contiguous(device_id)


def _faithful(fake_server: FakeServer) -> None:
    """Make the fake answer like the real server: other content under a held id is a
    conflict, a row that does not continue the held chain is chain_broken."""

    def policy(ev: Event) -> tuple[ItemStatus, str, str] | None:
        held = fake_server.held.get(ev.event_id)
        if held is not None and held.hash != ev.hash:
            return ItemStatus.CONFLICT, "content_differs", "other content"
        c, head = fake_server.contiguous(ev.device_id)
        if held is None and ev.seq == c + 1 and ev.prev_hash != head:
            return ItemStatus.CHAIN_BROKEN, "bad_prev_hash", "broken"
        return None

    fake_server.policy = policy


@pytest.mark.allow_warnings("restored")
def test_restored_backup_stops_with_a_clear_error_instead_of_quarantining(
    store: Store, service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 3)
    assert service.run_round().all_acknowledged
    # After the backup, the laptop recorded and synced seq 4..6, then the disk died and
    # the backup (holding 1..3) was restored: the server holds 1..6 of this device.
    seq, head = _server_head(fake_server, store.device_id)
    for ev in _foreign_chain(store.device_id, seq + 1, head, 3):
        fake_server.held[ev.event_id] = ev
    ids = write(recording, 2)  # reuses seq 4 and 5 with other content
    _faithful(fake_server)
    summary = service.run_round()
    assert summary.error_code == "device_chain_diverged"
    assert "perangkat baru" in (summary.error or "")
    assert summary.quarantined == 0 and summary.newly_quarantined == 0
    statuses = _statuses(store)
    assert [statuses[i] for i in ids] == ["pending", "pending"]  # kept, not refused


@pytest.mark.allow_warnings("restored")
def test_restored_backup_that_wrote_past_the_server_head_is_detected_by_hash(
    store: Store, service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 2)
    assert service.run_round().all_acknowledged
    seq, head = _server_head(fake_server, store.device_id)
    for ev in _foreign_chain(store.device_id, seq + 1, head, 2):
        fake_server.held[ev.event_id] = ev  # server: 1..4
    write(recording, 5)  # laptop: 1..7, its 3 and 4 differ from the server's
    _faithful(fake_server)
    summary = service.run_round()
    assert summary.error_code == "device_chain_diverged"
    assert summary.quarantined == 0
    assert service.counts().pending == 5


@pytest.mark.allow_warnings("restored")
def test_restored_backup_with_nothing_to_send_is_caught_by_the_receipt(
    store: Store, service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 2)
    assert service.run_round().all_acknowledged
    seq, head = _server_head(fake_server, store.device_id)
    for ev in _foreign_chain(store.device_id, seq + 1, head, 2):
        fake_server.held[ev.event_id] = ev
    summary = service.run_round()
    assert summary.error_code == "device_chain_diverged"
    assert not summary.all_acknowledged


@pytest.mark.allow_warnings("server holds")
def test_a_fresh_server_or_one_that_lost_data_is_not_a_divergence(
    store: Store, service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 4)
    assert service.run_round().all_acknowledged
    fake_server.lose_after = 2
    service.run_round()
    assert service.run_round().all_acknowledged


def test_a_failure_while_applying_the_reply_leaves_nothing_in_flight(
    store: Store, service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 3)
    engine = service.engine
    orig = engine._apply_reply
    calls = {"n": 0}

    def boom(batch: Any, reply: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is locked")
        return orig(batch, reply)

    engine._apply_reply = boom  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        service.run_round()
    assert "in_flight" not in set(_statuses(store).values())
    # The same engine (recover ran once already) sends them at the next round.
    assert service.run_round().all_acknowledged


def test_a_newly_assigned_school_restarts_the_event_pull(
    store: Store, service: SyncService, fake_server: FakeServer
) -> None:
    """Events of a school pushed before it was assigned to our team (by another team)
    carry ingest numbers below our cursor: the pull must start again from the beginning."""
    fake_server.roster_pages = [
        {"assignments": [{"id": 1, "school_npsn": SCHOOL, "date": "2024-11-20"}]}
    ]
    fake_server.event_pages = [{"events": []}, {"events": []}]
    assert service.run_round().error is None
    with store.session() as s:
        assert keys.get(s, keys.EVENTS_CURSOR) == "2"
    cursors: list[str | None] = []
    client = service.engine.client()
    orig = client.pull_events

    def spy(cursor: str | None, limit: int) -> dict[str, Any]:
        cursors.append(cursor)
        return orig(cursor, limit)

    client.pull_events = spy  # type: ignore[method-assign]
    # Another assignment day for a school we already have: the cursor stays.
    fake_server.roster_pages.append(
        {"assignments": [{"id": 2, "school_npsn": SCHOOL, "date": "2024-11-21"}]}
    )
    service.run_round()
    assert cursors[0] == "2"
    # A school new to the team: the event pull starts over (duplicates are ignored).
    fake_server.roster_pages.append(
        {
            "schools": [{"npsn": "20533702", "name": "SMA NEGERI 2 MALANG"}],
            "assignments": [{"id": 3, "school_npsn": "20533702", "date": "2024-11-22"}],
        }
    )
    cursors.clear()
    service.run_round()
    assert cursors[0] in (None, "")
