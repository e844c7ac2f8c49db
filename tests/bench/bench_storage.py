"""Storage benchmarks: durable check-off commit and search over a 500,000-student roster.

Not collected by ``make test``; ``make bench`` (tests/bench/run_all.py) calls
:func:`bench_checkoff_commit` and :func:`bench_search`. Each returns rows
``{name, value, unit, target, ok}``. Run alone: ``python -m tests.bench.bench_storage``.

The 500,000-student database is built once and cached under
``$KTPE_BENCH_CACHE`` (default ``/tmp/ktpe-bench-cache``) — building it takes a
minute or two.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-password"  # a throwaway database of invented students


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _row(name: str, value: float, unit: str, target: str, ok: bool | None) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, "ok": ok}


def measure_fsync(folder: Path, n: int = 200) -> list[float]:
    """The machine's own cost of a small write + fsync, in ms."""
    path = folder / "fsync-probe.bin"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = os.urandom(4096)
        for i in range(n):
            t = time.perf_counter()
            os.pwrite(fd, block, (i % 64) * 4096)
            os.fsync(fd)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    return times


def bench_checkoff_commit(n: int = 400) -> list[dict[str, Any]]:
    """p50/p99 of a durable check-off (event + outbox + state, one transaction)."""
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
        try:
            load_demo(store, students=max(n + 100, 4586))
            with store.session() as s:
                ids = list(s.scalars(select(m.Student.id).order_by(m.Student.doc_no).limit(n)))
            service = RecordingService(store)
            for sid in ids[:20]:  # warm-up
                service.record_outcome(sid, "absent", "bench")
            commit = []
            for sid in ids:
                t = time.perf_counter()
                service.record_outcome(sid, "recorded", "bench")
                commit.append((time.perf_counter() - t) * 1000)
            fsync = measure_fsync(data)
        finally:
            store.close()
    c50, c99 = _pct(commit, 50), _pct(commit, 99)
    f50, f99 = _pct(fsync, 50), _pct(fsync, 99)
    ratio = c99 / f99 if f99 > 0 else 0.0
    return [
        _row("checkoff_commit_p50", c50, "ms", "-", None),
        _row("checkoff_commit_p99", c99, "ms", "<= 20", c99 <= 20),
        _row("fsync_p50", f50, "ms", "-", None),
        _row("fsync_p99", f99, "ms", "-", None),
        _row("checkoff_p99_over_fsync_p99", ratio, "x", "<= 3", ratio <= 3),
        _row("checkoff_p50_over_fsync_p50", c50 / f50 if f50 else 0.0, "x", "<= 3", None),
    ]


def cached_store(students: int) -> Any:
    """The benchmark roster of ``students`` demo students, built once under the cache."""
    from ktpe_desktop.services.demo_service import load_demo
    from ktpe_desktop.storage.store import Store

    cache = Path(os.environ.get("KTPE_BENCH_CACHE", "/tmp/ktpe-bench-cache"))
    data = cache / f"roster-{students}"
    os.environ.setdefault("KTPE_FAST_KDF", "1")
    if (data / "ktpe.db").exists() and (data / ".complete").exists():
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


def bench_search(students: int = 500_000, rounds: int = 3) -> list[dict[str, Any]]:
    """p95 of search-as-you-type queries (names, variants, NISN and NIK prefixes)."""
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.repositories import find_by_exact_identifier, search_students

    store = cached_store(students)
    try:
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
        name_times: list[float] = []
        school_times: list[float] = []
        digit_times: list[float] = []
        scan_times: list[float] = []

        def timed(out: list[float], fn: Callable[[], object]) -> None:
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)

        with store.session() as s:
            for _ in range(rounds):
                for q in typed:
                    timed(name_times, lambda q=q: search_students(s, None, q))
                for school in schools:
                    for q in typed:
                        timed(school_times, lambda q=q, sc=school: search_students(s, sc, q))
                for q in digit_queries:
                    timed(digit_times, lambda q=q: search_students(s, None, q))
                for r in samples:
                    timed(scan_times, lambda r=r: find_by_exact_identifier(s, r.nisn))
    finally:
        store.close()
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
        _row("search_max", max(every), "ms", "-", None),
        _row("scan_exact_nisn_p95", _pct(scan_times, 95), "ms", "-", None),
        _row("search_queries", float(len(every)), "count", "-", None),
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
