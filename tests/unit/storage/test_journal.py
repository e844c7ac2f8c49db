"""The check-off journal (D43): durable first, replayed where the database lacks it,
never a record thrown away, never a refused save brought back."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import journal as jr
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from tests.conftest import LEAD, PASSWORD, Factory

pytestmark = pytest.mark.allow_warnings("journal")


def _events(store: Store) -> dict[int, str]:
    with store.session() as s:
        rows = s.execute(
            select(m.EventRow.seq, m.EventRow.kind).where(m.EventRow.device_id == store.device_id)
        )
        return {int(seq): str(kind) for seq, kind in rows}


def _status(store: Store, sid: str) -> str | None:
    with store.session() as s:
        state = s.get(m.StudentState, sid)
        return None if state is None else str(state.status)


def _keep_journal_at_close(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The close leaves the journal as a crash would (its records not yet dropped)."""
    monkeypatch.setattr(store, "_close_journal_settled", lambda writer: None)


def _older_copy(data_dir: Path, to: Path) -> None:
    """A copy of the database file alone, as of now (the WAL checkpointed first)."""
    to.mkdir()
    shutil.copy2(data_dir / "ktpe.db", to / "ktpe.db")


def _put_back(copy: Path, data_dir: Path) -> None:
    """The database file replaced by the older copy (a lost WAL, a restore)."""
    for suffix in ("-wal", "-shm"):
        (data_dir / f"ktpe.db{suffix}").unlink(missing_ok=True)
    shutil.copy2(copy / "ktpe.db", data_dir / "ktpe.db")


