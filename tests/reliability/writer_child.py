"""A writer process for the recovery tests: records outcomes, prints each confirmation.

``python -m tests.reliability.writer_child DATA_DIR IDS_FILE LIMIT [PAUSE_S [STOP_FILE]]``

Opens the data folder as its owner (``open_store``), prints ``ready``, then
records up to ``LIMIT`` outcomes (0: until killed) for the student ids listed in
``IDS_FILE`` (or until ``STOP_FILE`` exists) and prints ``<event_id> <seq>`` (flushed) only after each commit
returned: every printed line is a *confirmed* outcome. A refused start prints
``in-use`` and exits 3.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("KTPE_FAST_KDF", "1")

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.session import open_store
from ktpe_desktop.storage.errors import DataFolderInUse
from tests.conftest import LEAD, PASSWORD


def main() -> int:
    data_dir, ids_file, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    stop = Path(sys.argv[5]) if len(sys.argv) > 5 else None
    ids = Path(ids_file).read_text().split()
    try:
        store = open_store(data_dir, LEAD, PASSWORD)
    except DataFolderInUse:
        print("in-use", flush=True)
        return 3
    service = RecordingService(store)
    rng = random.Random()
    print("ready", flush=True)
    n = 0
    try:
        while (limit == 0 or n < limit) and not (stop is not None and stop.exists()):
            kind = rng.choice(["recorded", "absent", "already_recorded"])
            saved = service.record_outcome(rng.choice(ids), kind, "petugas-uji")
            sys.stdout.write(f"{saved.event_id} {saved.seq}\n")
            sys.stdout.flush()
            n += 1
            if pause:
                time.sleep(pause)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
