"""Issue 17, case 4: a lost WAL is reported, never "Basis data utuh".

SQLite stops at the first bad WAL frame, so a deleted (or damaged) ``-wal`` after
a crash drops the transactions committed after the last checkpoint and the file
still passes every check. Since D43 the check-off journal holds those check-offs:
the next writer's opening inserts them, and nothing is lost. With the journal gone
too, the loss is physics; saying "intact" would be ours.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from ktpe_desktop.storage.store import Store
from tests.conftest import LEAD, PASSWORD, Factory
from tests.reliability import recovery_support as rs
from tests.reliability import soak_report

pytestmark = [pytest.mark.timeout(300), pytest.mark.allow_warnings("tail loss")]


@pytest.mark.parametrize("journal_too", [False, True], ids=["wal", "wal_and_journal"])
def test_deleted_wal_after_a_crash_is_recovered_or_reported(
    store: Store, factory: Factory, tmp_path: Path, journal_too: bool
) -> None:
    ids = [factory.student() for _ in range(20)]
    store.close()
    data_dir = store.data_dir
    cycles = 3 * rs.SOAK
    figures = {"confirmed": 0, "lost": 0, "intact_while_missing": 0, "replayed": 0}
    try:
        for _ in range(cycles):
            child = rs.start_writer(data_dir, ids, 0, tmp_path, pause=0.0)
            rs.wait_ready(child)
            assert child.stdout is not None
            lines = [child.stdout.readline() for _ in range(40)]
            child.send_signal(signal.SIGKILL)
            child.wait(30)
            sent = rs.confirmed(b"".join(lines))
            assert len(sent) == 40
            (data_dir / "ktpe.db-wal").unlink(missing_ok=True)
            (data_dir / "ktpe.db-shm").unlink(missing_ok=True)
            if journal_too:
                (data_dir / "ktpe.journal").unlink(missing_ok=True)
            else:
                # The journal holds what the WAL took: said so, then inserted.
                held_before = rs.local_event_ids(data_dir)
                check = rs.run_cli("db", "check", "--data-dir", str(data_dir))
                assert check.returncode == 0, check.stdout
                assert "hilang" not in check.stdout
                Store.open(data_dir, LEAD, PASSWORD).close()
                figures["replayed"] += len(set(sent) - held_before)
            held = rs.local_event_ids(data_dir)
            lost = set(sent) - held
            if not journal_too:
                assert not lost
            check = rs.run_cli("db", "check", "--data-dir", str(data_dir))
            figures["confirmed"] += len(sent)
            figures["lost"] += len(lost)
            figures["intact_while_missing"] += bool(lost) and "utuh (skema" in check.stdout
            if lost:
                assert check.returncode == 1, check.stdout
                assert "catatan terakhir hilang" in check.stdout
                assert "utuh (skema" not in check.stdout
            # A writer's opening flags the range for good (later checks still say so).
            Store.open(data_dir, LEAD, PASSWORD).close()
            if lost:
                again = rs.run_cli("db", "check", "--data-dir", str(data_dir))
                assert again.returncode == 1 and "catatan terakhir hilang" in again.stdout
    finally:
        soak_report.note(
            "kill -9 + deleted WAL and journal (the loss is reported)"
            if journal_too
            else "kill -9 + deleted WAL (the journal's check-offs inserted)",
            cycles=cycles,
            confirmed=figures["confirmed"],
            lost=figures["lost"],
            intact_while_missing=figures["intact_while_missing"],
            recovered=figures["replayed"],
            remark="lost: committed since the last checkpoint, taken with the WAL (and the journal)"
            if journal_too
            else "recovered: taken with the WAL, inserted from the journal",
        )
