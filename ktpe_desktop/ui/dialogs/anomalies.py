"""The anomalies to review (contradicting outcomes from two devices)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.ui.dialogs.common import make_table, set_column_widths
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.models import (
    AnomalyTableModel,
)
from ktpe_desktop.ui.ops import Lane, Op

if TYPE_CHECKING:
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload


class AnomaliesDialog(QDialog):
    open_history = Signal(str)  # student id

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("anomaliesDialog")
        self.setWindowTitle(tr("Anomali"))
        self.workspace = workspace
        root = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "Data yang saling bertentangan (mis. terekam di dua laptop). Tidak ada yang "
                "ditimpa diam-diam: periksa riwayat siswa, lalu batalkan hasil yang salah."
            )
        )
        intro.setWordWrap(True)
        root.addWidget(intro)
        self.model = AnomalyTableModel(self)
        self.table = make_table(self.model)
        self.table.setObjectName("anomalyTable")
        set_column_widths(self.table, (150, 260, 320))
        self.table.activated.connect(self._open)
        self.table.doubleClicked.connect(self._open)
        root.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.empty = QLabel()
        self.empty.setObjectName("dateLabel")
        row.addWidget(self.empty, 1)
        history = QPushButton(tr("Lihat riwayat (Enter)"))
        history.clicked.connect(lambda: self._open(self.table.currentIndex()))
        close = QPushButton(tr("Tutup (Esc)"))
        close.clicked.connect(self.reject)
        row.addWidget(history)
        row.addWidget(close)
        root.addLayout(row)
        self.resize(860, 420)
        ws = workspace
        Op(self, ws.anomalies, lane=Lane.READ).success(self._loaded).run()

    def _loaded(self, items: list[Any]) -> None:
        self.model.set_rows(items)
        self.empty.setText(tr("Tidak ada anomali.") if not items else "")
        if items:
            self.table.selectRow(0)

    def _open(self, index: Any) -> None:
        item = self.model.item(index.row()) if index.isValid() else None
        if item is not None:
            self.open_history.emit(item.student_id)
