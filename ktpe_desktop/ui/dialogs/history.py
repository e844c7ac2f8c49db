"""A student's history: every event, who wrote it, and undo."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.services.views import HistoryItem, SavedChange, StudentItem
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.dialogs.common import error_text, make_table, set_column_widths
from ktpe_desktop.ui.dialogs.void import VoidDialog
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.models import (
    HistoryTableModel,
)
from ktpe_desktop.ui.ops import Lane, Op

if TYPE_CHECKING:
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload


class HistoryDialog(QDialog):
    """A student's events: what, who, when, which laptop; undo one with a reason."""

    voided = Signal(object)  # SavedChange

    def __init__(
        self, workspace: Workspace, student: StudentItem, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.workspace = workspace
        self.student = student
        self.setWindowTitle(tr("Riwayat: {name}").format(name=student.name))
        root = QVBoxLayout(self)
        self.head = QLabel()
        self.head.setObjectName("historyHead")
        self._show_head(student)
        root.addWidget(self.head)
        self.model = HistoryTableModel(self)
        self.table = make_table(self.model)
        self.table.setObjectName("historyTable")
        set_column_widths(self.table, (160, 140, 340, 130))  # the time in full
        root.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        root.addWidget(self.message)
        row = QHBoxLayout()
        self.void_button = QPushButton(tr("Batalkan kejadian terpilih… (Del)"))
        self.void_button.setObjectName("voidButton")
        self.void_button.setShortcut("Del")
        self.void_button.clicked.connect(self.void_selected)
        close = QPushButton(tr("Tutup (Esc)"))
        close.clicked.connect(self.reject)
        row.addWidget(self.void_button)
        row.addStretch(1)
        row.addWidget(close)
        root.addLayout(row)
        self.resize(980, 420)
        self.reload()

    def _show_head(self, student: StudentItem) -> None:
        self.head.setText(
            f"<b>{escape(student.name)}</b> · NISN {student.nisn or '—'} · "
            + tr("Kelas {c}").format(c=escape(student.class_name or "—"))
            + " · "
            + labels.status_label(student.status)
        )

    def reload(self) -> None:
        ws, sid = self.workspace, self.student.id
        Op(self, lambda: ws.history(sid), lane=Lane.READ).success(self._loaded).run()

    def _loaded(self, items: list[HistoryItem]) -> None:
        self.model.set_rows(items)
        if items:
            self.table.selectRow(len(items) - 1)
        self.table.setFocus()

    def void_selected(self) -> None:
        index = self.table.currentIndex()
        item = self.model.item(index.row()) if index.isValid() else None
        if item is None:
            return
        if item.kind == "voided" or item.voided_by:
            self.message.setText(tr("Kejadian ini tidak dapat dibatalkan."))
            return
        dialog = VoidDialog(item, self.student.name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        reason = dialog.reason.text().strip()
        ws = self.workspace
        Op(self, lambda: ws.void(item.event_id, reason)).success(self._voided).failure(
            self._failed
        ).run()

    def _voided(self, saved: SavedChange) -> None:
        self.message.clear()
        if saved.student is not None:  # the status after the undo, from its own transaction
            self.student = saved.student
            self._show_head(saved.student)
        self.voided.emit(saved)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        text = error_text(exc)
        if text is None:
            from ktpe_desktop.ui.crash import show_crash

            show_crash(exc, self)
        else:
            self.message.setText(text)
