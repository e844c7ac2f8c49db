"""The first-run page (create the Koordinator, enrol or start offline) and the login page."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.passwords import MIN_PASSWORD_LENGTH
from ktpe_desktop.services.users import UserInfo
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.labels import ROLE_LABELS
from ktpe_desktop.ui.scanner import FULL_LENGTHS, KeyTime, key_time
from ktpe_desktop.ui.widgets import StrengthMeter


def _card() -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("loginCard")
    card.setStyleSheet(
        "QFrame#loginCard { background: #ffffff; border: 1px solid #dfe3e7; border-radius: 10px; }"
    )
    card.setFixedWidth(520)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(28, 24, 28, 24)
    layout.setSpacing(10)
    return card, layout


def _centered(card: QWidget) -> QVBoxLayout:
    outer = QVBoxLayout()
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(card)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    return outer


def _title(text: str, sub: str) -> tuple[QLabel, QLabel]:
    title = QLabel(text)
    title.setObjectName("pageTitle")
    subtitle = QLabel(sub)
    subtitle.setObjectName("dateLabel")
    subtitle.setWordWrap(True)
    return title, subtitle


class LoginPage(QWidget):
    """Choose a user, type the password. Also the lock screen and "Ganti Petugas"."""

    login_requested = Signal(str, str)  # username, password
    password_started = Signal(str)  # username: the first key of a password

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginPage")
        card, layout = _card()
        self.title, self.subtitle = _title(
            tr("KTP-el Jemput Bola"),
            tr("Dispendukcapil Kota Malang · perekaman KTP-el pemilih pemula di sekolah"),
        )
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        self.mode_label = QLabel()
        self.mode_label.setObjectName("infoBanner")
        self.mode_label.setWordWrap(True)
        self.mode_label.hide()
        layout.addWidget(self.mode_label)
        self.demo_banner = QLabel()
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_banner.hide()
        layout.addWidget(self.demo_banner)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("userCombo")
        self.user_combo.setMinimumWidth(280)
        self.password = QLineEdit()
        self.password.setObjectName("passwordField")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("Kata sandi"))
        user_label = QLabel(tr("Pen&gguna"))
        user_label.setBuddy(self.user_combo)
        password_label = QLabel(tr("Kata san&di"))
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.user_combo)
        form.addRow(password_label, self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.login_button = QPushButton(tr("Masuk (Enter)"))
        self.login_button.setObjectName("primaryButton")
        self.login_button.setDefault(True)
        buttons.addWidget(self.login_button)
        layout.addLayout(buttons)
        self.setLayout(_centered(card))

        self.login_button.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.user_combo.currentIndexChanged.connect(self._user_changed)
        self._wait_until = 0.0
        self._users: list[UserInfo] = []
        self._busy = False
        self.enter_while_busy = False
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._update_wait)
        self._burst = 0  # trailing digits typed at scanner speed, one after another
        self._last_key: KeyTime | None = None
        self.password.installEventFilter(self)

    # ---- a card scanned at the lock screen is not a password
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.password and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._password_key(event.key(), event.text(), key_time(event))
        return super().eventFilter(obj, event)

    def _password_key(self, key: int, text: str, now: KeyTime) -> bool:
        """True when the key is a scanner's Enter after a card's number: the queue's
        next card, scanned at a locked laptop, must not count as a wrong password
        (each one lengthens the wait before the operator may log in). The digits'
        gaps are measured on the keys' own times (:func:`key_time`)."""
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            typed = self.password.text()
            scanned = (
                typed.isdigit()
                and typed.isascii()
                and len(typed) in FULL_LENGTHS
                and self._burst >= len(typed)
            )
            self._burst = 0
            if scanned:
                self.password.clear()
                self.message.setText(
                    tr("Kartu siswa terpindai di layar masuk: masuk dulu, lalu pindai lagi.")
                )
            return scanned
        typed = self.password.text()
        if len(text) == 1 and text.isprintable() and self.password.selectedText() == typed:
            # the first key of a password (an empty field, or one selected after a
            # wrong password, which the key replaces)
            self.password_started.emit(self.current_user())
        if len(text) == 1 and text.isdigit():
            fast = self._burst > 0 and now.follows_within_burst(self._last_key)
            self._burst = self._burst + 1 if fast else 1
        elif key not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta):
            self._burst = 0
        self._last_key = now
        return False

    # ---- state
    def set_users(self, users: list[UserInfo], preferred: str = "") -> None:
        self._users = list(users)
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        for u in users:
            role = tr(ROLE_LABELS.get(u.role, u.role))
            self.user_combo.addItem(f"{u.username} ({role})", u.username)
        index = max(0, self.user_combo.findData(preferred)) if preferred else 0
        self.user_combo.setCurrentIndex(index)
        self.user_combo.blockSignals(False)
        self._user_changed()

    def set_locked_mode(self, locked_user: str | None) -> None:
        """Show why the login is asked: an idle lock, or a switch of operator."""
        if locked_user:
            self.mode_label.setText(
                tr(
                    "Layar terkunci karena tidak ada aktivitas. Data tetap aman.\n"
                    "Masuk lagi, atau pilih petugas lain."
                )
            )
            self.mode_label.show()
        else:
            self.mode_label.hide()

    def set_demo_credentials(self, username: str, password: str) -> None:
        from ktpe_desktop.services.demo_mode import DEMO_OPERATOR, DEMO_OPERATOR_PASSWORD

        self.demo_banner.setText(
            tr(
                "Mode demo — semua data siswa rekaan (fiktif), bukan data asli.\n"
                "Koordinator: {user} · Kata sandi: {password}\n"
                "Petugas: {operator} · Kata sandi: {operator_password}"
            ).format(
                user=username,
                password=password,
                operator=DEMO_OPERATOR,
                operator_password=DEMO_OPERATOR_PASSWORD,
            )
        )
        self.demo_banner.show()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self.enter_while_busy = False
        self.login_button.setEnabled(not busy and time.monotonic() >= self._wait_until)
        self.login_button.setText(tr("Memeriksa…") if busy else tr("Masuk (Enter)"))

    def show_error(self, text: str, wait_seconds: float = 0.0) -> None:
        self.message.setText(text)
        self.password.selectAll()
        self.password.setFocus()
        if wait_seconds > 0:
            self.start_wait(wait_seconds)

    def start_wait(self, seconds: float) -> None:
        self._wait_until = time.monotonic() + seconds
        self.login_button.setEnabled(False)
        self._tick.start()
        self._update_wait()

    def _update_wait(self) -> None:
        left = self._wait_until - time.monotonic()
        if left <= 0:
            self._tick.stop()
            self.login_button.setEnabled(not self._busy)
            self.login_button.setText(tr("Masuk (Enter)"))
            return
        self.login_button.setText(tr("Tunggu %n detik", None, int(left + 0.999)))

    def _user_changed(self) -> None:
        username = self.current_user()
        wait = next((u.seconds_to_wait for u in self._users if u.username == username), 0.0)
        if wait > 0:
            self.start_wait(wait)

    def current_user(self) -> str:
        return str(self.user_combo.currentData() or "")

    def reset(self) -> None:
        self.password.clear()
        self.message.clear()
        self.password.setFocus()

    def submit(self) -> None:
        """Log in with what is typed (Enter, the button)."""
        self._submit()

    def _submit(self) -> None:
        if self._busy:
            # e.g. the demo still being prepared: the app logs in once it is ready
            self.enter_while_busy = bool(self.password.text())
            return
        if time.monotonic() < self._wait_until:
            return
        username = self.current_user()
        if not username:
            return
        if not self.password.text():
            self.message.setText(tr("Ketik kata sandi."))
            return
        self.message.clear()
        self.login_requested.emit(username, self.password.text())


