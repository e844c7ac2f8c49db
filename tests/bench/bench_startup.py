"""Start-up benchmarks of the *built* app (``make bench``; not collected by ``make test``).

* ``bench_warm_start``: the built app (``bench_build.ensure_app_built``: built if
  missing or older than the sources) started on a laptop's data folder holding the
  real demo campaign (4,586 students, 51 schools; key slot with the *real*
  Argon2id parameters), logged in as the Koordinator and shown the Daftar Siswa of
  the last school. Timed from the process start to the roster rows painted, through
  the hidden ``--bench-startup`` flag (``ktpe_desktop/ui/bench_hook.py``). One
  run to warm the OS caches, then the median of 5. Target ≤ 1.5 s. The time to
  the unlock (Argon2id + opening the database) is reported apart.
* ``bench_rss_500k``: the same on 500,000 students (the storage benchmark's cached
  roster, copied once so the run never writes to it); the resident memory
  (``VmRSS``) of the app with the roster open. Target ≤ 200 MB.

Linux: the memory comes from ``/proc/self/status`` inside the app.
Run alone: ``python -m tests.bench.bench_startup``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.bench_build import build_dir, ensure_app_built, executable

USER = "koordinator"
PASSWORD = "bench-startup-password"  # a throwaway folder of invented students
BIG_USER, BIG_PASSWORD = "bench", "bench-password"  # tests/bench/bench_storage.py's cache
RUNS = 5
TARGET_START_S = 1.5
TARGET_RSS_MB = 200.0


def _row(name: str, value: float | None, unit: str, target: str, ok: bool | None) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": ok}


def _set_last_school(data_dir: Path, npsn: str) -> None:
    from ktpe_desktop.ui.settings import LAST_SCHOOL, Settings

    Settings(data_dir).set(LAST_SCHOOL, npsn)


def plan_today(data_dir: Path, user: str, password: str) -> None:
    """Put the last school on today's plan (as a team's morning sync does), once a day.

    The app reopens the last school at start only when it is planned today.
    """
    from datetime import date

    from sqlalchemy import select

    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.store import Store
    from ktpe_desktop.ui.settings import LAST_SCHOOL, Settings

    npsn = Settings(data_dir).get(LAST_SCHOOL)
    with Store.open(data_dir, user, password) as store, store.transaction() as s:
        planned = s.scalars(
            select(m.Assignment).where(
                m.Assignment.school_npsn == npsn, m.Assignment.visit_date == date.today()
            )
        ).first()
        if planned is None:
            s.add(m.Assignment(team_id="tim-01", school_npsn=npsn, visit_date=date.today()))


def _largest_school(store: Any) -> str:
    from ktpe_desktop.services.workspace import Workspace

    schools = Workspace(store).schools()
    return max(schools, key=lambda s: s.total).npsn


def campaign_dir(students: int = 4586) -> Path:
    """A data folder with the demo campaign and a real-KDF Koordinator (built once)."""
    from ktpe_desktop.services.demo_service import load_demo
    from ktpe_desktop.storage.store import Store

    folder = build_dir() / f"startup-{students}"
    if (folder / ".complete").exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    fast = os.environ.pop("KTPE_FAST_KDF", None)  # the real key-slot cost, as on a laptop
    try:
        store = Store.create(folder, USER, PASSWORD)
    finally:
        if fast is not None:
            os.environ["KTPE_FAST_KDF"] = fast
    try:
        load_demo(store, students=students)
        npsn = _largest_school(store)
    finally:
        store.close()
    _set_last_school(folder, npsn)
    (folder / ".complete").write_text("ok\n")
    return folder


def big_dir(students: int = 500_000) -> Path:
    """A private copy of the storage benchmark's cached 500,000-student roster."""
    from tests.bench.bench_storage import cached_store

    folder = build_dir() / f"roster-{students}"
    if (folder / ".complete").exists():
        return folder
    from ktpe_desktop.storage.errors import DataFolderInUse

    with contextlib.suppress(DataFolderInUse):  # another run holds it: read it as it is
        cached_store(students).close()  # built (minutes) or migrated once; checkpointed
    store = cached_store(students, readonly=True)
    try:
        npsn = _largest_school(store)
        source = store.data_dir
    finally:
        store.close()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in ("ktpe.db", "ktpe.db-wal", "keyslots.json"):
        if (source / name).exists():
            shutil.copy2(source / name, folder / name)
    # The cache's user has the test KDF; log in as a Koordinator with the real one, so
    # the memory measured includes whatever Argon2id (128 MiB) leaves behind.
    from ktpe_desktop.storage.store import Store

    fast = os.environ.pop("KTPE_FAST_KDF", None)
    try:
        with Store.open(folder, BIG_USER, BIG_PASSWORD) as store:
            store.add_user(USER, PASSWORD, role="lead")
    finally:
        if fast is not None:
            os.environ["KTPE_FAST_KDF"] = fast
    _set_last_school(folder, npsn)
    (folder / ".complete").write_text("ok\n")
    return folder


