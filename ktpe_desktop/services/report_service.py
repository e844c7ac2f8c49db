"""The report use cases: Berita Acara and daily recap (data, PDF), exports, audit.

The UI and the CLI call :class:`ReportService`; it reads through
:mod:`ktpe_desktop.reports.data`, renders through :mod:`ktpe_desktop.reports.render`
(imported only when a PDF is made, so that this module stays Qt-free), and writes
one audit row per print, PDF and export: who, when, which school or day, how many
pages / rows, and where the file went — never a personal value.

A visit's Berita Acara gets its number at its first print (kept in
``document_number`` in the same transaction as the print's audit row); a reprint
keeps that number and says *Salinan* with the reprint time. The preview of
:meth:`ReportService.school_report` shows the number the print will carry.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ktpe_desktop.core.collector import collector_paused
from ktpe_desktop.reports import class_list, document, export, team_recap
from ktpe_desktop.reports import data as rdata
from ktpe_desktop.reports.files import check_destination, write_file_atomically
from ktpe_desktop.services.audit import audit
from ktpe_desktop.storage.errors import DataDirNotWritable, DiskFull
from ktpe_desktop.storage.models import AuditAction
from ktpe_desktop.storage.store import Store

if TYPE_CHECKING:
    from ktpe_desktop.reports.render import PagedDocument

PDF_SUFFIXES = (".pdf",)


@dataclass(frozen=True, slots=True)
class PdfResult:
    path: str
    pages: int
    number: str
    paper: str
    copy: bool = False  # a reprint of a visit's Berita Acara (Salinan)


class ReportService:
    """Reports of the unlocked store.

    Args:
        store: the unlocked store (its user signs and is the audit actor).
        now: the wall clock (tests inject it).
    """

    def __init__(
        self, store: Store, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.store = store
        self._now = now

    # ------------------------------------------------------------ data

    def school_report(
        self, npsn: str, *, report_date: date | None = None, counter: int | None = None
    ) -> rdata.SchoolReport:
        """What the school's Berita Acara prints (the number of its next print).

        Raises:
            SchoolNotFound, SchoolPurged: see :mod:`ktpe_desktop.reports.data`.
        """
        with self.store.session() as s:
            return rdata.load_school_report(
                s,
                npsn,
                printed_at=self._now(),
                report_date=report_date,
                petugas=rdata.signatory_for(s, self.store.username, "Koordinator Tim"),
                counter=counter,
            )

    def daily_report(self, day: date, *, counter: int | None = None) -> rdata.DailyReport:
        """The team's recap of ``day`` (every school scheduled or worked that day)."""
        with self.store.session() as s:
            return rdata.load_daily_report(
                s,
                day,
                printed_at=self._now(),
                koordinator=rdata.signatory_for(s, self.store.username, "Koordinator Tim"),
                counter=counter,
            )

    # ------------------------------------------------------------ documents

    @staticmethod
    def school_document(report: rdata.SchoolReport, paper: str = "A4") -> PagedDocument:
        """The laid-out Berita Acara (for a preview, a PDF or a printer). Needs Qt."""
        from ktpe_desktop.reports.render import render

        return render(document.berita_acara(report), paper)

    @staticmethod
    def daily_document(report: rdata.DailyReport, paper: str = "A4") -> PagedDocument:
        from ktpe_desktop.reports.render import render

        return render(document.rekap_harian(report), paper)

    def school_pdf(
        self,
        npsn: str,
        path: str | os.PathLike[str],
        paper: str = "A4",
        *,
        report_date: date | None = None,
    ) -> PdfResult:
        """Write the school's Berita Acara to ``path`` (chosen by the user) and audit it.

        Raises:
            DestinationError: no path, a folder, a missing folder, not ``.pdf``, or
                the file cannot be written.
            SchoolNotFound, SchoolPurged, KnownError (unknown paper).
        """
        target = check_destination(path, PDF_SUFFIXES)
        with collector_paused():
            report = self.school_report(npsn, report_date=report_date)
            doc = self.school_document(report, paper)
            return self._pdf(
                target,
                doc,
                rdata.berita_acara_subject(npsn),
                document="berita_acara",
                number=report.number,
                extra={
                    "npsn": npsn,
                    "students_listed": len(report.follow_up),
                    "visit": [
                        report.visit.first_day.isoformat(),
                        report.visit.last_day.isoformat(),
                    ],
                    "copy": report.is_copy,
                },
                report=report,
            )

    def daily_pdf(self, day: date, path: str | os.PathLike[str], paper: str = "A4") -> PdfResult:
        """Write the daily recap of ``day`` to ``path`` and audit it."""
        target = check_destination(path, PDF_SUFFIXES)
        report = self.daily_report(day)
        doc = self.daily_document(report, paper)
        return self._pdf(
            target,
            doc,
            rdata.rekap_harian_subject(day),
            document="rekap_harian",
            number=report.number,
            extra={"day": day.isoformat(), "schools": len(report.rows)},
        )

    def _pdf(
        self,
        target: Path,
        doc: PagedDocument,
        subject: str,
        *,
        document: str,
        number: str,
        extra: dict[str, Any],
        report: rdata.SchoolReport | None = None,
    ) -> PdfResult:
        """Write ``doc`` to ``target`` as a PDF and audit it as one print."""
        _write_audited(
            target,
            doc.pdf_bytes(),
            lambda: self.record_print(
                subject,
                document=document,
                number=number,
                pages=doc.page_count,
                paper=doc.paper,
                output="pdf",
                destination=target,
                extra=extra,
                report=report,
            ),
        )
        copy = report.is_copy if report is not None else False
        return PdfResult(str(target), doc.page_count, number, doc.paper, copy)

    def record_print(
        self,
        subject: str,
        *,
        document: str,
        number: str,
        pages: int,
        paper: str,
        output: str,
        destination: Path | str | None = None,
        extra: dict[str, Any] | None = None,
        report: rdata.SchoolReport | None = None,
    ) -> None:
        """Audit one print (``output`` "printer" or "pdf").

        For a Berita Acara (``report``), the first print of a visit keeps its number
        in the same transaction, so every reprint carries it.
        """
        detail: dict[str, Any] = {
            "document": document,
            "number": number,
            "pages": pages,
            "paper": paper,
            "output": output,
        }
        if destination is not None:
            detail["destination"] = str(destination)
        detail.update(extra or {})
        if not self.store.readonly:
            try:
                with self.store.transaction() as s:
                    if report is not None:
                        rdata.keep_number(s, report, self.store.username)
                    audit(s, self.store.username, AuditAction.PRINT, subject, detail)
                return
            except (DiskFull, DataDirNotWritable):
                pass  # reading must not depend on writing: the row waits (below)
        kept: dict[str, Any] | None = None
        if report is not None and report.original is None:
            kept = {
                "document": rdata.BERITA_ACARA,
                "subject": report.school.npsn,
                "first_day": report.visit.first_day.isoformat(),
                "last_day": report.visit.last_day.isoformat(),
                "counter": report.counter,
                "number": report.number,
                "issued_at": report.printed_at.astimezone(UTC).isoformat(),
                "issued_by": self.store.username,
            }
        self.store.defer_audit(AuditAction.PRINT, subject, detail, document_number=kept)

    # ------------------------------------------------------------ class lists, team recap

    def class_list(
        self, npsn: str, *, after: bool, day: date | None = None, class_name: str | None = None
    ) -> class_list.ClassList:
        """The Daftar Hadir per Rombel of a school (before the visit, or ``after`` it)."""
        with self.store.session() as s:
            return class_list.load_class_list(
                s,
                npsn,
                after=after,
                day=day,
                printed_at=self._now(),
                petugas=rdata.signatory_for(s, self.store.username, "Petugas"),
                class_name=class_name,
            )

    def class_list_pdf(
        self,
        npsn: str,
        path: str | os.PathLike[str],
        paper: str = "A4",
        *,
        after: bool,
        day: date | None = None,
    ) -> PdfResult:
        """Write the Daftar Hadir per Rombel to ``path`` and audit it."""
        from ktpe_desktop.reports.render import render

        target = check_destination(path, PDF_SUFFIXES)
        with collector_paused():
            listing = self.class_list(npsn, after=after, day=day)
            doc = render(class_list.daftar_hadir(listing), paper)
            which = "sesudah" if after else "sebelum"
            return self._pdf(
                target,
                doc,
                f"daftar_hadir:{npsn}",
                document="daftar_hadir",
                number="-",
                extra={
                    "npsn": npsn,
                    "after": after,
                    "classes": len(listing.classes),
                    "students": listing.student_count,
                    "which": which,
                },
            )

    def team_recap(self) -> team_recap.TeamRecap:
        """The recap of every school on this laptop (outcome × L/P, IKD)."""
        with self.store.session() as s:
            return team_recap.load_team_recap(
                s,
                printed_at=self._now(),
                koordinator=rdata.signatory_for(s, self.store.username, "Koordinator Tim"),
            )

    def team_recap_pdf(self, path: str | os.PathLike[str], paper: str = "A4") -> PdfResult:
        """Write the team recap to ``path`` and audit it (its print numbers the next)."""
        from ktpe_desktop.reports.render import render

        target = check_destination(path, PDF_SUFFIXES)
        recap = self.team_recap()
        doc = render(team_recap.rekap_tim(recap), paper)
        return self._pdf(
            target,
            doc,
            team_recap.rekap_tim_subject(recap.day),
            document="rekap_tim",
            number=recap.number,
            extra={"schools": len(recap.rows)},
        )

    # ------------------------------------------------------------ exports

    def export_school_xlsx(
        self, npsn: str, path: str | os.PathLike[str], actor: str | None = None
    ) -> export.ExportResult:
        """Export the school's students and outcomes to an XLSX file chosen by the user.

        Raises:
            DestinationError, SchoolNotFound, SchoolPurged.
        """
        target = check_destination(path, export.XLSX_SUFFIXES)
        report = self.school_report(npsn)
        with self.store.session() as s:
            students = rdata.school_students_for_export(s, npsn)
        payload = export.school_xlsx_bytes(report, students)
        return self._finish_export(npsn, target, payload, len(students), "xlsx", actor)

    def export_school_csv(
        self, npsn: str, path: str | os.PathLike[str], actor: str | None = None
    ) -> export.ExportResult:
        """Export the school's students and outcomes to a CSV file chosen by the user."""
        target = check_destination(path, export.CSV_SUFFIXES)
        with self.store.session() as s:
            students = rdata.school_students_for_export(s, npsn)
        payload, rows = export.school_csv_bytes(students)
        return self._finish_export(npsn, target, payload, rows, "csv", actor)

    def _finish_export(
        self, npsn: str, target: Path, payload: bytes, rows: int, fmt: str, actor: str | None
    ) -> export.ExportResult:
        def record() -> None:
            detail = {"format": fmt, "npsn": npsn, "rows": rows, "destination": str(target)}
            if not self.store.readonly:
                try:
                    with self.store.transaction() as s:
                        audit(s, actor or self.store.username, AuditAction.EXPORT,
                              f"students:{npsn}", detail)  # fmt: skip
                    return
                except (DiskFull, DataDirNotWritable):
                    pass  # the row waits, as a print's does
            self.store.defer_audit(AuditAction.EXPORT, f"students:{npsn}", detail)

        _write_audited(target, payload, record)
        return export.ExportResult(str(target), rows, fmt)


def _write_audited(target: Path, payload: bytes, record: Callable[[], None]) -> None:
    """Write ``payload`` to ``target``, then ``record`` its audit row.

    A file that cannot be audited must not stay on disk: it is removed again.
    """
    write_file_atomically(target, payload)
    try:
        record()
    except BaseException:
        target.unlink(missing_ok=True)
        raise


__all__ = ["PdfResult", "ReportService"]
