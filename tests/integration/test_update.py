"""An update keeps the data folder: a data folder written by an older release is
opened by this code, its schema migrated after a backup, its outbox intact.

The old release is the real one, taken from git history: the last commit whose
local database had only the first migration (``0001``), unpacked into the test's
own folder with ``git archive`` and run in a child process to create a data
folder and record outcomes that are not yet sent. Skipped, with the reason, where
the history is not there (a shallow clone, a source archive).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import timing

ROOT = Path(__file__).resolve().parents[2]
# The parent of the commit that added migration 0002: the schema of release 0.1.0.
OLD_RELEASE = "ea121216606eb3eeba3be5650a6b25302f63a6e9"
LEAD = "koordinator"
PASSWORD = "rahasia-uji-123"

CHILD = """
import sys
from pathlib import Path
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage.store import Store
from tests.conftest import Factory
store = Store.create(Path(sys.argv[1]), sys.argv[2], sys.argv[3], display_name="Koordinator")
factory = Factory(store)
ids = [factory.student() for _ in range(5)]
service = RecordingService(store)
saved = [service.record_outcome(sid, "recorded", "petugas-lama").event_id for sid in ids[:3]]
store.close()
print(",".join(saved))
"""

OLD_PATHS = ("ktpe_desktop", "tests/conftest.py", "tests/__init__.py", "resources")

pytestmark = pytest.mark.slow


def _old_tree(dest: Path) -> Path:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: the old release cannot be taken from history")
    found = subprocess.run(
        [git, "cat-file", "-e", f"{OLD_RELEASE}^{{commit}}"], cwd=ROOT, capture_output=True
    )
    if found.returncode != 0:
        pytest.skip(f"commit {OLD_RELEASE[:10]} (release 0.1.0) is not in this clone's history")
    archive = subprocess.run(
        [git, "archive", "--format=tar", OLD_RELEASE, *OLD_PATHS],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=timing.seconds(60),
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def test_a_data_folder_of_release_0_1_0_is_migrated_after_a_backup_with_its_outbox(
    tmp_path: Path,
) -> None:
    old = _old_tree(tmp_path / "old-release")
    data_dir = tmp_path / "data"
    env = dict(os.environ, PYTHONPATH=str(old), KTPE_FAST_KDF="1")
    made = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir), LEAD, PASSWORD],
        cwd=old,
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.seconds(180),
        check=False,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    unsent = set(made.stdout.strip().splitlines()[-1].split(","))
    assert len(unsent) == 3

    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.store import Store, list_backups

    assert list_backups(data_dir) == []
    store = Store.open(data_dir, LEAD, PASSWORD)
    try:
        backups = [b.path.name for b in list_backups(data_dir)]
        assert any("pre-migrate-0001" in name for name in backups), backups
        with store.session() as s:
            outbox = s.execute(select(m.Outbox.event_id, m.Outbox.status)).all()
            events = set(s.scalars(select(m.EventRow.event_id)))
        assert {row.event_id for row in outbox} == unsent
        assert {str(row.status) for row in outbox} == {"pending"}
        assert unsent <= events
    finally:
        store.close()
    # and the backup taken before migrating opens with the same password
    backup = next(b.path for b in list_backups(data_dir) if "pre-migrate" in b.path.name)
    assert backup.stat().st_size > 0
