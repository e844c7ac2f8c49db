"""Printing a report through the system print dialog (Qt), with an audit row.

The UI calls :func:`print_document` with the report it shows and the
:class:`~ktpe_desktop.services.report_service.ReportService` it got it from; the
pages are painted by the same page renderer as the PDF, so paper and PDF match.
Every print that reaches the printer is audited (and numbers the next Berita
Acara of that school).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPainter
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.reports import data as rdata
from ktpe_desktop.reports.render import LAYOUT_DPI, PagedDocument

if TYPE_CHECKING:
    from ktpe_desktop.services.report_service import ReportService


class PrinterUnavailable(KnownError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"Printer {name or '(tanpa nama)'} tidak dapat dipakai. Periksa kabel, kertas, "
            "dan driver printer, lalu coba lagi.",
            f"Printer {name or '(unnamed)'} cannot be used. Check its cable, paper and "
            "driver, then try again.",
            code="printer_unavailable",
        )


def make_printer(doc: PagedDocument) -> QPrinter:
    """A printer set up for ``doc``: its paper, orientation, the whole page usable."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setFullPage(True)
    printer.setPageLayout(
        QPageLayout(doc.page_layout.pageSize(), doc.page_layout.orientation(), QMarginsF())
    )
    printer.setDocName(doc.spec.title)
    printer.setCreator("KTP-el Jemput Bola")
    printer.setFromTo(1, doc.page_count)
    return printer


def pages_to_print(printer: QPrinter, page_count: int) -> list[int]:
    """0-based indexes of the pages the user chose in the dialog (all by default)."""
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(1, printer.fromPage())
        last = min(page_count, printer.toPage() or page_count)
        return list(range(first - 1, last))
    return list(range(page_count))


def print_to(printer: QPrinter, doc: PagedDocument) -> list[int]:
    """Paint ``doc`` on ``printer``; returns the pages printed (0-based).

    Raises:
        PrinterUnavailable: the printer refused to start.
    """
    pages = pages_to_print(printer, doc.page_count)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterUnavailable(printer.printerName())
    try:
        # The printer's paper origin is the page's corner (full page); our layout
        # units are 1/96 inch, the printer's are its own dots.
        scale_x = printer.logicalDpiX() / LAYOUT_DPI
        scale_y = printer.logicalDpiY() / LAYOUT_DPI
        for n, index in enumerate(pages):
            if n:
                printer.newPage()
            painter.save()
            painter.scale(scale_x, scale_y)
            doc.paint_page(painter, index)
            painter.restore()
    finally:
        painter.end()
    return pages


def _subject_and_kind(report: rdata.SchoolReport | rdata.DailyReport) -> tuple[str, str]:
    if isinstance(report, rdata.SchoolReport):
        return rdata.berita_acara_subject(report.school.npsn), "berita_acara"
    return rdata.rekap_harian_subject(report.day), "rekap_harian"


@dataclass(frozen=True)
class Printed:
    """Where a print went: a printer, or a PDF file (``pdf_path``) when the dialog's
    "print to file" was chosen (the only choice on a machine without a printer)."""

    pdf_path: str | None = None


def print_document(
    parent: QWidget | None,
    report: rdata.SchoolReport | rdata.DailyReport,
    service: ReportService,
    *,
    paper: str = "A4",
    title_format: str = "Cetak {title}",
) -> Printed | None:
    """Show the system print dialog and print ``report``; audit what was printed.

    Args:
        title_format: the dialog's title, in the UI's language (``{title}``: the
            document's title).

    Returns:
        Where it was printed; None when the user cancelled.

    Raises:
        PrinterUnavailable: the chosen printer cannot be used.
    """
    if isinstance(report, rdata.SchoolReport):
        doc = service.school_document(report, paper)
    else:
        doc = service.daily_document(report, paper)
    printer = make_printer(doc)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title_format.format(title=doc.spec.title))
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setMinMax(1, doc.page_count)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    pdf_path = None
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        pdf_path = printer.outputFileName() or None
    pages = print_to(printer, doc)
    subject, kind = _subject_and_kind(report)
    extra: dict[str, object] = {"printer": printer.printerName() or "-"}
    school_report = report if isinstance(report, rdata.SchoolReport) else None
    if school_report is not None:
        extra["npsn"] = school_report.school.npsn
        extra["copy"] = school_report.is_copy
    service.record_print(
        subject,
        document=kind,
        number=report.number,
        pages=len(pages),
        paper=doc.paper,
        output="pdf" if pdf_path else "printer",
        destination=pdf_path,
        extra=extra,
        report=school_report,
    )
    return Printed(pdf_path)


__all__ = ["Printed", "PrinterUnavailable", "make_printer", "print_document", "print_to"]
