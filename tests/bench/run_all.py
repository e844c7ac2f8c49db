"""`make bench`: run every benchmark of the project, print one table, write JSON.

Each ``tests/bench/bench_*.py`` module exposes functions named ``bench_*`` that
take no argument and return a list of rows ``{name, value, unit, target, ok}``
(``target`` is a human-readable bound such as ``"<= 10"``). A benchmark that
raises is reported as a failed row, and the others still run.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _discover(only: set[str]) -> list[tuple[str, Any]]:
    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(f"tests.bench.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            wanted = not only or name in only or path.stem in only
            if name.startswith("bench_") and fn.__module__ == module.__name__ and wanted:
                found.append((f"{path.stem}.{name}", fn))
    return found


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    rows: list[dict[str, Any]] = []
    for label, fn in _discover(set(argv)):
        started = time.perf_counter()
        print(f"… {label}", flush=True)
        try:
            result = fn()
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
                    "error": f"{type(exc).__name__}: {exc}",
                }
            )
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
    width = max((len(r["name"]) for r in rows), default=10)
    print()
    print(f"{'benchmark'.ljust(width)}  {'value':>12}  {'unit':<8}  {'target':<14}  ok")
    print("-" * (width + 46))
    for r in rows:
        value = (
            "—"
            if r.get("value") is None
            else f"{r['value']:.2f}"
            if isinstance(r["value"], float)
            else str(r["value"])
        )
        ok = "yes" if r.get("ok") else ("—" if r.get("ok") is None else "NO")
        print(
            f"{r['name'].ljust(width)}  {value:>12}  {r.get('unit', ''):<8}  "
            f"{r.get('target', '')!s:<14}  {ok}"
        )
    out = ROOT / "bench-results.json"
    out.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
