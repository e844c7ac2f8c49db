"""The roster import dialog: choose a file, read the preview and report, import.

    dialog = ImportDialog(service, school_npsn="20533660", operator="lead", parent=w)

``service`` is anything with the two calls of
:class:`~ktpe_desktop.services.import_service.ImportService` (``preview`` and
``commit``), so tests pass a fake. Reading runs on the READ lane and the commit on
the DB lane (:mod:`ktpe_desktop.ui.ops`); the dialog's signals say when each is
done. The commit is all-or-nothing: "Impor" writes every new and changed student
or, on an error, nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.imports import (
    FIELD_LABELS,
    MergePlan,
    ReportLine,
    RosterPreview,
    Severity,
    write_report_csv,
)
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import current_language, tr
from ktpe_desktop.ui.ops import Lane, Op

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_SEVERITY_COLORS = {
    Severity.ERROR: ("#8a1c1c", "#fde2e1"),
    Severity.WARNING: ("#7a5200", "#fff3cd"),
    Severity.INFO: ("#33415c", "#ffffff"),
}


class ImportServiceLike(Protocol):
    def preview(self, path: Path | str, school_npsn: str) -> tuple[RosterPreview, MergePlan]: ...

    def commit(
        self, preview: RosterPreview, plan: MergePlan, school_npsn: str, operator: str
    ) -> Any: ...


class _NewSchoolImport:
    """``service`` for a school not on this laptop yet: its name goes with every call,
    so that the commit creates the school together with the roster (all or nothing)."""

    def __init__(self, service: Any, school_name: str) -> None:
        self._service = service
        self._name = school_name

    def preview(self, path: Path | str, school_npsn: str) -> tuple[RosterPreview, MergePlan]:
        result: tuple[RosterPreview, MergePlan] = self._service.preview(
            path, school_npsn, school_name=self._name
        )
        return result

    def commit(
        self, preview: RosterPreview, plan: MergePlan, school_npsn: str, operator: str
    ) -> Any:
        return self._service.commit(preview, plan, school_npsn, operator, school_name=self._name)


class _Model(QAbstractTableModel):
    headers: tuple[str, ...] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Any, ...]] = []
        self._colors: list[tuple[str, str] | None] = []

    def set_rows(self, rows: list[tuple[Any, ...]], colors: list[tuple[str, str] | None]) -> None:
        self.beginResetModel()
        self._rows, self._colors = rows, colors
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        if role == _DISPLAY:
            value = self._rows[index.row()][index.column()]
            return "" if value is None else str(value)
        colors = self._colors[index.row()]
        if colors is not None and role == Qt.ItemDataRole.ForegroundRole:
            return QColor(colors[0])
        if colors is not None and role == Qt.ItemDataRole.BackgroundRole:
            return QColor(colors[1])
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PreviewTableModel(_Model):
    """Every student row of the file: ready, with warnings, or held back."""

    COL_ROW, COL_STATE, COL_PLAN, COL_NAME, COL_NISN, COL_NIK, COL_SEX, COL_BIRTH, COL_CLASS = (
        range(9)
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = (
            tr("Baris"), tr("Keadaan"), tr("Rencana"), tr("Nama"),
            tr("NISN"), tr("NIK"), tr("L/P"), tr("Tgl lahir"),
            tr("Kelas"),
        )  # fmt: skip

    def load(self, preview: RosterPreview, plan: MergePlan | None) -> None:
        plans: dict[int, str] = {}
        if plan is not None:
            plans.update((r.row_number, tr("Baru")) for r in plan.new)
            plans.update((c.row.row_number, tr("Berubah")) for c in plan.changed)
            plans.update((r.row_number, tr("Tetap")) for r, _ in plan.unchanged)
            plans.update((s.row.row_number, tr("Dilewati")) for s in plan.skipped)
        warned = {ln.row for ln in preview.warnings if ln.row is not None}
        if plan is not None:
            warned |= {ln.row for ln in plan.lines if ln.row is not None and
                       ln.severity is Severity.WARNING}  # fmt: skip
        entries: list[tuple[int, tuple[Any, ...], tuple[str, str] | None]] = []
        for r in preview.rows:
            has_warning = r.row_number in warned
            state = tr("Peringatan") if has_warning else tr("Siap")
            entries.append(
                (
                    r.row_number,
                    (r.row_number, state, plans.get(r.row_number, ""), r.name, r.nisn or "",
                     labels.mask_nik(r.nik), r.sex.value if r.sex else "",
                     labels.short_date(r.birth_date), r.class_name or ""),
                    _SEVERITY_COLORS[Severity.WARNING] if has_warning else None,
                )
            )  # fmt: skip
        for h in preview.held_back:
            v = h.values
            entries.append(
                (
                    h.row_number,
                    (h.row_number, tr("Ditahan"), tr("Tidak diimpor"),
                     v.get("name", ""), v.get("nisn", ""), labels.mask_nik(v.get("nik")),
                     v.get("sex", ""), v.get("birth_date", ""), v.get("class_name", "")),
                    _SEVERITY_COLORS[Severity.ERROR],
                )
            )  # fmt: skip
        entries.sort(key=lambda e: e[0])
        self.set_rows([e[1] for e in entries], [e[2] for e in entries])


class ReportTableModel(_Model):
    """One line per problem, errors first."""

    COL_ROW, COL_SEVERITY, COL_COLUMN, COL_MESSAGE = range(4)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = (tr("Baris"), tr("Tingkat"), tr("Kolom"), tr("Pesan"))

    def load(self, lines: list[ReportLine]) -> None:
        names = {
            Severity.ERROR: tr("Kesalahan"),
            Severity.WARNING: tr("Peringatan"),
            Severity.INFO: tr("Info"),
        }
        order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
        ordered = sorted(lines, key=lambda ln: (order[ln.severity], ln.row or 0))
        lang = current_language()
        self.set_rows(
            [(ln.row or "", names[ln.severity], ln.column or "", ln.text(lang)) for ln in ordered],
            [_SEVERITY_COLORS[ln.severity] if ln.severity is not Severity.INFO else None
             for ln in ordered],
        )  # fmt: skip


class ChangesTableModel(_Model):
    """Field-level changes of the students already held."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = (tr("Baris"), tr("Nama"), tr("Data"), tr("Lama"),
                        tr("Baru"))  # fmt: skip

    def load(self, plan: MergePlan | None) -> None:
        rows: list[tuple[Any, ...]] = []
        lang = 1 if current_language() == "en" else 0
        for change in plan.changed if plan is not None else []:
            for fc in change.changes:
                old, new = fc.old or "", fc.new
                if fc.field == "nik":
                    old, new = labels.mask_nik(old), labels.mask_nik(new)
                rows.append((change.row.row_number, change.student.name,
                             FIELD_LABELS[fc.field][lang], old, new))  # fmt: skip
        self.set_rows(rows, [None] * len(rows))


