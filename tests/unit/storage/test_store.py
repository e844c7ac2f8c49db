from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import engine as engine_mod
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import store as store_mod
from ktpe_desktop.storage.errors import (
    AlreadyInitialised,
    DatabaseCorrupt,
    DatabaseLocked,
    DataDirNotWritable,
    DiskFull,
    NewerSchema,
    NotInitialised,
    UnknownUser,
    WrongPassword,
)
from ktpe_desktop.storage.store import (
    Store,
    database_key_for_tests,
    list_backups,
    restore_latest_backup,
    rotate_backups,
)
from tests.conftest import LEAD, PASSWORD, Factory
from tests.unit.storage.old_schema import store_at


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_create_then_open(data_dir: Path) -> None:
    s = Store.create(data_dir, LEAD, PASSWORD)
    device = s.device_id
    s.close()
    assert sorted(p.name for p in data_dir.iterdir()) == [
        "audit-reserve.bin",  # space for audit rows on a full disk (zeros, no personal data)
        "keyslots.json",
        "ktpe.db",
        "ktpe.head",  # the tail marker: this device's chain head (storage/tailmark.py)
        "ktpe.journal",  # the check-off journal (D43): its header only after a close
        "ktpe.lock",  # the owner's OS lock (released, the empty file stays)
        "logs",
    ]
    s = Store.open(data_dir, LEAD, PASSWORD)
    try:
        assert s.device_id == device
        assert s.schema_revision() == store_mod.schema_head()
        with s.session() as ss:
            assert ss.scalar(text("PRAGMA journal_mode")) == "wal"
            assert ss.scalar(text("PRAGMA synchronous")) == 2  # FULL
            assert ss.scalar(text("PRAGMA foreign_keys")) == 1
            assert ss.scalar(text("PRAGMA temp_store")) == 2  # MEMORY
            actions = list(ss.scalars(select(m.AuditLog.action)))
        assert actions == [m.AuditAction.USER_ADDED, m.AuditAction.LOGIN]
    finally:
        s.close()


def test_file_is_not_plain_sqlite(store: Store) -> None:
    assert not store.db_path.read_bytes()[:16].startswith(b"SQLite format 3")


def test_create_refuses_an_initialised_folder(store: Store) -> None:
    with pytest.raises(AlreadyInitialised):
        Store.create(store.data_dir, "other", "pw")


def test_open_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(NotInitialised):
        Store.open(tmp_path, LEAD, PASSWORD)


def test_wrong_password_leaves_the_file_untouched(store: Store) -> None:
    store.close()
    before = digest(store.db_path)
    with pytest.raises(WrongPassword):
        Store.open(store.data_dir, LEAD, "wrong")
    with pytest.raises(UnknownUser):
        Store.open(store.data_dir, "nobody", PASSWORD)
    assert digest(store.db_path) == before


def test_data_dir_not_writable_on_create(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DataDirNotWritable):
        Store.create(blocker / "data", LEAD, PASSWORD)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_data_dir_on_open(store: Store) -> None:
    store.close()
    before = digest(store.db_path)
    os.chmod(store.data_dir, 0o500)
    try:
        with pytest.raises(DataDirNotWritable):
            Store.open(store.data_dir, LEAD, PASSWORD)
    finally:
        os.chmod(store.data_dir, 0o700)
    assert digest(store.db_path) == before


