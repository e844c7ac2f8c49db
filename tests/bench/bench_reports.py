"""Benchmark: the Berita Acara PDF of a 1,500-student school (target ≤ 1 s).

Measured end to end as the UI and the CLI call it — ``ReportService.school_pdf``:
the queries, the layout (the ~1,200 students not yet recorded listed over 29 pages),
the PDF made in memory, the durable write and the audit row. The data folder is set up first
(not timed): a school of 1,500 students, 30 % of them with an outcome.

    .venv/bin/python -m tests.bench.bench_reports
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_S = 1.0
STUDENTS = 1500
RUNS = 5


def _setup(folder: Path, students: int = STUDENTS) -> tuple[Any, str]:
    os.environ.setdefault("KTPE_FAST_KDF", "1")  # the key slot's KDF is not what we measure
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ktpe_desktop.core.demo import iter_demo_students
    from ktpe_desktop.services.recording import RecordingService
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.repositories import bulk_insert_students
    from ktpe_desktop.storage.store import Store

    store = Store.create(folder / "data", "koordinator", "bench-password-1", display_name="Bench")
    npsn = "20539999"
    with store.transaction() as s:
        s.add(
            m.Campaign(
                id="bench",
                name="Bench",
                reference_date=__import__("datetime").date(2024, 11, 27),
                government_name="Pemerintah Kota Malang",
                office_name="Dinas Kependudukan dan Pencatatan Sipil Kota Malang",
                office_address="Jl. Mayjen Sungkono, Kota Malang",
                region_code="35.73",
            )
        )
        s.add(
            m.School(
                npsn=npsn,
                name="SMKN BENCH MALANG",
                kind="SMK",
                status="negeri",
                kecamatan="Klojen",
                address="JL. BENCH 1",
                target=students,
            )
        )
        rows = []
        for i, st in enumerate(iter_demo_students(7, students)):
            rows.append(
                {
                    "id": f"X{i:09d}",
                    "school_npsn": npsn,
                    "name": st.name,
                    "nisn": st.nisn,
                    "nik": st.nik,
                    "sex": st.sex.value,
                    "birth_date": st.birth_date,
                    "class_name": st.class_name,
                }
            )
        bulk_insert_students(s, rows)
    rng = random.Random(3)
    service = RecordingService(store)
    for sid in rng.sample([r["id"] for r in rows], students * 3 // 10):
        service.record_outcome(sid, rng.choice(["recorded", "recorded", "absent"]), "bench")
    return store, npsn


def bench_school_pdf() -> list[dict[str, Any]]:
    return school_pdf_rows(STUDENTS)


def school_pdf_timings(students: int, runs: int = RUNS) -> dict[str, Any]:
    """Seconds of ``ReportService.school_pdf`` for a school of ``students``.

    Keys: ``median`` and ``cpu`` (median wall and process CPU time of ``runs``
    calls), ``layout`` and ``paint`` (one call each), ``pages``.
    """
    from ktpe_desktop.reports.render import ensure_gui_application
    from ktpe_desktop.services.report_service import ReportService

    with tempfile.TemporaryDirectory(prefix="ktpe-bench-") as tmp:
        folder = Path(tmp)
        store, npsn = _setup(folder, students)
        try:
            ensure_gui_application()
            reports = ReportService(store)
            reports.school_pdf(npsn, folder / "warmup.pdf")  # fonts, Qt plugins
            times = []
            cpu = []
            pages = 0
            for i in range(runs):
                c = time.process_time()
                started = time.perf_counter()
                result = reports.school_pdf(npsn, folder / f"ba-{i}.pdf")
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - c)
                pages = result.pages
            report = reports.school_report(npsn)
            started = time.perf_counter()
            doc = reports.school_document(report)
            layout = time.perf_counter() - started
            started = time.perf_counter()
            doc.pdf_bytes()
            paint = time.perf_counter() - started
        finally:
            store.close()
    return {
        "median": statistics.median(times),
        "cpu": statistics.median(cpu),
        "layout": layout,
        "paint": paint,
        "pages": pages,
    }


def school_pdf_rows(students: int) -> list[dict[str, Any]]:
    t = school_pdf_timings(students)
    median = t["median"]
    return [
        {
            "name": f"school_pdf {students} students ({t['pages']} pages), median of {RUNS}",
            "value": round(median, 3),
            "unit": "s",
            "target": f"<= {TARGET_S}",
            "ok": median <= TARGET_S,
        },
        {
            "name": "  of which CPU time (process)",
            "value": round(t["cpu"], 3),
            "unit": "s",
            "target": "",
            "ok": None,
        },
        {
            "name": "  of which layout",
            "value": round(t["layout"], 3),
            "unit": "s",
            "target": "",
            "ok": None,
        },
        {
            "name": "  of which PDF painting",
            "value": round(t["paint"], 3),
            "unit": "s",
            "target": "",
            "ok": None,
        },
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    for row in bench_school_pdf():
        print(row)
