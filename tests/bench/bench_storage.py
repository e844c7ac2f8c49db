"""Storage benchmarks: durable check-off commit and search over a 500,000-student roster.

Not collected by ``make test``; ``make bench`` (tests/bench/run_all.py) calls
:func:`bench_checkoff_commit` and :func:`bench_search`. Each returns rows
``{name, value, unit, target, ok}``. Run alone: ``python -m tests.bench.bench_storage``.

The 500,000-student database is built once and cached under
``$KTPE_BENCH_CACHE`` (default ``/tmp/ktpe-bench-cache``) — building it takes a
minute or two.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.bench.calibration import SyncProbe

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-password"  # a throwaway database of invented students


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _row(name: str, value: float, unit: str, target: str, ok: bool | None) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, "ok": ok}


def measure_fsync(folder: Path, n: int = 200) -> list[float]:
    """The machine's own cost of a small write + fsync, in ms (4 KiB overwrites)."""
    probe = SyncProbe(folder)
    try:
        return [probe.fsync_overwrite() for _ in range(n)]
    finally:
        probe.close()


def _wal_salt(wal: Path) -> bytes:
    """The WAL header's salt: it changes each time SQLite restarts the WAL."""
    try:
        with open(wal, "rb") as fh:
            fh.seek(16)
            return fh.read(8)
    except FileNotFoundError:
        return b""


