"""Hari ini: the day's schools, their progress toward the target, and the sync state."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.services.views import SchoolProgress
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.models import ROLE_PROGRESS, SchoolTableModel


class ProgressDelegate(QStyledItemDelegate):
    """Paints a calm progress bar (done / goal) with the percentage on it."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        done, goal = index.data(ROLE_PROGRESS) or (0, 0)
        rect: QRect = option.rect.adjusted(6, 6, -6, -6)  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e0e4e8"))
        painter.drawRoundedRect(rect, 4, 4)
        share = 0.0 if goal <= 0 else min(1.0, done / goal)
        if share > 0:
            filled = QRect(rect)
            filled.setWidth(max(4, int(rect.width() * share)))
            painter.setBrush(QColor("#43a047" if share >= 1 else "#1e88e5"))
            painter.drawRoundedRect(filled, 4, 4)
        painter.setPen(QColor("#102027"))
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignCenter), f"{done}/{goal} · {round(share * 100)} %"
        )
        painter.restore()


class TodayPage(QWidget):
    school_chosen = Signal(object)  # SchoolProgress
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("todayPage")
        root = QVBoxLayout(self)
        root.setContentsMargins(12, 10, 12, 8)
        head = QHBoxLayout()
        title_box = QVBoxLayout()
        self.title = QLabel(tr("Hari ini"))
        self.title.setObjectName("pageTitle")
        self.date_label = QLabel()
        self.date_label.setObjectName("dateLabel")
        title_box.addWidget(self.title)
        title_box.addWidget(self.date_label)
        head.addLayout(title_box, 1)
        self.all_schools = QCheckBox(tr("Tampilkan semua sekolah"))
        self.all_schools.setObjectName("allSchools")
        self.all_schools.toggled.connect(lambda _b: self.refresh_requested.emit())
        head.addWidget(self.all_schools)
        root.addLayout(head)

        self.summary = QLabel()
        self.summary.setObjectName("infoBanner")
        self.summary.setWordWrap(True)
        root.addWidget(self.summary)

        self.model = SchoolTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("schoolTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setItemDelegateForColumn(SchoolTableModel.COL_PROGRESS, ProgressDelegate(self))
        hh = self.table.horizontalHeader()
        hh.setStretchLastSection(True)
        widths = (330, 130, 70, 80, 70, 110, 65)
        for col, width in enumerate(widths):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(lambda _i: self._choose())
        self.table.activated.connect(lambda _i: self._choose())
        root.addWidget(self.table, 1)

        foot = QHBoxLayout()
        self.hint = QLabel(tr("Pilih sekolah lalu tekan Enter untuk membuka Daftar Siswa."))
        self.hint.setObjectName("dateLabel")
        foot.addWidget(self.hint, 1)
        self.open_button = QPushButton(tr("Buka Daftar Siswa (Enter)"))
        self.open_button.setObjectName("primaryButton")
        self.open_button.clicked.connect(self._choose)
        foot.addWidget(self.open_button)
        root.addLayout(foot)

    def set_day(self, day: date) -> None:
        self.date_label.setText(labels.long_date(day))

    def show_all(self) -> bool:
        return self.all_schools.isChecked()

    def set_schools(self, schools: list[SchoolProgress], selected_npsn: str = "") -> None:
        self.model.set_rows(schools)
        target = sum(s.goal for s in schools)
        done = sum(s.done for s in schools)
        pending = sum(s.pending for s in schools)
        if not schools:
            self.summary.setText(
                tr(
                    'Tidak ada sekolah terjadwal hari ini. Centang "Tampilkan semua sekolah", '
                    "sinkronkan dengan server (Ctrl+S), atau impor daftar siswa (Ctrl+I)."
                )
            )
        else:
            self.summary.setText(
                tr("{schools} · target {target} · terekam {done} · belum {pending}").format(
                    schools=tr("%Ln sekolah", None, len(schools)),
                    target=tr("%Ln siswa", None, target),
                    done=QLocale().toString(done),
                    pending=QLocale().toString(pending),
                )
            )
        row = 0
        for i, s in enumerate(schools):
            if s.npsn == selected_npsn:
                row = i
        if schools:
            self.table.selectRow(row)

    def selected_school(self) -> SchoolProgress | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def _choose(self) -> None:
        school = self.selected_school()
        if school is not None:
            self.school_chosen.emit(school)