def _journal_past_a_gap(
    store: Store, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The database file put back to a copy older than a check-off the journal no
    longer holds (emptied, as a checkpoint would), with a later check-off journaled:
    that one cannot extend the copy's chain. Returns the later check-off."""
    data_dir = store.data_dir
    service = RecordingService(store)
    store.checkpointer.checkpoint()
    _older_copy(data_dir, tmp_path / "copy")
    service.record_outcome(factory.student(), "recorded", "op")
    assert store.journal is not None
    store.checkpointer.checkpoint()
    store.journal.clear()
    gone = service.record_outcome(factory.student(), "absent", "op")
    _keep_journal_at_close(store, monkeypatch)
    store.close()
    _put_back(tmp_path / "copy", data_dir)
    return gone


def test_a_check_off_is_in_the_journal_before_the_database(store: Store, factory: Factory) -> None:
    sid = factory.student()
    assert store.journal is not None
    seen: list[Any] = []
    real = store.journal.append

    def spy(rows: Any) -> int:
        # At the journal's sync the database holds nothing of the event yet.
        with store.session() as s:
            seen.append(s.scalar(select(func.count()).select_from(m.EventRow)))
        return real(rows)

    store.journal.append = spy  # type: ignore[method-assign]
    durable: list[int] = []
    store.journal.on_durable = lambda: durable.append(1)
    before = _events(store)
    saved = RecordingService(store).record_outcome(sid, "recorded", "op")
    assert seen == [len(before)]
    rows = store.journal.read().rows
    assert [r[0] for r in rows] == [saved.event_id]
    assert rows[0][2] == saved.seq and rows[0][7] == sid
    assert durable == [1]
    # Corrections (audited, ORM work) stay plain durable commits: not journaled.
    RecordingService(store).correct_details(sid, {"class_name": "XII IPA 9"}, "op")
    assert len(store.journal.read().rows) == 1


def test_the_file_holds_no_clear_text(store: Store, factory: Factory) -> None:
    sid = factory.student()
    RecordingService(store).record_outcome(sid, "failed", "Budi Santoso", reason="device_error")
    assert store.journal is not None
    raw = store.journal.path.read_bytes()
    for clear in (sid.encode(), b"Budi", b"failed", b"device_error", store.device_id.encode()):
        assert clear not in raw


def test_a_checkpoint_drops_the_settled_records(store: Store, factory: Factory) -> None:
    service = RecordingService(store)
    for _ in range(3):
        service.record_outcome(factory.student(), "recorded", "op")
    journal = store.journal
    assert journal is not None and len(journal.read().rows) == 3
    # A record appended after the mark keeps everything for the next checkpoint.
    mark = store._journal_settled()
    service.record_outcome(factory.student(), "absent", "op")
    store.checkpointer.checkpoint()
    store._journal_backfilled(mark)
    assert len(journal.read().rows) == 4
    # A record in flight (appended, its transaction open) is not settled.
    offset = journal.append([journal.read().rows[0]])
    assert journal.settled() == offset
    assert journal.drop_settled(journal.settled()) is False
    journal.finish(offset, committed=False)
    assert len(journal.read().rows) == 4
    mark = store._journal_settled()
    result = store.checkpointer.checkpoint()
    assert result is not None and result[0] == 0 and result[1] == result[2]
    store._journal_backfilled(mark)
    assert journal.read().rows == [] and journal.dropped == 1
    assert journal.settled() == jr.HEADER


def test_a_clean_close_empties_it(data_dir: Path, factory: Factory, store: Store) -> None:
    RecordingService(store).record_outcome(factory.student(), "recorded", "op")
    store.close()
    with Store.open(data_dir, LEAD, PASSWORD, readonly=True) as ro:
        key, device = ro._key, ro.device_id
    found = jr.read_journal(data_dir, key, device)
    assert found is not None and found.rows == [] and found.end == jr.HEADER


def test_replay_inserts_what_the_database_lacks(
    store: Store, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = store.data_dir
    sids = [factory.student() for _ in range(3)]
    service = RecordingService(store)
    service.record_outcome(sids[0], "recorded", "op")
    store.checkpointer.checkpoint()
    assert store.journal is not None
    store.journal.clear()  # as an idle checkpoint would have
    _older_copy(data_dir, tmp_path / "copy")
    second = service.record_outcome(sids[1], "absent", "op")
    third = service.activate_ikd(sids[2], "op")
    _keep_journal_at_close(store, monkeypatch)
    store.close()
    _put_back(tmp_path / "copy", data_dir)  # the WAL and its two commits are gone

    with Store.open(data_dir, LEAD, PASSWORD) as again:
        events = _events(again)
        assert events[second.seq] == "absent" and events[third.seq] == "ikd_activated"
        assert _status(again, sids[1]) == "absent"
        with again.session() as s:
            # The journal's rows name no school: the replay files them as the save did.
            schools = set(
                s.scalars(
                    select(m.EventRow.school_npsn).where(
                        m.EventRow.event_id.in_([second.event_id, third.event_id])
                    )
                )
            )
            student = s.get(m.Student, sids[1])
        assert student is not None and schools == {student.school_npsn}
        with again.session() as s:
            pending = s.scalar(
                select(func.count())
                .select_from(m.Outbox)
                .where(m.Outbox.event_id.in_([second.event_id, third.event_id]))
            )
            head = s.get(m.Device, again.device_id)
        assert pending == 2
        assert head is not None and head.next_seq == third.seq + 1
        assert head.head_hash == third_hash(again, third.seq)
        assert again.journal is not None and again.journal.read().rows == []
        assert again.kept_journals() == []
        # The chain goes on from the replayed head, the clock past its reading.
        after = RecordingService(again).record_outcome(sids[0], "already_recorded", "op")
        assert after.seq == third.seq + 1 and after.hlc > third.hlc


def third_hash(store: Store, seq: int) -> str:
    with store.session() as s:
        return str(
            s.scalar(
                select(m.EventRow.hash).where(
                    m.EventRow.device_id == store.device_id, m.EventRow.seq == seq
                )
            )
        )


def test_records_the_database_holds_are_not_inserted_twice(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = store.data_dir
    saved = RecordingService(store).record_outcome(factory.student(), "recorded", "op")
    _keep_journal_at_close(store, monkeypatch)
    store.close()
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        assert list(_events(again)).count(saved.seq) == 1
        with again.session() as s:
            n = s.scalar(
                select(func.count())
                .select_from(m.EventRow)
                .where(m.EventRow.event_id == saved.event_id)
            )
        assert n == 1
        assert again.journal is not None and again.journal.read().rows == []


@pytest.mark.allow_warnings("journal", "tail loss")
def test_a_gap_keeps_the_journal_aside(
    store: Store, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older copy (a restore) lacking a check-off the journal no longer holds:
    the later ones cannot extend its chain; the journal is kept, never dropped."""
    data_dir = store.data_dir
    _journal_past_a_gap(store, factory, tmp_path, monkeypatch)

    with Store.open(data_dir, LEAD, PASSWORD) as again:
        kept = again.kept_journals()
        assert len(kept) == 1 and kept[0].name.startswith("ktpe.journal.kept-")
        assert again.journal is not None and again.journal.read().rows == []
    # Read with the key, the kept file still holds the record that could not go in.
    with Store.open(data_dir, LEAD, PASSWORD, readonly=True) as ro:
        assert len(jr.read_kept(kept[0], ro._key, ro.device_id).rows) == 1


def test_a_refused_save_is_cut_off(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = factory.student()
    service = RecordingService(store)
    journal = store.journal
    assert journal is not None
    before = _events(store)

    def fail(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("after the journal")

    monkeypatch.setattr(ledger, "recompute_state", fail)
    with pytest.raises(RuntimeError):
        service.record_outcome(sid, "recorded", "op")
    monkeypatch.undo()
    assert journal.read().rows == [] and journal.settled() == jr.HEADER
    assert _events(store) == before
    # The next save takes the same seq, and a replay would find only it.
    saved = service.record_outcome(sid, "recorded", "op")
    assert [r[2] for r in journal.read().rows] == [saved.seq]


@pytest.mark.parametrize("after_a_check_off", [False, True], ids=["first", "fast_path"])
def test_a_full_disk_at_the_journal_saves_nothing(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch, after_a_check_off: bool
) -> None:
    sid = factory.student()
    journal = store.journal
    assert journal is not None
    if after_a_check_off:  # the record is then written before the transaction begins
        other = factory.student()
        RecordingService(store).record_outcome(other, "recorded", "op")
        assert store.check_off_head is not None
    before = _events(store)
    held = journal.read().rows

    def full(fd: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    # Written ahead, a record never needs new space; a disk that still refuses the
    # write (or the growth after a save) is a full disk all the same.
    monkeypatch.setattr(jr, "_pwrite", full)
    with pytest.raises(KnownError) as err:
        RecordingService(store).record_outcome(sid, "recorded", "op")
    monkeypatch.undo()
    assert err.value.code == "disk_full"
    assert _events(store) == before and _status(store, sid) != "recorded"
    assert journal.read().rows == held
    RecordingService(store).record_outcome(sid, "recorded", "op")
    assert _status(store, sid) == "recorded"


def test_a_damaged_record_keeps_the_file_and_a_blank_one_starts_again(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = store.data_dir
    service = RecordingService(store)
    service.record_outcome(factory.student(), "recorded", "op")
    service.record_outcome(factory.student(), "recorded", "op")
    assert store.journal is not None
    end = store.journal.settled()
    _keep_journal_at_close(store, monkeypatch)
    store.close()
    path = data_dir / jr.JOURNAL_FILE
    good = path.read_bytes()
    # A flipped byte inside the last record: it cannot be read, so the file is kept.
    damaged = bytearray(good)
    damaged[end - 5] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        kept = again.kept_journals()
        assert len(kept) == 1 and kept[0].read_bytes() == bytes(damaged)
        assert again.journal is not None and again.journal.read().rows == []
    # A damaged header in the middle: the record after it still says "damaged".
    damaged = bytearray(good)
    damaged[jr.HEADER] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        assert len(again.kept_journals()) == 2
    # A file made but never written (a crash before its header): started again.
    path.write_bytes(bytes(4096))
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        assert len(again.kept_journals()) == 2
        assert path.read_bytes()[:8] == b"KTPEJL2\n"
    # Something that is not a journal: kept, never overwritten.
    path.write_bytes(b"not a journal")
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        assert len(again.kept_journals()) == 3
        assert path.read_bytes()[:8] == b"KTPEJL2\n"


def test_the_last_record_of_a_seq_counts(
    store: Store, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused save whose cut failed leaves its record; the save after it takes the
    same seq. A replay inserts the later one, never the refused one."""
    data_dir = store.data_dir
    sid = factory.student()
    service = RecordingService(store)
    store.checkpointer.checkpoint()
    _older_copy(data_dir, tmp_path / "copy")
    journal = store.journal
    assert journal is not None
    monkeypatch.setattr(journal, "_cut", _uncut(journal))

    def fail(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("after the journal")

    real = ledger.recompute_state
    monkeypatch.setattr(ledger, "recompute_state", fail)
    with pytest.raises(RuntimeError):
        service.record_outcome(sid, "absent", "op")
    monkeypatch.setattr(ledger, "recompute_state", real)
    saved = service.record_outcome(sid, "recorded", "op")
    rows = journal.read().rows
    assert [r[2] for r in rows] == [saved.seq, saved.seq]
    _keep_journal_at_close(store, monkeypatch)
    store.close()
    _put_back(tmp_path / "copy", data_dir)
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        assert _events(again)[saved.seq] == "recorded"
        assert _status(again, sid) == "recorded"


def _uncut(journal: jr.EventJournal) -> Any:
    """A ``_cut`` whose truncation fails silently (the record stays)."""

    def cut(offset: int) -> None:
        with journal._lock:
            journal._in_flight = None

    return cut


@pytest.mark.allow_warnings("journal", "tail loss")
def test_a_journal_that_cannot_be_set_aside_is_never_cut(
    store: Store, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = store.data_dir
    gone = _journal_past_a_gap(store, factory, tmp_path, monkeypatch)

    def refused(*_a: Any) -> None:
        raise PermissionError(13, "in use")

    monkeypatch.setattr(jr.os, "replace", refused)
    before = (data_dir / jr.JOURNAL_FILE).read_bytes()
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        # Left untouched; this opening saves without it (every commit synced).
        assert again.journal is None and again.kept_journals() == []
        saved = RecordingService(again).record_outcome(factory.student(), "recorded", "op")
        assert _events(again)[saved.seq] == "recorded"
    assert (data_dir / jr.JOURNAL_FILE).read_bytes() == before
    monkeypatch.undo()
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        kept = again.kept_journals()
        assert len(kept) == 1
        assert again.journal is not None
    assert gone.event_id


def test_the_file_is_written_ahead_and_emptied_by_a_new_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jr, "_GROW", 64 * 1024)
    monkeypatch.setattr(jr, "_ROOM", 16 * 1024)
    journal = jr.EventJournal(tmp_path, b"k" * 32, "device-1")
    start = journal.path.stat().st_size
    assert start == 64 * 1024  # zeros written ahead: a record is an overwrite
    epoch = journal.path.read_bytes()[8:16]
    row = ["e", "device-1", 1, "h", "p", "x", "recorded", "s", None, "op", "t", "{}", 0, "r"]
    for seq in range(1, 501):  # ~120 bytes each: more than the block written ahead
        row[2] = seq
        journal.finish(journal.append([tuple(row)]), committed=True)
    assert [r[2] for r in journal.read().rows] == list(range(1, 501))
    size = journal.path.stat().st_size
    assert size > start and size - journal.settled() >= 16 * 1024
    journal.clear()
    assert journal.read().rows == []
    assert journal.path.read_bytes()[8:16] != epoch
    # The stale records are still in the file, under the old epoch: never read again.
    row[2], row[6] = 1, "absent"
    journal.finish(journal.append([tuple(row)]), committed=True)
    assert [r[6] for r in journal.read().rows] == ["absent"]
    # Another device's key or id opens nothing.
    assert jr._read(journal.path, jr.AESGCM(jr.journal_key(b"k" * 32)), b"device-2").rows == []
    assert jr.read_kept(journal.path, b"j" * 32, "device-1").damaged == 1
    journal.close()


def test_every_other_commit_after_a_check_off_is_synced_itself(
    store: Store, factory: Factory
) -> None:
    """The writer stays at NORMAL between check-offs; any transaction that must be
    durable by itself gets FULL back before it begins."""
    service = RecordingService(store)
    levels: list[int] = []
    service.record_outcome(factory.student(), "recorded", "op")
    assert store._writer_sync == "NORMAL"
    with store.write_connection() as conn:
        levels.append(conn.connection.driver_connection.execute("PRAGMA synchronous").fetchone()[0])
    service.record_outcome(factory.student(), "recorded", "op")
    with store.background_transaction() as txn:
        levels.append(txn.raw.execute("PRAGMA synchronous").fetchone()[0])
    with store.background_transaction(durable=False) as txn:
        levels.append(txn.raw.execute("PRAGMA synchronous").fetchone()[0])
    sid = factory.student()
    service.record_outcome(sid, "recorded", "op")
    service.correct_details(sid, {"class_name": "XII IPS 2"}, "op")  # audited: plain
    with store.write_connection() as conn:
        levels.append(conn.connection.driver_connection.execute("PRAGMA synchronous").fetchone()[0])
    assert levels == [2, 2, 1, 2]  # FULL, FULL, NORMAL, FULL


def test_an_unknown_student_is_refused_after_the_journal_and_cut(
    store: Store, factory: Factory
) -> None:
    from ktpe_desktop.services.recording import UnknownStudent

    journal = store.journal
    assert journal is not None
    before = _events(store)
    with pytest.raises(UnknownStudent):
        RecordingService(store).record_outcome("no-such-student", "recorded", "op")
    assert journal.read().rows == [] and journal.settled() == jr.HEADER
    assert _events(store) == before
    sid = factory.student()
    saved = RecordingService(store).record_outcome(sid, "recorded", "op")
    assert [r[2] for r in journal.read().rows] == [saved.seq]
    assert journal.read().rows[0][8] is None  # filed under a school at the insert
    with store.session() as s:
        row = s.get(m.EventRow, saved.event_id)
        student = s.get(m.Student, sid)
    assert row is not None and student is not None and row.school_npsn == student.school_npsn


def test_a_head_that_moved_since_the_last_check_off_costs_a_second_try(
    store: Store, factory: Factory
) -> None:
    service = RecordingService(store)
    first = service.record_outcome(factory.student(), "recorded", "op")
    head = store.check_off_head
    assert head is not None and head[0] == first.seq + 1
    # Any other write forgets it (it may move the head or the clock).
    sid = factory.student()
    service.correct_details(sid, {"class_name": "XII IPA 3"}, "op")
    assert store.check_off_head is None
    second = service.record_outcome(sid, "absent", "op")
    assert store.check_off_head is not None
    # A head that moved anyway (a writer that did not say so): the record written
    # with it is cut, the check-off runs again on the head read in its transaction.
    journal = store.journal
    assert journal is not None
    seq, hash_, hlc = store.check_off_head
    store.check_off_head = (seq, "0" * 64, hlc)
    third = service.record_outcome(factory.student(), "recorded", "op")
    assert third.seq == second.seq + 1
    assert [r[2] for r in journal.read().rows][-1] == third.seq
    assert [r[2] for r in journal.read().rows].count(third.seq) == 1
    with store.session() as s:
        row = s.get(m.EventRow, third.event_id)
    assert row is not None and row.prev_hash == hash_
    assert store.check_off_head == (third.seq + 1, row.hash, third.hlc)


def test_after_a_check_off_the_next_is_durable_before_its_transaction_begins(
    store: Store, factory: Factory
) -> None:
    """The fast path (D43): on the head the last check-off left, the record is
    written and synced before ``BEGIN IMMEDIATE``; the first check-off of an
    opening (no head known yet) writes it inside its transaction."""
    service = RecordingService(store)
    journal = store.journal
    assert journal is not None
    real = journal.append
    in_transaction: list[bool] = []

    def spy(rows: Any) -> int:
        writer = store._writer
        assert writer is not None
        in_transaction.append(writer.connection.driver_connection.in_transaction)
        return real(rows)

    journal.append = spy  # type: ignore[method-assign]
    a, b, c = (factory.student() for _ in range(3))  # (other writes forget the head)
    first = service.record_outcome(a, "recorded", "op")
    second = service.record_outcome(b, "absent", "op")
    third = service.record_outcome(c, "recorded", "op")
    assert in_transaction == [True, False, False]
    assert [r[2] for r in journal.read().rows] == [first.seq, second.seq, third.seq]
    assert (second.seq, third.seq) == (first.seq + 1, first.seq + 2)
    with store.session() as s:
        rows = [s.get(m.EventRow, e.event_id) for e in (first, second, third)]
    assert all(r is not None for r in rows)
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash  # type: ignore[union-attr]
    assert store.check_off_head == (third.seq + 1, rows[2].hash, third.hlc)  # type: ignore[union-attr]


def test_a_transaction_that_cannot_begin_cuts_the_fast_paths_record(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written before its transaction, the record is cut off again when the
    transaction cannot begin (a locked database): the save is refused, and no
    opening brings it back."""
    import sqlite3

    service = RecordingService(store)
    sid = factory.student()
    service.record_outcome(factory.student(), "recorded", "op")
    journal = store.journal
    assert journal is not None and store.check_off_head is not None
    held = len(journal.read().rows)
    before = _events(store)

    def locked(conn: Any, raw: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Store, "_begin_writer", staticmethod(locked))
    with pytest.raises(KnownError) as err:
        service.record_outcome(sid, "recorded", "op")
    monkeypatch.undo()
    assert err.value.code == "database_locked"
    assert len(journal.read().rows) == held
    assert _events(store) == before and _status(store, sid) != "recorded"
    saved = service.record_outcome(sid, "recorded", "op")
    assert saved.seq == max(before) + 1
    assert [r[2] for r in journal.read().rows][-1] == saved.seq


def test_a_record_for_a_student_the_database_lacks_is_kept_not_applied(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused save (unknown student) whose record could not be cut: the replay
    leaves it, keeps the file, and the opening goes on."""
    journal = store.journal
    assert journal is not None
    monkeypatch.setattr(journal, "_cut", _uncut(journal))
    from ktpe_desktop.services.recording import UnknownStudent

    with pytest.raises(UnknownStudent):
        RecordingService(store).record_outcome("no-such-student", "recorded", "op")
    assert [r[7] for r in journal.read().rows] == ["no-such-student"]
    data_dir = store.data_dir
    _keep_journal_at_close(store, monkeypatch)
    before = _events(store)
    store.close()
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        assert _events(again) == before
        assert len(again.kept_journals()) == 1


def test_records_present_only_in_the_wal_are_kept_until_a_checkpoint(
    store: Store, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An opening after a killed process: its check-offs are in the WAL, unsynced.
    The journal is emptied only once a checkpoint put them into the database file."""
    data_dir = store.data_dir
    saved = RecordingService(store).record_outcome(factory.student(), "recorded", "op")
    _keep_journal_at_close(store, monkeypatch)
    monkeypatch.setattr(store.checkpointer, "checkpoint", lambda driver=None: None)
    store.close()
    from ktpe_desktop.storage import engine as eng

    monkeypatch.setattr(eng.IdleCheckpointer, "checkpoint", lambda self, driver=None: (0, 5, 3))
    with Store.open(data_dir, LEAD, PASSWORD) as again:
        journal = again.journal
        assert journal is not None
        assert [r[0] for r in journal.read().rows] == [saved.event_id]  # kept
        later = RecordingService(again).record_outcome(factory.student(), "absent", "op")
        assert [r[0] for r in journal.read().rows] == [saved.event_id, later.event_id]
        monkeypatch.undo()
        mark = again._journal_settled()
        result = again.checkpointer.checkpoint()
        assert result is not None and result[1] == result[2]
        again._journal_backfilled(mark)
        assert journal.read().rows == []
