"""Hidden ``ktpe-desktop --bench-startup``: log in, show the roster, print timings, quit.

Used by ``tests/bench/bench_startup.py`` on the *built* app to measure a warm
start to a usable roster and the memory held with the roster open. The app takes
the normal start path (``run_app``: style, translations, the main window shown on
its login page), then this hook logs in as a user would — the login page's
``login_requested`` signal — and waits until the Daftar Siswa of the last school
(the ``last_school`` setting, as the team left it) has rows and has been painted.

Environment:
    KTPE_PASSWORD   the user's password (required).
    KTPE_USER       the local user (default: the first Koordinator of the folder).
    KTPE_BENCH_T0   wall-clock time (``time.time()``) at which the harness started
                    the process; the times printed are measured from it.
    KTPE_BENCH_SETTLE_MS  how long to keep running after the paint before the memory
                    is read (default 500).
    KTPE_BENCH_TIMEOUT_S  give up after this long (default 120).

Output: one line ``KTPE_BENCH {json}`` on stdout with ``unlocked_s``,
``painted_s`` (both from ``KTPE_BENCH_T0``), ``cpu_s`` (the process's CPU time
at the paint), ``rows``, ``total`` (students of
the school), ``rss_mb`` and ``hwm_mb`` (Linux ``/proc/self/status``), or
``KTPE_BENCH {"error": …}``; then the app quits normally.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ktpe_desktop.services.workspace import Workspace


def _memory_mb() -> dict[str, float]:
    """VmRSS and VmHWM of this process in MB (Linux; empty elsewhere)."""
    found: dict[str, float] = {}
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found["rss_mb" if key == "VmRSS" else "hwm_mb"] = round(int(value.split()[0]) / 1024, 1)
    return found


def _report(payload: dict[str, Any]) -> None:
    if sys.stdout is not None:
        print("KTPE_BENCH " + json.dumps(payload), flush=True)


def open_straight_to_roster(window: Any, data_dir: Path) -> None:
    """Log ``window`` in with ``$KTPE_PASSWORD`` and quit once the roster is painted."""
    t0 = float(os.environ.get("KTPE_BENCH_T0") or time.time())
    settle_ms = int(os.environ.get("KTPE_BENCH_SETTLE_MS") or 500)
    timeout_s = float(os.environ.get("KTPE_BENCH_TIMEOUT_S") or 120)
    password = os.environ.get("KTPE_PASSWORD", "")
    user = os.environ.get("KTPE_USER") or next(
        (u.username for u in Workspace.users(data_dir) if u.is_lead), ""
    )
    state: dict[str, Any] = {"shown_s": round(time.time() - t0, 3), "done": False}

    def finish(payload: dict[str, Any]) -> None:
        if state["done"]:
            return
        state["done"] = True
        _report({**state, **payload, "done": True})
        QTimer.singleShot(0, QApplication.quit)

    def painted(_generation: int) -> None:
        roster = window.roster
        if state["done"] or roster is None or not roster.model.rowCount():
            return
        roster.table.viewport().repaint()  # the rows are on screen, not only in the model
        state["painted_s"] = round(time.time() - t0, 3)
        # CPU of this process so far (every thread): what the start costs whatever
        # the machine's load (a busy machine adds waiting to the wall times).
        state["cpu_s"] = round(time.process_time(), 3)
        state["rows"] = roster.model.rowCount()
        school = window.school
        state["total"] = school.total if school is not None else None

        def measure() -> None:
            finish(_memory_mb())

        QTimer.singleShot(settle_ms, measure)

    def unlocked() -> None:
        state["unlocked_s"] = round(time.time() - t0, 3)
        if window.roster is not None:
            window.roster.results_painted.connect(painted)

    if not password or not user:
        finish({"error": "KTPE_PASSWORD and a user are required"})
        return
    window.unlocked.connect(unlocked)
    window.start()  # the login page, as at every start
    QTimer.singleShot(int(timeout_s * 1000), lambda: finish({"error": "timeout"}))
    window.login.login_requested.emit(user, password)
