"""The walk-in and correction form."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.checks import check_details
from ktpe_desktop.services.views import SavedChange, StudentItem
from ktpe_desktop.ui.dialogs.common import error_text
from ktpe_desktop.ui.i18n import current_language, noop, tr
from ktpe_desktop.ui.ops import Op
from ktpe_desktop.ui.scanner import MIN_BURST_DIGITS, ScanDetector

if TYPE_CHECKING:
    from ktpe_desktop.services.recording import DuplicateIdentifier
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload

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


class StudentFormDialog(QDialog):
    """Walk-in student (empty form) or correction (prefilled; only changes are sent).

    NIK, No. KK and NISN are checked as they are typed (core.identifiers): errors
    (wrong length, impossible date …) block saving, warnings (unknown region, NIK
    disagreeing with the birth date or sex) are shown and do not.
    """

    saved = Signal(object)  # StudentItem (walk-in) or SavedChange (correction)
    open_existing = Signal(object)  # StudentItem: the student who holds the typed NISN/NIK

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
        # A card scanned into the form fills its NISN or NIK, whichever field has focus.
        self.scanner = ScanDetector(self, bursts_only=True).while_visible()
        self.scanner.scanned.connect(self._scanned)
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
        # A NISN/NIK that belongs to another student: open that one (Enter), or a lead
        # saves anyway with a reason, which becomes an anomaly for the office.
        self.duplicate: DuplicateIdentifier | None = None
        self.duplicate_box = QWidget()
        self.duplicate_box.setObjectName("duplicateBox")
        dup = QVBoxLayout(self.duplicate_box)
        dup.setContentsMargins(0, 0, 0, 0)
        self.duplicate_label = QLabel()
        self.duplicate_label.setObjectName("errorText")
        self.duplicate_label.setWordWrap(True)
        dup.addWidget(self.duplicate_label)
        dup_row = QHBoxLayout()
        self.open_existing_button = QPushButton(tr("&Buka siswa itu (Enter)"))
        self.open_existing_button.setObjectName("openExistingButton")
        self.open_existing_button.clicked.connect(self._open_existing)
        dup_row.addWidget(self.open_existing_button)
        self.override = QCheckBox(tr("Tetap simpan sebagai siswa baru (Koordinator), alasan:"))
        self.override.setObjectName("overrideCheck")
        self.override_reason = QLineEdit()
        self.override_reason.setObjectName("overrideReason")
        self.override_reason.setMaxLength(300)
        self.override.toggled.connect(self._recheck)
        self.override_reason.textChanged.connect(self._recheck)
        dup_row.addWidget(self.override)
        dup_row.addWidget(self.override_reason, 1)
        dup.addLayout(dup_row)
        self.duplicate_box.hide()
        root.addWidget(self.duplicate_box)
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
        ok = not result.errors and self._check_duplicate()
        self.save_button.setEnabled(ok)
        layout = self.layout()
        if layout is not None:
            layout.activate()
            needed = self.sizeHint().height()
            if needed > self.height():
                self.resize(self.width(), needed)  # room for the messages just shown
        return ok

    def _recheck(self, *_args: object) -> None:
        self._check_timer.start()

    def _check_duplicate(self) -> bool:
        """False while the NISN/NIK belongs to another student (and no lead override)."""
        details = self.details()
        exclude = self.student.id if self.student is not None else None
        self.duplicate = self.workspace.duplicate_of(details, exclude)
        if self.duplicate is None:
            self.duplicate_box.hide()
            self.open_existing_button.setDefault(False)
            return True
        self.duplicate_label.setText("✖ " + self.duplicate.text(current_language()))
        lead = self.workspace.user.is_lead and not self.correcting
        self.override.setVisible(lead)
        self.override_reason.setVisible(lead)
        self.override_reason.setEnabled(self.override.isChecked())
        self.duplicate_box.show()
        overridden = (
            lead and self.override.isChecked() and bool(self.override_reason.text().strip())
        )
        # Enter opens the student who already holds the number, unless overriding.
        self.open_existing_button.setDefault(not self.override.isChecked())
        return overridden

    def _open_existing(self) -> None:
        if self.duplicate is None:
            return
        student = self.workspace.student(self.duplicate.student_id)
        self.reject()
        if student is not None:
            self.open_existing.emit(student)

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
            reason = (
                self.override_reason.text().strip()
                if self.duplicate is not None and self.override.isChecked()
                else None
            )
            op = Op(self, lambda: ws.add_walk_in(details, override_reason=reason))
        op.success(self._done).failure(self._failed).run()

    def _done(self, result: StudentItem | SavedChange) -> None:
        self.accept()
        self.saved.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        text = error_text(exc)
        if text is None:
            from ktpe_desktop.ui.crash import show_crash

            show_crash(exc, self)
            return
        self.message.setText(text)

    # ------------------------------------------------------------ the scanner

    def _scanned(self, digits: str) -> None:
        """A scanned NISN (10 digits) or NIK (16) goes to its own field, never the name."""
        focus = QApplication.focusWidget()
        head = digits[: MIN_BURST_DIGITS - 1]  # reached the field before the burst was seen
        other = isinstance(focus, QLineEdit) and focus not in (self.nisn, self.nik)
        if other and isinstance(focus, QLineEdit) and focus.text().endswith(head):
            focus.setText(focus.text()[: -len(head)])
        target = self.nisn if len(digits) == 10 else self.nik
        target.setText(digits)
        target.setFocus()
