"""UI benchmarks through Qt offscreen (``make bench``; not collected by ``make test``).

* ``bench_keystroke_to_paint``: 500,000 students; for each keystroke of typical
  queries (names with spelling variants, NISN/NIK prefixes) the time from the search
  field's text changing (``textChanged``, what a key press does: the page has no
  debounce since issue 18) to the result rows painted in the table. Target p95
  ≤ 80 ms including any debounce (DESIGN.md).
* ``bench_scan_to_saved``: a USB scanner types a NISN + Enter, the outcome dialog
  opens, Enter records "Terekam"; the time until the service has committed the
  event (``synchronous=FULL``). Target p99 ≤ 100 ms.

The 500,000-student database is the storage benchmark's cached roster
(``bench_storage.cached_store``, under ``$KTPE_BENCH_CACHE``; built once, shared by
the search, scaling and start-up benchmarks); scans work on a fresh folder with
the normal 4,586-student demo so the big cache is not written to.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KTPE_FAST_KDF", "1")

STUDENTS = int(os.environ.get("KTPE_BENCH_STUDENTS", "500000"))
USER, PASSWORD = "bench", "bench-password"  # bench_storage's cached roster
QUERIES = (
    "muhamad rizki",
    "moch ardi",
    "siti nur",
    "achmad",
    "dewi",
    "putri ayu",
    "0071",
    "00712",
    "3573",
)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def _app() -> Any:
    import ktpe_desktop.ui  # noqa: F401  (None refcount guard on PySide6 6.12)
    from ktpe_desktop.ui import ops
    from ktpe_desktop.ui.app import make_application

    app = make_application()
    ops.set_default_failure_handler(lambda _p, exc: (_ for _ in ()).throw(exc))
    return app


def _big_roster() -> Path:
    """A private copy of the storage benchmark's cached roster (removed by the caller).

    The window's workspace takes the data folder's lock (one owner per folder), so
    the shared cache is copied: another run (another worktree) may be reading it.
    """
    from ktpe_desktop.storage.errors import DataFolderInUse
    from tests.bench.bench_storage import cached_store

    try:
        store = cached_store(STUDENTS)  # built (minutes) or migrated once, then reused
        source = Path(store.data_dir)
        store.close()  # checkpoints the WAL into ktpe.db
    except DataFolderInUse:  # another run holds it; its WAL is copied with it
        source = Path(os.environ.get("KTPE_BENCH_CACHE", "/tmp/ktpe-bench-cache"))
        source = source / f"roster-{STUDENTS}"
    copy = Path(tempfile.mkdtemp(prefix="ktpe-bench-ui-"))
    for name in ("ktpe.db", "ktpe.db-wal", "keyslots.json"):
        if (source / name).exists():
            shutil.copy2(source / name, copy / name)
    return copy


def _wait(app: Any, predicate: Any, timeout: float = 10.0) -> None:
    """Run the event loop until ``predicate()``, sleeping between events as the app's
    own loop does: a loop polling ``processEvents`` would spin the main thread and
    take the GIL from the worker whose result it waits for."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.perf_counter() + timeout
    wake = QTimer()
    wake.setInterval(50)  # wakes the loop now and then, so the deadline is looked at
    wake.start()
    try:
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError("benchmark step timed out")
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        wake.stop()


