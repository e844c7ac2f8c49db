"""The exception dialogs: walk-in and correction form, history and undo, anomalies,
quarantined sync items, users, settings and About."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop import __version__
from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.services.workspace import (
    MIN_PASSWORD_LENGTH,
    HistoryItem,
    SavedEvent,
    StudentItem,
    Workspace,
    check_details,
)
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import LANGUAGES, current_language, noop, tr
from ktpe_desktop.ui.models import (
    AnomalyTableModel,
    HistoryTableModel,
    QuarantineTableModel,
)
from ktpe_desktop.ui.ops import Lane, Op
from ktpe_desktop.ui.settings import EDITABLE, Option, Settings
from ktpe_desktop.ui.widgets import StrengthMeter

FIELD_TITLES = {
    "name": noop("Nama"),
    "nisn": noop("NISN"),
    "nik": noop("NIK"),
    "kk": noop("No. KK"),
    "sex": noop("L/P"),
    "birth_place": noop("Tempat lahir"),
    "birth_date": noop("Tgl lahir"),
    "class_name": noop("Kelas"),
    "mother_name": noop("Nama ibu"),
}


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(28)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _error_text(exc: BaseException) -> str | None:
    return exc.text(current_language()) if isinstance(exc, KnownError) else None


# --------------------------------------------------------------------------- student form


class StudentFormDialog(QDialog):
    """Walk-in student (empty form) or correction (prefilled; only changes are sent).

    NIK, No. KK and NISN are checked as they are typed (core.identifiers): errors
    (wrong length, impossible date …) block saving, warnings (unknown region, NIK
    disagreeing with the birth date or sex) are shown and do not.
    """

    saved = Signal(object)  # StudentItem (walk-in) or SavedEvent (correction)

    def __init__(
        self,
        workspace: Workspace,
        school_npsn: str,
        student: StudentItem | None = None,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.school_npsn = school_npsn
        self.student = student
        self.today = today or date.today()
        self.correcting = student is not None
        self.setObjectName("correctionDialog" if self.correcting else "walkInDialog")
        self.setWindowTitle(tr("Koreksi data siswa") if self.correcting else tr("Tambah siswa"))
        root = QVBoxLayout(self)
        intro = QLabel(
            tr("Ubah data yang salah. Perubahan dicatat dan dikirim ke server.")
            if self.correcting
            else tr(
                "Siswa yang hadir tetapi tidak ada di daftar. Nama wajib; NIK dan NISN "
                "diperiksa saat diketik."
            )
        )
        intro.setWordWrap(True)
        root.addWidget(intro)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.name = QLineEdit()
        self.nisn = QLineEdit()
        self.nisn.setMaxLength(14)
        self.nik = QLineEdit()
        self.nik.setMaxLength(22)
        self.kk = QLineEdit()
        self.kk.setMaxLength(22)
        self.sex = QComboBox()
        self.sex.addItem("—", "")
        self.sex.addItem(tr("L (laki-laki)"), "L")
        self.sex.addItem(tr("P (perempuan)"), "P")
        self.birth_place = QLineEdit()
        self.birth_date = QDateEdit()
        self.birth_date.setDisplayFormat("dd-MM-yyyy")
        self.birth_date.setCalendarPopup(True)
        self.birth_date.setMinimumDate(QDate(1900, 1, 1))
        self.birth_date.setSpecialValueText("—")
        self.birth_date.setDate(self.birth_date.minimumDate())
        self.class_name = QComboBox()
        self.class_name.setEditable(True)
        self.class_name.addItems(["", *workspace.classes(school_npsn)])
        self.mother_name = QLineEdit()
        for key, widget in (
            ("name", self.name),
            ("nisn", self.nisn),
            ("nik", self.nik),
            ("kk", self.kk),
        ):
            widget.setObjectName(f"{key}Field")
        self.feedback: dict[str, QLabel] = {}
        rows: list[tuple[str, QWidget]] = [
            ("name", self.name),
            ("nisn", self.nisn),
            ("nik", self.nik),
            ("kk", self.kk),
            ("sex", self.sex),
            ("birth_place", self.birth_place),
            ("birth_date", self.birth_date),
            ("class_name", self.class_name),
            ("mother_name", self.mother_name),
        ]
        for key, field_widget in rows:
            title = tr(FIELD_TITLES[key]) + (" *" if key == "name" else "")
            form.addRow(title, field_widget)
            if key in ("name", "nisn", "nik", "kk"):
                note = QLabel()
                note.setWordWrap(True)
                note.setObjectName(f"{key}Feedback")
                note.hide()
                self.feedback[key] = note
                form.addRow("", note)
        root.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            tr("Simpan (Ctrl+Enter)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primaryButton")
        self.save_button.setShortcut("Ctrl+Return")
        buttons.addButton(tr("Batal (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        if student is not None:
            self._fill(student)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(60)
        self._check_timer.timeout.connect(self.check)
        for w in (self.name, self.nisn, self.nik, self.kk):
            w.textChanged.connect(lambda _t: self._check_timer.start())
        self.sex.currentIndexChanged.connect(lambda _i: self._check_timer.start())
        self.birth_date.dateChanged.connect(lambda _d: self._check_timer.start())
        self.check()
        self.resize(580, self.sizeHint().height() + 40)

    def _fill(self, s: StudentItem) -> None:
        self.name.setText(s.name)
        self.nisn.setText(s.nisn or "")
        self.nik.setText(s.nik or "")
        self.kk.setText(s.kk or "")
        self.sex.setCurrentIndex(max(0, self.sex.findData(s.sex or "")))
        self.birth_place.setText(s.birth_place or "")
        if s.birth_date:
            self.birth_date.setDate(QDate(s.birth_date.year, s.birth_date.month, s.birth_date.day))
        self.class_name.setEditText(s.class_name)
        self.mother_name.setText(s.mother_name or "")

    def details(self) -> dict[str, Any]:
        qd = self.birth_date.date()
        birth: date | None = None
        if qd != self.birth_date.minimumDate():
            birth = date(qd.year(), qd.month(), qd.day())
        return {
            "name": self.name.text().strip().upper(),
            "nisn": self.nisn.text().strip(),
            "nik": self.nik.text().strip(),
            "kk": self.kk.text().strip(),
            "sex": str(self.sex.currentData() or ""),
            "birth_place": self.birth_place.text().strip().upper(),
            "birth_date": birth,
            "class_name": self.class_name.currentText().strip(),
            "mother_name": self.mother_name.text().strip().upper(),
        }

    def check(self) -> bool:
        result = check_details(self.details(), self.today)
        lang = current_language()
        for key, label in self.feedback.items():
            errors = [f for f in result.errors if f.field == key]
            warnings = [f for f in result.warnings if f.field == key]
            shown = errors or warnings
            if not shown or (key == "name" and not self.name.text() and not self.correcting):
                label.hide()
                continue
            text = "\n".join(
                ("✖ " if f.severity == "error" else "⚠ ")
                + (f.message_en if lang == "en" else f.message)
                for f in shown
            )
            label.setText(text)
            label.setStyleSheet("color: #c62828;" if errors else "color: #e65100;")
            label.show()
        ok = not result.errors
        self.save_button.setEnabled(ok)
        layout = self.layout()
        if layout is not None:
            layout.activate()
            needed = self.sizeHint().height()
            if needed > self.height():
                self.resize(self.width(), needed)  # room for the messages just shown
        return ok

    def _changes(self) -> dict[str, Any]:
        assert self.student is not None
        now = self.details()
        before = {
            "name": self.student.name,
            "nisn": self.student.nisn or "",
            "nik": self.student.nik or "",
            "kk": self.student.kk or "",
            "sex": self.student.sex or "",
            "birth_place": self.student.birth_place or "",
            "birth_date": self.student.birth_date,
            "class_name": self.student.class_name,
            "mother_name": self.student.mother_name or "",
        }
        return {k: (v if v != "" else None) for k, v in now.items() if v != before[k]}

    def save(self) -> None:
        if not self.check():
            return
        ws = self.workspace
        self.save_button.setEnabled(False)
        if self.correcting:
            assert self.student is not None
            changes = self._changes()
            if not changes:
                self.message.setText(tr("Tidak ada data yang diubah."))
                self.save_button.setEnabled(True)
                return
            student_id = self.student.id
            op: Op[Any] = Op(self, lambda: ws.correct(student_id, changes))
        else:
            details = {**self.details(), "school_npsn": self.school_npsn}
            op = Op(self, lambda: ws.add_walk_in(details))
        op.success(self._done).failure(self._failed).run()

    def _done(self, result: StudentItem | SavedEvent) -> None:
        self.accept()
        self.saved.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        text = _error_text(exc)
        if text is None:
            from ktpe_desktop.ui.crash import show_crash

            show_crash(exc, self)
            return
        self.message.setText(text)


# --------------------------------------------------------------------------- history


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


class HistoryDialog(QDialog):
    """A student's events: what, who, when, which laptop; undo one with a reason."""

    voided = Signal(object)  # SavedEvent

    def __init__(
        self, workspace: Workspace, student: StudentItem, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.workspace = workspace
        self.student = student
        self.setWindowTitle(tr("Riwayat: {name}").format(name=student.name))
        root = QVBoxLayout(self)
        head = QLabel(
            f"<b>{student.name}</b> · NISN {student.nisn or '—'} · "
            + tr("Kelas {c}").format(c=student.class_name or "—")
            + " · "
            + labels.status_label(student.status)
        )
        root.addWidget(head)
        self.model = HistoryTableModel(self)
        self.table = _table(self.model)
        self.table.setObjectName("historyTable")
        for col, width in enumerate((150, 160, 330, 110)):
            self.table.setColumnWidth(col, width)
        root.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        root.addWidget(self.message)
        row = QHBoxLayout()
        self.void_button = QPushButton(tr("Batalkan kejadian terpilih… (Del)"))
        self.void_button.setObjectName("voidButton")
        self.void_button.setShortcut("Del")
        self.void_button.clicked.connect(self.void_selected)
        close = QPushButton(tr("Tutup (Esc)"))
        close.clicked.connect(self.reject)
        row.addWidget(self.void_button)
        row.addStretch(1)
        row.addWidget(close)
        root.addLayout(row)
        self.resize(900, 420)
        self.reload()

    def reload(self) -> None:
        ws, sid = self.workspace, self.student.id
        Op(self, lambda: ws.history(sid), lane=Lane.READ).success(self._loaded).run()

    def _loaded(self, items: list[HistoryItem]) -> None:
        self.model.set_rows(items)
        if items:
            self.table.selectRow(len(items) - 1)
        self.table.setFocus()

    def void_selected(self) -> None:
        index = self.table.currentIndex()
        item = self.model.item(index.row()) if index.isValid() else None
        if item is None:
            return
        if item.kind == "voided" or item.voided_by:
            self.message.setText(tr("Kejadian ini tidak dapat dibatalkan."))
            return
        dialog = VoidDialog(item, self.student.name, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        reason = dialog.reason.text().strip()
        ws = self.workspace
        Op(self, lambda: ws.void(item.event_id, reason)).success(self._voided).failure(
            self._failed
        ).run()

    def _voided(self, saved: SavedEvent) -> None:
        self.message.clear()
        self.voided.emit(saved)
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        text = _error_text(exc)
        if text is None:
            from ktpe_desktop.ui.crash import show_crash

            show_crash(exc, self)
        else:
            self.message.setText(text)


# --------------------------------------------------------------------------- anomalies


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
        self.table = _table(self.model)
        self.table.setObjectName("anomalyTable")
        for col, width in enumerate((150, 260, 320)):
            self.table.setColumnWidth(col, width)
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


# --------------------------------------------------------------------------- quarantine


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
        self.table = _table(self.model)
        self.table.setObjectName("quarantineTable")
        for col, width in enumerate((150, 170, 220, 90)):
            self.table.setColumnWidth(col, width)
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
        self.resize(900, 420)
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
            tr("{n} kejadian masuk antrean lagi; akan dikirim pada sinkron berikutnya.").format(n=n)
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
                tr("{n} baris diekspor ke {file}.").format(n=n, file=target.name)
            )
        ).run()


# --------------------------------------------------------------------------- users


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


# --------------------------------------------------------------------------- settings, about


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


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, device_id: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(tr("Tentang"))
        root = QVBoxLayout(self)
        title = QLabel(f"<h2>KTP-el Jemput Bola</h2><p>{tr('Versi')} {__version__}</p>")
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
