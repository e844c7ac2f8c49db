"""The school hub: how fast a save reaches the other stations, and what it costs.

* ``bench_hub_visibility``: a hub and two stations, each its own process on
  loopback; station A saves, station B polls its own database until the student
  shows the outcome. Target: p95 ≤ 2 s (judged at 1 s).
* ``bench_hub_day``: a hub serving 4 stations that each record one student every
  20 s for a day of 1,500 students, time-compressed (every 20 s becomes
  ``20 / COMPRESSION`` s). The hub's CPU over a real day is estimated from its CPU
  while idle with 4 stations connected (long polls, interval rounds) plus its CPU
  per save while busy; target < 5% of one core (judged at 2.5%, a share of CPU
  time). "Never delays a station's save": what a save waits for the hub link's
  writes (the writer gate's wait, measured in each station), p99 ≤ 20 ms (the
  check-off commit's own budget; judged at 10 ms); beside it the stations' saves
  against a control laptop that joins no hub and saves at the same moments.

Run alone: ``python -m tests.bench.bench_hub``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("KTPE_FAST_KDF", "1")

DAY_STUDENTS = 1500
STATIONS = 4
SECONDS_PER_STUDENT = 20.0
COMPRESSION = 20.0
BUSY_SAVES_PER_STATION = 60
IDLE_S = 20.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _laptops(tmp: Path, names: list[str], roster: int) -> list[Any]:
    from tests.reliability.test_hub_network import Proc

    os.environ["KTPE_BENCH_TXN"] = "1"  # the children time their link's transactions
    procs = [Proc(tmp / n, []).start() for n in names]
    for p in procs:
        p.ok("init", team="tim-bench", roster=roster)
    return procs


def _start(
    tmp: Path, names: list[str], roster: int, procs: list[Any] | None = None
) -> tuple[Any, list[Any], str, str]:
    from tests.reliability.test_hub_network import _free_port

    procs = procs or _laptops(tmp, names, roster)
    hub = procs[0]
    port = _free_port()
    started = hub.ok("hub_start", port=port)
    hub.ok("link_start")
    for p in procs[1:]:
        p.ok("join", address=f"127.0.0.1:{started['port']}", code=started["code"])
        p.ok("link_start")
    return hub, procs, started["code"], str(started["port"])


def _paced_saves(
    stations: list[Any], period: float, per_station: int, first_index: int
) -> list[list[float]]:
    """Each station saves one student every ``period`` s, staggered; the save times,
    per station."""
    saves: list[list[float]] = [[] for _ in stations]

    def day(k: int, proc: Any) -> None:
        start = time.perf_counter() + k * period / len(stations)
        for j in range(per_station):
            delay = start + j * period - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            index = first_index + k * per_station + j
            saves[k].append(proc.ok("record", index=index)["save_s"])

    threads = [threading.Thread(target=day, args=(k, p)) for k, p in enumerate(stations)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return saves


def bench_hub_visibility(samples: int = 40) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="ktpe-bench-hub-"))
    procs: list[Any] = []
    try:
        _hub, procs, _code, _port = _start(tmp, ["hub", "station-a", "station-b"], 200)
        a, b = procs[1], procs[2]
        latencies: list[float] = []
        time.sleep(1.0)  # links connected, long polls in place
        for i in range(samples):
            a.ok("record", index=i)
            saved_at = time.perf_counter()
            while b.ok("state", index=i)["status"] != "recorded":
                if time.perf_counter() - saved_at > 30:
                    raise AssertionError(f"student {i} not visible at B within 30 s")
                time.sleep(0.01)
            latencies.append(time.perf_counter() - saved_at)
            time.sleep(0.3)
        p95 = _pct(latencies, 0.95)
        return [
            {
                "name": "hub: save on A -> visible on B, p95",
                "value": round(p95, 3),
                "unit": "s",
                "target": "<= 2",
                "ok": True,
            },
            {
                "name": "hub: save on A -> visible on B, median",
                "value": round(_pct(latencies, 0.5), 3),
                "unit": "s",
                "target": "info",
                "ok": True,
            },
        ]
    finally:
        for p in procs:
            p.quit()
        shutil.rmtree(tmp, ignore_errors=True)


def bench_hub_day() -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="ktpe-bench-hubday-"))
    procs: list[Any] = []
    try:
        names = ["hub"] + [f"station-{i + 1}" for i in range(STATIONS)]
        procs = _laptops(tmp, [*names, "control"], DAY_STUDENTS)
        # The control: a laptop of the same kind that joins no hub and saves at the
        # same pace at the same moments, on the same loaded machine; the stations'
        # saves are compared with its saves (a baseline taken before would meet
        # another load: the machine is shared).
        control = procs.pop()
        period = SECONDS_PER_STUDENT / COMPRESSION
        hub, procs, _code, _port = _start(tmp, names, DAY_STUDENTS, procs)
        procs.append(control)  # quit with the others
        stations = procs[1 : 1 + STATIONS]
        time.sleep(10.0)  # past the first rounds (first pulls, first receipts)
        # Idle: 4 stations connected, nothing recorded.
        cpu0, t0 = hub.ok("cpu")["cpu_s"], time.perf_counter()
        time.sleep(IDLE_S)
        cpu1, t1 = hub.ok("cpu")["cpu_s"], time.perf_counter()
        idle_rate = (cpu1 - cpu0) / (t1 - t0)
        # Busy: each station records one student every 20 s / COMPRESSION.
        for p in (hub, *stations):
            p.ok("txn_reset")
        cpu2, t2 = hub.ok("cpu")["cpu_s"], time.perf_counter()
        # The hub laptop is a station too (station 1): it records at the same pace.
        own, *per_station, baseline = _paced_saves(
            [hub, *stations, control], period, BUSY_SAVES_PER_STATION, first_index=0
        )
        saves = [t for times in per_station for t in times]
        time.sleep(2 * period)  # the last rounds
        cpu3, t3 = hub.ok("cpu")["cpu_s"], time.perf_counter()
        txn = [p.ok("txn_stats") for p in stations]
        hub_txn = hub.ok("txn_stats")
        busy_s = t3 - t2
        n = (STATIONS + 1) * BUSY_SAVES_PER_STATION
        per_save = max(0.0, (cpu3 - cpu2) - idle_rate * busy_s) / n
        day_s = DAY_STUDENTS / STATIONS * SECONDS_PER_STUDENT
        day_cpu_pct = 100.0 * (idle_rate + per_save * DAY_STUDENTS / day_s)
        # Everyone converged (the hub's own store holds every station's save).
        expected = n
        deadline = time.perf_counter() + 60
        while hub.ok("events")["count"] < expected and time.perf_counter() < deadline:
            time.sleep(0.2)
        held = hub.ok("events")["count"]
        waits = sorted(w for t in txn for w in t["waits"])
        waited = [w for w in waits if w > 0.001]
        return [
            {
                "name": f"hub: average CPU over a day ({STATIONS} stations, 1 student/20 s each)",
                "value": round(day_cpu_pct, 2),
                "unit": "% of a core",
                "target": "< 5",
                "margin": "timing",  # a share of CPU time: judged at half, as timings
                "ok": held == expected,
            },
            {
                "name": "hub: CPU while idle with 4 stations connected",
                "value": round(100 * idle_rate, 2),
                "unit": "% of a core",
                "target": "info",
                "ok": True,
            },
            {
                "name": "hub: CPU per save served",
                "value": round(per_save * 1000, 1),
                "unit": "ms CPU",
                "target": "info",
                "margin": "none",
                "ok": True,
            },
            {
                # The one way the link can delay a save: the save waits for the writer
                # while a link transaction holds it (the link yields to waiting saves).
                "name": "station: a save's wait for the hub link's writes, p99",
                "value": round(1000 * _pct(waits, 0.99), 2),
                "unit": "ms",
                "target": "<= 20",
                "ok": bool(waits),
            },
            {
                "name": "station: saves that waited for the link at all (> 1 ms)",
                "value": len(waited),
                "unit": f"of {len(waits)}",
                "target": "info",
                "ok": True,
            },
            {
                "name": "hub laptop (station 1): its own save p99 while serving",
                "value": round(1000 * _pct(own, 0.99), 1),
                "unit": "ms",
                "target": "info",
                "ok": True,
            },
            {
                "name": "hub laptop: a save's wait for its link's writes, p99",
                "value": round(1000 * _pct(sorted(hub_txn["waits"]), 0.99), 2),
                "unit": "ms",
                "target": "<= 20",
                "ok": bool(hub_txn["waits"]),
            },
            {
                "name": "station: hub link write transaction held, p99",
                "value": round(1000 * max(t["p99_s"] for t in txn), 1),
                "unit": "ms",
                "target": "info",
                "ok": True,
            },
            {
                "name": "station save p99 while syncing with the hub",
                "value": round(1000 * _pct(saves, 0.99), 1),
                "unit": "ms",
                "target": "info",
                "ok": True,
            },
            {
                "name": "control laptop's save p99, no hub (same pace, same moments)",
                "value": round(1000 * _pct(baseline, 0.99), 1),
                "unit": "ms",
                "target": "info",
                "ok": True,
            },
            {
                "name": "station save p99 with the hub / control (6 laptops on this one CPU)",
                "value": round(_pct(saves, 0.99) / max(1e-6, _pct(baseline, 0.99)), 2),
                "unit": "x",
                "target": "info",
                "ok": True,
            },
            {
                "name": "station save median with the hub / control",
                "value": round(_pct(saves, 0.5) / max(1e-6, _pct(baseline, 0.5)), 2),
                "unit": "x",
                "target": "info",
                "ok": True,
            },
        ]
    finally:
        for p in procs:
            p.quit()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for fn in (bench_hub_visibility, bench_hub_day):
        for row in fn():
            print(row)
