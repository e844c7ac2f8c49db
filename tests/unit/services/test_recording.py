from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import Status, make_event, verify_chain
from ktpe_desktop.core.hlc import Hlc, HybridClock
from ktpe_desktop.services import recording as rec
from ktpe_desktop.services.recording import RecordingService, UnknownStudent
from ktpe_desktop.storage import ledger, outbox
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.store import Store
from ktpe_desktop.storage.tailmark import read_marker
from tests.conftest import LEAD, PASSWORD, Factory


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_one_transaction_writes_event_outbox_state(store: Store, factory: Factory) -> None:
    sid = factory.student()
    saved = RecordingService(store).record_outcome(sid, "recorded", "petugas1", note="ok")
    assert saved.seq == 1 and saved.status is Status.RECORDED
    with store.session() as s:
        ev = s.get(m.EventRow, saved.event_id)
        assert ev is not None and ev.origin is m.EventOrigin.LOCAL
        assert ev.payload == {"note": "ok"}
        box = s.get(m.Outbox, saved.event_id)
        assert box is not None and box.status is m.OutboxStatus.PENDING
        state = s.get(m.StudentState, sid)
        assert state is not None and state.status is Status.RECORDED
        assert state.deciding_event_id == saved.event_id
        assert state.decided_by_device == store.device_id
        device = s.get(m.Device, store.device_id)
        assert device is not None and device.next_seq == 2 and device.head_hash == ev.hash


