"""Undo (void) one outcome, with a reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.services.views import HistoryItem
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import tr


class VoidDialog(QDialog):
    """Undo one event: a reason is required."""

    def __init__(self, item: HistoryItem, student_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("voidDialog")
        self.setWindowTitle(tr("Batalkan hasil"))
        root = QVBoxLayout(self)
        text = QLabel(
            tr(
                'Batalkan "{kind}" untuk {name} ({time})?\nHasil lama tetap tercatat di riwayat.'
            ).format(
                kind=labels.kind_label(item.kind),
                name=student_name,
                time=labels.local_datetime(item.occurred_at),
            )
        )
        text.setWordWrap(True)
        root.addWidget(text)
        self.reason = QLineEdit()
        self.reason.setObjectName("voidReason")
        self.reason.setPlaceholderText(tr("Alasan pembatalan (wajib), mis. salah pilih siswa"))
        self.reason.setMaxLength(200)
        root.addWidget(self.reason)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(tr("Batalkan hasil"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("primaryButton")
        buttons.addButton(tr("Kembali (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self.ok.setEnabled(False)
        self.reason.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        self.reason.returnPressed.connect(self._accept)
        self.resize(520, 170)

    def _accept(self) -> None:
        if self.reason.text().strip():
            self.accept()