def bench_keystroke_to_paint() -> list[dict[str, Any]]:
    from datetime import date

    from ktpe_desktop.services.workspace import Workspace
    from ktpe_desktop.ui.roster_page import RosterPage

    app = _app()
    data_dir = _big_roster()
    ws = Workspace.open(data_dir, USER, PASSWORD)
    page: RosterPage | None = None
    try:
        school = max(ws.schools(), key=lambda s: s.total)
        page = RosterPage(ws)
        page.resize(1366, 700)
        page.show()
        page.set_school(school, ws.rules(), date.today())
        _wait(app, lambda: page.painted_generation == page.generation)
        # The name search's roster-names map (D33) is built on a background thread at
        # the first name search (0.5-0.7 s CPU at 500,000): typing is measured after it,
        # as the storage benchmark's search is.
        from ktpe_desktop.storage import roster_names

        started = time.perf_counter()
        roster_names.ready(ws._store.engine)
        print(f"  roster-names map ready in {time.perf_counter() - started:.2f} s")
        paint_ms: list[float] = []
        cpu_ms: list[float] = []  # the process's CPU per keystroke (every thread)
        sql_ms: list[float] = []
        per_query: dict[str, float] = {}
        for _round in range(3):
            for query in QUERIES:
                for n in range(1, len(query) + 1):
                    text = query[:n]
                    started, started_cpu = time.perf_counter(), time.process_time()
                    page.search.setText(text)  # textChanged: the keystroke's own path
                    generation = page.generation
                    _wait(app, lambda g=generation: page.painted_generation == g)
                    page.table.viewport().repaint()
                    paint_ms.append((time.perf_counter() - started) * 1000)
                    cpu_ms.append((time.process_time() - started_cpu) * 1000)
                    sql_ms.append(page.last_search_ms)
                    per_query[text] = max(per_query.get(text, 0.0), paint_ms[-1])
        page.close()
        # the whole-roster case: search across every school (no school filter)
        t0 = time.perf_counter()
        ws.search(None, "muhamad rizki")
        global_ms = (time.perf_counter() - t0) * 1000
    finally:
        # The page's count (a timer 300 ms after typing pauses, then the background
        # lane) must not run on the workspace once it is closed and its folder gone
        # ("unable to open database file"): the page goes with its timers first.
        from PySide6.QtCore import QCoreApplication, QEvent

        from ktpe_desktop.ui.ops import wait_for_done

        if page is not None:
            page._count_timer.stop()
            page.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        wait_for_done()
        app.processEvents()
        ws.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    p95 = _pct(paint_ms, 95)
    slowest = sorted(per_query.items(), key=lambda kv: -kv[1])[:5]
    print("  slowest keystrokes:", ", ".join(f"{q!r} {ms:.0f} ms" for q, ms in slowest))
    return [
        {
            "name": f"ui.keystroke_to_painted_p95 ({STUDENTS:,} students, no debounce)",
            "value": round(p95, 2),
            "unit": "ms",
            "target": "<= 80",
            "ok": p95 <= 80,
        },
        {
            # What the keystroke costs whatever the machine's load: on a busy machine
            # the wall time above is this plus the time waiting for a core.
            "name": "ui.keystroke_cpu_p95 (all threads)",
            "value": round(_pct(cpu_ms, 95), 2),
            "unit": "ms",
            "target": "info",
            "ok": None,
        },
        {
            "name": "ui.keystroke_to_painted_median",
            "value": round(statistics.median(paint_ms), 2),
            "unit": "ms",
            "target": "info",
            "ok": None,
        },
        {
            # The SQL target (p95 <= 10 ms) is bench_storage's search_p95_*; here the
            # same query runs on a worker thread while the UI thread paints, so it
            # shares the GIL and is slower: shown for information.
            "name": "ui.search_query_in_worker_p95 (shares the GIL with painting)",
            "value": round(_pct(sql_ms, 95), 2),
            "unit": "ms",
            "target": "info",
            "ok": None,
        },
        {
            "name": "ui.search_all_schools_once",
            "value": round(global_ms, 2),
            "unit": "ms",
            "target": "info",
            "ok": None,
        },
    ]


def bench_scan_to_saved() -> list[dict[str, Any]]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from ktpe_desktop.services.demo_mode import load_demo_locally
    from ktpe_desktop.services.workspace import Workspace
    from ktpe_desktop.ui.main_window import MainWindow
    from ktpe_desktop.ui.settings import Settings

    app = _app()
    tmp = Path(tempfile.mkdtemp(prefix="ktpe-bench-scan-"))
    try:
        ws = Workspace.create(tmp, USER, PASSWORD)
        load_demo_locally(ws)
        window = MainWindow(Settings(tmp), tmp)
        window.resize(1366, 768)
        window.show()
        window.enter_work(ws)
        school = max(ws.schools(), key=lambda s: s.total)
        window.choose_school(school)
        roster = window.roster
        dialog = window.outcome_dialog
        assert roster is not None and dialog is not None
        _wait(app, lambda: roster.painted_generation == roster.generation)
        students = [s for s in ws.search(school.npsn, "", limit=1000) if s.nisn]
        saved: list[Any] = []
        dialog.saved.connect(saved.append)
        times: list[float] = []
        cpu_ms: list[float] = []  # the process's CPU per scan (every thread)
        for student in students[:150]:
            count = len(saved)
            roster.search.blockSignals(True)
            roster.search.setText(student.nisn or "")
            roster.search.blockSignals(False)
            started, started_cpu = time.perf_counter(), time.process_time()
            QTest.keyClick(roster.search, Qt.Key.Key_Return)  # the scanner's Enter
            _wait(app, dialog.isVisible)
            QTest.keyClick(dialog, Qt.Key.Key_Return)  # Terekam
            _wait(app, lambda c=count: len(saved) > c)
            times.append((time.perf_counter() - started) * 1000)
            cpu_ms.append((time.process_time() - started_cpu) * 1000)
            _wait(app, lambda: not dialog.isVisible())
        window.workspace = None
        window.close()
        from ktpe_desktop.ui.ops import wait_for_done

        wait_for_done()
        ws.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    p99 = _pct(times, 99)
    return [
        {
            "name": "ui.scan_to_saved_p99",
            "value": round(p99, 2),
            "unit": "ms",
            "target": "<= 100",
            "ok": p99 <= 100,
        },
        {
            "name": "ui.scan_to_saved_cpu_p99 (all threads)",
            "value": round(_pct(cpu_ms, 99), 2),
            "unit": "ms",
            "target": "info",
            "ok": None,
        },
        {
            "name": "ui.scan_to_saved_median",
            "value": round(statistics.median(times), 2),
            "unit": "ms",
            "target": "info",
            "ok": None,
        },
    ]


if __name__ == "__main__":
    rows = bench_keystroke_to_paint() + bench_scan_to_saved()
    for row in rows:
        print(
            f"{row['name']:<55} {row['value']:>10} {row['unit']:<4} {row['target']:<8} {row['ok']}"
        )
    sys.exit(0 if all(r["ok"] is not False for r in rows) else 1)
