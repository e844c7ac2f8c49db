"""`make bench`: run every benchmark of the project, print one table, write JSON.

Each ``tests/bench/bench_*.py`` module exposes functions named ``bench_*`` that
take no argument and return a list of rows ``{name, value, unit, target, ok}``
(``target`` is a human-readable bound such as ``"<= 10"``). A benchmark that
raises is reported as a failed row, and the others still run.
``make bench BENCH=bench_storage`` (a module) or ``BENCH=bench_search`` (a
function) runs a selection.

**The margin rule** (DESIGN.md, performance targets): machines of our kind
differ by about 2x, so each target must hold at half its value on this one.
The runner judges every row with a numeric bound by its *margin target*:

* a timing (unit ``ms`` or ``s``, or a row marked ``"margin": "timing"``, as the
  check-off's ratio to the disk's own sync time): ``<= X`` is judged at ``<= X/2``;
* a throughput (a unit ending in ``/s``): ``>= X`` is judged at ``>= 2X``;
* anything else (sizes, bytes, counts, MB, a row marked ``"margin": "none"``):
  judged at the target itself, the machine's speed does not change it.

A row passes when the benchmark's own verdict (``ok``, which may include checks
such as "nothing lost") holds *and* the value meets the margin target.

**Calibration**: before and after the benchmarks the runner measures the machine
(tests/bench/calibration.py: a fixed pure-Python and a fixed SQLite workload, the
disk's fsync/fdatasync, the load average) and prints it beside the table. Every
run is appended to ``bench-history.jsonl`` (ignored by git; ``$KTPE_BENCH_HISTORY``
to move it) with the calibration, the commit and every row.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HISTORY = Path(os.environ.get("KTPE_BENCH_HISTORY", ROOT / "bench-history.jsonl"))

_BOUND = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*$")
_TIME_UNITS = {"ms", "s"}


def margin_kind(row: dict[str, Any]) -> str:
    """``timing``, ``throughput`` or ``none``: how the margin rule applies to a row."""
    explicit = row.get("margin")
    if explicit in ("timing", "throughput", "none"):
        return str(explicit)
    unit = str(row.get("unit") or "").strip()
    if unit in _TIME_UNITS:
        return "timing"
    if unit.endswith("/s"):
        return "throughput"
    return "none"


def parse_bound(target: object) -> tuple[str, float] | None:
    """``("<=", 10.0)`` for ``"<= 10"``; None for ``"-"``, ``"info"``, ``"80-120"``…"""
    found = _BOUND.match(str(target or ""))
    if found is None:
        return None
    op = {"≤": "<=", "≥": ">="}.get(found.group(1), found.group(1))
    return op, float(found.group(2).replace(",", "").replace("_", ""))


def judge(row: dict[str, Any]) -> dict[str, Any]:
    """The row with ``margin_target`` (text) and ``ok_margin`` (verdict) added."""
    out = dict(row)
    bound = parse_bound(row.get("target"))
    value = row.get("value")
    if bound is None or not isinstance(value, int | float):
        out["margin_target"] = "" if bound is None else str(row.get("target"))
        out["ok_margin"] = row.get("ok")
        return out
    op, limit = bound
    kind = margin_kind(row)
    if kind == "timing" and op in ("<=", "<"):
        limit /= 2
    elif kind == "throughput" and op in (">=", ">"):
        limit *= 2
    meets = {
        "<=": value <= limit,
        "<": value < limit,
        ">=": value >= limit,
        ">": value > limit,
    }[op]
    out["margin_target"] = f"{op} {limit:g}"
    out["ok_margin"] = bool(row.get("ok") is not False and meets)
    return out


def _discover(only: set[str]) -> list[tuple[str, Any]]:
    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(f"tests.bench.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            wanted = not only or name in only or path.stem in only
            if name.startswith("bench_") and fn.__module__ == module.__name__ and wanted:
                found.append((f"{path.stem}.{name}", fn))
    return found


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return out.stdout.strip()
    except OSError:
        return ""


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _verdict(ok: object) -> str:
    return "yes" if ok is True else ("—" if ok is None else "NO")


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max((len(r["name"]) for r in rows), default=10)
    print(
        f"{'benchmark'.ljust(width)}  {'measured':>12}  {'unit':<8}  {'target':<12}  "
        f"{'margin target':<13}  at margin"
    )
    print("-" * (width + 66))
    for r in rows:
        print(
            f"{r['name'].ljust(width)}  {_fmt(r.get('value')):>12}  {r.get('unit', ''):<8}  "
            f"{r.get('target', '')!s:<12}  {r.get('margin_target', '')!s:<13}  "
            f"{_verdict(r.get('ok_margin'))}"
        )


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from tests.bench.calibration import calibrate, describe

    started_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    before = calibrate()
    print(f"calibration before: {describe(before)}", flush=True)
    rows: list[dict[str, Any]] = []
    for label, fn in _discover(set(argv)):
        started = time.perf_counter()
        print(f"… {label} (load {os.getloadavg()[0]:.2f})", flush=True)
        try:
            result = fn()
            for r in result:
                r.setdefault("bench", label)
            rows.extend(result)
        except Exception as exc:  # a broken benchmark is a failed row, not a stop
            traceback.print_exc()
            rows.append(
                {
                    "name": label,
                    "value": None,
                    "unit": "",
                    "target": "runs",
                    "ok": False,
                    "bench": label,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            )
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
    after = calibrate()
    judged = [judge(r) for r in rows]
    print()
    print_table(judged)
    print()
    print(f"calibration before: {describe(before)}")
    print(f"calibration after:  {describe(after)}")
    targets = [r for r in judged if r.get("ok_margin") is not None and r.get("target")]
    failed = [r["name"] for r in targets if r.get("ok_margin") is False]
    print(
        f"margin rule (timings at half, throughputs at twice): "
        f"{len(targets) - len(failed)} of {len(targets)} met"
        + (f"; not met: {', '.join(failed)}" if failed else "")
    )
    out = ROOT / "bench-results.json"
    out.write_text(json.dumps(judged, indent=2, ensure_ascii=False), encoding="utf-8")
    record = {
        "started": started_at,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": _commit(),
        "selection": argv,
        "calibration_before": before,
        "calibration_after": after,
        "rows": judged,
    }
    with HISTORY.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"\nwritten {out}; appended to {HISTORY}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
