"""The report, sync and import actions of the main window."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
)

from ktpe_desktop.ui.i18n import current_language, tr
from ktpe_desktop.ui.ops import Lane, Op
from ktpe_desktop.ui.settings import (
    LAST_SAVE_DIR,
    PAPER_SIZE,
)
from ktpe_desktop.ui.window.base import WindowBase

# The dialogs are imported when they open: the login page does not wait for them.
if TYPE_CHECKING:
    from ktpe_desktop.ui.dialogs.school_chooser import ChosenSchool

log = logging.getLogger("ktpe.ui")


class ReportActions(WindowBase):
    """Sinkronkan, Cetak/Simpan reports, Ekspor, roster imports."""

    def show_quarantine(self) -> None:
        if self.workspace is None or self.is_locked:
            return
        from ktpe_desktop.ui.dialogs.quarantine import QuarantineDialog

        dialog = QuarantineDialog(self.workspace, self)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    # ================================================================ sync, reports, import

    def sync_now(self) -> None:
        if self.sync_driver is None:
            return
        if self.sync_driver.online is False:
            # say why nothing seems to happen; the round still tries (the network may be back)
            self.show_toast(
                tr(
                    "Luring (offline): server tidak terjangkau. Data aman di laptop dan "
                    "terkirim otomatis saat daring."
                ),
                error=True,
            )
        else:
            self.show_toast(tr("Menyinkronkan…"))
        self.sync_driver.sync_now()

    def report(self, kind: str) -> None:
        """Save a paper as PDF (Berita Acara, Daftar Hadir before/after, Rekapitulasi
        Harian, Rekapitulasi Tim) or the school's export (XLSX)."""
        ws = self.workspace
        if ws is None:
            return
        npsn = self.school.npsn if self.school else None
        if kind not in ("daily", "team") and npsn is None:
            self.show_toast(tr("Pilih sekolah dulu (Ctrl+1)."), error=True)
            return
        names = {
            "berita_acara": (f"berita-acara-{npsn}.pdf", "PDF (*.pdf)"),
            "daily": (f"rekap-harian-{self.today:%Y-%m-%d}.pdf", "PDF (*.pdf)"),
            "classes_before": (f"daftar-hadir-{npsn}.pdf", "PDF (*.pdf)"),
            "classes_after": (f"daftar-hadir-hasil-{npsn}.pdf", "PDF (*.pdf)"),
            "team": (f"rekap-tim-{self.today:%Y-%m-%d}.pdf", "PDF (*.pdf)"),
            "export": (f"siswa-{npsn}.xlsx", "Excel (*.xlsx)"),
        }
        default, pattern = names[kind]
        if kind == "export" and not self._confirm_export():
            return
        folder = self.settings.get(LAST_SAVE_DIR) or QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Simpan sebagai"), str(Path(folder) / default), pattern
        )
        if not path:
            return
        self.settings.set(LAST_SAVE_DIR, str(Path(path).parent))
        paper = self.settings.get(PAPER_SIZE)
        today = self.today

        def work() -> str:
            service = ws.report_service()
            if kind == "berita_acara":
                service.school_pdf(npsn, path, paper)
            elif kind == "daily":
                service.daily_pdf(today, path, paper)
            elif kind in ("classes_before", "classes_after"):
                service.class_list_pdf(npsn, path, paper, after=kind == "classes_after")
            elif kind == "team":
                service.team_recap_pdf(path, paper)
            else:
                service.export_school_xlsx(npsn, path, ws.user.username)
            return Path(path).name

        Op(self, work).success(
            lambda name: self.show_toast(tr("Tersimpan ke berkas {file}").format(file=name))
        ).run()

    def _confirm_export(self) -> bool:
        """Exports hold personal data: say so, and let the user step back."""
        from ktpe_desktop.reports.export import EXPORT_WARNING, EXPORT_WARNING_EN

        text = EXPORT_WARNING_EN if current_language() == "en" else EXPORT_WARNING
        answer = QMessageBox.warning(
            self,
            tr("Ekspor data pribadi"),
            text,
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Ok

    def print_report(self, kind: str) -> None:
        """Cetak: the report is built off the UI thread, then the system print dialog."""
        ws = self.workspace
        if ws is None:
            return
        npsn = self.school.npsn if self.school else None
        if kind == "berita_acara" and npsn is None:
            self.show_toast(tr("Pilih sekolah dulu (Ctrl+1)."), error=True)
            return
        today = self.today
        paper = self.settings.get(PAPER_SIZE)
        service = ws.report_service()

        def build() -> Any:
            if kind == "berita_acara":
                return service.school_report(npsn)
            return service.daily_report(today)

        def show_dialog(report: Any) -> None:
            from ktpe_desktop.reports.printing import Printed, print_document

            printed = print_document(
                self, report, service, paper=paper, title_format=tr("Cetak {title}")
            )
            if isinstance(printed, Printed) and printed.pdf_path:
                # "Print to file" (a laptop without a printer): say where the file is
                self.show_toast(tr("Tersimpan ke berkas {file}").format(file=printed.pdf_path))
            elif printed:
                self.show_toast(tr("Dokumen dikirim ke printer."))

        Op(self, build, lane=Lane.READ).success(show_dialog).run()

    def open_import(self) -> None:
        """Import a roster for the school open in Daftar Siswa, or choose the school first."""
        if self.school is None:
            self.import_other_school()
        else:
            from ktpe_desktop.ui.dialogs.school_chooser import ChosenSchool

            self._import_for(ChosenSchool(self.school.npsn, self.school.name, on_laptop=True))

    def import_other_school(self) -> None:
        """Choose a school (on the laptop, from the public list, or by NPSN), then import."""
        ws = self.workspace
        if ws is None:
            return
        from ktpe_desktop.ui.dialogs.school_chooser import SchoolChooserDialog

        chooser = SchoolChooserDialog(
            ws.schools(), preselect=self.school.npsn if self.school else None, parent=self
        )
        self.school_chooser = chooser

        def chosen() -> None:
            if chooser.chosen is not None:
                self._import_for(chooser.chosen)

        chooser.accepted.connect(chosen)
        chooser.open()

    def import_siak_list(self) -> None:
        """Daftar belum rekam SIAK: choose the office's list, see what it would mark, confirm."""
        ws = self.workspace
        if ws is None or self.is_locked:
            return
        if self.school is None:
            self.show_toast(tr("Pilih sekolah dulu (Ctrl+1)."), error=True)
            return
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Daftar belum rekam SIAK"), "", tr("Excel atau CSV (*.xlsx *.csv)")
        )
        if not path:
            return
        npsn = self.school.npsn
        from ktpe_desktop.services.changes import What
        from ktpe_desktop.services.siak_service import SiakService

        service = SiakService(ws.store)

        def confirm(plan: Any) -> None:
            names = "\n".join(f"• {s.name} ({s.class_name})" for s in plan.already[:15])
            more = len(plan.already) - 15
            if more > 0:
                names += "\n" + tr("… dan {n} lainnya").format(n=more)
            answer = QMessageBox.question(
                self,
                tr("Daftar belum rekam SIAK"),
                plan.summary()
                + ("\n\n" + tr("Ditandai Sudah Terekam Sebelumnya (sumber SIAK):") + "\n" + names)
                * bool(plan.already),
                QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Ok or not plan.already:
                return

            def commit() -> int:
                written = service.commit(plan, ws.user.username)
                ws.notify_changed([s.student_id for s in plan.already], [What.OUTCOME, What.OUTBOX])
                return written

            Op(self, commit).success(
                lambda n: self.show_toast(
                    tr("%Ln siswa ditandai Sudah Terekam Sebelumnya (sumber SIAK).", None, n)
                )
            ).run()

        Op(self, lambda: service.preview(path, npsn), lane=Lane.READ).success(confirm).run()

    def show_paper_settings(self) -> None:
        """Kop surat dan penanda tangan: letterhead, own name/NIP, the school's principal."""
        ws = self.workspace
        if ws is None or self.is_locked:
            return
        from ktpe_desktop.services.paper_settings import PaperSettings
        from ktpe_desktop.ui.dialogs.paper_settings import PaperSettingsDialog

        dialog = PaperSettingsDialog(
            PaperSettings(ws.store),
            npsn=self.school.npsn if self.school is not None else None,
            school_name=self.school.name if self.school is not None else "",
            parent=self,
        )
        self.paper_settings_dialog = dialog
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def _import_for(self, school: ChosenSchool) -> None:
        ws = self.workspace
        if ws is None:
            return
        from ktpe_desktop.services.paper_settings import PaperSettings

        settings = PaperSettings(ws.store)
        if ws.user.is_lead and settings.needs_letterhead():
            # The first import on a laptop without campaign settings: ask for the kop
            # surat now (prefilled for Kota Malang), then go on with the import.
            from ktpe_desktop.ui.dialogs.paper_settings import PaperSettingsDialog

            ask = PaperSettingsDialog(settings, letterhead_only=True, parent=self)
            self.paper_settings_dialog = ask
            ask.finished.connect(lambda _r: self._open_import_dialog(school))
            ask.open()
            return
        self._open_import_dialog(school)

    def _open_import_dialog(self, school: ChosenSchool) -> None:
        ws = self.workspace
        if ws is None:
            return
        from ktpe_desktop.imports.scan_worker import ScanWorker
        from ktpe_desktop.ui.dialogs.import_roster import ImportDialog

        # The sheet's scan gets a process of its own (D48), started now: it is ready
        # by the time a file is chosen, and stopped when the dialog closes.
        scanner = ScanWorker.start()
        try:
            dialog = ImportDialog(
                ws.import_service(scanner),
                school.npsn,
                ws.user.username,
                school_name=school.name,
                new_school=not school.on_laptop,
                parent=self,
            )
        except BaseException:
            if scanner is not None:
                scanner.close()
            raise
        if scanner is not None:  # closed with the dialog, or when it is deleted unclosed
            dialog.finished.connect(lambda _r: scanner.close())
            dialog.destroyed.connect(lambda *_a: scanner.close())
        self.import_dialog = dialog
        imported: list[str] = []
        dialog.committed.connect(lambda _result: imported.append(school.npsn))
        dialog.finished.connect(lambda _r: self._after_import(imported[-1] if imported else None))
        dialog.open()

    def _after_import(self, npsn: str | None = None) -> None:
        """Back from the import dialog: open the imported school's roster.

        The views already redrew themselves from the import's ``changed`` notification.
        """
        ws = self.workspace
        if ws is None:
            return
        if self.stack.currentWidget() is self.first_run:
            self.enter_work(ws)
        if npsn is not None and (self.school is None or self.school.npsn != npsn):
            Op(self, lambda: ws.school(npsn), lane=Lane.READ).success(
                lambda school: self.choose_school(school) if school is not None else None
            ).run()