class FirstRunPage(QWidget):
    """Step 1: the local Koordinator account. Step 2: enrol with a server, or work offline."""

    create_requested = Signal(str, str, str)  # display name, username, password
    enrol_requested = Signal(str, str, str)  # url, code, ca file
    offline_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunPage")
        self.stack = QStackedWidget()
        self.stack.addWidget(self._account_step())
        self.stack.addWidget(self._enrol_step())
        outer = QVBoxLayout(self)
        outer.addWidget(self.stack)

    # ---- step 1
    def _account_step(self) -> QWidget:
        page = QWidget()
        card, layout = _card()
        title, sub = _title(
            tr("Selamat datang"),
            tr(
                "Laptop ini belum disiapkan. Buat akun Koordinator (ketua tim) untuk laptop ini. "
                "Semua data di laptop disandikan dengan kata sandi ini."
            ),
        )
        layout.addWidget(title)
        layout.addWidget(sub)
        form = QFormLayout()
        self.display_name = QLineEdit()
        self.display_name.setObjectName("displayNameField")
        self.display_name.setPlaceholderText(tr("mis. Siti Rahayu"))
        self.username = QLineEdit("koordinator")
        self.username.setObjectName("usernameField")
        self.new_password = QLineEdit()
        self.new_password.setObjectName("newPasswordField")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_password = QLineEdit()
        self.repeat_password.setObjectName("repeatPasswordField")
        self.repeat_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = StrengthMeter()
        form.addRow(tr("Nama lengkap"), self.display_name)
        form.addRow(tr("Nama pengguna"), self.username)
        form.addRow(tr("Kata sandi"), self.new_password)
        form.addRow("", self.strength)
        form.addRow(tr("Ulangi kata sandi"), self.repeat_password)
        layout.addLayout(form)
        rules = QLabel(
            tr(
                "Minimal {n} karakter. Lebih panjang lebih baik; campur huruf, angka, dan tanda baca."
            ).format(n=MIN_PASSWORD_LENGTH)
        )
        rules.setWordWrap(True)
        rules.setObjectName("dateLabel")
        layout.addWidget(rules)
        self.account_message = QLabel()
        self.account_message.setObjectName("errorText")
        self.account_message.setWordWrap(True)
        layout.addWidget(self.account_message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.create_button = QPushButton(tr("Buat akun (Enter)"))
        self.create_button.setObjectName("primaryButton")
        self.create_button.setEnabled(False)
        row.addWidget(self.create_button)
        layout.addLayout(row)
        page.setLayout(_centered(card))

        self.new_password.textChanged.connect(self._validate)
        self.repeat_password.textChanged.connect(self._validate)
        self.username.textChanged.connect(self._validate)
        self.create_button.clicked.connect(self._create)
        self.repeat_password.returnPressed.connect(self._create)
        return page

    def _validate(self) -> bool:
        score = self.strength.update_for(self.new_password.text())
        problems = []
        if not self.username.text().strip():
            problems.append(tr("Nama pengguna wajib diisi."))
        if len(self.new_password.text()) < MIN_PASSWORD_LENGTH:
            problems.append(tr("Kata sandi minimal {n} karakter.").format(n=MIN_PASSWORD_LENGTH))
        elif (
            self.repeat_password.text() and self.repeat_password.text() != self.new_password.text()
        ):
            problems.append(tr("Kedua kata sandi tidak sama."))
        ok = score > 0 and not problems and self.repeat_password.text() == self.new_password.text()
        self.account_message.setText(" ".join(problems) if self.new_password.text() else "")
        self.create_button.setEnabled(ok)
        return ok

    def _create(self) -> None:
        if not self._validate():
            return
        self.create_button.setEnabled(False)
        self.create_requested.emit(
            self.display_name.text().strip(), self.username.text().strip(), self.new_password.text()
        )

    def account_failed(self, text: str) -> None:
        self.account_message.setText(text)
        self.create_button.setEnabled(True)

    # ---- step 2
    def _enrol_step(self) -> QWidget:
        page = QWidget()
        card, layout = _card()
        title, sub = _title(
            tr("Hubungkan ke server kantor"),
            tr(
                "Masukkan alamat server dan kode pendaftaran dari admin kantor. "
                "Tanpa jaringan? Mulai luring dan impor daftar siswa dari berkas; "
                "laptop dapat didaftarkan nanti."
            ),
        )
        layout.addWidget(title)
        layout.addWidget(sub)
        form = QFormLayout()
        self.server_url = QLineEdit()
        self.server_url.setObjectName("serverUrlField")
        self.server_url.setPlaceholderText("https://ktpe.malangkota.go.id")
        self.enrol_code = QLineEdit()
        self.enrol_code.setObjectName("enrolCodeField")
        self.enrol_code.setPlaceholderText(tr("mis. ABCD-EFGH-JKLM"))
        ca_row = QHBoxLayout()
        self.ca_file = QLineEdit()
        self.ca_file.setPlaceholderText(tr("(opsional) sertifikat CA kantor"))
        pick = QPushButton(tr("Pilih…"))
        pick.clicked.connect(self._pick_ca)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(pick)
        form.addRow(tr("Alamat server"), self.server_url)
        form.addRow(tr("Kode pendaftaran"), self.enrol_code)
        form.addRow(tr("Berkas CA"), ca_row)
        layout.addLayout(form)
        self.new_device = QCheckBox(tr("Daftarkan sebagai perangkat baru (setelah pemulihan data)"))
        self.new_device.setObjectName("newDeviceCheck")
        self.new_device.setToolTip(
            tr(
                "Untuk laptop yang datanya dipulihkan dan kehilangan catatan, atau yang dicabut "
                "lalu ditemukan kembali: laptop mendapat nomor perangkat baru, catatan yang belum "
                "diterima server dikirim ulang, dan kantor melihat catatan yang hilang."
            )
        )
        self.new_device.setVisible(False)
        layout.addWidget(self.new_device)
        self.enrol_message = QLabel()
        self.enrol_message.setWordWrap(True)
        self.enrol_message.setObjectName("errorText")
        layout.addWidget(self.enrol_message)
        row = QHBoxLayout()
        self.offline_button = QPushButton(tr("Mulai luring"))
        self.offline_button.setObjectName("offlineButton")
        self.import_button = QPushButton(tr("Impor daftar siswa…"))
        self.enrol_button = QPushButton(tr("Daftarkan laptop"))
        self.enrol_button.setObjectName("primaryButton")
        row.addWidget(self.offline_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        row.addWidget(self.enrol_button)
        layout.addLayout(row)
        page.setLayout(_centered(card))
        self.enrol_button.clicked.connect(self._enrol)
        self.enrol_code.returnPressed.connect(self._enrol)
        self.offline_button.clicked.connect(self.offline_requested)
        self.import_button.clicked.connect(self.import_requested)
        return page

    def _pick_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Pilih sertifikat CA"), "", tr("Sertifikat (*.pem *.crt);;Semua berkas (*)")
        )
        if path:
            self.ca_file.setText(path)

    def _enrol(self) -> None:
        url, code = self.server_url.text().strip(), self.enrol_code.text().strip()
        if not url or not code:
            self.enrol_message.setText(tr("Isi alamat server dan kode pendaftaran."))
            return
        self.enrol_message.setObjectName("dateLabel")
        self.enrol_message.setText(tr("Menghubungi server…"))
        self.enrol_button.setEnabled(False)
        self.enrol_requested.emit(url, code, self.ca_file.text().strip())

    def enrol_failed(self, text: str, *, offer_new_device: bool = False) -> None:
        self.enrol_message.setText(text)
        self.enrol_button.setEnabled(True)
        if offer_new_device:  # this device id is enrolled already: only a new one can
            self.new_device.setVisible(True)

    def wants_new_device(self) -> bool:
        """The lead chose to enrol this laptop as a new device (after a recovery)."""
        return not self.new_device.isHidden() and self.new_device.isChecked()

    def show_enrol_step(self, *, re_enrol: bool = False) -> None:
        self.new_device.setChecked(False)
        self.new_device.setVisible(re_enrol)
        self.stack.setCurrentIndex(1)
        self.server_url.setFocus()

    def show_account_step(self) -> None:
        self.stack.setCurrentIndex(0)
        self.display_name.setFocus()
