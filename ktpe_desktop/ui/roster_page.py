"""Daftar Siswa: the search field, the school's counters and the roster table.

Search as you type, without a debounce: each keystroke bumps a generation counter
and queues the query on the reader thread at once. A queued query whose generation
is no longer the latest when the reader gets to it is skipped without touching the
database, and a result whose generation is not the latest is dropped, so typing
fast costs at most the one query already running, and a slow query never
overwrites a newer one. (A debounce timer added its whole interval to every
keystroke: DESIGN.md's 80 ms keystroke-to-painted target includes it.) Enter on a full NISN (10 digits) or NIK (16 digits) — what a USB scanner
types — looks the student up by that exact number at once and opens the outcome
dialog. Focus stays in the search field; arrows move the selection.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.eligibility import CampaignRules
from ktpe_desktop.core.events import Status
from ktpe_desktop.core.ranking import ranker
from ktpe_desktop.services.changes import Change, What
from ktpe_desktop.services.views import SchoolProgress, StudentItem

# A work page: imported after the login page is shown (ui.preload), with the database code.
from ktpe_desktop.services.workspace import SEARCH_PAGE_SIZE as PAGE_SIZE
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.models import StudentTableModel
from ktpe_desktop.ui.ops import Lane, Op
from ktpe_desktop.ui.widgets import CounterTile, SearchField, WorkspaceSlot

if TYPE_CHECKING:
    from ktpe_desktop.services.workspace import Workspace

MIN_DIGITS = 4
# A search's first page holds the rows the table shows and a few more: the rows past
# them are read only when the operator scrolls there (Qt asks for the next page when
# the last loaded row comes into view). Half of a 50-row page is work nobody sees on
# a laptop's screen, and each row is read, converted and ranked into place.
FIRST_PAGE_SPARE = 5
# The table's height in the app's 1366x768 window, the field laptops' screen (a GUI
# test checks it): what the search benchmark's first page is sized for.
FIELD_TABLE_PX = 489
ROW_PX = 28


def first_page_rows(table_px: int, row_px: int = ROW_PX) -> int:
    """Rows of a search's first page for a table ``table_px`` high: every row it
    shows, even cut, and :data:`FIRST_PAGE_SPARE` more; never more than a page."""
    shown = -(-max(table_px, 0) // max(row_px, 1))
    return max(1, min(PAGE_SIZE, shown + FIRST_PAGE_SPARE))


_FULL_ID = re.compile(r"^(\d{10}|\d{16})$")
_SEPARATORS = re.compile(r"[\s.\-]")

COLUMN_WIDTHS = {
    StudentTableModel.COL_NO: 48,
    StudentTableModel.COL_NAME: 300,
    StudentTableModel.COL_NISN: 120,
    StudentTableModel.COL_NIK: 178,
    StudentTableModel.COL_SEX: 44,
    StudentTableModel.COL_BIRTH: 100,
    StudentTableModel.COL_AGE: 56,
    StudentTableModel.COL_CLASS: 150,
}


class RosterPage(QWidget, WorkspaceSlot):
    open_student = Signal(object)  # StudentItem
    # Enter on a name search whose top two rows match equally well: confirm twice.
    open_ambiguous = Signal(object)  # StudentItem
    not_found = Signal(str)  # the scanned number (the page shows it redacted)
    results_painted = Signal(int)  # generation, after the view got the rows

    def __init__(self, workspace: Workspace | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rosterPage")
        self._workspace = workspace
        self.school: SchoolProgress | None = None
        self.rules: CampaignRules | None = None
        self.today = date.today()
        self.generation = 0
        self.painted_generation = 0
        self.last_search_ms = 0.0
        self.ambiguous = False  # the top two rows of the name search rank the same
        self._keep_selected: str | None = None  # reselect after a background refresh

        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 6)
        root.setSpacing(8)
        head = QHBoxLayout()
        self.school_label = QLabel(tr("Belum ada sekolah dipilih"))
        self.school_label.setObjectName("schoolTitle")
        head.addWidget(self.school_label, 1)
        self.tiles = {
            "target": CounterTile(tr("Target"), "#263238"),
            "done": CounterTile(tr("Terekam"), "#1b5e20"),
            "pending": CounterTile(tr("Belum"), "#37474f"),
            "absent": CounterTile(tr("Tidak Hadir"), "#5d4037"),
            "failed": CounterTile(tr("Gagal"), "#b71c1c"),
        }
        for tile in self.tiles.values():
            tile.setMinimumWidth(104)
            head.addWidget(tile)
        root.addLayout(head)

        bar = QHBoxLayout()
        self.search = SearchField()
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText(tr("Cari nama, NISN, atau NIK"))
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.class_filter = QComboBox()
        self.class_filter.setObjectName("classFilter")
        self.class_filter.setMinimumWidth(170)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.addItem(tr("Semua status"), "")
        for status in (
            Status.PENDING,
            Status.RECORDED,
            Status.ALREADY_RECORDED,
            Status.ABSENT,
            Status.NOT_ELIGIBLE,
            Status.FAILED,
        ):
            self.status_filter.addItem(labels.status_label(status), status.value)
        self.status_filter.setMinimumWidth(190)
        bar.addWidget(QLabel(tr("Kelas:")))
        bar.addWidget(self.class_filter)
        bar.addWidget(QLabel(tr("Status:")))
        bar.addWidget(self.status_filter)
        root.addLayout(bar)

        self.model = StudentTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("rosterTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.table.setWordWrap(False)
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(ROW_PX)
        hh = self.table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setStretchLastSection(True)
        for col, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        root.addWidget(self.table, 1)

        foot = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("dateLabel")
        foot.addWidget(self.count_label, 1)
        self.open_button = QPushButton(tr("Catat hasil (Enter)"))
        self.open_button.setObjectName("primaryButton")
        self.open_button.clicked.connect(self.open_selected)
        foot.addWidget(self.open_button)
        root.addLayout(foot)

        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(300)
        self._count_timer.timeout.connect(self._count_later)
        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(400)
        self._recount.timeout.connect(self._refresh_counters_now)
        self.search.textChanged.connect(self._text_changed)
        self.search.returnPressed.connect(self._enter)
        self.search.navigate.connect(self._navigate)
        self.class_filter.currentIndexChanged.connect(lambda _i: self.run_search())
        self.status_filter.currentIndexChanged.connect(lambda _i: self.run_search())
        self._update_counters()

    # ------------------------------------------------------------ school

    def set_school(self, school: SchoolProgress, rules: CampaignRules | None, today: date) -> None:
        self.school = school
        self.rules = rules
        self.today = today
        self.model.set_today(today)
        self.model.set_rules(rules)
        self.school_label.setText(school.name)
        self.school_label.setToolTip(f"NPSN {school.npsn}")
        self._update_counters()
        self._reload_classes()
        self.search.clear()
        self.run_search()

    def _reload_classes(self) -> None:
        if self.school is None:
            return
        current = self.class_filter.currentData()
        self.class_filter.blockSignals(True)
        self.class_filter.clear()
        self.class_filter.addItem(tr("Semua kelas"), "")
        for name in self.workspace.classes(self.school.npsn):
            self.class_filter.addItem(name, name)
        index = self.class_filter.findData(current) if current else 0
        self.class_filter.setCurrentIndex(max(0, index))
        self.class_filter.blockSignals(False)

    def set_progress(self, school: SchoolProgress) -> None:
        if self.school is not None and school.npsn == self.school.npsn:
            self.school = school
            self._update_counters()

    def _update_counters(self) -> None:
        s = self.school
        self.tiles["target"].set_value(s.goal if s else 0)
        self.tiles["done"].set_value(s.done if s else 0)
        self.tiles["pending"].set_value(s.pending if s else 0)
        self.tiles["absent"].set_value(s.absent if s else 0)
        self.tiles["failed"].set_value(s.failed if s else 0)

    def refresh_counters(self) -> None:
        """Recount the school soon (coalesced: a burst of saves costs one query)."""
        self._recount.start()

    def _refresh_counters_now(self) -> None:
        if self.school is None:
            return
        npsn = self.school.npsn
        ws = self.workspace
        Op(self, lambda: ws.school(npsn), lane=Lane.READ).success(self._progress_loaded).run()

    def _progress_loaded(self, school: SchoolProgress | None) -> None:
        if school is not None:
            self.set_progress(school)

    # ------------------------------------------------------------ search

    def focus_search(self, select_all: bool = True) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if select_all:
            self.search.selectAll()

    def _text_changed(self, _text: str) -> None:
        self._count_timer.stop()
        self.run_search()

    def _criteria(self) -> tuple[str | None, str, str | None, str | None]:
        npsn = self.school.npsn if self.school else None
        query = self.search.text().strip()
        class_name = str(self.class_filter.currentData() or "") or None
        status = str(self.status_filter.currentData() or "") or None
        return npsn, query, class_name, status

    def run_search(self, *, wait: bool = False) -> None:
        """Start the query for what is typed now; older results will be dropped.

        Args:
            wait: run on this thread (Enter pressed before the results came).
        """
        self.generation += 1
        generation = self.generation
        if self.school is None:
            return
        npsn, query, class_name, status = self._criteria()
        ws = self.workspace

        digits = _SEPARATORS.sub("", query)
        if digits.isdigit() and len(digits) < MIN_DIGITS:
            # 1-3 digits of a NISN/NIK match almost everybody: wait for more.
            self.model.set_rows([], 0)
            self.count_label.setText(
                tr("Ketik minimal {n} angka NISN/NIK, atau pindai kartu.").format(n=MIN_DIGITS)
            )
            self.painted_generation = generation
            self.results_painted.emit(generation)
            return

        first_page = self.first_page()
        if self._keep_selected is not None:
            # A refresh (a sync pulled other stations' events): read again every row
            # the operator scrolled through, so the selected one is still there.
            first_page = max(first_page, min(self.model.rowCount(), 10 * PAGE_SIZE))

        def work() -> tuple[int, list[StudentItem], int, float]:
            if not wait and generation != self.generation:
                return generation, [], -1, 0.0  # typed on while queued: nobody will see it
            started = time.perf_counter()
            rows = ws.search(npsn, query, class_name=class_name, status=status, limit=first_page)
            # A full page: the exact total comes after the rows are painted.
            total = len(rows) if len(rows) < first_page else -1
            return generation, rows, total, (time.perf_counter() - started) * 1000

        if wait:
            self._show_results(work())
        else:
            Op(self, work, lane=Lane.READ).success(self._show_results).run()

    def first_page(self) -> int:
        """Rows the next search reads first (:func:`first_page_rows` of the table's
        height now; a whole page while the table is not on screen)."""
        if not self.table.isVisible():
            return PAGE_SIZE
        return first_page_rows(
            self.table.viewport().height(), self.table.verticalHeader().defaultSectionSize()
        )

    def _count_later(self) -> None:
        generation = self.generation
        npsn, query, class_name, status = self._criteria()
        ws = self.workspace

        def work() -> tuple[int, int]:
            if generation != self.generation:
                return generation, -1  # the operator typed on: nobody will see it
            return generation, ws.count(npsn, query, class_name=class_name, status=status)

        Op(self, work, lane=Lane.BACKGROUND).success(self._show_count).run()

    def _show_count(self, result: tuple[int, int]) -> None:
        generation, total = result
        if generation != self.generation or total < 0:
            return
        self.model.set_total(total)
        self.count_label.setText(tr("%Ln siswa", None, total))

    def _fetcher(self) -> Callable[[int], list[StudentItem]]:
        npsn, query, class_name, status = self._criteria()
        ws = self.workspace

        def fetch(offset: int) -> list[StudentItem]:
            return ws.search(
                npsn, query, class_name=class_name, status=status, limit=PAGE_SIZE, offset=offset
            )

        return fetch

    def _show_results(self, result: tuple[int, list[StudentItem], int, float]) -> None:
        generation, rows, total, elapsed_ms = result
        if generation != self.generation:
            return  # a newer search is on its way: drop this one
        self.last_search_ms = elapsed_ms
        query = self.search.text().strip()
        self.ambiguous = False
        if len(rows) >= 2 and not _SEPARATORS.sub("", query).isdigit():
            rank = ranker(query)
            self.ambiguous = rank(rows[0].name) == rank(rows[1].name)
        exact = total >= 0
        self.model.set_rows(rows, total if exact else len(rows) + 1, self._fetcher())
        keep, self._keep_selected = self._keep_selected, None
        if rows:
            row = self.model.row_of(keep) if keep else -1
            if row >= 0:
                self.table.selectRow(row)  # a background refresh never moves the selection
            else:
                self.table.selectRow(0)
                self.table.scrollToTop()
        query = self.search.text().strip()
        if total == 0 and query:
            self.count_label.setText(
                tr("Tidak ada siswa yang cocok. Siswa tidak ada di daftar? Tambah siswa (Ctrl+N).")
            )
        elif exact:
            self.count_label.setText(tr("%Ln siswa", None, total))
        else:
            self.count_label.setText(tr("{n}+ siswa").format(n=len(rows)))
            self._count_timer.start()  # when typing pauses: never competes with a search
        self.painted_generation = generation
        self.results_painted.emit(generation)

    def _navigate(self, step: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.table.currentIndex().row()
        target = max(0, min(rows - 1, (current if current >= 0 else 0) + step))
        if target >= rows - 1 and self.model.canFetchMore():
            self.model.fetchMore()
        self.table.selectRow(target)
        self.table.scrollTo(self.model.index(target, 0))

    def _enter(self) -> None:
        text = _SEPARATORS.sub("", self.search.text())
        if _FULL_ID.match(text):
            self.open_identifier(text)
            return
        if self.painted_generation != self.generation:
            self.run_search(wait=True)
        student = self.selected_student()
        if student is None:
            return
        if self.ambiguous and self.table.currentIndex().row() == 0:
            self.open_ambiguous.emit(student)
        else:
            self.open_student.emit(student)

    def open_identifier(self, digits: str) -> None:
        """The scanner path: exact NISN/NIK, indexed lookup on this thread (< 1 ms)."""
        found = self.workspace.find_exact(digits)
        if found is None:
            self.not_found.emit(digits)
            self.run_search()
            return
        self.show_only(found)
        self.open_student.emit(found)

    def show_only(self, student: StudentItem) -> None:
        """The list, its selection and "Catat hasil" all point at ``student`` (a scan).

        Any search still on its way is dropped (its generation is older), so the
        previous results can never come back under the scanned number.
        """
        self._count_timer.stop()
        self.generation += 1
        self.ambiguous = False
        self.model.set_rows([student], 1)
        self.table.selectRow(0)
        self.table.scrollToTop()
        self.count_label.setText(tr("%Ln siswa", None, 1))
        self.painted_generation = self.generation
        self.results_painted.emit(self.generation)

    def selected_student(self) -> StudentItem | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def open_selected(self) -> None:
        student = self.selected_student()
        if student is not None:
            self.open_student.emit(student)

    # ------------------------------------------------------------ changes

    def on_changed(self, change: Change) -> None:
        """A write committed somewhere: redraw what this page shows of it."""
        if self.school is None:
            return
        if change.touches(What.ROSTER) or (change.touches(What.REMOTE) and not change.student_ids):
            # many rows may have changed: search again, keeping the operator's selection
            selected = self.selected_student()
            self._keep_selected = selected.id if selected is not None else None
            if change.touches(What.ROSTER):
                self._reload_classes()
            self.run_search()
            self.refresh_counters()
            return
        if not change.touches(What.OUTCOME, What.DETAILS, What.STUDENT_ADDED, What.REMOTE):
            return
        stale = []
        for student_id in change.student_ids:
            if self.model.row_of(student_id) < 0:
                continue
            item = change.student(student_id)
            if item is not None:
                self.model.update_row(item)
            else:
                stale.append(student_id)
        if stale:
            ws = self.workspace

            def work() -> list[StudentItem]:
                return [i for i in (ws.student(sid) for sid in stale) if i is not None]

            Op(self, work, lane=Lane.READ).success(self._replace_rows).run()
        self.refresh_counters()

    def _replace_rows(self, items: list[StudentItem]) -> None:
        for item in items:
            self.model.update_row(item)
