"""Issue 17, cases 1 and 5: one owner per data folder.

1. ``db restore-latest`` under a running writer used to rename the live file
   aside; the writer went on confirming outcomes into the renamed file, all lost
   to the live database. Now the restore is refused and changes nothing.
5. A second writer after ``-shm`` was deleted under a running one corrupted the
   database; every open (``db info`` too) reset the owner's in-flight outbox
   rows, so they were sent twice. Now a second writer is refused, and readers
   neither write nor reset anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.errors import DataFolderInUse
from ktpe_desktop.storage.folderlock import folder_owner
from ktpe_desktop.storage.store import Store
from tests.conftest import LEAD, PASSWORD, Factory
from tests.reliability import recovery_support as rs

pytestmark = [pytest.mark.timeout(300)]


def _students(store: Store, factory: Factory, n: int = 30) -> list[str]:
    return [factory.student() for _ in range(n)]


def test_restore_latest_under_a_running_writer_is_refused(
    store: Store, factory: Factory, tmp_path: Path
) -> None:
    ids = _students(store, factory)
    store.backup("before")
    store.close()
    data_dir = store.data_dir
    stop = tmp_path / "stop"
    child = rs.start_writer(data_dir, ids, 0, tmp_path, pause=0.002, stop=stop)
    try:
        rs.wait_ready(child)
        owner = folder_owner(data_dir)
        assert owner is not None and owner.pid == child.pid
        result = rs.run_cli("db", "restore-latest", "--data-dir", str(data_dir))
        assert result.returncode == 2, result.stderr
        assert "sedang dipakai" in result.stderr and str(child.pid) in result.stderr
        with pytest.raises(DataFolderInUse):
            Store.open(data_dir, LEAD, PASSWORD)
        stop.touch()
        out, err = child.communicate(timeout=240)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err.decode()[-2000:]
    sent = rs.confirmed(out)
    assert len(sent) > 10
    assert not [p for p in data_dir.iterdir() if ".broken-" in p.name]
    assert set(sent) <= rs.local_event_ids(data_dir)  # every confirmed outcome is live


def test_second_writer_after_shm_deleted_is_refused(
    store: Store, factory: Factory, tmp_path: Path
) -> None:
    ids = _students(store, factory)
    store.close()
    data_dir = store.data_dir
    stop = tmp_path / "stop"
    child = rs.start_writer(data_dir, ids, 0, tmp_path, pause=0.001, stop=stop)
    try:
        rs.wait_ready(child)
        assert child.stdout is not None
        child.stdout.readline()  # it has written
        (data_dir / "ktpe.db-shm").unlink()
        second = rs.start_writer(data_dir, ids, 50, tmp_path)
        out2, _ = second.communicate(timeout=120)
        assert second.returncode == 3 and out2.strip() == b"in-use"
        sim = rs.run_cli("demo", "simulate", "--outcomes", "50", "--data-dir", str(data_dir))
        assert sim.returncode == 2 and "sedang dipakai" in sim.stderr
        stop.touch()
        out, err = child.communicate(timeout=240)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err.decode()[-2000:]
    sent = rs.confirmed(out)
    with Store.open(data_dir, LEAD, PASSWORD, check="full") as again:
        assert again.integrity_check(full=True) == []
        with again.session() as s:
            held = set(s.scalars(select(m.EventRow.event_id)))
    assert set(sent) <= held and len(sent) > 10


def test_readers_leave_the_owners_in_flight_rows_alone(store: Store, factory: Factory) -> None:
    ids = _students(store, factory, 5)
    for sid in ids:
        factory.outcome(sid, "recorded")
    with store.transaction() as s:
        s.execute(update(m.Outbox).values(status=m.OutboxStatus.IN_FLIGHT))
    data_dir = str(store.data_dir)

    info = rs.run_cli("db", "info", "--data-dir", data_dir)
    assert info.returncode == 0, info.stderr
    check = rs.run_cli("db", "check", "--data-dir", data_dir)
    assert check.returncode == 0, check.stderr
    sync = rs.run_cli("sync", "--data-dir", data_dir)
    assert sync.returncode == 2 and "sedang dipakai" in sync.stderr

    with store.session() as s:
        in_flight = s.scalar(
            select(func.count())
            .select_from(m.Outbox)
            .where(m.Outbox.status == m.OutboxStatus.IN_FLIGHT)
        )
    assert in_flight == 5  # still the owner's: nobody else sent them again
    # The readers' logins are audited by the owner, not lost.
    store.close()
    with Store.open(store.data_dir, LEAD, PASSWORD) as again, again.session() as s:
        logins = s.scalar(
            select(func.count())
            .select_from(m.AuditLog)
            .where(m.AuditLog.action == m.AuditAction.LOGIN)
        )
    assert logins >= 3  # db info, db check, this open
