"""Every page of every paper as PNG for docs/reports.md (``make screenshots-reports``).

Two laptops are set up in a temporary folder (never in the source tree):

* a state vocational school of 1,500 students in 42 classes (rombel) of about 36,
  30 % served on one day by three operators (every outcome, reasons, IKD, an
  anomaly), a principal with a NIP, not yet synced;
* a small private school (36 students in two classes), a principal without NIP,
  failures and an under-age student, synced (the receipt line and code say so).

Each paper is drawn by the same page renderer as the PDF, on A4 and on F4, into
``docs/reports/`` (or the folder given): ``<paper>-<school>-<size>-p<NN>.png``, every
page of every paper.

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
WIB = timedelta(hours=7)
DAY = date(2024, 11, 27)


def _campaign() -> Any:
    from ktpe_desktop.core.demo import DemoCampaign

    # Pilkada 2024's voting day: the students are born 2006-2008 as on the papers' day.
    return DemoCampaign(id="docs", reference_date=date(2024, 11, 27))


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
        for i, st in enumerate(iter_demo_students(11, 36, campaign=_campaign())):
            rows.append(
                {
                    "id": f"K{i:09d}",
                    "school_npsn": npsn,
                    "name": st.name,
                    "nisn": st.nisn,
                    "nik": st.nik,
                    "sex": st.sex.value,
                    "birth_date": st.birth_date if i not in (5, 29) else date(2009, 6, 1),
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
    # A student marked under age after an operator recorded her: the anomaly of
    # Lampiran III. Another, under age, is Tidak Memenuhi Syarat.
    svc.record_outcome("K000000005", "not_eligible", "koordinator", reason="under_age")
    svc.record_outcome("K000000029", "not_eligible", "koordinator", reason="under_age")
    svc.activate_ikd("K000000002", "petugas1")
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


#: A state SMK's programmes (kompetensi keahlian) and how many classes of each.
BIG_CLASSES = (
    ("TKJ", 6),
    ("RPL", 6),
    ("TKR", 6),
    ("TITL", 5),
    ("TPM", 5),
    ("AKL", 5),
    ("OTKP", 5),
    ("DKV", 4),
)
BIG_OPERATORS = (
    ("petugas1", "Rina Kusuma", "198803122010012003"),
    ("petugas2", "Bagus Prasetyo, A.Md.", "199105072019031008"),
    ("petugas3", "Dewi Lestari", None),
)


def _big_school(folder: Path) -> tuple[Any, str]:
    """SMKN 5 Malang: 1,500 students in 42 classes; 30 % served on 27 November 2024."""
    import random

    from ktpe_desktop.core.demo import iter_demo_students
    from ktpe_desktop.core.letterhead import default_letterhead
    from ktpe_desktop.reports.data import save_letterhead
    from ktpe_desktop.services.paper_settings import PaperSettings
    from ktpe_desktop.services.recording import RecordingService
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.repositories import bulk_insert_students
    from ktpe_desktop.storage.store import Store

    store = Store.create(folder / "big", "koordinator", "docs-password-1", display_name=None)
    npsn = "20533816"
    classes = [f"XII {major} {n}" for major, count in BIG_CLASSES for n in range(1, count + 1)]
    with store.transaction() as s:
        save_letterhead(s, default_letterhead())
        s.add(
            m.School(
                npsn=npsn,
                name="SMKN 5 MALANG",
                kind="SMK",
                status="negeri",
                kecamatan="Lowokwaru",
                address="Jl. Ikan Piranha Atas, Tunjungsekar",
                target=1500,
                visit_date=DAY,
            )
        )
        rows = []
        for i, st in enumerate(iter_demo_students(7, 1500, campaign=_campaign())):
            rows.append(
                {
                    "id": f"B{i:09d}",
                    "school_npsn": npsn,
                    "name": st.name,
                    "nisn": st.nisn,
                    "nik": st.nik,
                    "sex": st.sex.value,
                    "birth_date": st.birth_date,
                    "class_name": classes[i * len(classes) // 1500],
                }
            )
        bulk_insert_students(s, rows)
        for op_id, name, nip in BIG_OPERATORS:
            s.add(m.Operator(id=op_id, name=name, nip=nip))
    settings = PaperSettings(store)
    settings.set_signer(display_name="Drs. Ahmad Sutrisno", nip="197001011995031001")
    settings.set_principal(npsn, name="Dra. Sri Wahyuni, M.Pd.", nip="196805121993032004")
    rng = random.Random(3)
    served = rng.sample([r["id"] for r in rows], 450)
    plan = (
        [("recorded", None)] * 330
        + [("already_recorded", None)] * 40
        + [("absent", None)] * 50
        + [("failed", "siak_offline")] * 9
        + [("failed", "no_kk")] * 6
        + [("failed", "data_mismatch")] * 5
        + [("failed", "device_error")] * 2
        + [("not_eligible", "under_age")] * 6
        + [("not_eligible", "not_a_resident")] * 2
    )
    start = _at(DAY, 7, 30)
    operators = [op for op, _, _ in BIG_OPERATORS]
    for i, (sid, (kind, reason)) in enumerate(zip(served, plan, strict=True)):
        at = start + timedelta(seconds=round(i * 6 * 3600 / len(plan)))
        service = RecordingService(store, now=lambda at=at: at)
        service.record_outcome(sid, kind, operators[i % 3], reason=reason)
        if kind == "recorded" and i % 5 == 0:
            service.activate_ikd(sid, operators[i % 3])
    # An outcome that contradicts an earlier one: Lampiran III's anomaly.
    RecordingService(store, now=lambda: _at(DAY, 13, 40)).record_outcome(
        served[0], "already_recorded", "koordinator"
    )
    _other_schools(store, operators)
    return store, npsn


#: The team's other schools on the big laptop (for the Rekapitulasi Tim): name, NPSN,
#: status, students, visit day (days before DAY) and how many were served.
OTHER_SCHOOLS = (
    ("SMAN 1 MALANG", "20533800", "negeri", 320, 2, 290),
    ("SMAS KATOLIK FRATERAN", "20533901", "swasta", 140, 1, 118),
    ("SMKS PGRI 3 MALANG", "20533902", "swasta", 260, -1, 0),  # visited tomorrow
)


def _other_schools(store: Any, operators: list[str]) -> None:
    import random

    from ktpe_desktop.core.demo import iter_demo_students
    from ktpe_desktop.services.recording import RecordingService
    from ktpe_desktop.storage import models as m
    from ktpe_desktop.storage.repositories import bulk_insert_students

    rng = random.Random(11)
    for n, (name, npsn, status, size, before, served) in enumerate(OTHER_SCHOOLS):
        day = DAY - timedelta(days=before)
        with store.transaction() as s:
            s.add(
                m.School(
                    npsn=npsn,
                    name=name,
                    kind=name[:3],
                    status=status,
                    kecamatan="Klojen",
                    address="Kota Malang",
                    target=size,
                    visit_date=day,
                )
            )
            rows = [
                {
                    "id": f"O{n}{i:08d}",
                    "school_npsn": npsn,
                    "name": st.name,
                    "nisn": st.nisn,
                    "nik": st.nik,
                    "sex": st.sex.value,
                    "birth_date": st.birth_date,
                    "class_name": f"XII-{i * 4 // size + 1}",
                }
                for i, st in enumerate(iter_demo_students(20 + n, size, campaign=_campaign()))
            ]
            bulk_insert_students(s, rows)
        kinds = ["recorded"] * 8 + ["already_recorded", "absent"]
        for i, row in enumerate(rng.sample(rows, served)):
            at = _at(day, 8) + timedelta(seconds=i * 5 * 3600 // max(served, 1))
            service = RecordingService(store, now=lambda at=at: at)
            kind = rng.choice(kinds)
            service.record_outcome(row["id"], kind, operators[i % 3])
            if kind == "recorded" and i % 4 == 0:
                service.activate_ikd(row["id"], operators[i % 3])


def _save(doc: Any, out: Path, stem: str) -> list[Path]:
    """Every page as a 16-level grey PNG (4 bits a pixel: a few hundred pages stay a
    few MB in the repository, and text stays as sharp as the 72-dpi raster)."""
    from io import BytesIO

    from PIL import Image
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage

    written = []
    for i in range(doc.page_count):
        path = out / f"{stem}-p{i + 1:02d}.png"
        image = doc.page_image(i, DPI).convertToFormat(QImage.Format.Format_Grayscale8)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        assert image.save(buffer, "PNG"), path
        grey = Image.open(BytesIO(bytes(data.data()))).convert("L")
        levels = grey.point(lambda v: (v * 15 + 127) // 255 * 17)
        levels.quantize(16).save(path, bits=4, optimize=True)
        written.append(path)
    return written


def render_all(out: Path) -> list[Path]:
    os.environ.setdefault("KTPE_FAST_KDF", "1")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    # The laptops' device ids come from uuid4: seeded here, so a page that shows no
    # chain hash (the unsynced school's) is the same picture at every run and git
    # keeps only the pages that changed.
    import random
    import uuid
    from unittest import mock

    seeded = random.Random(2024)
    ids = mock.patch.object(
        uuid, "uuid4", lambda: uuid.UUID(int=seeded.getrandbits(128), version=4)
    )
    # And the laptops' hybrid clocks, which stamp every event (and so the chain hash
    # the synced school's receipt prints): one millisecond further at each reading.
    from types import SimpleNamespace

    from ktpe_desktop.core import hlc

    start_ns = int(_at(DAY, 7).timestamp() * 1e9)
    readings = iter(range(10**9))
    clock = mock.patch.object(
        hlc, "time", SimpleNamespace(time_ns=lambda: start_ns + next(readings) * 1_000_000)
    )
    ids.start()
    clock.start()
    try:
        return _render_all(out)
    finally:
        clock.stop()
        ids.stop()


def _render_all(out: Path) -> list[Path]:
    from ktpe_desktop.reports.class_list import daftar_hadir
    from ktpe_desktop.reports.render import render
    from ktpe_desktop.reports.team_recap import rekap_tim
    from ktpe_desktop.services.report_service import ReportService

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ktpe-docs-") as tmp:
        for label, make, when in (
            ("kecil", _small_school, _at(DAY, 11, 15)),
            ("1500", _big_school, _at(DAY, 14, 5)),
        ):
            store, npsn = make(Path(tmp))
            try:
                service = ReportService(store, now=lambda w=when: w)
                ba = service.school_report(npsn)
                after = service.class_list(npsn, after=True)
                before = service.class_list(npsn, after=False)
                daily = service.daily_report(ba.report_date)
                team = service.team_recap()
                for paper in ("A4", "F4"):
                    size = paper.lower()
                    written += _save(service.school_document(ba, paper), out, f"ba-{label}-{size}")
                    written += _save(
                        render(daftar_hadir(before), paper), out, f"dh-sebelum-{label}-{size}"
                    )
                    written += _save(
                        render(daftar_hadir(after), paper), out, f"dh-sesudah-{label}-{size}"
                    )
                    written += _save(
                        service.daily_document(daily, paper), out, f"rekap-harian-{label}-{size}"
                    )
                    written += _save(
                        render(rekap_tim(team), paper), out, f"rekap-tim-{label}-{size}"
                    )
                if label == "kecil":
                    # A reprint the next morning: same number, "SALINAN" with both times.
                    service.school_pdf(npsn, Path(tmp) / "asli.pdf")
                    later = ReportService(store, now=lambda: _at(DAY + timedelta(days=1), 9, 5))
                    copy = later.school_report(npsn, report_date=DAY)
                    assert copy.is_copy, "the reprint must say SALINAN"
                    for paper in ("A4", "F4"):
                        written += _save(
                            later.school_document(copy, paper),
                            out,
                            f"ba-salinan-{label}-{paper.lower()}",
                        )
            finally:
                store.close()
    return written


PAPER_TITLES = {
    "ba": "Berita Acara",
    "ba-salinan": "Berita Acara reprinted the next morning (SALINAN)",
    "dh-sebelum": "Daftar Hadir per Rombel, before the visit",
    "dh-sesudah": "Daftar Hadir per Rombel, after the visit",
    "rekap-harian": "Rekapitulasi Harian",
    "rekap-tim": "Rekapitulasi Tim",
}
SCHOOL_TITLES = {
    "kecil": "small private school (36 students)",
    "1500": "SMK Negeri 5 Malang (1,500 students, 42 classes)",
}


def write_index(out: Path, written: list[Path]) -> Path:
    """``index.md`` beside the images: every page of every paper, three to a row."""
    groups: dict[tuple[str, str, str], list[Path]] = {}
    for path in sorted(written):
        stem = path.stem.rsplit("-p", 1)[0]  # e.g. "dh-sebelum-1500-a4"
        paper, school, size = stem.rsplit("-", 2)
        groups.setdefault((paper, school, size), []).append(path)
    lines = [
        "# Every page of every paper",
        "",
        "Written by `make screenshots-reports` (`tests/docs_reports.py`); do not edit. "
        "What the papers contain and the conventions they follow: "
        "[docs/reports.md](../reports.md).",
        "",
    ]
    order = list(PAPER_TITLES)
    for (paper, school, size), pages in sorted(
        groups.items(), key=lambda kv: (kv[0][1] != "kecil", order.index(kv[0][0]), kv[0][2])
    ):
        title = f"{PAPER_TITLES[paper]}, {SCHOOL_TITLES[school]}, {size.upper()}"
        lines += [f"## {title} ({len(pages)} pages)", ""]
        for start in range(0, len(pages), 3):
            row = pages[start : start + 3]
            lines.append("| " + " | ".join(f"page {p.stem.rsplit('-p', 1)[1]}" for p in row) + " |")
            lines.append("|" + "---|" * len(row))
            lines.append("| " + " | ".join(f"![{p.stem}]({p.name})" for p in row) + " |")
            lines.append("")
    index = out / "index.md"
    index.write_text("\n".join(lines), encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "docs" / "reports"
    written = render_all(out)
    write_index(out, written)
    print(f"{len(written)} pages written to {out}, with index.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
