"""Events at risk after a crash: what a lost WAL would take (issue 17).

Every commit is durable (in the WAL, ``synchronous=FULL``; a check-off in the
check-off journal first, D43, its WAL commit then unsynced), but SQLite stops reading
a WAL at its first bad frame, so a crash that also damages or deletes ``-wal``
loses the commits made since the last checkpoint (the tail marker then reports
them, ``storage/tailmark.py``). The idle checkpointer (``storage/engine.py``)
bounds that exposure: a PASSIVE checkpoint half a second after writes pause (once
8 writes accumulated; a few writes wait at most 30 s), SQLite's autocheckpoint
as the backstop during a long burst.

Measured from outside, as the kill tests do: a writer process records outcomes at
a given pace and is killed with SIGKILL at a random moment; the events it
confirmed are compared with those the main database file holds *without* its WAL
(read ``immutable``). The difference, less what the check-off journal holds
(D43: the next opening inserts it), is what a lost WAL at that moment would take: the
events at risk (the WAL-alone figure, issue 17's, is printed beside it). Paces: back to back (an import, a demo simulation), a
fast burst (0.3 s apart: a lead closing a class list), scanner pace (1 s) and a
quick queue (5 s; a real queue is 30-60 s a student, where the 30 s rule applies).

There is no target in DESIGN.md; the rows' targets say what the checkpointer
promises: at scanner pace and slower, at most the 8 writes it waits for plus the
ones made during the half-second idle (<= 10); bursts are reported (info).
Run alone: ``python -m tests.bench.run_all bench_crash``.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("KTPE_FAST_KDF", "1")

PACES: tuple[tuple[str, float, int, tuple[float, float], str], ...] = (
    # name, pause between commits (s), kills, kill window after ready (s), target
    ("back to back", 0.0, 8, (1.0, 4.0), "info"),
    ("burst 0.3 s", 0.3, 5, (4.0, 12.0), "info"),
    ("scanner 1 s", 1.0, 5, (10.0, 25.0), "<= 10"),
    ("queue 5 s", 5.0, 3, (35.0, 70.0), "<= 10"),
)


def _seqs(db: Path, key: bytes, device_id: str, *, without_wal: bool) -> set[int]:
    """The seqs of ``device_id`` the database holds (``without_wal``: the main file's)."""
    from ktpe_desktop.storage.salvage import _open_view

    conn = _open_view(db, key, immutable=without_wal)
    try:
        return {
            int(r[0])
            for r in conn.execute("SELECT seq FROM event WHERE device_id = ?", (device_id,))
        }
    finally:
        conn.close()


def _folder(tmp: Path) -> tuple[Path, list[str], bytes, str]:
    from ktpe_desktop.storage.store import Store, database_key_for_tests
    from tests.conftest import LEAD, PASSWORD, Factory

    store = Store.create(tmp / "data", LEAD, PASSWORD)
    try:
        made = Factory(store)
        ids = [made.student() for _ in range(200)]
        return store.data_dir, ids, database_key_for_tests(store), store.device_id
    finally:
        store.close()


def _journal_seqs(data_dir: Path, key: bytes, device_id: str) -> set[int]:
    """The seqs the check-off journal holds (D43: replayed at the next opening)."""
    from ktpe_desktop.storage.journal import read_journal

    found = read_journal(data_dir, key, device_id)
    return set() if found is None else {int(r[2]) for r in found.rows if r[1] == device_id}


def _at_risk_once(
    data_dir: Path, ids: list[str], key: bytes, device: str, tmp: Path, pause: float, at: float
) -> tuple[int, int, int, bool]:
    """(confirmed, at risk, at risk without the journal, every confirmed event held)
    for one kill ``at`` seconds after the writer is ready. At risk: held with the
    WAL, neither in the main file nor in the check-off journal (D43)."""
    from tests.reliability import recovery_support as rs

    child = rs.start_writer(data_dir, ids, 0, tmp, pause=pause)
    rs.wait_ready(child)
    time.sleep(at)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=60)
    confirmed = set(rs.confirmed(out).values())
    db = data_dir / "ktpe.db"
    held = _seqs(db, key, device, without_wal=False)
    safe = _seqs(db, key, device, without_wal=True)
    journaled = _journal_seqs(data_dir, key, device)
    return len(confirmed), len(held - safe - journaled), len(held - safe), confirmed <= held


def bench_events_at_risk(seed: int = 17) -> list[dict[str, Any]]:
    """Events a lost WAL would take at a random crash, per recording pace."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ktpe-bench-crash-") as name:
        tmp = Path(name)
        data_dir, ids, key, device = _folder(tmp)
        for label, pause, kills, (lo, hi), target in PACES:
            risks: list[int] = []
            wal_alone: list[int] = []
            confirmed = 0
            durable = True
            for _ in range(kills):
                n, risk, without, kept = _at_risk_once(
                    data_dir, ids, key, device, tmp, pause, rng.uniform(lo, hi)
                )
                confirmed += n
                risks.append(risk)
                wal_alone.append(without)
                durable = durable and kept
            worst = max(risks)
            bounded = durable and (target == "info" or worst <= 10)
            rows.append(
                {
                    "name": f"events at risk after a crash, {label}: worst of {kills} kills "
                    f"(mean {statistics.fmean(risks):.1f}, {confirmed} confirmed; in the "
                    f"WAL alone, without the journal: worst {max(wal_alone)})",
                    "value": worst,
                    "unit": "events",
                    "target": target,
                    "ok": bounded,
                    "margin": "none",
                }
            )
    return rows


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    for row in bench_events_at_risk():
        print(row)
    sys.exit(0)
