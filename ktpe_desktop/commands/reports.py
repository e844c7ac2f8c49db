"""``ktpe-desktop report …`` and ``ktpe-desktop export …``: the reports, headless.

    ktpe-desktop report school NPSN --data-dir D --pdf OUT.pdf [--paper A4|F4] [--date D]
    ktpe-desktop report day --date YYYY-MM-DD --data-dir D --pdf OUT.pdf [--paper A4|F4]
    ktpe-desktop report classes NPSN --data-dir D --pdf OUT.pdf [--after] [--date D]
    ktpe-desktop report team --data-dir D --pdf OUT.pdf [--paper A4|F4]
    ktpe-desktop export school NPSN --data-dir D (--xlsx OUT.xlsx | --csv OUT.csv)

The password comes from ``$KTPE_PASSWORD`` or is asked for; ``--user`` (or
``$KTPE_USER``) names the local user who signs and is audited. Rendering runs
without a display (Qt's ``offscreen`` platform). On a full disk or a read-only data
folder the papers are still made (opened read-only); their audit rows wait
(``Store.defer_audit``) and the next writer writes them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from ktpe_desktop.commands._common import add_store_arguments, data_dir_of, password, user_of
from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.reports.export import EXPORT_WARNING
from ktpe_desktop.services.session import open_store, open_store_readonly
from ktpe_desktop.storage.errors import DataDirNotWritable, DiskFull

PAPERS = ("A4", "F4")


def register(subparsers: Any) -> None:
    report = subparsers.add_parser("report", help="Berita Acara dan rekapitulasi (PDF)")
    sub = report.add_subparsers(dest="report_command", metavar="REPORT", required=True)

    p = sub.add_parser("school", help="Berita Acara satu sekolah")
    p.add_argument("npsn", help="NPSN sekolah (8 angka)")
    add_store_arguments(p)
    p.add_argument("--pdf", required=True, help="berkas PDF tujuan")
    p.add_argument("--paper", type=str.upper, choices=PAPERS, default="A4")
    p.add_argument(
        "--date",
        type=_parse_date,
        default=None,
        help="hari kunjungan YYYY-MM-DD (bawaan: hari ini); kunjungan beberapa hari = satu BA",
    )
    p.set_defaults(func=cmd_report_school)

    p = sub.add_parser("day", help="rekapitulasi harian tim")
    p.add_argument("--date", required=True, type=_parse_date, help="tanggal YYYY-MM-DD")
    add_store_arguments(p)
    p.add_argument("--pdf", required=True, help="berkas PDF tujuan")
    p.add_argument("--paper", type=str.upper, choices=PAPERS, default="A4")
    p.set_defaults(func=cmd_report_day)

    p = sub.add_parser("classes", help="Daftar Hadir per Rombel satu sekolah")
    p.add_argument("npsn", help="NPSN sekolah (8 angka)")
    add_store_arguments(p)
    p.add_argument("--pdf", required=True, help="berkas PDF tujuan")
    p.add_argument("--paper", type=str.upper, choices=PAPERS, default="A4")
    p.add_argument(
        "--after", action="store_true", help="sesudah pelayanan: hasil tiap siswa terisi"
    )
    p.add_argument("--date", type=_parse_date, default=None, help="tanggal YYYY-MM-DD")
    p.set_defaults(func=cmd_report_classes)

    p = sub.add_parser("team", help="rekapitulasi semua sekolah di laptop ini")
    add_store_arguments(p)
    p.add_argument("--pdf", required=True, help="berkas PDF tujuan")
    p.add_argument("--paper", type=str.upper, choices=PAPERS, default="A4")
    p.set_defaults(func=cmd_report_team)

    exp = subparsers.add_parser("export", help="ekspor data siswa (XLSX/CSV; data pribadi!)")
    sub = exp.add_subparsers(dest="export_command", metavar="EXPORT", required=True)
    p = sub.add_parser("school", help="data siswa dan hasil satu sekolah")
    p.add_argument("npsn", help="NPSN sekolah (8 angka)")
    add_store_arguments(p)
    fmt = p.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--xlsx", help="berkas XLSX tujuan")
    fmt.add_argument("--csv", help="berkas CSV tujuan")
    p.set_defaults(func=cmd_export_school)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"tanggal tidak valid: {text!r} (pakai YYYY-MM-DD)"
        ) from None


def _service(args: argparse.Namespace) -> Any:
    from ktpe_desktop.services.report_service import ReportService

    data_dir, user, secret = data_dir_of(args), user_of(args), password()
    try:
        store = open_store(data_dir, user, secret)
    except (DiskFull, DataDirNotWritable) as exc:
        # A paper only reads the data: it is made from a full disk or a read-only
        # folder too, and its audit row waits for the next writer (Store.defer_audit).
        store = open_store_readonly(data_dir, user, secret)
        print(
            f"PERHATIAN: {exc.message} Laporan dibuat dengan data hanya-baca; catatan audit "
            "cetaknya disimpan sementara dan dicatat saat data dapat ditulis lagi. / The "
            "report is made read-only; its audit row is kept aside and written once the data "
            "can be written again.",
            file=sys.stderr,
        )
    return ReportService(store)


def _check_npsn(npsn: str) -> str:
    if not (len(npsn) == 8 and npsn.isdigit()):
        raise KnownError(
            f"NPSN harus 8 angka: {npsn!r}", f"An NPSN has 8 digits: {npsn!r}", code="bad_npsn"
        )
    return npsn


def cmd_report_school(args: argparse.Namespace) -> int:
    npsn = _check_npsn(args.npsn)
    service = _service(args)
    try:
        result = service.school_pdf(npsn, args.pdf, args.paper, report_date=args.date)
    finally:
        service.store.close()
    copy = " (SALINAN)" if result.copy else ""
    print(
        f"Berita Acara {result.number}{copy}: {result.pages} halaman {result.paper} → {result.path}"
    )
    return 0


def cmd_report_day(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        result = service.daily_pdf(args.date, args.pdf, args.paper)
    finally:
        service.store.close()
    print(f"Rekapitulasi {result.number}: {result.pages} halaman {result.paper} → {result.path}")
    return 0


def cmd_report_classes(args: argparse.Namespace) -> int:
    npsn = _check_npsn(args.npsn)
    service = _service(args)
    try:
        result = service.class_list_pdf(npsn, args.pdf, args.paper, after=args.after, day=args.date)
    finally:
        service.store.close()
    print(f"Daftar Hadir per Rombel: {result.pages} halaman {result.paper} → {result.path}")
    return 0


def cmd_report_team(args: argparse.Namespace) -> int:
    service = _service(args)
    try:
        result = service.team_recap_pdf(args.pdf, args.paper)
    finally:
        service.store.close()
    print(
        f"Rekapitulasi Tim {result.number}: {result.pages} halaman {result.paper} → {result.path}"
    )
    return 0


def cmd_export_school(args: argparse.Namespace) -> int:
    npsn = _check_npsn(args.npsn)
    print(f"PERHATIAN: {EXPORT_WARNING}", file=sys.stderr)
    service = _service(args)
    try:
        if args.xlsx:
            result = service.export_school_xlsx(npsn, args.xlsx)
        else:
            result = service.export_school_csv(npsn, args.csv)
    finally:
        service.store.close()
    print(f"Diekspor {result.rows} siswa ({result.format.upper()}) → {result.path}")
    return 0
