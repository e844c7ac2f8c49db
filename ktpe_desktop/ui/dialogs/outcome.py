"""The outcome dialog: one key per outcome, Enter for the default (Terekam).

Keys (shown on the buttons, the same everywhere):

====  =========================  =============================================
Key   Outcome                    Notes
====  =========================  =============================================
F1    Terekam                    also Enter, unless the dialog suggests another
F2    Sudah Terekam Sebelumnya
F3    Tidak Hadir
F4    Belum Cukup Umur           suggested (and pre-selected) from the birth date
F5    Gagal Rekam                then choose the reason (↑/↓) and press Enter
F6    Aktivasi IKD
Esc   Batal                      nothing is saved
====  =========================  =============================================

The dialog asks the writer thread to save; it closes (and the main window says
"Tersimpan") only once the service has committed the event to disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.eligibility import CampaignRules, age_on, assess
from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import EventKind, FailReason, NotEligibleReason, Status
from ktpe_desktop.services.views import SavedChange, StudentItem
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import current_language, noop, tr
from ktpe_desktop.ui.ops import Op
from ktpe_desktop.ui.scanner import ScanDetector
from ktpe_desktop.ui.widgets import WorkspaceSlot

if TYPE_CHECKING:
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload


@dataclass(frozen=True)
class OutcomeChoice:
    kind: str
    key: Qt.Key
    key_text: str
    label: str


CHOICES = (
    OutcomeChoice(EventKind.RECORDED, Qt.Key.Key_F1, "F1", noop("Terekam")),
    OutcomeChoice(
        EventKind.ALREADY_RECORDED, Qt.Key.Key_F2, "F2", noop("Sudah Terekam Sebelumnya")
    ),
    OutcomeChoice(EventKind.ABSENT, Qt.Key.Key_F3, "F3", noop("Tidak Hadir")),
    OutcomeChoice(EventKind.NOT_ELIGIBLE, Qt.Key.Key_F4, "F4", noop("Belum Cukup Umur")),
    OutcomeChoice(EventKind.FAILED, Qt.Key.Key_F5, "F5", noop("Gagal Rekam…")),
    OutcomeChoice(EventKind.IKD_ACTIVATED, Qt.Key.Key_F6, "F6", noop("Aktivasi IKD")),
)


class OutcomeDialog(QDialog, WorkspaceSlot):
    """Reused for every student (``set_student``), so opening it costs little."""

    saved = Signal(object)  # SavedChange
    # A scan arrived while the dialog was open: (the student left unsaved or None, digits)
    scan_interrupted = Signal(object, str)

    def __init__(self, workspace: Workspace | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcomeDialog")
        self.setWindowTitle(tr("Catat hasil perekaman"))
        self.setModal(True)
        self._workspace = workspace
        self.student: StudentItem | None = None
        self.rules: CampaignRules | None = None
        self.today = date.today()
        self.school_npsn = ""
        self._default_kind: str | None = EventKind.RECORDED
        self._saving = False
        self._pending_scan: str | None = None
        self._confirm_twice = False
        self._ikd_armed = False
        self.scanner = ScanDetector(self).while_visible()
        self.scanner.scanned.connect(self._scanned)
        self.scanner.garbled.connect(self._garbled)

        root = QVBoxLayout(self)
        root.setSpacing(10)
        # who
        self.name_label = QLabel()
        self.name_label.setObjectName("studentName")
        self.name_label.setWordWrap(True)
        root.addWidget(self.name_label)
        details = QFrame()
        grid = QGridLayout(details)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        self.fields: dict[str, QLabel] = {}
        captions = (
            ("nisn", noop("NISN")),
            ("nik", noop("NIK")),
            ("sex", noop("L/P")),
            ("birth", noop("Tgl Lahir (umur)")),
            ("class", noop("Kelas")),
            ("status", noop("Status saat ini")),
        )
        for i, (key, caption) in enumerate(captions):
            cap = QLabel(tr(caption))
            cap.setObjectName("counterTitle")
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            grid.addWidget(cap, (i // 3) * 2, i % 3)
            grid.addWidget(value, (i // 3) * 2 + 1, i % 3)
        root.addWidget(details)
        self.banner = QLabel()
        self.banner.setObjectName("warningBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        root.addWidget(self.banner)

        # outcomes
        body = QHBoxLayout()
        buttons_col = QVBoxLayout()
        buttons_col.setSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        for choice in CHOICES:
            button = QPushButton()
            button.setObjectName("outcomeButton")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setMinimumHeight(38)
            button.setMinimumWidth(330)
            button.clicked.connect(lambda _c=False, k=choice.kind: self.choose(k))
            self.buttons[choice.kind] = button
            buttons_col.addWidget(button)
        buttons_col.addStretch(1)
        body.addLayout(buttons_col)
        side = QVBoxLayout()
        self.reason_caption = QLabel(tr("Alasan gagal rekam (↑/↓ lalu Enter):"))
        self.reasons = QListWidget()
        self.reasons.setObjectName("failReasons")
        for reason in FailReason:
            item = QListWidgetItem(tr(labels.FAIL_REASON_LABELS[reason]))
            item.setData(Qt.ItemDataRole.UserRole, reason.value)
            self.reasons.addItem(item)
        self.reasons.setCurrentRow(0)
        self.reasons.setMaximumHeight(130)
        side.addWidget(self.reason_caption)
        side.addWidget(self.reasons)
        note_label = QLabel(tr("&Catatan (opsional):"))
        self.note = QLineEdit()
        self.note.setObjectName("noteField")
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(tr("mis. KK dibawa besok"))
        note_label.setBuddy(self.note)
        side.addWidget(note_label)
        side.addWidget(self.note)
        side.addStretch(1)
        body.addLayout(side, 1)
        root.addLayout(body)

        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        bottom = QHBoxLayout()
        self.hint = QLabel()
        self.hint.setObjectName("dateLabel")
        bottom.addWidget(self.hint, 1)
        self.cancel_button = QPushButton(tr("Batal (Esc)"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(tr("Simpan (Enter)"))
        self.save_button.setObjectName("primaryButton")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.confirm)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.save_button)
        root.addLayout(bottom)
        self.note.returnPressed.connect(self.confirm)
        self.resize(760, 470)

    # ------------------------------------------------------------ content

    def set_student(
        self,
        student: StudentItem,
        *,
        rules: CampaignRules | None,
        today: date,
        school_npsn: str = "",
        reveal_nik: bool = False,
        notice: str = "",
        confirm_twice: bool = False,
    ) -> None:
        self.student = student
        self._confirm_twice = confirm_twice
        self.setWindowTitle(tr("Catat hasil: {name}").format(name=student.name))
        self._ikd_armed = False
        self.rules = rules
        self.today = today
        self.school_npsn = school_npsn
        self._saving = False
        self._pending_scan = None
        self.message.clear()
        self.note.clear()
        self.reasons.setCurrentRow(0)
        self.name_label.setText(student.name)
        self.fields["nisn"].setText(student.nisn or "—")
        self.fields["nik"].setText(
            (student.nik or "—") if reveal_nik else (labels.mask_nik(student.nik) or "—")
        )
        self.fields["sex"].setText(labels.sex_label(student.sex) or "—")
        self.fields["class"].setText(student.class_name or "—")
        status_text = labels.status_label(student.status)
        if student.reason:
            status_text += f" ({labels.reason_label(student.status, student.reason)})"
        if student.ikd_activated:
            status_text += " · IKD"
        self.fields["status"].setText(status_text)
        fg, bg = labels.STATUS_COLORS.get(student.status, labels.STATUS_COLORS[Status.PENDING])
        self.fields["status"].setStyleSheet(
            f"color: {fg}; background: {bg}; padding: 1px 6px; border-radius: 4px;"
        )
        banners: list[str] = [notice] if notice else []
        if confirm_twice:
            banners.append(
                tr(
                    "Ada siswa lain yang namanya sama cocoknya dengan pencarian. "
                    "Pastikan ini siswa yang dimaksud: simpan perlu ditekan dua kali."
                )
            )
        default: str | None = EventKind.RECORDED
        if student.birth_date is not None:
            if rules is not None:
                verdict = assess(student.birth_date, rules, today)
                on_voting_day = age_on(student.birth_date, rules.reference_date)
                # Both ages, from the same dates the banner below uses.
                self.fields["birth"].setText(
                    f"{labels.short_date(student.birth_date)} "
                    + tr("({n} th; {m} th saat pemungutan suara)").format(
                        n=verdict.age_today, m=on_voting_day
                    )
                )
                if not verdict.may_record:
                    default = EventKind.NOT_ELIGIBLE
                    banners.append(
                        tr(
                            "Belum cukup umur: {age} tahun. Perekaman boleh mulai {day} "
                            "(usia {min} tahun). Disarankan: Belum Cukup Umur (F4)."
                        ).format(
                            age=verdict.age_today,
                            day=labels.long_date(verdict.reaches_recording_age_on),
                            min=rules.min_recording_age,
                        )
                    )
                elif not verdict.votes:
                    banners.append(
                        tr(
                            "Boleh direkam, tetapi baru berusia {age} tahun pada hari "
                            "pemungutan suara {day} (pemilih: {n} tahun)."
                        ).format(
                            age=on_voting_day,
                            day=labels.long_date(rules.reference_date),
                            n=rules.voting_age,
                        )
                    )
            else:
                self.fields["birth"].setText(labels.short_date(student.birth_date))
        else:
            self.fields["birth"].setText("—")
        if student.status != Status.PENDING:
            default = None
            other = self.workspace.other_station_outcome(student.id)  # school hub, issue 14
            if other is not None:
                station = (
                    tr("stasiun {n}").format(n=other.station_no)
                    if other.station_no
                    else tr("perangkat {id}").format(id=other.device_id[:8])
                )
                banners.append(
                    tr("Sudah dicatat {status} di {station} ({operator}) pukul {time}.").format(
                        status=labels.status_label(other.status),
                        station=station,
                        operator=other.operator,
                        time=other.local_time(),
                    )
                )
            banners.append(
                tr(
                    "Siswa ini sudah berstatus {status}. Enter tidak menyimpan apa pun; "
                    "tekan tombol hasil bila memang perlu, atau batalkan hasil lama lewat "
                    "Riwayat (Ctrl+H)."
                ).format(status=labels.status_label(student.status))
            )
        if school_npsn and student.school_npsn and student.school_npsn != school_npsn:
            banners.append(tr("Perhatian: siswa ini terdaftar di sekolah lain."))
        if banners:
            self.banner.setText("\n".join(banners))
            self.banner.show()
        else:
            self.banner.hide()
        self._default_kind = default
        self._select(default)
        self._update_hint()

    def _update_hint(self) -> None:
        if self._default_kind is None:
            self.hint.setText(tr("Pilih hasil dengan F1–F6 · Esc untuk batal"))
        else:
            self.hint.setText(
                tr("Enter = {outcome} · F1–F6 memilih hasil · Esc untuk batal").format(
                    outcome=labels.kind_label(self._default_kind)
                )
            )
        for choice in CHOICES:
            text = f"{choice.key_text}   {tr(choice.label)}"
            if choice.kind == self._default_kind:
                text += "   (Enter)"
            self.buttons[choice.kind].setText(text)

    def _select(self, kind: str | None) -> None:
        for k, button in self.buttons.items():
            button.setChecked(k == kind)
        failed = kind == EventKind.FAILED
        self.reasons.setEnabled(failed)
        self.reason_caption.setEnabled(failed)
        self.save_button.setEnabled(kind is not None)

    def selected_kind(self) -> str | None:
        for k, button in self.buttons.items():
            if button.isChecked():
                return k
        return None

    # ------------------------------------------------------------ keys

    def choose(self, kind: str) -> None:
        """A key or button picked an outcome: save it, except Gagal Rekam (needs a reason)."""
        if self._saving:
            return
        if (
            kind == EventKind.IKD_ACTIVATED
            and self.student is not None
            and self.student.status == Status.PENDING
            and not self._ikd_armed
        ):
            # IKD needs a card: on a student not recorded yet, ask once more.
            self._ikd_armed = True
            self.message.setObjectName("errorText")
            self.message.setText(
                tr(
                    "Siswa ini belum direkam. Aktivasi IKD tanpa perekaman menjadi anomali: "
                    "tekan F6 sekali lagi bila memang benar, atau pilih hasil lain."
                )
            )
            self.message.style().polish(self.message)
            return
        if kind == EventKind.FAILED:
            self._select(kind)
            self._default_kind = kind
            self.reasons.setFocus()
            self.hint.setText(tr("Pilih alasan dengan ↑/↓ lalu tekan Enter"))
            return
        self._select(kind)
        self.confirm()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        for choice in CHOICES:
            if event.key() == choice.key and not event.modifiers():
                event.accept()
                self.choose(choice.kind)
                return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.confirm()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------ the scanner

    def _scanned(self, digits: str) -> None:
        """The next card was scanned: never confirm; leave this student unsaved."""
        if self._saving:  # already confirmed before the scan: open the next one after it
            self._pending_scan = digits
            return
        left = self.student
        self.reject()
        # Out of the key filter first: the window reopens this dialog for the next one.
        QTimer.singleShot(0, lambda: self.scan_interrupted.emit(left, digits))

    def _garbled(self, _digits: str) -> None:
        self.message.setObjectName("errorText")
        self.message.setText(
            tr("Pindaian tidak terbaca lengkap: tidak ada yang disimpan. Pindai ulang kartu.")
        )

    # ------------------------------------------------------------ saving

    def confirm(self) -> None:
        kind = self.selected_kind()
        if self._saving or self.student is None or kind is None:
            return
        reason: str | None = None
        if kind == EventKind.FAILED:
            item = self.reasons.currentItem()
            reason = str(item.data(Qt.ItemDataRole.UserRole)) if item else FailReason.OTHER.value
        elif kind == EventKind.NOT_ELIGIBLE:
            reason = NotEligibleReason.UNDER_AGE.value
        note = self.note.text().strip() or None
        if self._confirm_twice:  # an ambiguous name match: the first press only asks
            self._confirm_twice = False
            self.message.setObjectName("errorText")
            self.message.setText(
                tr("Benar {name}? Tekan sekali lagi untuk menyimpan {outcome}.").format(
                    name=self.student.name, outcome=labels.kind_label(kind)
                )
            )
            self.message.style().polish(self.message)
            return
        self._saving = True
        self._set_enabled(False)
        self.message.setObjectName("dateLabel")
        self.message.setText(tr("Menyimpan…"))
        student_id = self.student.id
        ws = self.workspace
        Op(self, lambda: ws.record_outcome(student_id, kind, reason=reason, note=note)).success(
            self._on_saved
        ).failure(self._on_failed).run()

    def _set_enabled(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)
        self.save_button.setEnabled(enabled)
        self.note.setEnabled(enabled)

    def _on_saved(self, saved: SavedChange) -> None:
        self._saving = False
        self._set_enabled(True)
        self.message.clear()
        pending, self._pending_scan = self._pending_scan, None
        self.saved.emit(saved)
        self.accept()
        if pending is not None:
            QTimer.singleShot(0, lambda: self.scan_interrupted.emit(None, pending))

    def _on_failed(self, exc: BaseException) -> None:
        self._saving = False
        self._set_enabled(True)
        if isinstance(exc, KnownError):
            self.message.setText(exc.text(current_language()))
        else:
            from ktpe_desktop.ui.crash import show_crash

            self.message.setText(tr("Tidak tersimpan: terjadi kesalahan."))
            show_crash(exc, self)
