"""The settings dialog: every editable option, declared once in ui/settings."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.ui.i18n import LANGUAGES, tr
from ktpe_desktop.ui.settings import EDITABLE, Option, Settings


class SettingsDialog(QDialog):
    """Edits the declared options (ui/settings.py); one widget per option type."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(tr("Pengaturan"))
        self.settings = settings
        self.editors: dict[str, tuple[Option[Any], QWidget]] = {}
        root = QVBoxLayout(self)
        form = QFormLayout()
        for option in EDITABLE:
            editor: QWidget
            value = settings.get(option)
            if option.type is bool:
                editor = QCheckBox()
                editor.setChecked(bool(value))
            elif option.type is int:
                editor = QSpinBox()
                editor.setRange(option.minimum, option.maximum)
                editor.setValue(int(value))
            else:
                combo = QComboBox()
                for choice in option.choices:
                    combo.addItem(LANGUAGES.get(choice, choice), choice)
                combo.setCurrentIndex(max(0, combo.findData(value)))
                editor = combo
            editor.setObjectName(f"option_{option.name}")
            self.editors[option.name] = (option, editor)
            form.addRow(tr(option.title), editor)
        root.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)

    def save(self) -> None:
        for option, editor in self.editors.values():
            if isinstance(editor, QCheckBox):
                self.settings.set(option, editor.isChecked())
            elif isinstance(editor, QSpinBox):
                self.settings.set(option, editor.value())
            elif isinstance(editor, QComboBox):
                self.settings.set(option, str(editor.currentData()))
        self.accept()
