"""About: version, data folder and device."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop import __version__
from ktpe_desktop.ui.i18n import tr


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, device_id: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(tr("Tentang"))
        root = QVBoxLayout(self)
        version = tr("Versi {v}").format(v=__version__)
        title = QLabel(f"<h2>KTP-el Jemput Bola</h2><p>{version}</p>")
        root.addWidget(title)
        body = QLabel(
            tr(
                "Perekaman KTP-el pemilih pemula di sekolah, untuk tim jemput bola "
                "Dispendukcapil Kota Malang. Bekerja tanpa jaringan; data di laptop disandikan."
            )
        )
        body.setWordWrap(True)
        root.addWidget(body)
        folder = QLabel(
            tr("Folder data:")
            + f" <code>{data_dir}</code><br>"
            + tr("Perangkat:")
            + f" {device_id[:8]}"
        )
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        folder.setWordWrap(True)
        folder.setObjectName("aboutFolder")
        root.addWidget(folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self.resize(520, 240)
