"""``ktpe-desktop import-roster FILE --school NPSN [--school-name NAME] --data-dir D``.

Reads a Dapodik export / XLSX / CSV, prints the report (errors, warnings, the merge
plan) and, unless ``--dry-run``, commits it all-or-nothing. A school not on the
laptop yet (a laptop started offline) is created with the import when its NPSN is
in the Kota Malang school list shipped with the app, or when ``--school-name`` gives
its name; otherwise the import is refused. ``--report out.csv``
writes the report for the office. Exit codes: 0 imported (or dry run) with no
held-back rows, 1 imported but some rows were held back with errors, 2 refused
(an unreadable file, an unknown school …, explained on stderr).

The password comes from ``KTPE_PASSWORD`` or is asked for; the user from ``--user``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from ktpe_desktop.imports import MergePlan, RosterPreview, Severity, write_report_csv

_SEVERITY = {Severity.ERROR: "KESALAHAN", Severity.WARNING: "PERINGATAN", Severity.INFO: "info"}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "import-roster",
        help="impor daftar siswa dari XLSX/CSV / import a roster file",
        description="Impor daftar siswa sekolah dari ekspor Dapodik (XLSX) atau CSV. "
        "Baris dengan kesalahan ditahan dan dilaporkan; data yang sudah ada diperbarui, "
        "tidak pernah dihapus.",
    )
    p.add_argument("file", help="berkas .xlsx atau .csv")
    p.add_argument("--school", required=True, help="NPSN sekolah (8 digit)")
    p.add_argument(
        "--school-name",
        default=None,
        help="nama sekolah, bila sekolah belum ada di laptop dan tidak ada di daftar "
        "sekolah Kota Malang (sekolah dibuat bersama impor)",
    )
    p.add_argument("--data-dir", required=True, help="folder data laptop")
    p.add_argument("--user", default=None, help="pengguna lokal (bawaan: koordinator pertama)")
    p.add_argument("--dry-run", action="store_true", help="hanya pratinjau, tidak menyimpan")
    p.add_argument("--report", default=None, help="tulis laporan ke berkas CSV ini")
    p.add_argument("--quiet", action="store_true", help="hanya ringkasan, tanpa baris laporan")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="bahasa laporan")
    p.set_defaults(func=cmd_import_roster)

    p = sub.add_parser(
        "import-siak",
        help="impor daftar belum rekam SIAK / import the SIAK not-yet-recorded list",
        description="Cocokkan daftar penduduk belum rekam dari SIAK (CSV/XLSX dengan kolom NIK "
        "dan Nama) dengan daftar siswa satu sekolah: siswa yang tidak ada di daftar itu "
        "ditandai Sudah Terekam Sebelumnya (sumber SIAK, dapat dibatalkan).",
    )
    p.add_argument("file", help="berkas .xlsx atau .csv dari SIAK")
    p.add_argument("--school", required=True, help="NPSN sekolah (8 digit)")
    p.add_argument("--data-dir", required=True, help="folder data laptop")
    p.add_argument("--user", default=None, help="pengguna lokal (bawaan: koordinator pertama)")
    p.add_argument("--dry-run", action="store_true", help="hanya pratinjau, tidak menyimpan")
    p.add_argument("--quiet", action="store_true", help="hanya ringkasan")
    p.set_defaults(func=cmd_import_siak)


def print_report(
    preview: RosterPreview,
    plan: MergePlan | None,
    *,
    lang: str = "id",
    quiet: bool = False,
    out: TextIO | None = None,
) -> None:
    """The report as text lines: ``[row] SEVERITY column: message`` (default: stdout)."""
    out = out if out is not None else sys.stdout  # looked up per call, not at import
    if not quiet:
        for line in preview.lines + (plan.lines if plan is not None else []):
            where = f"baris {line.row}" if line.row is not None else "berkas"
            column = f" [{line.column}]" if line.column else ""
            print(f"{where:>12} {_SEVERITY[line.severity]:<11}{column} {line.text(lang)}", file=out)
    print(
        f"Baris siswa: {preview.total_rows} — siap {len(preview.rows)}, ditahan "
        f"{len(preview.held_back)}"
        + (f", ganda {len(preview.duplicates_dropped)}" if preview.duplicates_dropped else "")
        + f"; kesalahan {len(preview.errors)}, peringatan {len(preview.warnings)}.",
        file=out,
    )
    if plan is not None:
        s = plan.summary()
        print(
            f"Rencana: {s['new']} baru, {s['changed']} berubah, {s['unchanged']} tetap, "
            f"{s['missing']} tidak ada di berkas (tidak dihapus), {s['skipped']} dilewati.",
            file=out,
        )


def cmd_import_roster(args: argparse.Namespace) -> int:
    from ktpe_desktop.commands._common import open_store_for_cli
    from ktpe_desktop.services.import_service import ImportRefused, ImportService

    store = open_store_for_cli(args)
    try:
        service = ImportService(store)
        try:
            new_school = service.new_school(args.school, args.school_name)
        except ImportRefused as exc:
            print(f"Kesalahan: {exc.message}", file=sys.stderr)
            if exc.code == "unknown_school":
                print(
                    'Beri nama sekolahnya dengan --school-name "NAMA SEKOLAH"; sekolah '
                    "akan dibuat bersama impor ini.",
                    file=sys.stderr,
                )
            return 2
        if new_school is not None:
            print(
                f"Sekolah {new_school.name} (NPSN {new_school.npsn}) belum ada di laptop ini; "
                "akan ditambahkan bersama impor."
            )
        preview, plan = service.preview(Path(args.file), args.school, school_name=args.school_name)
        print_report(preview, plan, lang=args.lang, quiet=args.quiet)
        if args.report:
            from ktpe_desktop.reports.export import EXPORT_WARNING

            # The report names students (names, NISN): the same warning as an export.
            print(
                f"PERHATIAN: laporan impor berisi data pribadi. {EXPORT_WARNING}", file=sys.stderr
            )
            write_report_csv(preview, plan, Path(args.report))
            print(f"Laporan ditulis ke {Path(args.report).resolve()}.")
        if args.dry_run:
            print("Uji coba (--dry-run): tidak ada yang disimpan.")
        elif plan.is_empty:
            print("Tidak ada yang perlu disimpan.")
        else:
            result = service.commit(
                preview, plan, args.school, store.username, school_name=args.school_name
            )
            if result.school_created:
                print(f"Sekolah {new_school.name if new_school else args.school} ditambahkan.")
            print(
                f"Tersimpan: {result.added} siswa baru, {result.changed} dikoreksi "
                f"(peristiwa seq {result.first_seq}–{result.last_seq})."
            )
    finally:
        store.close()
    return 1 if preview.held_back else 0


def cmd_import_siak(args: argparse.Namespace) -> int:
    from ktpe_desktop.commands._common import open_store_for_cli
    from ktpe_desktop.services.siak_service import SiakService

    store = open_store_for_cli(args)
    try:
        service = SiakService(store)
        plan = service.preview(Path(args.file), args.school)
        for line in plan.lines if not args.quiet else plan.lines[:1]:
            print(f"{_SEVERITY[line.severity]:<11} {line.message}")
        if args.dry_run:
            print("Uji coba (--dry-run): tidak ada yang disimpan.")
            return 0
        written = service.commit(plan, store.username)
        print(
            f"Tersimpan: {written} siswa ditandai Sudah Terekam Sebelumnya (sumber SIAK); "
            "dapat dibatalkan per siswa dengan Batalkan."
        )
    finally:
        store.close()
    return 0
