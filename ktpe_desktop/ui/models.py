"""Table models (Vorta's ``ArchiveTableModel`` shape), tested without any widget.

The roster is never loaded whole and never filtered through a proxy: the view
shows one SQL page (the roster page's ``PAGE_SIZE`` rows) and asks for the next page through
``canFetchMore``/``fetchMore`` when the user scrolls. ``set_rows`` resets the
model (a reset of a page costs well under a millisecond).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from ktpe_desktop.core.eligibility import CampaignRules, age_on, may_record
from ktpe_desktop.core.events import Status
from ktpe_desktop.services.views import (
    AnomalyItem,
    HistoryItem,
    QuarantineItem,
    SchoolProgress,
    StudentItem,
)
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import noop, tr

Index = QModelIndex | QPersistentModelIndex

ROLE_ID = Qt.ItemDataRole.UserRole + 1
ROLE_ITEM = Qt.ItemDataRole.UserRole + 2
ROLE_STATUS = Qt.ItemDataRole.UserRole + 3
ROLE_PROGRESS = Qt.ItemDataRole.UserRole + 5

_ALIGN_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class _Table(QAbstractTableModel):
    HEADERS: Sequence[str] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return tr(self.HEADERS[section])
        return None


# --------------------------------------------------------------------------- roster

_STUDENT_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ToolTipRole,
        ROLE_ID,
        ROLE_ITEM,
        ROLE_STATUS,
    }
)


_ITEM_ROLES = frozenset({ROLE_ID, ROLE_ITEM, ROLE_STATUS})


class StudentTableModel(_Table):
    """One page (or a few) of a school's roster, as the search returned it."""

    COL_NO, COL_NAME, COL_NISN, COL_NIK, COL_SEX, COL_BIRTH, COL_AGE, COL_CLASS, COL_STATUS = range(
        9
    )
    HEADERS = (
        noop("No"),
        noop("Nama"),
        noop("NISN"),
        noop("NIK"),
        noop("L/P"),
        noop("Tgl Lahir"),
        noop("Umur"),
        noop("Kelas"),
        noop("Status"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StudentItem] = []
        self._total = 0
        self._today = date.today()
        self._rules: CampaignRules | None = None
        self._revealed: set[str] = set()
        self._fetcher: Callable[[int], list[StudentItem]] | None = None
        self._mono = QFont("DejaVu Sans Mono")
        self._mono.setStyleHint(QFont.StyleHint.Monospace)
        # What each cell answers, per role, built once per row when first painted:
        # a repaint asks ~7 roles of each visible cell (issue 18: a third of a
        # keystroke's main-thread time was these calls).
        self._cells: dict[int, list[dict[int, Any]]] = {}

    # ---- data in
    def set_rows(
        self,
        rows: Sequence[StudentItem],
        total: int | None = None,
        fetcher: Callable[[int], list[StudentItem]] | None = None,
    ) -> None:
        """Replace the rows. ``fetcher(offset)`` returns the next page, if any."""
        self.beginResetModel()
        self._rows = list(rows)
        self._cells.clear()
        self._total = len(self._rows) if total is None else max(total, len(self._rows))
        self._fetcher = fetcher
        self.endResetModel()

    def set_today(self, today: date) -> None:
        self._today = today
        self._cells.clear()

    def set_rules(self, rules: CampaignRules | None) -> None:
        """The campaign's ages: a pending student under the recording age gets a badge."""
        self._rules = rules
        self._cells.clear()

    def under_recording_age(self, item: StudentItem) -> bool:
        """Not old enough to be recorded today (the roster's "belum cukup umur" badge)."""
        rules = self._rules
        return (
            rules is not None
            and item.birth_date is not None
            and not may_record(item.birth_date, rules, self._today)
        )

    def reveal_nik(self, student_id: str) -> None:
        self._revealed.add(student_id)
        self._changed_column(self.COL_NIK)

    def hide_niks(self) -> None:
        self._revealed.clear()
        self._changed_column(self.COL_NIK)

    def update_row(self, item: StudentItem) -> None:
        """Replace one student's row in place (after an outcome) without a reset."""
        for row, old in enumerate(self._rows):
            if old.id == item.id:
                self._rows[row] = item
                self._cells.pop(row, None)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
                return

    def _changed_column(self, column: int) -> None:
        self._cells.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def set_total(self, total: int) -> None:
        """The exact count, known after the first page was shown."""
        self._total = max(total, len(self._rows))

    # ---- paging
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._fetcher is not None and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._fetcher is None:
            return
        more = self._fetcher(len(self._rows))
        if not more:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    # ---- data out
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def item(self, row: int) -> StudentItem | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, student_id: str) -> int:
        for row, item in enumerate(self._rows):
            if item.id == student_id:
                return row
        return -1

    def items(self) -> list[StudentItem]:
        return list(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _STUDENT_ROLES:
            return None  # the view asks for ~10 roles per cell: answer the rest fast
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        if role == ROLE_ID:
            return self._rows[row].id
        if role == ROLE_ITEM:
            return self._rows[row]
        if role == ROLE_STATUS:
            return self._rows[row].status
        return self._cell(row, index.column()).get(role)

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """All the roles a delegate asks of one cell in one Python call (Qt 6)."""
        row = index.row()
        if index.isValid() and 0 <= row < len(self._rows):
            values = self._cell(row, index.column())
        else:
            values = {}
        span: Iterable[QModelRoleData] = (
            [roleDataSpan]
            if isinstance(roleDataSpan, QModelRoleData)
            else cast("Iterable[QModelRoleData]", roleDataSpan)  # iterable in PySide6 6.11
        )
        for role_data in span:
            role = role_data.role()
            if role in _ITEM_ROLES:
                role_data.setData(self.data(index, role))
                continue
            value = values.get(role)
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def _cell(self, row: int, col: int) -> dict[int, Any]:
        cells = self._cells.get(row)
        if cells is None:
            cells = self._cells[row] = self._row_cells(self._rows[row], row)
        return cells[col] if 0 <= col < len(cells) else {}

    def _row_cells(self, item: StudentItem, row: int) -> list[dict[int, Any]]:
        """Each column's answers (display text, colours, alignment, font, tooltip)."""
        cells: list[dict[int, Any]] = []
        for col in range(len(self.HEADERS)):
            cell: dict[int, Any] = {Qt.ItemDataRole.DisplayRole: self._display(item, row, col)}
            if col == self.COL_STATUS:
                fg, bg = labels.status_colors(item.status)
                cell[Qt.ItemDataRole.ForegroundRole] = fg
                cell[Qt.ItemDataRole.BackgroundRole] = bg
                reason = labels.reason_label(item.status, item.reason)
                if reason:
                    cell[Qt.ItemDataRole.ToolTipRole] = reason
            if col in (self.COL_NO, self.COL_SEX, self.COL_AGE):
                cell[Qt.ItemDataRole.TextAlignmentRole] = _ALIGN_CENTER
            if col in (self.COL_NISN, self.COL_NIK):
                cell[Qt.ItemDataRole.FontRole] = self._mono
            cells.append(cell)
        return cells

    def _display(self, item: StudentItem, row: int, col: int) -> str:
        if col == self.COL_NO:
            return str(row + 1)
        if col == self.COL_NAME:
            return item.name + ("  ★" if item.walk_in else "")
        if col == self.COL_NISN:
            return item.nisn or ""
        if col == self.COL_NIK:
            if item.id in self._revealed:
                return item.nik or ""
            return labels.mask_nik(item.nik)
        if col == self.COL_SEX:
            return labels.sex_label(item.sex)
        if col == self.COL_BIRTH:
            return labels.short_date(item.birth_date)
        if col == self.COL_AGE:
            return str(age_on(item.birth_date, self._today)) if item.birth_date else ""
        if col == self.COL_CLASS:
            return item.class_name
        if col == self.COL_STATUS:
            text = labels.status_label(item.status)
            if item.status == Status.PENDING and self.under_recording_age(item):
                text += " · " + tr("belum cukup umur")
            if item.ikd_activated:
                text += " · IKD"
            return text
        return ""


# --------------------------------------------------------------------------- schools


class SchoolTableModel(_Table):
    """The day's schools with their progress."""

    (
        COL_NAME,
        COL_KECAMATAN,
        COL_TARGET,
        COL_DONE,
        COL_PENDING,
        COL_ABSENT,
        COL_FAILED,
        COL_PROGRESS,
    ) = range(8)
    HEADERS = (
        noop("Sekolah"),
        noop("Kecamatan"),
        noop("Target"),
        noop("Terekam"),
        noop("Belum"),
        noop("Tidak Hadir"),
        noop("Gagal"),
        noop("Kemajuan"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SchoolProgress] = []

    def set_rows(self, rows: Sequence[SchoolProgress]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def item(self, row: int) -> SchoolProgress | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        col = index.column()
        if role == ROLE_ID:
            return s.npsn
        if role == ROLE_ITEM:
            return s
        if role == ROLE_PROGRESS:
            return (s.done, s.goal)
        if role == Qt.ItemDataRole.DisplayRole:
            values: dict[int, str] = {
                self.COL_NAME: s.name,
                self.COL_KECAMATAN: s.kecamatan,
                self.COL_TARGET: str(s.goal),
                self.COL_DONE: str(s.done),
                self.COL_PENDING: str(s.pending),
                self.COL_ABSENT: str(s.absent),
                self.COL_FAILED: str(s.failed),
                self.COL_PROGRESS: f"{_percent(s.done, s.goal)} %",
            }
            return values.get(col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= self.COL_TARGET:
            return _ALIGN_RIGHT if col != self.COL_PROGRESS else _ALIGN_CENTER
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_NAME:
            return f"NPSN {s.npsn}"
        return None


def _percent(done: int, goal: int) -> int:
    return 0 if goal <= 0 else min(100, round(100 * done / goal))


# --------------------------------------------------------------------------- history


class HistoryTableModel(_Table):
    COL_TIME, COL_KIND, COL_DETAIL, COL_OPERATOR, COL_DEVICE = range(5)
    HEADERS = (
        noop("Waktu"),
        noop("Kejadian"),
        noop("Keterangan"),
        noop("Petugas"),
        noop("Perangkat"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryItem] = []

    def set_rows(self, rows: Sequence[HistoryItem]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def item(self, row: int) -> HistoryItem | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        h = self._rows[index.row()]
        col = index.column()
        if role == ROLE_ID:
            return h.event_id
        if role == ROLE_ITEM:
            return h
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_TIME:
                return labels.local_datetime(h.occurred_at)
            if col == self.COL_KIND:
                return labels.kind_label(h.kind)
            if col == self.COL_DETAIL:
                return self._detail(h)
            if col == self.COL_OPERATOR:
                return h.operator
            if col == self.COL_DEVICE:
                short = h.device_id[:8]
                return tr("{device} (laptop ini)").format(device=short) if h.this_device else short
        if role == Qt.ItemDataRole.FontRole and h.voided_by:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and h.voided_by:
            return QColor("#78909c")
        return None

    def _detail(self, h: HistoryItem) -> str:
        parts = []
        reason = labels.reason_label(h.kind, h.reason)
        if h.kind == "voided":
            parts.append(tr("alasan: {reason}").format(reason=h.reason or ""))
        elif reason:
            parts.append(reason)
        if h.changes:
            parts.append(tr("diubah: {fields}").format(fields=", ".join(h.changes)))
        if h.note:
            parts.append(h.note)
        if h.voided_by:
            parts.append(tr("(dibatalkan)"))
        return " · ".join(parts)


# --------------------------------------------------------------------------- anomalies


class AnomalyTableModel(_Table):
    COL_TIME, COL_STUDENT, COL_CODE, COL_EVENTS = range(4)
    HEADERS = (noop("Waktu"), noop("Siswa"), noop("Masalah"), noop("Kejadian"))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AnomalyItem] = []

    def set_rows(self, rows: Sequence[AnomalyItem]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def item(self, row: int) -> AnomalyItem | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        a = self._rows[index.row()]
        if role == ROLE_ID:
            return a.student_id
        if role == ROLE_ITEM:
            return a
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == self.COL_TIME:
                return labels.local_datetime(a.created_at)
            if col == self.COL_STUDENT:
                return a.student_name
            if col == self.COL_CODE:
                return tr(labels.ANOMALY_LABELS.get(a.code, a.code))
            if col == self.COL_EVENTS:
                return str(len(a.event_ids))
        return None


# --------------------------------------------------------------------------- quarantine


class QuarantineTableModel(_Table):
    COL_TIME, COL_KIND, COL_STUDENT, COL_ATTEMPTS, COL_ERROR = range(5)
    HEADERS = (
        noop("Waktu"),
        noop("Kejadian"),
        noop("Siswa"),
        noop("Percobaan"),
        noop("Alasan ditolak"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[QuarantineItem] = []

    def set_rows(self, rows: Sequence[QuarantineItem]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def item(self, row: int) -> QuarantineItem | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        q = self._rows[index.row()]
        if role == ROLE_ID:
            return q.event_id
        if role == ROLE_ITEM:
            return q
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.COL_ERROR:
            return q.last_error  # the server's own words, for the office admin
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            if col == self.COL_TIME:
                return labels.local_datetime(q.occurred_at)
            if col == self.COL_KIND:
                return labels.kind_label(q.kind)
            if col == self.COL_STUDENT:
                return q.student_name
            if col == self.COL_ATTEMPTS:
                return str(q.attempts)
            if col == self.COL_ERROR:
                return labels.refusal_label(q.code, q.last_error)
        return None