def test_read_only_database_file_on_open(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Works as root too: the check asks the OS (os.access), patched to say no.
    store.close()
    real = os.access
    monkeypatch.setattr(
        store_mod.os,
        "access",
        lambda p, mode: False if str(p).endswith("ktpe.db") else real(p, mode),
    )
    with pytest.raises(DataDirNotWritable):
        Store.open(store.data_dir, LEAD, PASSWORD)


def test_corrupt_database(store: Store, factory: Factory) -> None:
    factory.student()
    backup = store.backup("before-damage")
    store.close()
    db = store.db_path
    data = bytearray(db.read_bytes())
    for i in range(4096 + 100, 4096 + 400):  # inside page 2
        data[i] ^= 0xFF
    db.write_bytes(bytes(data))
    before = digest(db)
    with pytest.raises(DatabaseCorrupt) as err:
        Store.open(store.data_dir, LEAD, PASSWORD)
    assert err.value.latest_backup == backup
    assert backup.name in err.value.message
    assert digest(db) == before  # untouched
    key_slots = store.keyslots
    key = key_slots.unlock(LEAD, PASSWORD)
    restored = restore_latest_backup(store.data_dir, key)
    assert restored == backup
    broken = [
        p
        for p in store.data_dir.iterdir()
        if p.name.startswith("ktpe.db.broken-") and not p.name.endswith(("-wal", "-shm"))
    ]
    assert broken and digest(broken[0]) == before  # moved aside, never deleted
    again = Store.open(store.data_dir, LEAD, PASSWORD)
    try:
        with again.session() as s:
            assert s.scalar(select(func.count()).select_from(m.Student)) == 1
    finally:
        again.close()


def test_corruption_without_backup_says_so(store: Store) -> None:
    store.close()
    store.db_path.write_bytes(os.urandom(8192))
    with pytest.raises(DatabaseCorrupt) as err:
        Store.open(store.data_dir, LEAD, PASSWORD)
    assert err.value.latest_backup is None
    assert "Tidak ada cadangan" in err.value.message


def test_newer_schema_is_refused_untouched(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    store.close()
    before = digest(store.db_path)
    with pytest.raises(NewerSchema) as err:
        Store.open(store.data_dir, LEAD, PASSWORD)
    assert "lebih baru" in err.value.message
    assert digest(store.db_path) == before
    assert not list_backups(store.data_dir)


MIGRATION_TEST = '''
"""Test-only revision after the real head."""
import sqlalchemy as sa
from alembic import op

revision = "9000_test"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("school", sa.Column("test_note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("school") as b:
        b.drop_column("test_note")
'''


def test_older_schema_is_migrated_after_a_backup(
    store: Store, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory.student()
    store.close()
    head = store_mod.schema_head()
    migrations = tmp_path / "migrations"
    shutil.copytree(store_mod.MIGRATIONS_DIR, migrations)
    (migrations / "versions" / "9000_test.py").write_text(MIGRATION_TEST.format(head=head))
    monkeypatch.setattr(store_mod, "MIGRATIONS_DIR", migrations)
    s = Store.open(store.data_dir, LEAD, PASSWORD)
    try:
        assert s.schema_revision() == "9000_test"
        backups = list_backups(s.data_dir)
        assert [b.reason for b in backups] == [f"pre-migrate-{head}"]
        with s.session() as ss:
            assert ss.execute(text("SELECT test_note FROM school")).all() == [(None,)]
            assert ss.scalar(select(func.count()).select_from(m.Student)) == 1
            assert m.AuditAction.MIGRATE in set(ss.scalars(select(m.AuditLog.action)))
    finally:
        s.close()
    # the backup still holds the old schema
    key = store.keyslots.unlock(LEAD, PASSWORD)
    conn = engine_mod.connect_raw(backups[0].path, key, readonly=True)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head
    finally:
        conn.close()


def test_a_0001_database_gains_roster_details(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0001 -> 0002: backed up, upgraded; the old rows' roster values are their own values."""
    s = store_at("0001", data_dir, tmp_path, monkeypatch)
    with s.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO school (npsn, name, kind, status, kecamatan, "
                             "address, target, updated_at) VALUES ('20530001', 'SMA', '', '', "
                             "'', '', 0, '2024-11-01T00:00:00.000000+00:00')")  # fmt: skip
        conn.exec_driver_sql(
            "INSERT INTO student (id, doc_no, school_npsn, name, class_name, search_key, "
            "source, deleted, updated_at, nik) VALUES ('s-1', 1, '20530001', 'RINA MARLINA', "
            "'XII IPA 1', 'rina marlina', 'server', 0, '2024-11-01T00:00:00.000000+00:00', "
            "'3573024708070001')"
        )
    s.close()
    monkeypatch.undo()
    s = Store.open(data_dir, LEAD, PASSWORD)
    try:
        assert s.schema_revision() == store_mod.schema_head()
        assert [b.reason for b in list_backups(s.data_dir)] == ["pre-migrate-0001"]
        with s.session() as ss:
            student = ss.get(m.Student, "s-1")
            assert student is not None and student.roster_details is None
        service = RecordingService(s)
        fix = service.correct_details("s-1", {"name": "RINA MARLINAWATI"}, "op")
        with s.session() as ss:
            student = ss.get(m.Student, "s-1")
            assert student is not None and student.name == "RINA MARLINAWATI"
            assert student.roster_details is not None
            assert student.roster_details["name"] == "RINA MARLINA"  # taken lazily
            assert student.roster_details["nik"] == "3573024708070001"
        service.void(fix.event_id, "salah ketik", "op")
        with s.session() as ss:
            student = ss.get(m.Student, "s-1")
            assert student is not None and student.name == "RINA MARLINA"
            assert student.search_key == "rina marlina"
    finally:
        s.close()


def test_backup_is_encrypted_and_opens_with_the_key(store: Store, factory: Factory) -> None:
    sid = factory.student(name="BACKUP UJI")
    path = store.backup("manual")
    assert path.parent == store.backup_dir
    assert not path.read_bytes()[:16].startswith(b"SQLite format 3")
    conn = engine_mod.connect_raw(path, database_key_for_tests(store), readonly=True)
    try:
        assert conn.execute("SELECT name FROM student WHERE id = ?", (sid,)).fetchone() == (
            "BACKUP UJI",
        )
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert not [p for p in store.backup_dir.iterdir() if p.name.startswith(".")]


def test_backup_rotation(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2024, 11, 27, 12, 0, tzinfo=UTC)
    made = []
    for days_ago in range(10):  # one a day for 10 days
        t = now - timedelta(days=days_ago, hours=1)
        made.append(t)
    made += [now - timedelta(minutes=i) for i in range(12)]  # 12 today
    for t in made:
        (folder / f"ktpe-{t.strftime('%Y%m%dT%H%M%S%f')}Z-auto.db").write_bytes(b"x")
    (folder / "unrelated.txt").write_text("keep me")
    removed = rotate_backups(tmp_path, now=now)
    kept = list_backups(tmp_path)
    # newest 10 (all from today) + newest of each of the 6 earlier days within 7 days
    assert len(kept) == 10 + 6
    assert {b.taken_at.date() for b in kept} == {(now - timedelta(days=d)).date() for d in range(7)}
    assert len(removed) == len(made) - 16
    assert (folder / "unrelated.txt").exists()


def test_backup_rotation_through_store(store: Store) -> None:
    for i in range(12):
        store.backup(f"auto-{i}")
    assert len(list_backups(store.data_dir)) == 10


def _limit_pages(store: Store) -> Any:
    """Simulate a full disk: no connection may grow the file any more."""

    def _connect(dbapi: Any, record: Any) -> None:
        pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
        dbapi.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(store.engine, "connect", _connect)
    store.engine.dispose()
    return _connect


def test_disk_full_is_a_known_error_and_loses_nothing(store: Store, factory: Factory) -> None:
    ids = [factory.student() for _ in range(3)]
    service = RecordingService(store)
    first = service.record_outcome(ids[0], "recorded", "op")
    limiter = _limit_pages(store)
    with pytest.raises(DiskFull) as err:
        for _ in range(200):
            service.record_outcome(ids[1], "absent", "op", note="x" * 400)
    assert "Disk penuh" in err.value.message
    event.remove(store.engine, "connect", limiter)
    store.engine.dispose()
    nxt = service.record_outcome(ids[2], "recorded", "op")
    with store.session() as s:
        seqs = sorted(s.scalars(select(m.EventRow.seq)))
    assert seqs == list(range(1, nxt.seq + 1))  # no gap, nothing committed was lost
    with store.session() as s:
        assert s.get(m.EventRow, first.event_id) is not None


def test_locked_database(data_dir: Path, factory: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT_MS", 50)
    store = factory.store
    store.engine.dispose()
    sid = factory.student()
    other = engine_mod.connect_raw(store.db_path, database_key_for_tests(store))
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseLocked):
            RecordingService(store).record_outcome(sid, "recorded", "op")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert RecordingService(store).record_outcome(sid, "recorded", "op").seq == 1


def test_user_management_through_the_store(store: Store) -> None:
    store.add_user("petugas1", "pw-op", role="operator", display_name="Petugas Satu")
    store.close()
    op = Store.open(store.data_dir, "petugas1", "pw-op")
    try:
        assert op.role.value == "operator"
        with pytest.raises(Exception, match="koordinator"):
            op.add_user("x", "y")
        op.change_password("pw-op", "pw-op-2")
    finally:
        op.close()
    Store.open(store.data_dir, "petugas1", "pw-op-2").close()


def test_integrity_check_full(store: Store) -> None:
    assert store.integrity_check(full=True) == []


def test_revision_graph_read_from_the_files_agrees_with_alembic() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(store_mod.alembic_config())
    assert store_mod.schema_head() == script.get_current_head()
    assert store_mod.known_revisions() == {s.revision for s in script.walk_revisions()}


def _damage_roster_index(store: Store, key: bytes) -> str:
    """Flip bytes inside the root page of a student index (the opening never reads it)."""
    conn = engine_mod.connect_raw(store.db_path, key, readonly=True)
    try:
        page = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'student' "
            "ORDER BY name LIMIT 1"
        ).fetchone()[0]
    finally:
        conn.close()
    data = bytearray(store.db_path.read_bytes())
    start = (page - 1) * 4096
    for i in range(start + 100, start + 400):
        data[i] ^= 0xFF
    store.db_path.write_bytes(bytes(data))
    return digest(store.db_path)


def _roster_store(store: Store, factory: Factory, students: int = 200) -> tuple[Path, bytes]:
    """``store`` with a roster of ``students`` and a backup, closed; (backup, key)."""
    school = factory.school()
    for _ in range(students):
        factory.student(school)
    backup = store.backup("before-damage")
    key = store.keyslots.unlock(LEAD, PASSWORD)
    store.close()
    return backup, key


def test_auto_check_of_a_small_database_runs_at_open(store: Store, factory: Factory) -> None:
    # Up to the size (a school laptop's roster) nothing changes: the check at open.
    backup, key = _roster_store(store, factory)
    assert store.db_path.stat().st_size <= store_mod.QUICK_CHECK_AT_OPEN_MAX_BYTES
    before = _damage_roster_index(store, key)
    with pytest.raises(DatabaseCorrupt) as err:
        Store.open(store.data_dir, LEAD, PASSWORD, check="auto")
    assert err.value.latest_backup == backup
    assert digest(store.db_path) == before


@pytest.mark.allow_warnings("deferred quick_check failed", "integrity check failed")
def test_auto_check_of_a_large_database_is_deferred(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup, key = _roster_store(store, factory)
    monkeypatch.setattr(store_mod, "QUICK_CHECK_AT_OPEN_MAX_BYTES", 64 * 1024)  # "large"
    again = Store.open(store.data_dir, LEAD, PASSWORD, check="auto")
    try:
        assert again.check_pending
        assert again.check_deferred() is True  # intact
        assert not again.check_pending
    finally:
        again.close()
    _damage_roster_index(store, key)
    damaged = Store.open(store.data_dir, LEAD, PASSWORD, check="auto")  # opens: not checked yet
    try:
        assert damaged.check_pending
        with pytest.raises(DatabaseCorrupt) as err:
            damaged.check_deferred()
        # The message of the check at open: the file untouched, the good backup named.
        assert err.value.latest_backup == backup
        assert backup.name in err.value.message
        assert damaged.check_pending  # still to do at the next opening
    finally:
        damaged.close()
    # The other callers (the commands) keep the check at open whatever the size.
    with pytest.raises(DatabaseCorrupt):
        Store.open(store.data_dir, LEAD, PASSWORD)


def test_close_interrupts_a_deferred_check(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _roster_store(store, factory, students=50)
    monkeypatch.setattr(store_mod, "QUICK_CHECK_AT_OPEN_MAX_BYTES", 0)
    again = Store.open(store.data_dir, LEAD, PASSWORD, check="auto")
    real = Store._check_conn

    def slow_check(conn: Any, check: str) -> list[str]:
        again.close()  # the app quits while the check reads
        return real(conn, check)

    monkeypatch.setattr(Store, "_check_conn", staticmethod(slow_check))
    assert again.check_deferred() is False
    assert again.check_pending