def bench_checkoff_commit(n: int = 400, paced: int = 60) -> list[dict[str, Any]]:
    """p50/p99 of a durable check-off: from the call to the journal's sync (D43).

    Wall clock and CPU time (``process_time``) from the start of ``record_outcome``
    to the moment its event is durable (the journal's ``fdatasync`` returned:
    ``journal.on_durable``); the whole call (the database's copy after it: event,
    outbox and state in one transaction, committed without a sync) beside it. The disk's
    sync cost is sampled after every commit (interleaved, so that both see the
    same load) and the ratios compare p50 with p50 and p99 with p99. The target
    ratio uses a 4 KiB append + ``fdatasync`` (a WAL commit: frames appended,
    then synced; SQLite here calls ``fsync``, and writes ``wal_frames_per_commit``
    4 KiB frames); the 4 KiB overwrite + ``fsync`` ratios are shown beside them.

    The ``n`` commits run back to back (no idle moment, so only the backstop
    ``wal_autocheckpoint`` checkpoints, inside a commit: counted in
    ``wal_restarts_back_to_back``). Then ``paced`` commits run in bursts of 10 with
    a pause after each, as at a station, so the idle checkpointer does the work.
    """
    os.environ.setdefault("KTPE_FAST_KDF", "1")
    from ktpe_desktop.services.demo_service import load_demo
    from ktpe_desktop.services.recording import RecordingService
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.store import Store

    with tempfile.TemporaryDirectory(
        prefix="ktpe-bench-", dir=os.environ.get("KTPE_BENCH_DIR")
    ) as tmp:
        data = Path(tmp) / "data"
        store = Store.create(data, BENCH_USER, BENCH_PASSWORD)
        probe = SyncProbe(data)
        try:
            load_demo(store, students=max(n + paced + 100, 4586))
            with store.session() as s:
                ids = list(
                    s.scalars(select(m.Student.id).order_by(m.Student.doc_no).limit(n + paced))
                )
            service = RecordingService(store)
            for sid in ids[:20]:  # warm-up
                service.record_outcome(sid, "absent", "bench")
            # The roster load's WAL is checkpointed as the idle checkpointer would
            # have done before the first scan (setup, not measured).
            store.checkpointer.checkpoint()
            gc.collect()  # the roster load's garbage, not the check-off's
            wal = Path(f"{store.db_path}-wal")
            commit: list[float] = []
            cpu: list[float] = []
            overwrite: list[float] = []
            append: list[float] = []
            growth: list[float] = []
            restarts = 0
            salt = _wal_salt(wal)
            journal = store.journal
            assert journal is not None
            durable = [0.0, 0.0]  # perf_counter() and process_time() at the sync

            def on_durable() -> None:
                durable[0], durable[1] = time.perf_counter(), time.process_time()

            journal.on_durable = on_durable
            call: list[float] = []
            call_cpu: list[float] = []
            for sid in ids[:n]:
                size = wal.stat().st_size if wal.exists() else 0
                c = time.process_time()
                t = time.perf_counter()
                service.record_outcome(sid, "recorded", "bench")
                end = time.perf_counter()
                call_cpu.append((time.process_time() - c) * 1000)
                call.append((end - t) * 1000)
                # Durable at the journal's sync (D43); the rest is the database's copy.
                commit.append((durable[0] - t) * 1000)
                cpu.append((durable[1] - c) * 1000)
                new_salt = _wal_salt(wal)
                if new_salt != salt:
                    restarts += 1
                elif wal.stat().st_size > size:
                    growth.append(wal.stat().st_size - size)
                salt = new_salt
                overwrite.append(probe.fsync_overwrite())
                append.append(probe.fdatasync_append())
            paced_commit: list[float] = []
            idle_before = store.checkpointer.checkpoints
            for i, sid in enumerate(ids[n : n + paced]):
                t = time.perf_counter()
                service.record_outcome(sid, "recorded", "bench")
                paced_commit.append((time.perf_counter() - t) * 1000)
                if i % 10 == 9:
                    time.sleep(0.8)
            idle_runs = store.checkpointer.checkpoints - idle_before
        finally:
            probe.close()
            store.close()
    c50, c99 = _pct(commit, 50), _pct(commit, 99)
    a50, a99 = _pct(append, 50), _pct(append, 99)
    o50, o99 = _pct(overwrite, 50), _pct(overwrite, 99)
    frames = _pct(growth, 50) / (4096 + 24) if growth else 0.0
    r50, r99 = (c50 / a50 if a50 else 0.0), (c99 / a99 if a99 else 0.0)
    return [
        _row("checkoff_commit_p50", c50, "ms", "-", None),
        _row("checkoff_commit_p99", c99, "ms", "<= 20", c99 <= 20),
        _row("checkoff_commit_max", max(commit), "ms", "-", None),
        _row("checkoff_cpu_p50", _pct(cpu, 50), "ms", "-", None),
        _row("checkoff_cpu_p99", _pct(cpu, 99), "ms", "-", None),
        # The whole call: durable, then the database's copy (committed unsynced).
        _row("checkoff_call_p50", _pct(call, 50), "ms", "-", None),
        _row("checkoff_call_p99", _pct(call, 99), "ms", "-", None),
        _row("checkoff_call_cpu_p50", _pct(call_cpu, 50), "ms", "-", None),
        _row("fdatasync_4k_append_p50", a50, "ms", "-", None),
        _row("fdatasync_4k_append_p99", a99, "ms", "-", None),
        _row("fsync_p50", o50, "ms", "-", None),  # 4 KiB overwrite + fsync
        _row("fsync_p99", o99, "ms", "-", None),
        # A timing target expressed against the disk: the margin rule halves it.
        {
            **_row("checkoff_p50_over_fdatasync_append_p50", r50, "x", "<= 3", r50 <= 3),
            "margin": "timing",
        },
        {
            **_row("checkoff_p99_over_fdatasync_append_p99", r99, "x", "<= 3", r99 <= 3),
            "margin": "timing",
        },
        _row("checkoff_p50_over_fsync_p50", c50 / o50 if o50 else 0.0, "x", "-", None),
        _row("checkoff_p99_over_fsync_p99", c99 / o99 if o99 else 0.0, "x", "-", None),
        _row("wal_frames_per_commit", frames, "frames", "-", None),
        _row("wal_restarts_back_to_back", float(restarts), "count", "-", None),
        _row("checkoff_commit_paced_p50", _pct(paced_commit, 50), "ms", "-", None),
        _row("checkoff_commit_paced_max", max(paced_commit), "ms", "-", None),
        _row("idle_checkpoints_paced", float(idle_runs), "count", "-", None),
    ]


