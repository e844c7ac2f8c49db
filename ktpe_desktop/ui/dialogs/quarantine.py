"""Events the server refused: retry them or export a CSV for the admin."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.ui.dialogs.common import make_table, set_column_widths
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.models import (
    QuarantineTableModel,
)
from ktpe_desktop.ui.ops import Lane, Op

if TYPE_CHECKING:
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload


class QuarantineDialog(QDialog):
    """Events the server refused: the reason, retry after a fix, export for the admin."""

    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quarantineDialog")
        self.setWindowTitle(tr("Masalah sinkron"))
        self.workspace = workspace
        root = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "Kejadian berikut ditolak server dan disimpan terpisah (karantina). Datanya tetap "
                "aman di laptop ini. Ekspor daftarnya untuk admin kantor; setelah masalahnya "
                "diperbaiki, kirim ulang."
            )
        )
        intro.setWordWrap(True)
        root.addWidget(intro)
        self.model = QuarantineTableModel(self)
        self.table = make_table(self.model)
        self.table.setObjectName("quarantineTable")
        set_column_widths(self.table, (150, 150, 200, 85))
        root.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setObjectName("dateLabel")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        row = QHBoxLayout()
        self.retry_button = QPushButton(tr("Kirim ulang semua"))
        self.retry_button.setObjectName("retryButton")
        self.retry_button.clicked.connect(self.retry)
        self.export_button = QPushButton(tr("Ekspor daftar (CSV)…"))
        self.export_button.clicked.connect(self.export)
        close = QPushButton(tr("Tutup (Esc)"))
        close.clicked.connect(self.reject)
        row.addWidget(self.retry_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        row.addWidget(close)
        root.addLayout(row)
        self.resize(1100, 420)  # the reason, in full, at 1366 px
        self.reload()

    def reload(self) -> None:
        Op(self, self.workspace.quarantined, lane=Lane.READ).success(self._loaded).run()

    def _loaded(self, items: list[Any]) -> None:
        self.model.set_rows(items)
        self.retry_button.setEnabled(bool(items))
        self.export_button.setEnabled(bool(items))
        if not items:
            self.message.setText(tr("Tidak ada kejadian yang ditolak server."))

    def retry(self) -> None:
        ws = self.workspace
        Op(self, lambda: ws.retry_quarantined(None)).success(self._retried).run()

    def _retried(self, n: int) -> None:
        self.message.setText(
            tr("%Ln kejadian masuk antrean lagi; akan dikirim pada sinkron berikutnya.", None, n)
        )
        self.changed.emit()
        self.reload()

    def export(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, tr("Ekspor masalah sinkron"), "masalah-sinkron.csv", "CSV (*.csv)"
            )
        if not path:
            return
        ws = self.workspace
        target = Path(path)
        Op(self, lambda: ws.export_quarantined(target)).success(
            lambda n: self.message.setText(
                tr("%Ln baris diekspor ke {file}.", None, n).format(file=target.name)
            )
        ).run()
