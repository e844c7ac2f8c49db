"""Helpers of the recovery tests (issue 17): a writer child, confirmed ids, checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from tests.conftest import LEAD, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SOAK = int(os.environ.get("KTPE_SOAK_FACTOR", "1"))


def child_env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KTPE_FAST_KDF": "1",
        "KTPE_PASSWORD": PASSWORD,
    }


def start_writer(
    data_dir: Path,
    ids: list[str],
    limit: int,
    tmp: Path,
    *,
    pause: float = 0.0,
    stop: Path | None = None,
) -> subprocess.Popen[bytes]:
    """A child that owns ``data_dir`` and records ``limit`` outcomes (0: until killed
    or until ``stop`` exists)."""
    ids_file = tmp / f"ids-{len(ids)}.txt"
    ids_file.write_text("\n".join(ids))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.writer_child",
            str(data_dir),
            str(ids_file),
            str(limit),
            str(pause),
            *([str(stop)] if stop is not None else []),
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_ready(child: subprocess.Popen[bytes]) -> None:
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if line != b"ready":
        err = child.stderr.read() if child.stderr else b""
        raise AssertionError(f"writer did not start: {line!r} {err.decode()[-2000:]}")


def confirmed(lines: bytes) -> dict[str, int]:
    """``event_id -> seq`` of every line a writer printed after a commit returned."""
    out = {}
    for line in lines.decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def local_event_ids(data_dir: Path) -> set[str]:
    with Store.open(data_dir, LEAD, PASSWORD, readonly=True) as store, store.session() as s:
        return set(s.scalars(select(m.EventRow.event_id)))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``ktpe-desktop ARGS`` in its own process (password from the environment)."""
    return subprocess.run(
        [sys.executable, "-m", "ktpe_desktop.cli", *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
