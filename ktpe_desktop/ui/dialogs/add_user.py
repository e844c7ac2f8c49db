"""Add a local user (operator or Koordinator)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.checks import MIN_PASSWORD_LENGTH
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.widgets import StrengthMeter


class AddUserDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addUserDialog")
        self.setWindowTitle(tr("Tambah pengguna"))
        root = QVBoxLayout(self)
        form = QFormLayout()
        self.display_name = QLineEdit()
        self.username = QLineEdit()
        self.role = QComboBox()
        self.role.addItem(tr("Petugas"), "operator")
        self.role.addItem(tr("Koordinator"), "lead")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = StrengthMeter()
        form.addRow(tr("Nama lengkap"), self.display_name)
        form.addRow(tr("Nama pengguna"), self.username)
        form.addRow(tr("Peran"), self.role)
        form.addRow(tr("Kata sandi"), self.password)
        form.addRow("", self.strength)
        root.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self.password.textChanged.connect(self._changed)
        self.username.textChanged.connect(self._changed)

    def _changed(self) -> None:
        self.strength.update_for(self.password.text())
        self.ok.setEnabled(
            bool(self.username.text().strip()) and len(self.password.text()) >= MIN_PASSWORD_LENGTH
        )