def run_once(app: Path, data_dir: Path, user: str, password: str, settle_ms: int = 300) -> dict:
    """Start the built app with ``--bench-startup``; its ``KTPE_BENCH`` report."""
    env = dict(os.environ)
    env.pop("KTPE_FAST_KDF", None)
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "KTPE_PASSWORD": password,
            "KTPE_USER": user,
            "KTPE_BENCH_SETTLE_MS": str(settle_ms),
        }
    )
    cmd = [str(executable(app)), "--bench-startup", "--data-dir", str(data_dir)]
    env["KTPE_BENCH_T0"] = repr(time.time())
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("KTPE_BENCH "):
            report: dict[str, Any] = json.loads(line[len("KTPE_BENCH ") :])
            if "error" in report:
                raise RuntimeError(f"--bench-startup: {report['error']}")
            report["exit_code"] = result.returncode
            return report
    raise RuntimeError(f"no KTPE_BENCH line (exit {result.returncode}): {result.stderr[-2000:]}")


def bench_warm_start(runs: int = RUNS) -> list[dict[str, Any]]:
    """Median time from process start to the painted roster (4,586 students)."""
    app = ensure_app_built()
    data = campaign_dir()
    plan_today(data, USER, PASSWORD)
    run_once(app, data, USER, PASSWORD)  # warm the page cache
    reports = [run_once(app, data, USER, PASSWORD) for _ in range(runs)]
    painted = [float(r["painted_s"]) for r in reports]
    unlocked = [float(r["unlocked_s"]) for r in reports]
    shown = [float(r["shown_s"]) for r in reports]
    median = statistics.median(painted)
    rss = statistics.median(float(r.get("rss_mb", 0)) for r in reports)
    return [
        _row(
            "warm_start_to_roster_4586",
            round(median, 3),
            "s",
            f"<= {TARGET_START_S}",
            median <= TARGET_START_S,
        ),
        _row("warm_start_to_roster_max", round(max(painted), 3), "s", "-", None),
        _row("warm_start_window_shown", round(statistics.median(shown), 3), "s", "-", None),
        _row("warm_start_unlocked", round(statistics.median(unlocked), 3), "s", "-", None),
        _row(
            "warm_start_cpu_to_roster (all threads)",
            round(statistics.median(float(r.get("cpu_s", 0)) for r in reports), 3),
            "s",
            "-",
            None,
        ),
        _row("rss_roster_open_4586", rss, "MB", "-", None),
    ]


def bench_rss_500k() -> list[dict[str, Any]]:
    """Resident memory of the built app with a 500,000-student roster open."""
    app = ensure_app_built()
    data = big_dir()
    plan_today(data, USER, PASSWORD)
    run_once(app, data, USER, PASSWORD)  # warm the page cache
    report = run_once(app, data, USER, PASSWORD, settle_ms=1000)
    rss = float(report["rss_mb"])
    return [
        _row("rss_roster_open_500k", rss, "MB", f"<= {TARGET_RSS_MB:.0f}", rss <= TARGET_RSS_MB),
        _row("rss_peak_500k", float(report["hwm_mb"]), "MB", "-", None),
        _row("start_to_roster_500k", float(report["painted_s"]), "s", "-", None),
        _row(
            "start_cpu_to_roster_500k (all threads)", float(report.get("cpu_s", 0)), "s", "-", None
        ),
    ]


def main() -> int:
    rows = bench_warm_start() + bench_rss_500k()
    for r in rows:
        flag = "" if r["ok"] is None else ("OK " if r["ok"] else "FAIL")
        print(f"{flag:4} {r['name']:28} {r['value']:>10} {r['unit']:4} target {r['target']}")
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
