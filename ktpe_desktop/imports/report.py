"""The import report as a CSV file for the office (Excel-friendly: UTF-8 BOM, ``;``)."""

from __future__ import annotations

import csv
from pathlib import Path

from ktpe_desktop.imports.merge import MergePlan
from ktpe_desktop.imports.model import ReportLine, RosterPreview, Severity

__all__ = ["REPORT_COLUMNS", "report_lines", "write_report_csv"]

REPORT_COLUMNS = ("baris", "kolom", "sel", "tingkat", "kode", "pesan", "message_en")
_SEVERITY_ID = {Severity.ERROR: "kesalahan", Severity.WARNING: "peringatan", Severity.INFO: "info"}


def report_lines(preview: RosterPreview, plan: MergePlan | None = None) -> list[ReportLine]:
    """A summary line, the preview's lines, then the plan's lines."""
    held = len(preview.held_back)
    text_id = (
        f"Ringkasan: {preview.total_rows} baris siswa; {len(preview.rows)} siap, {held} ditahan "
        f"karena kesalahan; {len(preview.errors)} kesalahan, {len(preview.warnings)} peringatan."
    )
    text_en = (
        f"Summary: {preview.total_rows} student rows; {len(preview.rows)} ready, {held} held "
        f"back with errors; {len(preview.errors)} errors, {len(preview.warnings)} warnings."
    )
    if plan is not None:
        s = plan.summary()
        text_id += (
            f" Rencana: {s['new']} baru, {s['changed']} berubah, {s['unchanged']} tetap, "
            f"{s['missing']} tidak ada di berkas, {s['skipped']} dilewati."
        )
        text_en += (
            f" Plan: {s['new']} new, {s['changed']} changed, {s['unchanged']} unchanged, "
            f"{s['missing']} missing from the file, {s['skipped']} skipped."
        )
    lines = [ReportLine(None, None, Severity.INFO, "summary", text_id, text_en)]
    lines += preview.lines
    if plan is not None:
        lines += plan.lines
    return lines


def write_report_csv(preview: RosterPreview, plan: MergePlan | None, path: Path | str) -> None:
    """Write the report: one line per problem, row numbers as the spreadsheet shows them.

    Args:
        preview: the read file.
        plan: the merge plan, or None when there is no roster to compare with.
        path: the CSV to write (UTF-8 with BOM, ``;`` delimiter, for Excel).
    """
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(REPORT_COLUMNS)
        for line in report_lines(preview, plan):
            writer.writerow(
                (
                    "" if line.row is None else line.row,
                    line.column or "",
                    line.cell or "",
                    _SEVERITY_ID[line.severity],
                    line.code,
                    line.message,
                    line.message_en,
                )
            )