def cached_store(students: int, *, readonly: bool = False) -> Any:
    """The benchmark roster of ``students`` demo students, built once under the cache.

    ``readonly``: opened ``mode=ro`` without the folder lock (issue 17's D21), so
    several benchmark runs (other worktrees too) can read the shared cache at once.
    """
    from ktpe_desktop.core.errors import KnownError
    from ktpe_desktop.services.demo_service import load_demo
    from ktpe_desktop.storage.store import Store

    cache = Path(os.environ.get("KTPE_BENCH_CACHE", "/tmp/ktpe-bench-cache"))
    data = cache / f"roster-{students}"
    os.environ.setdefault("KTPE_FAST_KDF", "1")
    if (data / "ktpe.db").exists() and (data / ".complete").exists():
        if readonly:
            try:
                return Store.open(data, BENCH_USER, BENCH_PASSWORD, readonly=True, check="none")
            except KnownError as exc:
                if exc.code != "needs_migration":
                    raise
                # A cache built before the newest migration: upgraded once, in place.
                Store.open(data, BENCH_USER, BENCH_PASSWORD, check="none").close()
                return Store.open(data, BENCH_USER, BENCH_PASSWORD, readonly=True, check="none")
        return Store.open(data, BENCH_USER, BENCH_PASSWORD)
    if data.exists():
        import shutil

        shutil.rmtree(data)
    store = Store.create(data, BENCH_USER, BENCH_PASSWORD)
    t = time.perf_counter()
    load_demo(store, students=students)
    print(f"built {students} students in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    (data / ".complete").write_text("ok\n")
    return store


# Type-ahead: every prefix (from 2 characters) of each of these is one query.
NAME_QUERIES = (
    "muhammad rizky",
    "moch rizki",
    "achmad fauzi",
    "ahmad",
    "siti nur",
    "dewi",
    "nur aini",
    "sukarno",
    "soekarno",
    "putri ayu",
    "eko prasetyo",
    "dwi",
    "ma'ruf",
)


def search_timings(students: int, rounds: int = 3) -> dict[str, list[float]]:
    """Wall times (ms) of search-as-you-type queries on the cached ``students`` roster.

    Keys: ``name`` (every prefix from 2 characters of :data:`NAME_QUERIES`, all
    schools), ``school`` (the same within one school), ``digits`` (NISN and NIK
    prefixes), ``scan`` (an exact NISN, as a scanner types it), ``cpu`` (the
    thread's CPU time of every query but the scans; ``cpu_name``, ``cpu_school``,
    ``cpu_digits`` per kind) and ``names_map`` (the
    roster-names map's build: wall ms, CPU ms, MB).
    """
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.errors import DataFolderInUse
    from ktpe_desktop.storage.repositories import find_by_exact_identifier, search_students
    from ktpe_desktop.ui.roster_page import FIELD_TABLE_PX, first_page_rows

    # The first page the roster page reads on the field laptops' 1366x768 screen (the
    # rows its table shows and a few more), as typing does; the rest is read on scroll.
    page = first_page_rows(FIELD_TABLE_PX)

    # Built, or migrated to this schema, once; another run holding it has done so.
    with contextlib.suppress(DataFolderInUse):
        cached_store(students).close()
    store = cached_store(students, readonly=True)
    try:
        # The roster-names map of the ranking window (storage.roster_names): the app
        # builds it on a background thread at the first name search; the benchmark
        # measures typing, so it waits for it first and reports what it cost.
        from ktpe_desktop.storage import roster_names

        t, c = time.perf_counter(), time.process_time()
        built = roster_names.ready(store.engine)
        names_map = [(time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000]
        names_map.append(built.nbytes() / 1e6 if built is not None else 0.0)
        with store.session() as s:
            samples = s.execute(
                select(m.Student.nisn, m.Student.nik, m.Student.school_npsn).where(
                    m.Student.doc_no.in_([7, students // 3, students // 2, students - 5])
                )
            ).all()
        digit_queries = [r.nisn[:n] for r in samples for n in (2, 4, 6, 8, 10)]
        digit_queries += [r.nik[:n] for r in samples for n in (4, 6, 8, 12, 16)]
        typed = [q[:i] for q in NAME_QUERIES for i in range(2, len(q) + 1)]
        schools = [r.school_npsn for r in samples]
        out: dict[str, list[float]] = {"name": [], "school": [], "digits": [], "scan": []}
        cpu: list[float] = []
        cpu_by: dict[str, list[float]] = {"name": [], "school": [], "digits": []}

        def timed(key: str, fn: Callable[[], object]) -> None:
            c = time.thread_time()
            t = time.perf_counter()
            fn()
            out[key].append((time.perf_counter() - t) * 1000)
            if key != "scan":
                cpu.append((time.thread_time() - c) * 1000)
                cpu_by[key].append(cpu[-1])

        with store.session() as s:
            for _ in range(rounds):
                for q in typed:
                    timed("name", partial(search_students, s, None, q, limit=page))
                for school in schools:
                    for q in typed:
                        timed("school", partial(search_students, s, school, q, limit=page))
                for q in digit_queries:
                    timed("digits", partial(search_students, s, None, q, limit=page))
                for r in samples:
                    timed("scan", partial(find_by_exact_identifier, s, r.nisn))
    finally:
        store.close()
    out["cpu"] = cpu
    out.update({f"cpu_{k}": v for k, v in cpu_by.items()})
    out["names_map"] = names_map  # build wall ms, build CPU ms, MB held
    return out


def bench_search(students: int = 500_000, rounds: int = 3) -> list[dict[str, Any]]:
    """p95 of search-as-you-type queries (names, variants, NISN and NIK prefixes)."""
    t = search_timings(students, rounds)
    name_times, school_times, digit_times = t["name"], t["school"], t["digits"]
    every = name_times + school_times + digit_times
    p95 = _pct(every, 95)
    return [
        _row(f"search_p95_all_{students}", p95, "ms", "<= 10", p95 <= 10),
        _row("search_p95_name", _pct(name_times, 95), "ms", "<= 10", _pct(name_times, 95) <= 10),
        _row(
            "search_p95_name_in_school",
            _pct(school_times, 95),
            "ms",
            "<= 10",
            _pct(school_times, 95) <= 10,
        ),
        _row(
            "search_p95_nisn_nik_prefix",
            _pct(digit_times, 95),
            "ms",
            "<= 10",
            _pct(digit_times, 95) <= 10,
        ),
        _row("search_cpu_p95", _pct(t["cpu"], 95), "ms", "-", None),
        # Per kind, the thread's CPU: what the wall p95 above comes to on a quiet machine.
        _row("search_cpu_p95_name", _pct(t["cpu_name"], 95), "ms", "-", None),
        _row("search_cpu_p95_name_in_school", _pct(t["cpu_school"], 95), "ms", "-", None),
        _row("search_cpu_p95_nisn_nik_prefix", _pct(t["cpu_digits"], 95), "ms", "-", None),
        _row("search_max", max(every), "ms", "-", None),
        _row("scan_exact_nisn_p95", _pct(t["scan"], 95), "ms", "-", None),
        _row("search_queries", float(len(every)), "count", "-", None),
        _row("search_names_map_build", t["names_map"][0], "ms", "-", None),
        _row("search_names_map_build_cpu", t["names_map"][1], "ms", "-", None),
        _row("search_names_map_size", t["names_map"][2], "MB", "-", None),
    ]


def main() -> int:
    rows = bench_checkoff_commit()
    rows += bench_search(int(os.environ.get("KTPE_BENCH_STUDENTS", "500000")))
    for r in rows:
        flag = "" if r["ok"] is None else ("OK " if r["ok"] else "FAIL")
        print(f"{flag:4} {r['name']:36} {r['value']:>10} {r['unit']:6} target {r['target']}")
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
