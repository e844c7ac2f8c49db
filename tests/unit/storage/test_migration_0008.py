"""Migration 0008 (issue 18): ``student_state``'s status index is dropped; a 0007 store
with recorded students upgrades and keeps every row, its check-offs and its anomalies."""

from __future__ import annotations

import shutil
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


def _indexes(store: Store, table: str) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
        )
        return {str(r[0]) for r in rows}


def test_a_0007_store_upgrades_and_keeps_its_states(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "migrations-0007"
    shutil.copytree(store_mod.MIGRATIONS_DIR, old)
    for later in (old / "versions").glob("0*.py"):
        if later.name[:4] > "0007":
            later.unlink()
    monkeypatch.setattr(store_mod, "MIGRATIONS_DIR", old)
    s = Store.create(data_dir, LEAD, PASSWORD)
    assert s.schema_revision() == "0007"
    assert "ix_student_state_school_status" in _indexes(s, "student_state")
    factory = Factory(s)
    school = factory.school()
    ids = [factory.student(school) for _ in range(5)]
    service = RecordingService(s)
    service.record_outcome(ids[0], "recorded", "op")
    service.record_outcome(ids[1], "absent", "op")
    service.record_outcome(ids[0], "not_eligible", "op", reason="under_age")  # an anomaly
    s.close()
    monkeypatch.undo()

    s = Store.open(data_dir, LEAD, PASSWORD)
    try:
        assert s.schema_revision() == store_mod.schema_head()
        assert [b.reason for b in list_backups(s.data_dir)] == ["pre-migrate-0007"]
        assert "ix_student_state_school_status" not in _indexes(s, "student_state")
        with s.session() as ss:
            assert ss.scalar(select(func.count()).select_from(m.StudentState)) == 5
            assert ss.get(m.StudentState, ids[0]).status is Status.RECORDED  # type: ignore[union-attr]
            open_anomalies = repo.list_anomalies(ss, school_npsn=school)
            assert [a.student_id for a in open_anomalies] == [ids[0]]
        saved = RecordingService(s).record_outcome(ids[2], "recorded", "op")
        assert saved.seq == 4 and saved.status is Status.RECORDED
        with s.session() as ss:
            assert repo.list_anomalies(ss, school_npsn=school) == open_anomalies
            assert repo.list_anomalies(ss, school_npsn="99999999") == []
    finally:
        s.close()
