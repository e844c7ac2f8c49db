"""The student actions of the main window: outcomes, walk-ins, corrections, history, undo."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QWidget

from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.ops import Lane, Op
from ktpe_desktop.ui.window.base import WindowBase

# The dialogs are imported when they open: the login page does not wait for them.
if TYPE_CHECKING:
    from ktpe_desktop.services.views import HistoryItem, SavedChange, StudentItem
    from ktpe_desktop.ui.dialogs.history import HistoryDialog

log = logging.getLogger("ktpe.ui")


class StudentActions(WindowBase):
    """What the operator and the lead do to one student."""

    # ================================================================ outcomes

    def open_selected(self) -> None:
        if self.roster is not None:
            self.roster.open_selected()

    def open_student(self, student: StudentItem, *, confirm_twice: bool = False) -> None:
        if self.outcome_dialog is None or self.workspace is None or self.is_locked:
            return
        npsn = self.school.npsn if self.school else ""
        revealed = self.roster is not None and student.id in self.roster.model._revealed
        self.outcome_dialog.set_student(
            student,
            rules=self.workspace.rules(),
            today=self.today,
            school_npsn=npsn,
            reveal_nik=revealed,
            notice=self._scan_notice,
            confirm_twice=confirm_twice,
        )
        self.outcome_dialog.open()

    def _outcome_saved(self, saved: SavedChange) -> None:
        label = labels.kind_label(saved.kind)
        self.show_toast(
            tr("Tersimpan: {name} — {outcome}").format(name=saved.student_name, outcome=label)
        )
        self.focus_search()

    def _scan_while_open(self, left: StudentItem | None, digits: str, *, notice: str = "") -> None:
        """A card scanned while the outcome dialog was open: open that student instead."""
        if self.roster is None or self.is_locked:
            return
        if left is not None:
            notice = tr("Kartu baru dipindai: hasil {name} belum disimpan (dibatalkan).").format(
                name=left.name
            )
        if notice:
            self._scan_notice = notice
            self.show_toast(notice, error=True)
        self.roster.search.blockSignals(True)
        self.roster.search.setText(digits)
        self.roster.search.blockSignals(False)
        self.roster.open_identifier(digits)
        self._scan_notice = ""

    def in_other_dialog(self, widget: QWidget) -> bool:
        """Whether ``widget`` sits in a dialog where a scanned card means "next student".

        The outcome dialog handles scans itself; the walk-in and correction form
        takes a scanned NISN/NIK into its field; the letterhead dialog refuses a scan
        itself; the school chooser, which takes a typed NPSN, is left alone. In the history, an
        undo, the anomaly list, the settings, a roster import or Qt's print dialog,
        the scanner's digits and Enter must not land: an Enter there could confirm an
        undo, print (and number) a Berita Acara, save the card's digits as the minutes
        before the screen locks, or commit the import on screen (its default button). (A platform's native print dialog is not Qt's: its keys
        never reach the app.)
        """
        window = widget.window()
        from PySide6.QtPrintSupport import QPrintDialog

        from ktpe_desktop.ui.dialogs.anomalies import AnomaliesDialog
        from ktpe_desktop.ui.dialogs.history import HistoryDialog
        from ktpe_desktop.ui.dialogs.import_roster import ImportDialog
        from ktpe_desktop.ui.dialogs.settings_dialog import SettingsDialog
        from ktpe_desktop.ui.dialogs.void import VoidDialog

        guarded = (
            HistoryDialog
            | VoidDialog
            | AnomaliesDialog
            | QPrintDialog
            | SettingsDialog
            | ImportDialog
        )
        if not isinstance(window, guarded):
            return False
        parent = window.parentWidget()
        while parent is not None:
            if parent is self:
                return True
            parent = parent.parentWidget()
        return False

    def scan_in_other_dialog(self, digits: str) -> None:
        """A card scanned while another dialog was open: close it unsaved, open the card's."""

        def reopen() -> None:
            for dialog in reversed(self.findChildren(QDialog)):  # an undo before its history
                if dialog.isVisible() and dialog is not self.outcome_dialog:
                    dialog.reject()
            if any(
                d.isVisible() and d is not self.outcome_dialog for d in self.findChildren(QDialog)
            ):  # a roster import being saved stays open until it ends
                self.show_toast(
                    tr("Impor sedang disimpan: pindai kartu lagi setelah selesai."), error=True
                )
                return
            self._scan_while_open(
                None,
                digits,
                notice=tr("Kartu baru dipindai: jendela sebelumnya ditutup tanpa menyimpan."),
            )

        QTimer.singleShot(0, reopen)  # out of the key filter first

    def scan_on_today(self, digits: str) -> None:
        """A card scanned on Hari ini: open its school's list (the one open, or, with
        none open, the card's own school, listed today or not; for an unknown card the
        one selected) and the student; with no school at all, say the card is unknown."""
        ws, today = self.workspace, self.today_page
        if ws is None or today is None or self.roster is None or self.is_locked:
            return
        found = ws.find_exact(digits)
        npsn = found.school_npsn if found is not None else ""
        if self.school is None or (npsn and self.school.npsn != npsn):
            school = next((r for r in today.model._rows if r.npsn == npsn), None)
            if school is None and self.school is None:
                school = ws.school(npsn) if npsn else today.selected_school()
            if school is not None:
                self.choose_school(school)
        if self.school is None:  # an empty Hari ini and no school open: never silent
            self._not_found(digits)
            return
        self.show_tab(1)
        self._scan_while_open(None, digits)

    def _not_found(self, digits: str) -> None:
        kind = "NISN" if len(digits) == 10 else "NIK"
        self.show_toast(
            tr("{kind} {number} tidak ada di daftar. Tambah siswa dengan Ctrl+N.").format(
                kind=kind, number=digits[:4] + "…"
            ),
            error=True,
        )

    # ================================================================ exceptions

    def _selected(self) -> StudentItem | None:
        return self.roster.selected_student() if self.roster is not None else None

    def add_walk_in(self) -> None:
        if self.workspace is None or self.school is None:
            self.show_toast(tr("Pilih sekolah dulu (Ctrl+1)."), error=True)
            return
        from ktpe_desktop.ui.dialogs.student_form import StudentFormDialog

        dialog = StudentFormDialog(self.workspace, self.school.npsn, None, self, today=self.today)
        prefill = self.roster.search.text().strip() if self.roster else ""
        if prefill and not prefill.replace(" ", "").isdigit():
            dialog.name.setText(prefill.upper())
        elif prefill.isdigit() and len(prefill) == 10:
            dialog.nisn.setText(prefill)
        dialog.saved.connect(self._walk_in_saved)
        dialog.open_existing.connect(self._open_existing)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def _open_existing(self, student: StudentItem) -> None:
        """The walk-in's NISN/NIK belongs to this student: show and open that one."""
        if self.roster is not None:
            self.roster.search.blockSignals(True)
            self.roster.search.setText(student.nisn or student.name)
            self.roster.search.blockSignals(False)
            self.roster.show_only(student)
        self.open_student(student)

    def _walk_in_saved(self, item: StudentItem) -> None:
        self.show_toast(tr("Siswa ditambahkan: {name}").format(name=item.name))
        if self.roster is not None:
            self.roster.search.blockSignals(True)
            self.roster.search.setText(item.name)
            self.roster.search.blockSignals(False)
            self.roster.show_only(item)
        self.open_student(item)

    def correct_selected(self) -> None:
        student = self._selected()
        if self.workspace is None or student is None:
            return
        from ktpe_desktop.ui.dialogs.student_form import StudentFormDialog

        dialog = StudentFormDialog(
            self.workspace, student.school_npsn, student, self, today=self.today
        )
        dialog.saved.connect(self._corrected)
        dialog.open_existing.connect(self._open_existing)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def _corrected(self, saved: SavedChange) -> None:
        self.show_toast(tr("Data dikoreksi: {name}").format(name=saved.student_name))

    def history_selected(self) -> None:
        student = self._selected()
        if student is not None:
            self.show_history(student)

    def show_history(self, student: StudentItem) -> HistoryDialog | None:
        if self.workspace is None:
            return None
        from ktpe_desktop.ui.dialogs.history import HistoryDialog

        dialog = HistoryDialog(self.workspace, student, self)
        dialog.voided.connect(self._voided)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()
        return dialog

    def _voided(self, saved: SavedChange) -> None:
        self.show_toast(
            tr("Dibatalkan: {name} — status sekarang {status}").format(
                name=saved.student_name, status=labels.status_label(saved.status)
            )
        )

    def undo_last(self) -> None:
        ws = self.workspace
        if ws is None:
            return

        def work() -> tuple[HistoryItem, str] | None:
            item = ws.last_own_outcome()
            if item is None:
                return None
            student = ws.student(item.student_id)
            return item, student.name if student else ""

        Op(self, work, lane=Lane.READ).success(self._confirm_undo).run()

    def _confirm_undo(self, found: tuple[HistoryItem, str] | None) -> None:
        ws = self.workspace
        if found is None or ws is None:
            self.show_toast(tr("Tidak ada hasil Anda yang dapat dibatalkan."), error=True)
            return
        item, name = found
        from ktpe_desktop.ui.dialogs.void import VoidDialog

        dialog = VoidDialog(item, name, self)
        dialog.accepted.connect(
            lambda: (
                Op(self, lambda: ws.void(item.event_id, dialog.reason.text().strip()))
                .success(self._voided)
                .run()
            )
        )
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def reveal_nik(self) -> None:
        student = self._selected()
        ws = self.workspace
        if student is None or ws is None or self.roster is None:
            return
        roster = self.roster
        Op(self, lambda: ws.reveal_nik(student.id)).success(
            lambda _nik: roster.model.reveal_nik(student.id)
        ).run()

    def show_anomalies(self) -> None:
        if self.workspace is None:
            return
        from ktpe_desktop.ui.dialogs.anomalies import AnomaliesDialog

        dialog = AnomaliesDialog(self.workspace, self)
        dialog.open_history.connect(self._history_by_id)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def _history_by_id(self, student_id: str) -> None:
        ws = self.workspace
        if ws is None:
            return
        Op(self, lambda: ws.student(student_id), lane=Lane.READ).success(
            lambda item: self.show_history(item) if item is not None else None
        ).run()
