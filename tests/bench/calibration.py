"""How fast is this machine right now? Printed beside every ``make bench`` table.

Benchmark figures mean little without the machine they came from: machines of
our kind differ by about 2x, and a shared machine under load is slower still.
So every run measures, before and after the benchmarks:

* ``python_ms``: a fixed pure-Python workload (dicts, strings, ints, a sort;
  what the app's own Python does), median of 5 runs, wall clock and CPU time;
* ``sqlite_ms``: a fixed SQLite workload in memory (inserts in one transaction,
  an index, 2,000 indexed lookups, a GROUP BY), median of 5, wall and CPU;
* the disk's own sync cost beside the benchmark data: 4 KiB overwrite +
  ``fsync`` and 4 KiB append + ``fdatasync`` (p50 / p99 of 200 each);
* the load average and the CPU count.

A quiet reference machine of our kind (2 cores) does ``python_ms`` in about
100 ms and ``sqlite_ms`` in about 60 ms (docs/performance.md keeps the measured
figures). A run whose calibration is far above those was made on a slow or busy
machine: compare its figures with the history (``bench-history.jsonl``), not
with the targets alone.

Run alone: ``python -m tests.bench.calibration``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RUNS = 5
SYNC_SAMPLES = 200


def _python_workload() -> int:
    """A fixed mix of the interpreter's common work (about 0.1 s on a quiet machine)."""
    total = 0
    table: dict[str, int] = {}
    for i in range(60_000):
        key = f"siswa-{i % 5000:05d}"
        table[key] = table.get(key, 0) + i
        total += len(key.upper().split("-")[1])
    words = sorted(table, key=lambda k: (table[k] % 97, k))
    total += sum(int(w[-3:]) for w in words)
    rows = [(i, str(i * 7919 % 100_003)) for i in range(40_000)]
    rows.sort(key=lambda r: r[1])
    return total + rows[0][0]


def _sqlite_workload() -> int:
    """A fixed SQLite job in memory: what the app asks of SQLite, minus the disk."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, nisn TEXT, school TEXT, name TEXT)")
        with con:
            con.executemany(
                "INSERT INTO s (nisn, school, name) VALUES (?, ?, ?)",
                (
                    (f"{i * 7919 % 10**10:010d}", f"2053{i % 50:04d}", f"nama {i % 977}")
                    for i in range(20_000)
                ),
            )
        con.execute("CREATE INDEX s_nisn ON s (nisn)")
        found = 0
        for i in range(0, 20_000, 10):
            row = con.execute(
                "SELECT id FROM s WHERE nisn = ?", (f"{i * 7919 % 10**10:010d}",)
            ).fetchone()
            found += row is not None
        groups = con.execute("SELECT school, count(*) FROM s GROUP BY school").fetchall()
        return found + len(groups)
    finally:
        con.close()


def _timed(fn: Any) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``RUNS`` calls (after one warm-up call)."""
    fn()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(RUNS):
        c = time.thread_time()
        t = time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


class SyncProbe:
    """The disk's own sync cost, sampled where the benchmark's data lives.

    * ``fsync_overwrite``: ``pwrite`` of 4 KiB inside a preallocated 256 KiB file +
      ``fsync`` (what a WAL commit costs once the WAL is reused after a checkpoint);
    * ``fdatasync_append``: 4 KiB appended + ``fdatasync`` (a WAL that is growing).
    """

    def __init__(self, folder: Path) -> None:
        self._paths = (folder / "fsync-probe-overwrite.bin", folder / "fsync-probe-append.bin")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        self._ow = os.open(self._paths[0], flags, 0o600)
        self._ap = os.open(self._paths[1], flags | os.O_APPEND, 0o600)
        self._block = os.urandom(4096)
        os.pwrite(self._ow, os.urandom(64 * 4096), 0)
        os.fsync(self._ow)
        self._i = 0

    def fsync_overwrite(self) -> float:
        self._i += 1
        t = time.perf_counter()
        os.pwrite(self._ow, self._block, (self._i % 64) * 4096)
        os.fsync(self._ow)
        return (time.perf_counter() - t) * 1000

    def fdatasync_append(self) -> float:
        t = time.perf_counter()
        os.write(self._ap, self._block)
        os.fdatasync(self._ap)
        return (time.perf_counter() - t) * 1000

    def close(self) -> None:
        os.close(self._ow)
        os.close(self._ap)
        for path in self._paths:
            path.unlink()


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def disk_sync(folder: Path | None = None, n: int = SYNC_SAMPLES) -> dict[str, float]:
    """p50/p99 of 4 KiB overwrite+fsync and 4 KiB append+fdatasync, in ms."""
    base = folder or Path(os.environ.get("KTPE_BENCH_DIR") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ktpe-calib-", dir=base) as tmp:
        probe = SyncProbe(Path(tmp))
        try:
            overwrite = [probe.fsync_overwrite() for _ in range(n)]
            append = [probe.fdatasync_append() for _ in range(n)]
        finally:
            probe.close()
    return {
        "fsync_4k_p50_ms": round(pct(overwrite, 50), 3),
        "fsync_4k_p99_ms": round(pct(overwrite, 99), 3),
        "fdatasync_4k_append_p50_ms": round(pct(append, 50), 3),
        "fdatasync_4k_append_p99_ms": round(pct(append, 99), 3),
    }


def calibrate(with_disk: bool = True) -> dict[str, Any]:
    """The machine's figures now (about 2 s): CPU workloads, disk sync, load."""
    load = os.getloadavg()
    py_wall, py_cpu = _timed(_python_workload)
    sql_wall, sql_cpu = _timed(_sqlite_workload)
    out: dict[str, Any] = {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python_ms": round(py_wall, 1),
        "python_cpu_ms": round(py_cpu, 1),
        "sqlite_ms": round(sql_wall, 1),
        "sqlite_cpu_ms": round(sql_cpu, 1),
        "loadavg": [round(x, 2) for x in load],
        "cpus": os.cpu_count(),
        "sqlite_version": sqlite3.sqlite_version,
    }
    if with_disk:
        out.update(disk_sync())
    return out


def describe(cal: dict[str, Any]) -> str:
    """One line for the table's header."""
    text = (
        f"python {cal['python_ms']} ms (cpu {cal['python_cpu_ms']}), "
        f"sqlite {cal['sqlite_ms']} ms (cpu {cal['sqlite_cpu_ms']}), "
        f"load {cal['loadavg'][0]:.2f}/{cal['loadavg'][1]:.2f}/{cal['loadavg'][2]:.2f} "
        f"on {cal['cpus']} cpus"
    )
    if "fsync_4k_p50_ms" in cal:
        text += (
            f", fsync 4k p50/p99 {cal['fsync_4k_p50_ms']}/{cal['fsync_4k_p99_ms']} ms, "
            f"fdatasync append p50/p99 {cal['fdatasync_4k_append_p50_ms']}/"
            f"{cal['fdatasync_4k_append_p99_ms']} ms"
        )
    return text


if __name__ == "__main__":
    print(json.dumps(calibrate(), indent=2))
