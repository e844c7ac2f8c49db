"""The check-off hot path (raw SQL through ``ledger.WriteTxn``) against the definition.

The state and anomaly rows it writes must be exactly what the ORM refold
(``fold_status`` over every event of the student, read back from the database)
writes: after any mix of local outcomes, IKD, voids, corrections (and undoing
them), roster re-sends and remote events arriving out of order, a full ORM
recompute must change nothing, and the student row must show the roster's values
overlaid with the fold's details (docs/decisions.md D12).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ktpe_desktop.core.events import (
    DETAIL_FIELDS,
    GENESIS_HASH,
    Status,
    fold_status,
    make_event,
    verify_chain,
)
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.engine import IdleCheckpointer
from ktpe_desktop.storage.store import Store
from tests import timing
from tests.conftest import Factory

STATE_COLUMNS = (
    "school_npsn",
    "status",
    "reason",
    "deciding_event_id",
    "decided_at",
    "decided_by_device",
    "decided_by_operator",
    "ikd_activated",
    "anomaly_count",
    "event_count",
    "last_hlc",
)


STUDENT_COLUMNS = (*DETAIL_FIELDS, "search_key", "roster_details")


def snapshot(store: Store, sid: str) -> tuple[Any, ...]:
    """The raw stored text of the state row, the anomaly rows and the student row."""
    with store.engine.connect() as conn:
        state = conn.exec_driver_sql(
            f"SELECT {', '.join(STATE_COLUMNS)} FROM student_state WHERE student_id = ?", (sid,)
        ).one_or_none()
        anomalies = conn.exec_driver_sql(
            "SELECT code, event_ids, resolved FROM anomaly WHERE student_id = ? ORDER BY id",
            (sid,),
        ).all()
        student = conn.exec_driver_sql(
            f"SELECT {', '.join(STUDENT_COLUMNS)} FROM student WHERE id = ?", (sid,)
        ).one_or_none()
    return (
        tuple(state) if state is not None else None,
        [tuple(a) for a in anomalies],
        tuple(student) if student is not None else None,
    )


def assert_matches_full_recompute(store: Store, sid: str) -> None:
    before = snapshot(store, sid)
    with store.transaction() as s:
        events = ledger.student_events(s, sid)
        expected = fold_status(sid, events)
        row = s.get(m.StudentState, sid)
        assert row is not None
        assert row.status is expected.status
        assert row.reason == expected.reason
        assert row.deciding_event_id == expected.deciding_event_id
        assert row.decided_at == expected.decided_at
        assert row.decided_by_operator == expected.decided_by_operator
        assert row.ikd_activated == expected.ikd_activated
        assert row.anomaly_count == len(expected.anomalies)
        assert row.event_count == expected.event_count == len(events)
        assert row.last_hlc == expected.last_hlc
        open_rows = s.scalars(
            select(m.AnomalyRow).where(
                m.AnomalyRow.student_id == sid, m.AnomalyRow.resolved.is_(False)
            )
        ).all()
        assert sorted((a.code, tuple(sorted(a.event_ids))) for a in open_rows) == sorted(
            (a.code.value, tuple(sorted(a.event_ids))) for a in expected.anomalies
        )
        student = s.get(m.Student, sid)
        if student is not None and student.roster_details is not None:
            # the row shows the roster's values overlaid with the fold's details
            shown = {**student.roster_details, **expected.details}
            for key in DETAIL_FIELDS:
                value = getattr(student, key)
                assert (value.isoformat() if key == "birth_date" and value else value) == (
                    shown.get(key)
                ), key
        ledger.recompute_state(s, sid)  # the ORM path: must be a no-op
    after = snapshot(store, sid)
    assert after[0] == before[0]
    assert [(c, e, r) for c, e, r in after[1]] == [(c, e, r) for c, e, r in before[1]]
    assert after[2] == before[2]


OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "recorded",
                "already_recorded",
                "absent",
                "not_eligible",
                "failed",
                "ikd",
                "void",
                "correct",
                "correct_name",
                "roster",
                "remote",
            ]
        ),
        st.integers(0, 2),  # which student
        st.integers(0, 50),  # which earlier event / remote hlc offset
        st.sampled_from(["recorded", "absent", "not_eligible", "already_recorded"]),
    ),
    min_size=1,
    max_size=12,
)


def test_hot_path_state_equals_full_recompute(store: Store, factory: Factory) -> None:
    service = RecordingService(store)
    other_device = "0d0d0d0d-0000-4000-8000-000000000001"
    remote_seq = [0]
    remote_prev = ["0" * 64]

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(OPS)
    def run(ops: list[tuple[str, int, int, str]]) -> None:
        sids = [factory.student() for _ in range(3)]
        written: list[str] = []
        for op, who, pick, remote_kind in ops:
            sid = sids[who]
            if op == "ikd":
                written.append(service.activate_ikd(sid, "op").event_id)
            elif op == "void":
                if not written:
                    continue
                try:
                    written.append(
                        service.void(written[pick % len(written)], "salah", "op").event_id
                    )
                except Exception as exc:  # void of a void / already voided: refused
                    assert getattr(exc, "code", "") in ("void_of_void", "already_voided")
            elif op == "correct":
                written.append(
                    service.correct_details(sid, {"class_name": f"XII IPA {pick}"}, "op").event_id
                )
            elif op == "correct_name":
                changes = {"name": f"NAMA KOREKSI {pick}", "nik": f"357302470807{pick + 1:04d}"}
                written.append(service.correct_details(sid, changes, "op").event_id)
            elif op == "roster":  # the roster sends the student again, maybe renamed
                with store.transaction() as s:
                    row = repo.get_student(s, sid)
                    assert row is not None
                    held = s.get(m.Student, sid)
                    assert held is not None and held.roster_details is not None
                    sent = held.roster_details
                    repo.upsert_students_from_roster(
                        s,
                        [
                            repo.RosterStudent(
                                id=sid,
                                school_npsn=row.school_npsn,
                                name=f"{sent['name']} S" if pick % 2 else sent["name"],
                                nisn=sent["nisn"],
                                nik=sent["nik"],
                                kk=sent["kk"],
                                sex=sent["sex"],
                                birth_place=sent["birth_place"],
                                birth_date=date.fromisoformat(sent["birth_date"]),
                                class_name=sent["class_name"],
                                mother_name=sent["mother_name"],
                            )
                        ],
                    )
            elif op == "remote":
                remote_seq[0] += 1
                # an HLC that may sort before the local events already held
                base = service.clock.tick()
                hlc = Hlc(max(1, base.wall_ms - 1000 + pick * 40), 0)
                ev = make_event(
                    device_id=other_device,
                    seq=remote_seq[0],
                    prev_hash=remote_prev[0],
                    hlc=hlc,
                    kind=remote_kind,
                    student_id=sid,
                    operator="remote-op",
                    occurred_at=datetime(2024, 11, 27, 8, 0, tzinfo=UTC) + timedelta(seconds=pick),
                )
                remote_prev[0] = ev.hash
                if pick % 2:  # the hub link's path: prepared SQL in a background writer
                    with store.background_transaction() as txn:
                        service.apply_remote_events(txn, [ev])
                else:  # the central pull's path: an ORM session
                    with store.transaction() as s:
                        service.apply_remote_events(s, [ev])
                written.append(ev.event_id)
            else:
                reason = {"failed": "no_kk", "not_eligible": "under_age"}.get(op)
                note = "catatan" if pick % 3 == 0 else None
                saved = service.record_outcome(sid, op, f"op{pick % 2}", reason=reason, note=note)
                written.append(saved.event_id)
        for sid in sids:
            with store.session() as s:
                if s.get(m.StudentState, sid) is not None:
                    assert_matches_full_recompute(store, sid)

    run()


def test_hot_path_rows_read_back_as_written(store: Store, factory: Factory) -> None:
    sid = factory.student()
    service = RecordingService(store)
    first = service.record_outcome(sid, "failed", "petugas", reason="siak_offline", note="é ü")
    second = service.record_outcome(sid, "recorded", "petugas")
    with store.session() as s:
        rows = s.scalars(select(m.EventRow).order_by(m.EventRow.seq)).all()
        events = [ledger.event_from_row(r) for r in rows]
        assert verify_chain(events) is None  # hashes recompute from the stored text
        assert [e.event_id for e in events] == [first.event_id, second.event_id]
        assert events[0].payload == {"reason": "siak_offline", "note": "é ü"}
        assert rows[0].origin is m.EventOrigin.LOCAL and rows[0].received_at.tzinfo is not None
        assert rows[0].school_npsn == s.get(m.Student, sid).school_npsn  # type: ignore[union-attr]
        box = s.get(m.Outbox, second.event_id)
        assert box is not None and box.status is m.OutboxStatus.PENDING and box.attempts == 0
        state = s.get(m.StudentState, sid)
        assert state is not None and state.status is Status.RECORDED
        assert state.decided_at == events[1].occurred_at
        device = s.get(m.Device, store.device_id)
        assert device is not None and device.head_hash == events[1].hash
        assert device.hlc_last == second.hlc and device.next_seq == 3


@pytest.mark.parametrize("where", ["append_local", "_sync_anomalies_raw"])
def test_failure_anywhere_in_the_hot_path_leaves_nothing(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    sid = factory.student()
    service = RecordingService(store)
    service.record_outcome(sid, "absent", "op")
    real = getattr(ledger, where)

    def boom(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)  # the write happened; the transaction must still vanish
        raise RuntimeError("power cut")

    monkeypatch.setattr(ledger, where, boom)
    with pytest.raises(RuntimeError):
        service.record_outcome(sid, "recorded", "op")
    monkeypatch.undo()
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(m.EventRow)) == 1
        assert s.scalar(select(func.count()).select_from(m.Outbox)) == 1
        assert s.get(m.StudentState, sid).status is Status.ABSENT  # type: ignore[union-attr]
        assert s.get(m.Device, store.device_id).next_seq == 2  # type: ignore[union-attr]
    assert service.record_outcome(sid, "recorded", "op").seq == 2


def test_idle_checkpointer_resets_the_wal_off_the_commit_path(
    store: Store, factory: Factory
) -> None:
    ids = [factory.student() for _ in range(3)]
    store.checkpointer.stop()
    store.checkpointer = IdleCheckpointer(store.engine, idle_s=0.05, min_writes=2)
    service = RecordingService(store)
    for sid in ids:
        service.record_outcome(sid, "recorded", "op")
    deadline = time.monotonic() + timing.seconds(10)
    while store.checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.checkpointer.checkpoints >= 1
    result = store.checkpointer.checkpoint()
    assert result is not None and result[0] == 0 and result[1] == result[2]  # all backfilled
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 2000
    store.checkpointer.stop()
    store.checkpointer.wrote()  # after stop: ignored, no thread
    assert store.checkpointer._thread is not None and not store.checkpointer._thread.is_alive()


def _wal_salt(store: Store) -> bytes:
    with open(f"{store.db_path}-wal", "rb") as fh:
        fh.seek(16)
        return fh.read(8)


def test_the_wal_is_started_after_an_idle_checkpoint_not_by_the_next_save(
    store: Store, factory: Factory
) -> None:
    """SQLite writes and syncs a new WAL header at the first commit after a checkpoint:
    the store does that commit itself (one meta row) right after the idle checkpoint,
    so the next save appends to a started WAL (its salt stays) and syncs once."""
    ids = [factory.student() for _ in range(4)]
    store.checkpointer.stop()
    store.checkpointer = IdleCheckpointer(
        store.engine, idle_s=0.05, min_writes=2, after=store._start_wal
    )
    service = RecordingService(store)
    for sid in ids[:3]:
        service.record_outcome(sid, "recorded", "op")
    salt = _wal_salt(store)
    deadline = time.monotonic() + timing.seconds(10)
    while time.monotonic() < deadline:
        with store.session() as s:
            if s.get(m.Meta, "wal_started_at") is not None:
                break
        time.sleep(0.02)
    started = _wal_salt(store)
    assert started != salt  # the WAL was restarted by the store, after the checkpoint
    service.record_outcome(ids[3], "recorded", "op")
    assert _wal_salt(store) == started  # the save appended to it
    store.checkpointer.stop()


def test_a_contradiction_that_comes_back_is_reopened(store: Store, factory: Factory) -> None:
    sid = factory.student()
    service = RecordingService(store)
    ikd = service.activate_ikd(sid, "op")
    card = service.record_outcome(sid, "recorded", "op")
    assert card.anomalies == ()
    undo = service.void(card.event_id, "salah orang", "lead")
    assert undo.anomalies == ("ikd_without_card",)
    with store.session() as s:
        rows = s.scalars(select(m.AnomalyRow).where(m.AnomalyRow.student_id == sid)).all()
        assert [(a.code, a.event_ids, a.resolved) for a in rows] == [
            ("ikd_without_card", [ikd.event_id], False)  # reopened, not left "Selesai"
        ]
        assert rows[0].resolved_at is None
    assert_matches_full_recompute(store, sid)


def test_writer_connection_is_renewed_after_dispose(store: Store, factory: Factory) -> None:
    sid = factory.student()
    service = RecordingService(store)
    service.record_outcome(sid, "absent", "op")
    writer = store._writer
    assert writer is not None
    store.engine.dispose()
    assert service.record_outcome(sid, "recorded", "op").seq == 2
    assert store._writer is not None and store._writer is not writer


def test_remote_events_stored_alike_by_both_paths(store: Store, factory: Factory) -> None:
    """A pulled batch stored by a background writer (prepared SQL) leaves exactly the
    rows the ORM path leaves: the same stored text of every column but the arrival
    time, the same state, and the HLC observed."""
    sids = [factory.student() for _ in range(2)]
    service = RecordingService(store)
    other = "d" * 32
    batches: list[list[Any]] = []
    prev = GENESIS_HASH
    for i in range(4):
        ev = make_event(
            device_id=other,
            seq=i + 1,
            prev_hash=prev,
            hlc=Hlc(service.clock.tick().wall_ms + 10 + i, 0),
            kind="recorded" if i % 2 == 0 else "absent",
            student_id=sids[i % 2],
            operator="sari",
            occurred_at=datetime(2024, 11, 27, 8, i, tzinfo=UTC),
            payload={"note": "é ü"} if i == 0 else {},
        )
        prev = ev.hash
        batches.append([ev])
    with store.transaction() as s:  # ORM: the first two
        assert service.apply_remote_events(s, batches[0] + batches[1]).inserted == 2
    with store.background_transaction() as txn:  # prepared SQL: the rest, one again
        result = service.apply_remote_events(txn, batches[1] + batches[2] + batches[3])
    assert (result.inserted, result.duplicates) == (2, 1)
    cols = "event_id, device_id, seq, hlc, prev_hash, hash, kind, student_id, school_npsn, "
    cols += "operator, occurred_at, payload, origin"
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT {cols} FROM event ORDER BY seq").all()
        hlc_last = conn.exec_driver_sql("SELECT hlc_last FROM device").scalar_one()
    orm_rows, raw_rows = rows[:2], rows[2:]
    for a, b in zip(orm_rows, raw_rows, strict=True):
        assert a.school_npsn == b.school_npsn and a.origin == b.origin == "remote"
        assert len(a.occurred_at) == len(b.occurred_at) and a.operator == b.operator
    with store.session() as s:
        events = [
            ledger.event_from_row(r) for r in s.scalars(select(m.EventRow).order_by(m.EventRow.seq))
        ]
    assert verify_chain(events) is None  # hashes recompute from the stored text
    assert events[0].payload == {"note": "é ü"}
    assert hlc_last >= batches[3][0].hlc
    for sid in sids:
        assert_matches_full_recompute(store, sid)
