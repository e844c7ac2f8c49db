"""Every page of every paper as PNG for docs/reports.md (``make screenshots-reports``).

Two laptops are set up in a temporary folder (never in the source tree):

* a state school of 1,500 students (the benchmark's), 30 % with an outcome, a
  principal with a NIP;
* a small private school (36 students in two classes), a principal without NIP,
  failures and an under-age student, synced (the receipt line and code say so).

Each paper is drawn by the same page renderer as the PDF, on A4 and on F4, into
``docs/reports/`` (or the folder given): ``<paper>-<school>-<size>-p<NN>.png``. For the
1,500-student school the class lists are long (two forms × 45 classes): their first
pages are drawn, the rest are the same layout.

    .venv/bin/python -m tests.docs_reports [OUT_DIR]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DPI = 72.0
BIG_CLASS_PAGES = 3
WIB = timedelta(hours=7)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - WIB


def _small_school(folder: Path) -> tuple[Any, str]:
    from sqlalchemy import select

    from ktpe_desktop.core.demo import iter_demo_students
    from ktpe_desktop.core.letterhead import default_letterhead
    from ktpe_desktop.reports.data import save_letterhead
    from ktpe_desktop.services.paper_settings import PaperSettings
    from ktpe_desktop.services.recording import RecordingService
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.repositories import bulk_insert_students
    from ktpe_desktop.storage.store import Store
    from ktpe_desktop.sync.state import LAST_RECEIPT

    store = Store.create(
        folder / "small", "koordinator", "docs-password-1", display_name="Siti Rahayu, S.Sos."
    )
    npsn = "20533635"
    day = date(2024, 11, 27)
    with store.transaction() as s:
        save_letterhead(s, default_letterhead())
        s.add(
            m.School(
                npsn=npsn,
                name="SMAS KATOLIK ST ALBERTUS",
                kind="SMA",
                status="swasta",
                kecamatan="Klojen",
                address="Jl. Talang No. 1",
                target=36,
                visit_date=day,
            )
        )
        rows = []
        for i, st in enumerate(iter_demo_students(11, 36)):
            rows.append(
                {
                    "id": f"K{i:09d}",
                    "school_npsn": npsn,
                    "name": st.name,
                    "nisn": st.nisn,
                    "nik": st.nik,
                    "sex": st.sex.value,
                    "birth_date": st.birth_date if i != 5 else date(2009, 6, 1),
                    "class_name": "XII IPA 1" if i < 18 else "XII IPS 1",
                }
            )
        bulk_insert_students(s, rows)
        s.add(m.Operator(id="petugas1", name="Rina Kusuma", nip="198803122010012003"))
    settings = PaperSettings(store)
    settings.set_signer(display_name=None, nip="197001011995031001")
    settings.set_principal(npsn, name="Romo Yohanes Budi Santoso, S.S., M.Pd.", nip=None)
    plan = ["recorded"] * 20 + ["already_recorded"] * 4 + ["absent"] * 3
    for i, kind in enumerate(plan):
        operator = "koordinator" if i % 2 else "petugas1"
        RecordingService(
            store, now=lambda i=i: _at(day, 8, 5) + timedelta(minutes=4 * i)
        ).record_outcome(f"K{i + 2:09d}", kind, operator)
    svc = RecordingService(store, now=lambda: _at(day, 10, 40))
    svc.record_outcome("K000000000", "failed", "petugas1", reason="siak_offline")
    svc.record_outcome("K000000001", "failed", "petugas1", reason="no_kk")
    svc.record_outcome("K000000005", "not_eligible", "koordinator", reason="under_age")
    with store.transaction() as s:
        s.execute(m.Outbox.__table__.update().values(status=m.OutboxStatus.ACKED.value))
        device = s.scalars(select(m.Device)).one()
        seq = device.next_seq - 1
        s.add(
            m.SyncState(
                key=LAST_RECEIPT,
                value=json.dumps(
                    {
                        "contiguous_seq": seq,
                        "head_hash": device.head_hash,
                        "local_hash_at_seq": device.head_hash,
                    }
                ),
                updated_at=datetime.now(UTC),
            )
        )
    return store, npsn


def _big_school(folder: Path) -> tuple[Any, str]:
    from ktpe_desktop.services.paper_settings import PaperSettings
    from tests.bench.bench_reports import _setup

    (folder / "big").mkdir()
    store, npsn = _setup(folder / "big")
    PaperSettings(store).set_principal(
        npsn, name="Dra. Sri Wahyuni, M.Pd.", nip="196805121993032004"
    )
    PaperSettings(store).set_signer(display_name="Drs. Ahmad Sutrisno", nip="197001011995031001")
    return store, npsn


def _save(doc: Any, out: Path, stem: str, limit: int | None = None) -> list[Path]:
    from PySide6.QtGui import QImage

    written = []
    pages = doc.page_count if limit is None else min(limit, doc.page_count)
    for i in range(pages):
        path = out / f"{stem}-p{i + 1:02d}.png"
        image = doc.page_image(i, DPI).convertToFormat(QImage.Format.Format_Grayscale8)
        assert image.save(str(path)), path
        written.append(path)
    return written


def render_all(out: Path) -> list[Path]:
    os.environ.setdefault("KTPE_FAST_KDF", "1")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ktpe_desktop.reports.class_list import daftar_hadir
    from ktpe_desktop.reports.render import render
    from ktpe_desktop.reports.team_recap import rekap_tim
    from ktpe_desktop.services.report_service import ReportService

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ktpe-docs-") as tmp:
        for label, make, when in (
            ("kecil", _small_school, _at(date(2024, 11, 27), 11, 15)),
            ("1500", _big_school, None),
        ):
            store, npsn = make(Path(tmp))
            try:
                service = (
                    ReportService(store, now=lambda w=when: w) if when else ReportService(store)
                )
                ba = service.school_report(npsn)
                after = service.class_list(npsn, after=True)
                before = service.class_list(npsn, after=False)
                daily = service.daily_report(ba.report_date)
                team = service.team_recap()
                limit = None if label == "kecil" else BIG_CLASS_PAGES
                for paper in ("A4", "F4"):
                    size = paper.lower()
                    written += _save(service.school_document(ba, paper), out, f"ba-{label}-{size}")
                    written += _save(
                        render(daftar_hadir(before), paper),
                        out,
                        f"dh-sebelum-{label}-{size}",
                        limit,
                    )
                    written += _save(
                        render(daftar_hadir(after), paper), out, f"dh-sesudah-{label}-{size}", limit
                    )
                    written += _save(
                        service.daily_document(daily, paper), out, f"rekap-harian-{label}-{size}"
                    )
                    written += _save(
                        render(rekap_tim(team), paper), out, f"rekap-tim-{label}-{size}"
                    )
            finally:
                store.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "docs" / "reports"
    written = render_all(out)
    print(f"{len(written)} pages written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
