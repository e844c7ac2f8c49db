"""The figures of the kill and corruption loops, for `make soak`'s table (issue 17).

Each loop calls :func:`note` once with what it saw (cycles, events confirmed,
events lost, events recovered by salvage, checks that said "intact" while events
were missing). When ``$KTPE_SOAK_REPORT`` names a file, a JSON line is appended to
it; otherwise nothing happens (``make test``). ``python -m
tests.reliability.soak_report FILE`` prints the table in Markdown.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

COLUMNS = (
    ("cycles", "cycles"),
    ("confirmed", "events confirmed"),
    ("lost", "events lost"),
    ("recovered", "recovered by salvage"),
    ("intact_while_missing", '"intact" while missing'),
)


def note(
    loop: str,
    *,
    cycles: int,
    confirmed: int,
    lost: int = 0,
    recovered: int = 0,
    intact_while_missing: int = 0,
    remark: str = "",
) -> None:
    """Append one loop's figures to ``$KTPE_SOAK_REPORT`` (when set)."""
    target = os.environ.get("KTPE_SOAK_REPORT")
    if not target:
        return
    row = {
        "loop": loop,
        "cycles": cycles,
        "confirmed": confirmed,
        "lost": lost,
        "recovered": recovered,
        "intact_while_missing": intact_while_missing,
        "remark": remark,
    }
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, sort_keys=True) + "\n")


def table(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    head = "| loop | " + " | ".join(label for _, label in COLUMNS) + " | note |"
    out = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    totals = dict.fromkeys((key for key, _ in COLUMNS), 0)
    for row in rows:
        cells = []
        for key, _ in COLUMNS:
            totals[key] += int(row.get(key, 0))
            cells.append(f"{int(row.get(key, 0)):,}")
        out.append(f"| {row['loop']} | " + " | ".join(cells) + f" | {row.get('remark', '')} |")
    out.append("| **all** | " + " | ".join(f"**{totals[k]:,}**" for k, _ in COLUMNS) + " | |")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - make soak's last step
    report = Path(sys.argv[1])
    print(table(report) if report.exists() else "no soak figures were written")
