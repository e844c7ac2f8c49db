"""The engine's outbox state machine, quarantine, 401, clock skew, resumable pulls."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from ktpe_desktop.core.protocol import ItemStatus
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.errors import ServerUnreachable, Unauthorized
from tests.unit.sync.conftest import SCHOOL, STUDENTS, FakeServer, write


def _statuses(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {o.event_id: o.status.value for o in s.scalars(select(m.Outbox))}


def test_round_acks_everything_in_batches(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    ids = write(recording, 10)
    summary = service.run_round()
    assert summary.error is None
    assert (summary.pushed, summary.acked, summary.pending_left) == (10, 10, 0)
    assert summary.all_acknowledged
    assert fake_server.pushes == 2  # 4, then the batch doubles to 8 on a good link
    assert set(_statuses(service.store).values()) == {"acked"}
    assert set(fake_server.held) == set(ids)


def test_batches_stay_contiguous_and_bounded(
    store: Store, service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 30)
    sizes: list[int] = []
    service.engine.max_batch_size = 10
    orig = service.engine._take_batch

    def take(size=None):  # type: ignore[no-untyped-def]
        batch = orig(size)
        if batch:
            sizes.append(len(batch))
            seqs = [e.seq for e in batch]
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        return batch

    service.engine._take_batch = take  # type: ignore[method-assign]
    assert service.run_round().all_acknowledged
    assert sizes == [4, 8, 10, 8]


def test_failure_before_reply_returns_batch_to_pending(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 3)
    fake_server.fail_next.append(ServerUnreachable("reset"))
    summary = service.run_round()
    assert summary.error_code == "server_unreachable"
    assert summary.pending_left == 3 and not summary.all_acknowledged
    assert set(_statuses(service.store).values()) == {"pending"}
    with service.store.session() as s:
        assert {o.attempts for o in s.scalars(select(m.Outbox))} == {1}


def test_reply_lost_after_commit_is_resent_once_and_acked_as_duplicate(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    ids = write(recording, 3)
    fake_server.fail_after_commit.append(ServerUnreachable("reset after commit"))
    first = service.run_round()
    assert first.error is not None
    assert set(fake_server.held) == set(ids)  # the server has them …
    assert set(_statuses(service.store).values()) == {"pending"}  # … we do not know it
    second = service.run_round()
    assert second.error is None and second.acked == 3 and second.all_acknowledged
    assert len(fake_server.held) == 3


def test_crash_leaves_in_flight_and_recover_returns_it(
    store: Store, service: SyncService, recording: RecordingService
) -> None:
    write(recording, 2)
    batch = service.engine._take_batch()  # a crash right after marking in flight
    assert len(batch) == 2
    assert set(_statuses(store).values()) == {"in_flight"}
    assert service.recover() == 2
    assert set(_statuses(store).values()) == {"pending"}


@pytest.mark.allow_warnings("quarantined")
def test_refused_events_are_quarantined_and_never_block_the_rest(
    service: SyncService, recording: RecordingService, fake_server: FakeServer, tmp_path: Path
) -> None:
    ids = write(recording, 6)
    bad = {ids[1], ids[4]}
    fake_server.policy = lambda ev: (
        (ItemStatus.REJECTED, "school_not_assigned", "the school is not assigned")
        if ev.event_id in bad
        else None
    )
    summary = service.run_round()
    assert summary.error is None
    assert summary.acked == 4 and summary.quarantined == 2 and summary.newly_quarantined == 2
    assert not summary.all_acknowledged
    items = service.quarantined()
    assert {i.event_id for i in items} == bad
    assert {i.code for i in items} == {"school_not_assigned"}
    assert {i.status for i in items} == {"rejected"}

    out = tmp_path / "karantina.csv"
    assert service.export_quarantined_csv(out) == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["event_id"] for r in rows} == bad
    text = out.read_text(encoding="utf-8")
    assert "SISWA" not in text and "35730" not in text  # no personal data in the export

    fake_server.policy = None  # fixed on the server (school assigned)
    assert service.retry_quarantined([ids[1]]) == 1
    again = service.run_round()
    assert again.acked == 1 and again.quarantined == 1
    assert service.retry_quarantined() == 1
    assert service.run_round().all_acknowledged


@pytest.mark.allow_warnings("no progress")
def test_seq_gap_goes_back_to_pending(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    ids = write(recording, 4)
    fake_server.policy = lambda ev: (
        (ItemStatus.SEQ_GAP, "missing_seq", "") if ev.event_id == ids[3] else None
    )
    summary = service.run_round()
    assert summary.pending_left == 1
    assert _statuses(service.store)[ids[3]] == "pending"
    fake_server.policy = None
    assert service.run_round().all_acknowledged


@pytest.mark.allow_warnings("server holds")
def test_server_that_lost_data_gets_it_again(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    ids = write(recording, 8)
    assert service.run_round().all_acknowledged
    fake_server.lose_after = 3  # the server restored an old backup
    summary = service.run_round()  # the receipt shows seq 3: 4..8 go back and are resent
    assert summary.requeued == 0 or summary.acked >= 5
    assert service.run_round().all_acknowledged
    assert set(fake_server.held) == set(ids)


@pytest.mark.allow_warnings("token refused")
def test_401_stops_syncing_keeps_the_outbox_and_asks_for_enrolment(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 3)
    fake_server.fail_next.append(Unauthorized("revoked"))
    summary = service.run_round()
    assert summary.needs_enrolment and summary.error_code == "unauthorized"
    assert "daftar ulang" in (summary.error or "").lower()
    assert service.counts().pending == 3
    assert service.status().needs_enrolment
    # Nothing more is attempted until a new enrolment.
    again = service.run_round()
    assert again.error_code == "unauthorized" and fake_server.pushes == 0
    with service.store.transaction() as s:
        keys.put(s, keys.NEEDS_ENROLMENT, None)  # what enrol() does
    service.engine.invalidate_client()
    assert service.run_round().all_acknowledged


@pytest.mark.allow_warnings("clock skew")
def test_clock_skew_over_five_minutes_warns(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    write(recording, 1)
    fake_server.clock_skew_s = 400.0
    summary = service.run_round()
    assert summary.clock_warning and summary.clock_skew_s == 400.0
    assert service.status().clock_warning
    fake_server.clock_skew_s = 30.0
    write(recording, 1)
    assert not service.run_round().clock_warning


def test_roster_pull_is_resumable_and_keeps_local_corrections(
    service: SyncService, recording: RecordingService, fake_server: FakeServer
) -> None:
    recording.correct_details(STUDENTS[0], {"name": "SISWA DIKOREKSI"}, "koordinator")
    fake_server.roster_pages = [
        {"students": [{"id": STUDENTS[0], "school_npsn": SCHOOL, "name": "NAMA LAMA SERVER"}]},
        {"students": [{"id": "s-new", "school_npsn": SCHOOL, "name": "SISWA BARU"}]},
    ]
    fake_server.fail_next.append(ServerUnreachable("x"))  # the push fails: no pull this round
    service.run_round()
    engine = service.engine
    engine.pull_roster()
    with service.store.session() as s:
        assert s.get(m.Student, STUDENTS[0]).name == "SISWA DIKOREKSI"  # local work wins
        assert s.get(m.Student, "s-new") is not None
        assert keys.get(s, keys.ROSTER_CURSOR) == "2"
    # Calling the stage again is harmless (nothing after the cursor).
    assert engine.pull_roster() == 0
