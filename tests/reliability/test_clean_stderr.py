"""Issue 17, case 8: clean stderr and a clear message when no password can be asked.

SQLCipher's own "ERROR CORE …" lines reached the terminal of a command that met a
damaged file, and a command without ``KTPE_PASSWORD`` and without a terminal
ended in a raw ``EOFError`` traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ktpe_desktop.storage.store import Store
from tests.reliability import recovery_support as rs

pytestmark = [pytest.mark.timeout(300)]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ktpe_desktop.cli", *args],
        cwd=rs.ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # no controlling terminal: getpass cannot open /dev/tty
    )


def test_damaged_file_gives_one_clear_line(store: Store) -> None:
    store.backup("before")
    store.close()
    db = store.db_path
    data = bytearray(db.read_bytes())
    for i in range(4096 + 200, 4096 + 260):
        data[i] ^= 0x55
    db.write_bytes(bytes(data))
    result = _run(["db", "check", "--data-dir", str(store.data_dir)], rs.child_env())
    assert result.returncode == 2
    assert "ERROR CORE" not in result.stderr and "Traceback" not in result.stderr
    assert "rusak" in result.stderr


def test_no_terminal_and_no_password_is_explained(store: Store) -> None:
    store.close()
    env = {k: v for k, v in rs.child_env().items() if k != "KTPE_PASSWORD"}
    result = _run(["db", "info", "--data-dir", str(Path(store.data_dir))], env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "EOFError" not in result.stderr
    assert "KTPE_PASSWORD" in result.stderr
