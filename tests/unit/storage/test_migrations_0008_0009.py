"""Migrations 0008 and 0009 (issue 18): ``student_state``'s status index is dropped and the
outbox becomes a ``WITHOUT ROWID`` table; a 0007 store with recorded students upgrades
and keeps every row, its check-offs, its outbox statuses and its anomalies."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from ktpe_desktop.core.events import Status
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage import store as store_mod
from ktpe_desktop.storage.store import Store, list_backups
from tests.conftest import LEAD, PASSWORD, Factory
from tests.unit.storage.old_schema import indexes, store_at


def _table_sql(store: Store, table: str) -> str:
    with store.engine.connect() as conn:
        return str(
            conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar()
        )


def test_a_0007_store_upgrades_and_keeps_its_states_and_outbox(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = store_at("0007", data_dir, tmp_path, monkeypatch)
    assert "ix_student_state_school_status" in indexes(s, "student_state")
    factory = Factory(s)
    school = factory.school()
    ids = [factory.student(school) for _ in range(5)]
    service = RecordingService(s)
    service.record_outcome(ids[0], "recorded", "op")
    service.record_outcome(ids[1], "absent", "op")
    service.record_outcome(ids[0], "not_eligible", "op", reason="under_age")  # an anomaly
    with s.transaction() as ss:
        first = ss.scalars(select(m.Outbox.event_id).order_by(m.Outbox.event_id)).first()
        ss.get(m.Outbox, first).status = m.OutboxStatus.ACKED  # type: ignore[union-attr]
    with s.session() as ss:
        outbox_before = {o.event_id: (o.status, o.attempts) for o in ss.scalars(select(m.Outbox))}
    assert "WITHOUT ROWID" not in _table_sql(s, "outbox")
    s.close()
    monkeypatch.undo()

    s = Store.open(data_dir, LEAD, PASSWORD)
    try:
        assert s.schema_revision() == store_mod.schema_head()
        assert [b.reason for b in list_backups(s.data_dir)] == ["pre-migrate-0007"]
        assert "ix_student_state_school_status" not in indexes(s, "student_state")
        assert _table_sql(s, "outbox").endswith("WITHOUT ROWID")
        assert "ix_outbox_status" in indexes(s, "outbox")
        with s.engine.connect() as conn:
            fks = conn.exec_driver_sql("PRAGMA foreign_key_list(outbox)").all()
        assert [(r[2], r[3], r[4]) for r in fks] == [("event", "event_id", "event_id")]
        with s.session() as ss:
            assert ss.scalar(select(func.count()).select_from(m.StudentState)) == 5
            assert ss.get(m.StudentState, ids[0]).status is Status.RECORDED  # type: ignore[union-attr]
            open_anomalies = repo.list_anomalies(ss, school_npsn=school)
            assert [a.student_id for a in open_anomalies] == [ids[0]]
        with s.session() as ss:
            outbox_after = {
                o.event_id: (o.status, o.attempts) for o in ss.scalars(select(m.Outbox))
            }
        assert outbox_after == outbox_before and len(outbox_after) == 3
        saved = RecordingService(s).record_outcome(ids[2], "recorded", "op")
        assert saved.seq == 4 and saved.status is Status.RECORDED
        with s.session() as ss:
            new = ss.get(m.Outbox, saved.event_id)
            assert new is not None and new.status is m.OutboxStatus.PENDING
        with s.session() as ss:
            assert repo.list_anomalies(ss, school_npsn=school) == open_anomalies
            assert repo.list_anomalies(ss, school_npsn="99999999") == []
    finally:
        s.close()
