"""The process that test_kill9 kills: write outcomes and sync, forever.

Usage: ``python -m tests.reliability.sync_child DATA_DIR SEED``. Prints ``ready``
once the store is open, then loops: a few outcomes, one sync round.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

os.environ.setdefault("KTPE_FAST_KDF", "1")


def main(data_dir: str, seed: int) -> None:
    from ktpe_desktop.services.recording import RecordingService
    from ktpe_desktop.services.sync_service import SyncService
    from ktpe_desktop.storage.store import Store
    from tests.reliability import harness as h

    store = Store.open(Path(data_dir), "koordinator", h.PASSWORD)
    service = SyncService(store, client_factory=h.client_factory(), batch_size=40)
    service.recover()
    recording = RecordingService(store)
    rng = random.Random(seed)
    lap = h.Laptop("child", Path(data_dir), store, service, recording)
    students = h.local_students(lap)
    print("ready", flush=True)
    for _ in range(1000):
        h.record_random(lap, rng.randint(5, 60), rng, students)
        service.run_round()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