def _table(model: QAbstractTableModel, stretch: int) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


class ImportDialog(QDialog):
    """Choose a roster file → preview and report → "Impor" (all or nothing).

    With ``new_school=True`` the school is not on this laptop yet (a laptop started
    offline): ``school_name`` goes with the service calls and the commit creates the
    school with its roster.

    Signals:
        previewed(object): the (preview, plan) pair is shown.
        committed(object): the service's commit result.
        failed(str): a KnownError's message (file unreadable, school unknown …).
    """

    previewed = Signal(object)
    committed = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        service: ImportServiceLike,
        school_npsn: str,
        operator: str,
        *,
        school_name: str = "",
        new_school: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self._service: ImportServiceLike = (
            _NewSchoolImport(service, school_name) if new_school else service
        )
        self._npsn = school_npsn
        self._operator = operator
        self.preview: RosterPreview | None = None
        self.plan: MergePlan | None = None
        self.result: Any = None
        title = tr("Impor Daftar Siswa")
        self.setWindowTitle(f"{title} — {school_name or school_npsn}")
        self.resize(1000, 620)

        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText(
            tr("Pilih ekspor Dapodik (.xlsx) atau berkas CSV daftar siswa")
        )
        self.choose_button = QPushButton(tr("&Pilih Berkas…"))
        self.choose_button.clicked.connect(self.choose_file)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Berkas:")))
        top.addWidget(self.path_edit, 1)
        top.addWidget(self.choose_button)

        self.summary_label = QLabel(tr("Belum ada berkas dipilih."))
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.columns_label = QLabel("")
        self.columns_label.setWordWrap(True)
        self.columns_label.setStyleSheet("color: #555;")

        self.rows_model = PreviewTableModel(self)
        self.report_model = ReportTableModel(self)
        self.changes_model = ChangesTableModel(self)
        self.rows_view = _table(self.rows_model, PreviewTableModel.COL_NAME)
        self.report_view = _table(self.report_model, ReportTableModel.COL_MESSAGE)
        self.changes_view = _table(self.changes_model, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.rows_view, tr("Data Siswa"))
        self.tabs.addTab(self.report_view, tr("Laporan"))
        self.tabs.addTab(self.changes_view, tr("Perubahan"))

        self.save_report_button = QPushButton(tr("Simpan &Laporan…"))
        self.save_report_button.clicked.connect(self.save_report)
        self.import_button = QPushButton(tr("&Impor"))
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.commit)
        self.close_button = QPushButton(tr("&Tutup"))
        self.close_button.clicked.connect(self.reject)
        self.report_saved_label = QLabel()
        self.report_saved_label.setObjectName("reportSavedLabel")
        self.report_saved_label.setWordWrap(True)
        self.report_saved_label.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_report_button)
        buttons.addWidget(self.report_saved_label, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)

        self.new_school_label = QLabel(
            tr(
                "{name} (NPSN {npsn}) belum ada di laptop ini. Sekolah ini ditambahkan "
                "bersama daftar siswanya saat Anda menekan Impor."
            ).format(name=school_name or school_npsn, npsn=school_npsn)
        )
        self.new_school_label.setObjectName("infoBanner")
        self.new_school_label.setWordWrap(True)
        self.new_school_label.setVisible(new_school)

        layout = QVBoxLayout(self)
        layout.addWidget(self.new_school_label)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.columns_label)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Open, self, self.choose_file)
        self._busy = False
        self._committing = False
        self._update_buttons()

    # ------------------------------------------------------------ actions

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("Pilih berkas daftar siswa"),
            "",
            tr("Daftar siswa (*.xlsx *.xlsm *.csv *.txt);;Semua berkas (*)"),
        )
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Read ``path`` in the background and show its preview."""
        self.path_edit.setText(str(path))
        self.preview = self.plan = None
        self.result = None
        self._set_busy(True, tr("Membaca berkas…"))
        npsn = self._npsn
        service = self._service
        (
            Op(self, lambda: service.preview(path, npsn), lane=Lane.READ)
            .success(self._show_preview)
            .failure(self._show_failure)
            .finally_(lambda: self._set_busy(False))
            .run()
        )

    def commit(self) -> None:
        """Import everything the preview shows as new or changed, or nothing."""
        preview, plan = self.preview, self.plan
        if preview is None or plan is None or plan.is_empty or self._busy:
            return
        self._committing = True
        self._set_busy(True, tr("Menyimpan…"))
        service, npsn, operator = self._service, self._npsn, self._operator
        (
            Op(self, lambda: service.commit(preview, plan, npsn, operator), lane=Lane.DB)
            .success(self._show_result)
            .failure(self._show_failure)
            .finally_(self._commit_ended)
            .run()
        )

    def _commit_ended(self) -> None:
        self._committing = False
        self._set_busy(False)

    @property
    def committing(self) -> bool:
        """Whether the import is being saved: the dialog stays open until it ends."""
        return self._committing

    def reject(self) -> None:
        """Escape, Tutup or a scanned card: ignored while the import is being saved,
        which goes on to its end (the dialog would close saying nothing was saved)."""
        if self._committing:
            return
        super().reject()

    def close_now(self) -> None:
        """Close, even while the import is being saved: the window locks (the preview
        names students). The save goes on to its end behind the login page; the window
        takes the import as none (no school is opened for it under the login page)."""
        QDialog.reject(self)

    def save_report(self) -> None:
        """The report names students (names, NISN): the personal-data warning first, then
        the file, then where it went."""
        if self.preview is None:
            return
        from ktpe_desktop.reports.export import EXPORT_WARNING, EXPORT_WARNING_EN

        answer = QMessageBox.warning(
            self,
            tr("Laporan berisi data pribadi"),
            EXPORT_WARNING_EN if current_language() == "en" else EXPORT_WARNING,
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Simpan laporan impor"), "laporan-impor.csv", tr("CSV (*.csv)")
        )
        if path:
            self.write_report(Path(path))

    def write_report(self, path: Path) -> None:
        if self.preview is not None:
            write_report_csv(self.preview, self.plan, path)
            self.report_saved_label.setText(tr("Laporan disimpan ke {path}").format(path=str(path)))
            self.report_saved_label.show()

    # ------------------------------------------------------------ results

    def _show_preview(self, result: tuple[RosterPreview, MergePlan]) -> None:
        preview, plan = result
        self.preview, self.plan = preview, plan
        self.rows_model.load(preview, plan)
        self.report_model.load(preview.lines + plan.lines)
        self.changes_model.load(plan)
        errors, warnings = (
            len(preview.errors),
            len(preview.warnings) + sum(1 for ln in plan.lines if ln.severity is Severity.WARNING),
        )
        s = plan.summary()
        where = (
            tr("lembar '{0}'").format(preview.sheet_name)
            if preview.sheet_name is not None
            else tr("CSV")
        )
        counted = {
            "errors": tr("%Ln kesalahan", None, errors),
            "warnings": tr("%Ln peringatan", None, warnings),
        }
        read = tr(
            "{rows} ({where}, judul kolom di baris {header}): {ready} siap, {held} ditahan "
            "karena kesalahan. {errors}, {warnings}."
        ).format(
            rows=tr("%Ln baris siswa", None, preview.total_rows),
            where=where,
            header=preview.header_row,
            ready=len(preview.rows),
            held=len(preview.held_back),
            **counted,
        )
        planned = tr(
            "Rencana impor: {new}, {changed} berubah, {unchanged} tetap, {missing} tidak ada "
            "di berkas (tidak dihapus), {skipped} dilewati."
        ).format(
            new=tr("%Ln siswa baru", None, s["new"]),
            changed=s["changed"],
            unchanged=s["unchanged"],
            missing=s["missing"],
            skipped=s["skipped"],
        )
        self.summary_label.setText(f"{read}\n{planned}")
        used = ", ".join(f"{FIELD_LABELS[f][0]} ← {label}" for f, label in
                         preview.mapped_fields.items())  # fmt: skip
        self.columns_label.setText(
            tr("Kolom dipakai: {0}. Kolom lain ({1}) diabaikan.").format(
                used, len(preview.unused_columns)
            )
        )
        self.columns_label.setToolTip(", ".join(preview.unused_columns))
        self.tabs.setTabText(0, tr("Data Siswa ({0})").format(preview.total_rows))
        self.tabs.setTabText(1, tr("Laporan ({errors}, {warnings})").format(**counted))
        self.tabs.setTabText(2, tr("Perubahan ({0})").format(len(plan.changed)))
        for view, widths in ((self.rows_view, (56, 90, 110, 230, 100, 150, 40, 90)),
                             (self.report_view, (56, 90, 140)),
                             (self.changes_view, (56, 220, 120, 160))):  # fmt: skip
            for col, width in enumerate(widths):
                view.setColumnWidth(col, width)
        self.previewed.emit(result)

    def _show_result(self, result: Any) -> None:
        self.result = result
        added = getattr(result, "added", 0)
        changed = getattr(result, "changed", 0)
        text = tr(
            "Impor selesai: {added}, {changed} dikoreksi. Baris yang ditahan "
            "tidak diimpor; perbaiki berkasnya lalu impor lagi."
        ).format(added=tr("%Ln siswa baru", None, added), changed=changed)
        if getattr(result, "school_created", False):
            self.new_school_label.setText(tr("Sekolah ditambahkan ke laptop ini."))
        self.summary_label.setText(text)
        self.plan = None  # a second click must not import twice
        self.committed.emit(result)

    def _show_failure(self, exc: BaseException) -> None:
        if not isinstance(exc, KnownError):
            raise exc  # a bug: the crash dialog, never a silent failure
        message = exc.text(current_language())
        self.summary_label.setText(message)
        self.failed.emit(message)

    def _set_busy(self, busy: bool, text: str | None = None) -> None:
        self._busy = busy
        if text is not None:
            self.summary_label.setText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.plan is not None and not self.plan.is_empty and not self._busy
        self.import_button.setEnabled(ready)
        self.save_report_button.setEnabled(self.preview is not None and not self._busy)
        self.choose_button.setEnabled(not self._busy)
        self.close_button.setEnabled(not self._committing)
