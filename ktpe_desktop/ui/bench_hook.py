"""Hidden ``ktpe-desktop --bench-startup``: log in, show the roster, print timings, quit.

Used by ``tests/bench/bench_startup.py`` on the *built* app to measure a warm
start to a usable roster and the memory held with the roster open. The app takes
the normal start path (``run_app``: style, translations, the main window shown on
its login page, ``ui.preload`` importing the rest), then this hook logs in and
waits until the Daftar Siswa of the last school (the ``last_school`` setting, as
the team left it) has rows and has been painted. Two ways to log in:

* at once (``KTPE_BENCH_TYPE_S`` 0, the default): the login page's
  ``login_requested`` signal right after the page is set up, as a script would;
* typed (``KTPE_BENCH_TYPE_S`` > 0): once the login page has been painted (it
  takes keys from then on: ``ready_s``), the password's characters are posted to
  its field as key events spread evenly over that many seconds, then Return — an
  operator typing (docs/decisions.md D35: 10 keys at 150 ms, 1.5 s). The user's
  waits are then ``ready_s`` and ``after_enter_s`` (Return → roster painted).

Environment:
    KTPE_PASSWORD   the user's password (required).
    KTPE_USER       the local user (default: the first Koordinator of the folder).
    KTPE_BENCH_T0   wall-clock time (``time.time()``) at which the harness started
                    the process; the times printed are measured from it.
    KTPE_BENCH_SETTLE_MS  how long to keep running after the paint before the memory
                    is read (default 500).
    KTPE_BENCH_TIMEOUT_S  give up after this long (default 120).
    KTPE_BENCH_TYPE_S     type the password over this many seconds (default 0: at once).
    KTPE_BENCH_QUERY      once the roster is painted, type this name into its search field
                    before the settle time (a large roster then builds the search's
                    roster-names map, storage.roster_names: the memory read includes it).

Output: one line ``KTPE_BENCH {json}`` on stdout with ``shown_s`` (the window
shown, its login page set up), ``unlocked_s``, ``painted_s`` (all from
``KTPE_BENCH_T0``), ``cpu_shown_s``, ``cpu_unlocked_s``, ``cpu_s`` (the process's
CPU time, every thread, at those points), ``rows``, ``total`` (students of the
school), ``rss_mb`` and ``hwm_mb`` (Linux ``/proc/self/status``); typed, also
``ready_s`` (the login page painted), ``enter_s`` (Return pressed),
``after_enter_s`` and ``user_wait_s`` (``ready_s + after_enter_s``), with
``cpu_ready_s`` and ``cpu_enter_s``; ``preloaded_s`` (``ui.preload`` done); or
``KTPE_BENCH {"error": …}``; then the app quits normally.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from ktpe_desktop.services.login import local_users
from ktpe_desktop.ui import preload


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


_kept: list[QObject] = []  # Python overrides live as long as their wrapper


class _FirstPaint(QObject):
    """Calls ``then`` once, when ``widget`` is first painted."""

    def __init__(self, widget: QWidget, then: Any) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            then, self._then = self._then, None
            QTimer.singleShot(0, then)  # after this paint: the page is on screen
        return False


def _type(field: QWidget, text: str, seconds: float, done: Any) -> None:
    """Post ``text`` to ``field`` key by key over ``seconds``, then Return.

    Each key schedules the next: timers started together may fire out of order
    (Qt's coarse timers are allowed 5 % of their interval), which typed a wrong
    password now and then.
    """
    step_ms = max(1, round(seconds * 1000 / max(1, len(text))))

    def press(key: int, char: str) -> None:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
            QApplication.postEvent(field, event)

    def key(n: int) -> None:
        if n < len(text):
            press(0, text[n])
            QTimer.singleShot(step_ms, lambda: key(n + 1))
            return
        done()
        press(int(Qt.Key.Key_Return), "\r")

    key(0)


def open_straight_to_roster(window: Any, data_dir: Path) -> None:
    """Log ``window`` in with ``$KTPE_PASSWORD`` and quit once the roster is painted."""
    t0 = float(os.environ.get("KTPE_BENCH_T0") or time.time())
    settle_ms = int(os.environ.get("KTPE_BENCH_SETTLE_MS") or 500)
    timeout_s = float(os.environ.get("KTPE_BENCH_TIMEOUT_S") or 120)
    type_s = float(os.environ.get("KTPE_BENCH_TYPE_S") or 0)
    password = os.environ.get("KTPE_PASSWORD", "")
    query = os.environ.get("KTPE_BENCH_QUERY", "")
    user = os.environ.get("KTPE_USER") or next(
        (u.username for u in local_users(data_dir) if u.is_lead), ""
    )
    state: dict[str, Any] = {
        "shown_s": round(time.time() - t0, 3),
        "cpu_shown_s": round(time.process_time(), 3),
        "done": False,
    }

    def since_t0() -> float:
        return round(time.time() - t0, 3)

    def finish(payload: dict[str, Any]) -> None:
        if state["done"]:
            return
        state["done"] = True
        _report({**state, **payload, "done": True})
        QTimer.singleShot(0, QApplication.quit)

    def painted(_generation: int) -> None:
        roster = window.roster
        if state["done"] or "painted_s" in state or roster is None or not roster.model.rowCount():
            return  # the first painted rows only (a name search paints again)
        roster.table.viewport().repaint()  # the rows are on screen, not only in the model
        state["painted_s"] = since_t0()
        # CPU of this process so far (every thread): what the start costs whatever
        # the machine's load (a busy machine adds waiting to the wall times).
        state["cpu_s"] = round(time.process_time(), 3)
        state["rows"] = roster.model.rowCount()
        school = window.school
        state["total"] = school.total if school is not None else None
        if preload.finished_at is not None:
            state["preloaded_s"] = round(preload.finished_at - t0, 3)
        if "enter_s" in state:
            state["after_enter_s"] = round(state["painted_s"] - state["enter_s"], 3)
            state["user_wait_s"] = round(state["ready_s"] + state["after_enter_s"], 3)

        def measure() -> None:
            finish(_memory_mb())

        if query:
            roster.search.setText(query)  # what the operator does next: a name search
        QTimer.singleShot(settle_ms, measure)

    def unlocked() -> None:
        state["unlocked_s"] = since_t0()
        state["cpu_unlocked_s"] = round(time.process_time(), 3)
        if window.roster is not None:
            window.roster.results_painted.connect(painted)

    if not password or not user:
        finish({"error": "KTPE_PASSWORD and a user are required"})
        return
    window.unlocked.connect(unlocked)
    window.start()  # the login page, as at every start
    QTimer.singleShot(int(timeout_s * 1000), lambda: finish({"error": "timeout"}))
    if type_s <= 0:
        window.login.login_requested.emit(user, password)
        return
    login = window.login
    login.user_combo.setCurrentIndex(max(0, login.user_combo.findData(user)))

    def entered() -> None:
        state["enter_s"] = since_t0()
        state["cpu_enter_s"] = round(time.process_time(), 3)

    def ready() -> None:
        state["ready_s"] = since_t0()
        state["cpu_ready_s"] = round(time.process_time(), 3)
        _type(login.password, password, type_s, entered)

    _kept.append(_FirstPaint(login.password, ready))