def test_failure_midway_leaves_nothing(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = factory.student()
    service = RecordingService(store)
    service.record_outcome(sid, "absent", "op")

    def boom(session: object, student_id: str) -> None:
        raise RuntimeError("power cut in the middle")

    monkeypatch.setattr(ledger, "recompute_state", boom)
    with pytest.raises(RuntimeError):
        service.record_outcome(sid, "recorded", "op")
    monkeypatch.undo()
    assert count(store, m.EventRow) == 1
    assert count(store, m.Outbox) == 1
    with store.session() as s:
        assert s.get(m.StudentState, sid).status is Status.ABSENT  # type: ignore[union-attr]
        assert s.get(m.Device, store.device_id).next_seq == 2  # type: ignore[union-attr]
    again = service.record_outcome(sid, "recorded", "op")
    assert again.seq == 2  # no gap


def test_tail_marker_follows_the_committed_head_only(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The marker takes the head the check-off wrote (no read back after the commit);
    a check-off that rolled back leaves it where the last commit put it."""
    sid = factory.student()
    service = RecordingService(store)
    saved = service.record_outcome(sid, "absent", "op")
    marker = read_marker(store.data_dir, store._key)
    with store.session() as s:
        head = s.get(m.EventRow, saved.event_id)
    assert marker is not None and head is not None
    assert (marker.seq, marker.hash) == (1, head.hash)

    def boom(session: object, student_id: str) -> None:
        raise RuntimeError("power cut in the middle")

    monkeypatch.setattr(ledger, "recompute_state", boom)
    with pytest.raises(RuntimeError):
        service.record_outcome(sid, "recorded", "op")
    monkeypatch.undo()
    assert read_marker(store.data_dir, store._key) == marker
    with store.background_transaction():
        pass  # a commit that appends nothing: the rolled-back head must not reach the marker
    assert read_marker(store.data_dir, store._key) == marker
    again = service.record_outcome(sid, "recorded", "op")
    after = read_marker(store.data_dir, store._key)
    with store.session() as s:
        device = s.get(m.Device, store.device_id)
    assert after is not None and device is not None
    assert (again.seq, after.seq, after.hash) == (2, 2, device.head_hash)


def test_a_failure_after_the_orm_joined_rolls_back_everything(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's transaction is begun on the driver; an ORM session joins it for the
    audit row. A failure after the join leaves nothing (no event, no audit row, no head
    move), and the next save commits through the same connection."""
    sid = factory.student()
    service = RecordingService(store)
    before = count(store, m.AuditLog)

    def audit_then_fail(session: object, *args: object, **kwargs: object) -> None:
        real_audit(session, *args, **kwargs)  # type: ignore[arg-type]
        session.flush()  # type: ignore[attr-defined]
        raise RuntimeError("power cut after the audit row")

    real_audit = rec.audit
    monkeypatch.setattr(rec, "audit", audit_then_fail)
    with pytest.raises(RuntimeError):
        service.correct_details(sid, {"name": "NAMA BARU"}, "op")
    monkeypatch.undo()
    assert count(store, m.EventRow) == 0 and count(store, m.Outbox) == 0
    assert count(store, m.AuditLog) == before
    fixed = service.correct_details(sid, {"name": "NAMA BARU"}, "op")
    assert fixed.seq == 1
    assert count(store, m.AuditLog) == before + 1
    with store.session() as s:
        row = repo.get_student(s, sid)
        assert row is not None and row.name == "NAMA BARU"


def test_chain_and_seq_survive_reopen(store: Store, factory: Factory) -> None:
    ids = [factory.student() for _ in range(3)]
    service = RecordingService(store)
    for sid in ids:
        service.record_outcome(sid, "recorded", "op")
    last_hlc = Hlc.decode(service.record_outcome(ids[0], "absent", "op").hlc)
    store.close()
    reopened = Store.open(store.data_dir, LEAD, PASSWORD)
    try:
        # a clock far behind the persisted one must still move forward
        late = RecordingService(reopened, HybridClock(now_ms=lambda: 1000))
        saved = late.record_outcome(ids[1], "absent", "op")
        assert saved.seq == 5
        assert Hlc.decode(saved.hlc) > last_hlc
        with reopened.session() as s:
            events = [
                ledger.event_from_row(r)
                for r in s.scalars(select(m.EventRow).order_by(m.EventRow.seq))
            ]
        assert verify_chain(events) is None
    finally:
        reopened.close()


def test_invalid_input(store: Store, factory: Factory) -> None:
    sid = factory.student()
    service = RecordingService(store)
    with pytest.raises(UnknownStudent) as err:
        service.record_outcome("nobody", "recorded", "op")
    assert "tidak ditemukan" in err.value.message
    with pytest.raises(KnownError) as err2:
        service.record_outcome(sid, "failed", "op")
    assert err2.value.code == "bad_reason"
    with pytest.raises(KnownError):
        service.record_outcome(sid, "not_eligible", "op", reason="because")
    with pytest.raises(KnownError):
        service.record_outcome(sid, "voided", "op")
    with pytest.raises(KnownError):
        service.record_outcome(sid, "flying", "op")
    with pytest.raises(KnownError):
        service.record_outcome(sid, "recorded", "op", note="x" * 501)
    with pytest.raises(KnownError):
        service.void("nope", "alasan", "op")
    assert count(store, m.EventRow) == 0


def test_precedence_void_and_anomalies(store: Store, factory: Factory) -> None:
    sid = factory.student()
    service = RecordingService(store)
    rec1 = service.record_outcome(sid, "recorded", "op")
    late_absent = service.record_outcome(sid, "absent", "op")
    assert late_absent.status is Status.RECORDED  # a late absent cannot undo a recording
    twice = service.record_outcome(sid, "recorded", "op2")
    assert twice.anomalies == ("recorded_twice",)
    undo = service.void(twice.event_id, "dobel", "lead")
    assert undo.anomalies == ()
    with store.session() as s:
        rows = s.scalars(select(m.AnomalyRow)).all()
        assert [(a.code, a.resolved) for a in rows] == [("recorded_twice", True)]
        assert [a.action for a in s.scalars(select(m.AuditLog)) if a.action is m.AuditAction.VOID]
    with pytest.raises(KnownError) as err:
        service.void(twice.event_id, "lagi", "lead")
    assert err.value.code == "already_voided"
    with pytest.raises(KnownError) as err:
        service.void(undo.event_id, "batal batal", "lead")
    assert err.value.code == "void_of_void"
    with pytest.raises(KnownError):
        service.void(rec1.event_id, "   ", "lead")
    final = service.void(rec1.event_id, "salah orang", "lead")
    assert final.status is Status.ABSENT


def test_ikd_correction_walk_in(store: Store, factory: Factory) -> None:
    school = factory.school()
    sid = factory.student(school, name="RINA MARLINA")
    service = RecordingService(store)
    assert service.activate_ikd(sid, "op").anomalies == ("ikd_without_card",)
    assert service.record_outcome(sid, "recorded", "op").ikd_activated
    service.correct_details(sid, {"name": "RINA MARLINAWATI", "class_name": "XII IPS 3"}, "op")
    with pytest.raises(KnownError):
        service.correct_details(sid, {"nik": "123"}, "op")
    with pytest.raises(KnownError):
        service.correct_details(sid, {"password": "x"}, "op")
    with pytest.raises(KnownError):
        service.correct_details(sid, {}, "op")
    walk_in = service.add_walk_in(
        {"school_npsn": school, "name": "ANDI WIJAYA", "sex": "L", "nisn": "0071234567"}, "op"
    )
    with pytest.raises(KnownError):
        service.add_walk_in({"school_npsn": school, "name": " "}, "op")
    with pytest.raises(KnownError):
        service.add_walk_in({"school_npsn": "99999999", "name": "X"}, "op")
    service.record_outcome(walk_in, "recorded", "op")
    with store.session() as s:
        row = repo.get_student(s, sid)
        assert row is not None and row.name == "RINA MARLINAWATI" and row.class_name == "XII IPS 3"
        w = repo.get_student(s, walk_in)
        assert w is not None and w.source == "local" and w.status is Status.RECORDED
        assert repo.find_by_exact_identifier(s, "0071234567") is not None
        actions = [a.action for a in s.scalars(select(m.AuditLog))]
        assert m.AuditAction.CORRECTION in actions and m.AuditAction.STUDENT_ADDED in actions
        detail = next(
            a.detail for a in s.scalars(select(m.AuditLog)) if a.action is m.AuditAction.CORRECTION
        )
        assert detail == {"fields": ["class_name", "name"]}  # field names, never values


def _remote(device: str, seq: int, prev: str, kind: str, student: str, **payload: object):  # type: ignore[no-untyped-def]
    return make_event(
        device_id=device,
        seq=seq,
        prev_hash=prev,
        hlc=Hlc(1_732_680_000_000 + seq, 0),
        kind=kind,
        student_id=student,
        operator="op-remote",
        occurred_at=datetime(2024, 11, 27, 2, 0, seq, tzinfo=UTC),
        payload=payload,
    )


@pytest.mark.allow_warnings("remote events refused")
def test_apply_remote_events(store: Store, factory: Factory) -> None:
    school = factory.school()
    sid = factory.student(school)
    service = RecordingService(store)
    service.record_outcome(sid, "recorded", "local-op")
    e1 = _remote("laptop-b", 1, "0" * 64, "recorded", sid)
    e2 = _remote(
        "laptop-b", 2, e1.hash, "student_added", "w-remote", school_npsn=school, name="DINA"
    )
    e3 = _remote("laptop-b", 3, e2.hash, "absent", "ghost-student")
    forged = _remote("laptop-b", 4, e3.hash, "recorded", sid)
    forged = type(forged)(
        **{**{f: getattr(forged, f) for f in forged.__dataclass_fields__}, "kind": "absent"}
    )
    with store.transaction() as s:
        result = service.apply_remote_events(s, [e1, e2, e3, e1, forged])
    assert result.inserted == 3 and result.bad_hash == (forged.event_id,)
    with store.transaction() as s:
        again = service.apply_remote_events(s, [e1, e2])
    assert again.inserted == 0 and again.duplicates == 2
    with store.session() as s:
        state = repo.get_student(s, sid)
        assert state is not None and state.status is Status.RECORDED and state.anomaly_count == 1
        walk_in = repo.get_student(s, "w-remote")
        assert walk_in is not None and walk_in.name == "DINA"
        ghost = s.get(m.StudentState, "ghost-student")
        assert ghost is not None and ghost.status is Status.ABSENT
        assert repo.outbox_counts(s)["pending"] == 1  # remote events never enter the outbox
        origins = {e.origin for e in s.scalars(select(m.EventRow))}
        assert origins == {m.EventOrigin.LOCAL, m.EventOrigin.REMOTE}


@pytest.mark.allow_warnings("remote events refused")
def test_conflicting_remote_event(store: Store, factory: Factory) -> None:
    sid = factory.student()
    service = RecordingService(store)
    e1 = _remote("laptop-c", 1, "0" * 64, "recorded", sid)
    other = _remote("laptop-c", 1, "0" * 64, "absent", sid)  # same id, other content
    with store.transaction() as s:
        service.apply_remote_events(s, [e1])
    with store.transaction() as s:
        result = service.apply_remote_events(s, [other])
    assert result.conflicting == (other.event_id,)


def test_reset_in_flight(store: Store, factory: Factory) -> None:
    sid = factory.student()
    saved = RecordingService(store).record_outcome(sid, "recorded", "op")
    with store.transaction() as s:
        s.get(m.Outbox, saved.event_id).status = m.OutboxStatus.IN_FLIGHT  # type: ignore[union-attr]
    with store.transaction() as s:
        assert outbox.reset_in_flight(s) == 1
    with store.session() as s:
        assert s.get(m.Outbox, saved.event_id).status is m.OutboxStatus.PENDING  # type: ignore[union-attr]


def test_messages_are_indonesian_and_english() -> None:
    err = rec._invalid("missing_reason")
    assert err.text("id") != err.text("en")


def test_the_row_a_save_returns_is_the_row_read_after_it(store: Store, factory: Factory) -> None:
    """The check-off builds the row the screen shows next from its first read and the
    state it wrote (no second read on the raw path): it must equal a fresh read after
    every kind of save, anomalies, undo, IKD and corrections (the ORM path) included."""
    sid = factory.student()
    other = factory.student()
    service = RecordingService(store)

    def check(saved: rec.SavedEvent) -> None:
        with store.session() as s:
            assert saved.student == repo.get_student(s, saved.student_id)

    check(service.record_outcome(sid, "absent", "op", reason="sakit", note="demam"))
    first = service.record_outcome(sid, "recorded", "op")
    check(first)
    check(service.record_outcome(sid, "recorded", "op2"))  # an anomaly appears
    check(service.activate_ikd(sid, "op"))
    check(service.void(first.event_id, "salah siswa", "op"))  # ORM: audit row
    check(service.correct_details(other, {"name": "NAMA BARU"}, "op"))  # ORM: details
    check(service.record_outcome(other, "not_eligible", "op", reason="under_age"))
    check(service.record_outcome(other, "recorded", "op"))
