"""The main window: first run, login/lock, Hari ini, Daftar Siswa, and the menus.

Every action has a shortcut (listed in the menus and in docs/user-guide.md).
Database work goes through ``ops.Op`` on the writer thread; the window only
shows results. After each outcome the focus returns to the search field with its
text selected, so the next scan simply replaces it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.services.workspace import (
    HistoryItem,
    SavedEvent,
    SchoolProgress,
    StudentItem,
    UserInfo,
    Workspace,
)
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.dialogs import (
    AboutDialog,
    AddUserDialog,
    AnomaliesDialog,
    HistoryDialog,
    QuarantineDialog,
    SettingsDialog,
    StudentFormDialog,
    VoidDialog,
)
from ktpe_desktop.ui.i18n import current_language, tr
from ktpe_desktop.ui.idle import IdleWatcher
from ktpe_desktop.ui.login import FirstRunPage, LoginPage
from ktpe_desktop.ui.ops import Lane, Op
from ktpe_desktop.ui.outcome import OutcomeDialog
from ktpe_desktop.ui.roster import RosterPage
from ktpe_desktop.ui.school_chooser import ChosenSchool, SchoolChooserDialog
from ktpe_desktop.ui.settings import (
    IDLE_LOCK_MINUTES,
    LANGUAGE,
    LAST_SCHOOL,
    LAST_USER,
    PAPER_SIZE,
    SYNC_INTERVAL_MINUTES,
    Settings,
)
from ktpe_desktop.ui.sync_status import AdapterDriver, SyncStatusWidget
from ktpe_desktop.ui.today import TodayPage

log = logging.getLogger("ktpe.ui")
TOAST_MS = 8000


class MainWindow(QMainWindow):
    """One window for the whole day."""

    unlocked = Signal()
    locked = Signal()
    language_changed = Signal(str)

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        *,
        demo_credentials: tuple[str, str] | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings
        self.data_dir = data_dir
        self.today = today or date.today()
        self.workspace: Workspace | None = None
        self.school: SchoolProgress | None = None
        self.is_locked = False
        self.sync_driver: AdapterDriver | None = None
        self.outcome_dialog: OutcomeDialog | None = None
        self.school_chooser: SchoolChooserDialog | None = None
        self.import_dialog: QDialog | None = None
        self.demo_credentials = demo_credentials
        self.setWindowTitle(tr("KTP-el Jemput Bola"))
        self.resize(1366, 768)

        self.stack = QStackedWidget()
        self.first_run = FirstRunPage()
        self.login = LoginPage()
        self.work = QWidget()  # replaced by the tabs once unlocked
        self.tabs: QTabWidget | None = None
        self.today_page: TodayPage | None = None
        self.roster: RosterPage | None = None
        for page in (self.first_run, self.login, self.work):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)

        # status bar: toast + user on the left, sync on the right (always visible)
        self.toast = QLabel()
        self.toast.setObjectName("toast")
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        self.statusBar().addWidget(self.toast, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self.sync_widget = SyncStatusWidget()
        self.sync_widget.hide()  # shown once a data folder is open
        self.statusBar().addPermanentWidget(self.sync_widget)
        self.statusBar().setSizeGripEnabled(False)
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.timeout.connect(self.toast.clear)
        self.sync_widget.problems_requested.connect(self.show_quarantine)

        self.idle = IdleWatcher(settings.get(IDLE_LOCK_MINUTES), self)
        self.idle.idle.connect(self._idle_lock)

        self._build_actions()
        self.login.login_requested.connect(self._login)
        self.first_run.create_requested.connect(self._create_account)
        self.first_run.enrol_requested.connect(self._enrol)
        self.first_run.offline_requested.connect(self._start_offline)
        self.first_run.import_requested.connect(self.open_import)
        if demo_credentials:
            self.login.set_demo_credentials(*demo_credentials)

    # ================================================================ actions

    def _action(
        self,
        menu: Any,
        text: str,
        slot: Callable[[], Any],
        shortcuts: tuple[str, ...] = (),
        *,
        work: bool = True,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        if name:
            action.setObjectName(name)
        menu.addAction(action)
        self.addAction(action)
        if work:
            self._work_actions.append(action)
        return action

    def _build_actions(self) -> None:
        self._work_actions: list[QAction] = []
        bar = self.menuBar()
        m_file = bar.addMenu(tr("&Berkas"))
        self._action(m_file, tr("Impor daftar siswa…"), self.open_import, ("Ctrl+I",))
        self._action(m_file, tr("Impor daftar siswa sekolah lain…"), self.import_other_school, ())
        self._action(m_file, tr("Daftarkan ke server…"), self.show_enrol, ())
        m_file.addSeparator()
        self._action(
            m_file,
            tr("Cetak Berita Acara…"),
            lambda: self.print_report("berita_acara"),
            ("Ctrl+P",),
        )
        self._action(
            m_file,
            tr("Simpan Berita Acara (PDF)…"),
            lambda: self.report("berita_acara"),
            ("Ctrl+Shift+P",),
        )
        self._action(
            m_file,
            tr("Cetak Rekapitulasi Harian…"),
            lambda: self.print_report("daily"),
            ("Ctrl+R",),
        )
        self._action(
            m_file,
            tr("Simpan Rekapitulasi Harian (PDF)…"),
            lambda: self.report("daily"),
            ("Ctrl+Shift+R",),
        )
        self._action(m_file, tr("Ekspor…"), lambda: self.report("export"), ("Ctrl+Shift+E",))
        m_file.addSeparator()
        self._action(m_file, tr("Kunci layar"), self.lock, ("Ctrl+L",), name="lockAction")
        self._action(m_file, tr("Ganti petugas"), self.switch_operator, ("Ctrl+Shift+L",))
        self._action(m_file, tr("Keluar"), self.close, ("Ctrl+Q",), work=False)

        m_student = bar.addMenu(tr("&Siswa"))
        self._action(m_student, tr("Cari siswa"), self.focus_search, ("Ctrl+F", "F3"))
        self._action(m_student, tr("Catat hasil (Enter)"), self.open_selected, ())
        self._action(
            m_student, tr("Tambah siswa (tidak ada di daftar)…"), self.add_walk_in, ("Ctrl+N",)
        )
        self.correct_action = self._action(
            m_student, tr("Koreksi data siswa…"), self.correct_selected, ("Ctrl+E",)
        )
        self._action(m_student, tr("Riwayat siswa…"), self.history_selected, ("Ctrl+H",))
        self._action(m_student, tr("Batalkan hasil terakhir saya…"), self.undo_last, ("Ctrl+Z",))
        self.reveal_action = self._action(
            m_student, tr("Tampilkan NIK lengkap"), self.reveal_nik, ("Ctrl+K",)
        )

        m_view = bar.addMenu(tr("&Tampilan"))
        self._action(m_view, tr("Hari ini"), lambda: self.show_tab(0), ("Ctrl+1",))
        self._action(m_view, tr("Daftar Siswa"), lambda: self.show_tab(1), ("Ctrl+2",))

        m_sync = bar.addMenu(tr("Sin&kron"))
        self._action(m_sync, tr("Sinkronkan"), self.sync_now, ("Ctrl+S",), name="syncAction")
        self._action(m_sync, tr("Masalah sinkron…"), self.show_quarantine, ("Ctrl+Shift+S",))
        self._action(m_sync, tr("Anomali…"), self.show_anomalies, ("Ctrl+Shift+A",))

        m_settings = bar.addMenu(tr("&Pengaturan"))
        self._action(m_settings, tr("Pengaturan…"), self.show_settings, ("Ctrl+,",))
        self.add_user_action = self._action(m_settings, tr("Tambah pengguna…"), self.add_user, ())

        m_help = bar.addMenu(tr("B&antuan"))
        self._action(m_help, tr("Tentang"), self.show_about, (), work=False)
        self._set_work_enabled(False)

    def _set_work_enabled(self, enabled: bool) -> None:
        for action in self._work_actions:
            action.setEnabled(enabled)
        if enabled and self.workspace is not None:
            lead = self.workspace.user.is_lead
            self.correct_action.setEnabled(lead)
            self.reveal_action.setEnabled(lead)
            self.add_user_action.setEnabled(lead)

    # ================================================================ start, login, lock

    def start(self) -> None:
        """Show the first-run page or the login page, depending on the data folder."""
        if not Workspace.exists(self.data_dir):
            self.stack.setCurrentWidget(self.first_run)
            self.first_run.show_account_step()
            return
        self.show_login()

    def show_login(self, locked_user: str | None = None) -> None:
        users = Workspace.users(self.data_dir)
        preferred = locked_user or self.settings.get(LAST_USER)
        self.login.set_users(users, preferred)
        self.login.set_locked_mode(locked_user)
        self.login.reset()
        self.login.set_busy(False)
        self.stack.setCurrentWidget(self.login)
        self.login.password.setFocus()

    def _login(self, username: str, password: str) -> None:
        self.login.set_busy(True)
        if self.workspace is None:
            data_dir = self.data_dir
            Op(self, lambda: Workspace.open(data_dir, username, password)).success(
                self._opened
            ).failure(self._login_failed).run()
        else:
            ws = self.workspace
            Op(self, lambda: ws.unlock(username, password)).success(self._unlocked).failure(
                self._login_failed
            ).run()

    def _login_failed(self, exc: BaseException) -> None:
        self.login.set_busy(False)
        if isinstance(exc, KnownError):
            wait = float(getattr(exc, "seconds_to_wait", 0) or 0)
            self.login.show_error(exc.text(current_language()), wait)
        else:
            self.login.show_error(tr("Tidak dapat membuka data."))
            from ktpe_desktop.ui.crash import show_crash

            show_crash(exc, self)

    def _opened(self, ws: Workspace) -> None:
        self.login.set_busy(False)
        self.enter_work(ws)

    def _unlocked(self, user: UserInfo) -> None:
        self.login.set_busy(False)
        self.is_locked = False
        self.settings.set(LAST_USER, user.username)
        self._show_user()
        self._set_work_enabled(True)
        self.stack.setCurrentWidget(self.work)
        self.idle.start()
        if self.roster is not None:
            self.roster.model.hide_niks()
        self.unlocked.emit()
        self.focus_search()

    def lock(self, *, idle: bool = False) -> None:
        """Hide the data behind the login page; the database stays open."""
        if self.workspace is None or self.is_locked:
            return
        self.is_locked = True
        self.idle.stop()
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        if self.roster is not None:
            self.roster.model.hide_niks()
            self.roster.search.clear()
        ws = self.workspace
        Op(self, ws.record_lock).run()
        self._set_work_enabled(False)
        self.user_label.clear()
        self.show_login(locked_user=ws.user.username if idle else None)
        if not idle:
            self.login.set_locked_mode(None)
        self.locked.emit()

    def _idle_lock(self) -> None:
        self.lock(idle=True)

    def switch_operator(self) -> None:
        self.lock(idle=False)
        self.login.user_combo.setFocus()

    # ================================================================ first run

    def _create_account(self, display_name: str, username: str, password: str) -> None:
        data_dir = self.data_dir
        Op(
            self, lambda: Workspace.create(data_dir, username, password, display_name or None)
        ).success(self._account_created).failure(
            lambda exc: self.first_run.account_failed(
                exc.text(current_language())
                if isinstance(exc, KnownError)
                else str(type(exc).__name__)
            )
        ).run()

    def _account_created(self, ws: Workspace) -> None:
        self.workspace = ws
        self.settings.set(LAST_USER, ws.user.username)
        self.first_run.show_enrol_step()
        self.stack.setCurrentWidget(self.first_run)

    def show_enrol(self) -> None:
        if self.workspace is None:
            return
        self.first_run.show_enrol_step()
        self.first_run.enrol_button.setEnabled(True)
        self.stack.setCurrentWidget(self.first_run)
        self._set_work_enabled(False)

    def _enrol(self, url: str, code: str, ca_file: str) -> None:
        ws = self.workspace
        if ws is None:
            return

        def work() -> Any:
            ws.enrol(url, code, ca_file or None)
            return ws.run_sync_round()

        Op(self, work, lane=Lane.NET).success(lambda _r: self.enter_work(ws)).failure(
            lambda exc: self.first_run.enrol_failed(
                exc.text(current_language())
                if isinstance(exc, KnownError)
                else tr("Pendaftaran gagal.")
            )
        ).run()

    def _start_offline(self) -> None:
        """Work without a server; a laptop without schools goes on to import a roster."""
        ws = self.workspace
        if ws is None:
            return
        self.enter_work(ws)
        Op(self, ws.schools, lane=Lane.READ).success(
            lambda schools: None if schools else self.import_other_school()
        ).run()

    # ================================================================ work

    def enter_work(self, ws: Workspace) -> None:
        """Build the working pages for an unlocked workspace."""
        first = self.workspace is not ws or self.tabs is None
        self.workspace = ws
        self.is_locked = False
        self.settings.set(LAST_USER, ws.user.username)
        if first:
            self._build_work(ws)
        self._show_user()
        self._set_work_enabled(True)
        self.stack.setCurrentWidget(self.work)
        self.idle.start()
        self.reload_schools(open_last=True)
        self.unlocked.emit()

    def _build_work(self, ws: Workspace) -> None:
        old = self.work
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workTabs")
        self.today_page = TodayPage()
        self.today_page.set_day(self.today)
        self.roster = RosterPage(ws)
        self.tabs.addTab(self.today_page, tr("Hari ini (Ctrl+1)"))
        self.tabs.addTab(self.roster, tr("Daftar Siswa (Ctrl+2)"))
        self.work = self.tabs
        self.stack.addWidget(self.tabs)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.today_page.school_chosen.connect(self.choose_school)
        self.today_page.refresh_requested.connect(lambda: self.reload_schools())
        self.roster.open_student.connect(self.open_student)
        self.roster.not_found.connect(self._not_found)
        self.outcome_dialog = OutcomeDialog(ws, self)
        self.outcome_dialog.saved.connect(self._outcome_saved)
        self.outcome_dialog.finished.connect(lambda _r: self.focus_search())
        if self.sync_driver is not None:
            self.sync_driver.stop()
        self.sync_driver = AdapterDriver(
            ws, self, interval_minutes=self.settings.get(SYNC_INTERVAL_MINUTES)
        )
        self.sync_widget.connect_driver(self.sync_driver)
        self.sync_widget.show()
        self.sync_driver.countsChanged.connect(lambda *_a: self._update_today_sync())
        self.sync_driver.roundFinished.connect(lambda _r: self.reload_schools())
        self.sync_driver.start()

    def _show_user(self) -> None:
        if self.workspace is None:
            return
        user = self.workspace.user
        role = tr(labels.ROLE_LABELS.get(user.role, user.role))
        self.user_label.setText(tr("Petugas: {name} ({role})").format(name=user.label, role=role))

    def show_tab(self, index: int) -> None:
        if self.tabs is not None and not self.is_locked:
            self.tabs.setCurrentIndex(index)
            if index == 1:
                self.focus_search()
            elif self.today_page is not None:
                self.today_page.table.setFocus()

    def reload_schools(self, *, open_last: bool = False) -> None:
        ws = self.workspace
        if ws is None or self.today_page is None:
            return
        day = None if self.today_page.show_all() else self.today

        def work() -> list[SchoolProgress]:
            schools = ws.schools(day)
            return schools if schools or day is None else []

        Op(self, work, lane=Lane.READ).success(
            lambda schools: self._schools_loaded(schools, open_last)
        ).run()

    def _schools_loaded(self, schools: list[SchoolProgress], open_last: bool) -> None:
        if self.today_page is None:
            return
        if not schools and not self.today_page.show_all():
            self.today_page.all_schools.setChecked(True)  # nothing planned today: show all
            return
        last = self.school.npsn if self.school else self.settings.get(LAST_SCHOOL)
        self.today_page.set_schools(schools, last)
        if self.roster is not None:
            for s in schools:
                self.roster.set_progress(s)
        if open_last and self.school is None:
            chosen = next((s for s in schools if s.npsn == last), None)
            if chosen is None and len(schools) == 1:
                chosen = schools[0]
            if chosen is not None:
                self.choose_school(chosen, switch=False)
        self._update_today_sync()

    def _update_today_sync(self) -> None:
        if self.today_page is None:
            return
        w = self.sync_widget
        online = w.online_label.text()
        self.today_page.hint.setText(
            tr("Sinkron: {online} · {pending} · {last}").format(
                online=online, pending=w.pending_label.text(), last=w.last_label.text()
            )
        )

    def choose_school(self, school: SchoolProgress, *, switch: bool = True) -> None:
        if self.roster is None or self.workspace is None:
            return
        self.school = school
        self.settings.set(LAST_SCHOOL, school.npsn)
        ws = self.workspace
        self.roster.set_school(school, ws.rules(), self.today)
        if switch:
            self.show_tab(1)

    def focus_search(self) -> None:
        if self.is_locked or self.roster is None or self.tabs is None:
            return
        if self.tabs.currentWidget() is self.roster:
            if not self.isActiveWindow() and not any(
                d.isVisible() for d in self.findChildren(QDialog)
            ):
                self.activateWindow()
            self.roster.focus_search()

    # ================================================================ outcomes

    def open_selected(self) -> None:
        if self.roster is not None:
            self.roster.open_selected()

    def open_student(self, student: StudentItem) -> None:
        if self.outcome_dialog is None or self.workspace is None or self.is_locked:
            return
        npsn = self.school.npsn if self.school else ""
        revealed = self.roster is not None and student.id in self.roster.model._revealed
        self.outcome_dialog.set_student(
            student,
            rules=self.workspace.rules(),
            today=self.today,
            school_npsn=npsn,
            reveal_nik=revealed,
        )
        self.outcome_dialog.open()

    def _outcome_saved(self, saved: SavedEvent) -> None:
        label = labels.kind_label(saved.kind)
        self.show_toast(
            tr("Tersimpan: {name} — {outcome}").format(name=saved.student_name, outcome=label)
        )
        if self.roster is not None:
            self.roster.apply_saved(saved)
        if self.sync_driver is not None:
            self.sync_driver.outcome_saved()
        self.focus_search()

    def show_toast(self, text: str, *, error: bool = False) -> None:
        self.toast.setStyleSheet("color: #c62828; font-weight: bold;" if error else "")
        self.toast.setText(text)
        self._toast_timer.start(TOAST_MS)

    def _not_found(self, digits: str) -> None:
        kind = "NISN" if len(digits) == 10 else "NIK"
        self.show_toast(
            tr("{kind} {number} tidak ada di daftar. Tambah siswa dengan Ctrl+N.").format(
                kind=kind, number=digits[:4] + "…"
            ),
            error=True,
        )

    # ================================================================ exceptions

    def _selected(self) -> StudentItem | None:
        return self.roster.selected_student() if self.roster is not None else None

    def add_walk_in(self) -> None:
        if self.workspace is None or self.school is None:
            self.show_toast(tr("Pilih sekolah dulu (Ctrl+1)."), error=True)
            return
        dialog = StudentFormDialog(self.workspace, self.school.npsn, None, self, today=self.today)
        prefill = self.roster.search.text().strip() if self.roster else ""
        if prefill and not prefill.replace(" ", "").isdigit():
            dialog.name.setText(prefill.upper())
        elif prefill.isdigit() and len(prefill) == 10:
            dialog.nisn.setText(prefill)
        dialog.saved.connect(self._walk_in_saved)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def _walk_in_saved(self, item: StudentItem) -> None:
        self.show_toast(tr("Siswa ditambahkan: {name}").format(name=item.name))
        if self.roster is not None:
            self.roster.search.setText(item.name)
            self.roster.run_search(wait=True)
            row = self.roster.model.row_of(item.id)
            if row >= 0:
                self.roster.table.selectRow(row)
            self.roster.refresh_counters()
        if self.sync_driver is not None:
            self.sync_driver.outcome_saved()
        self.open_student(item)

    def correct_selected(self) -> None:
        student = self._selected()
        if self.workspace is None or student is None:
            return
        dialog = StudentFormDialog(
            self.workspace, student.school_npsn, student, self, today=self.today
        )
        dialog.saved.connect(self._corrected)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def _corrected(self, saved: SavedEvent) -> None:
        self.show_toast(tr("Data dikoreksi: {name}").format(name=saved.student_name))
        self._refresh_student(saved.student_id)
        if self.sync_driver is not None:
            self.sync_driver.outcome_saved()

    def _refresh_student(self, student_id: str) -> None:
        ws = self.workspace
        if ws is None or self.roster is None:
            return
        roster = self.roster

        def loaded(item: StudentItem | None) -> None:
            if item is not None:
                roster.replace_student(item)

        Op(self, lambda: ws.student(student_id), lane=Lane.READ).success(loaded).run()
        roster.refresh_counters()

    def history_selected(self) -> None:
        student = self._selected()
        if student is not None:
            self.show_history(student)

    def show_history(self, student: StudentItem) -> HistoryDialog | None:
        if self.workspace is None:
            return None
        dialog = HistoryDialog(self.workspace, student, self)
        dialog.voided.connect(self._voided)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()
        return dialog

    def _voided(self, saved: SavedEvent) -> None:
        self.show_toast(
            tr("Dibatalkan: {name} — status sekarang {status}").format(
                name=saved.student_name, status=labels.status_label(saved.status)
            )
        )
        self._refresh_student(saved.student_id)
        if self.sync_driver is not None:
            self.sync_driver.outcome_saved()

    def undo_last(self) -> None:
        ws = self.workspace
        if ws is None:
            return

        def work() -> tuple[HistoryItem, str] | None:
            item = ws.last_own_outcome()
            if item is None:
                return None
            student = ws.student(item.student_id)
            return item, student.name if student else ""

        Op(self, work, lane=Lane.READ).success(self._confirm_undo).run()

    def _confirm_undo(self, found: tuple[HistoryItem, str] | None) -> None:
        ws = self.workspace
        if found is None or ws is None:
            self.show_toast(tr("Tidak ada hasil Anda yang dapat dibatalkan."), error=True)
            return
        item, name = found
        dialog = VoidDialog(item, name, self)
        dialog.accepted.connect(
            lambda: (
                Op(self, lambda: ws.void(item.event_id, dialog.reason.text().strip()))
                .success(self._voided)
                .run()
            )
        )
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def reveal_nik(self) -> None:
        student = self._selected()
        ws = self.workspace
        if student is None or ws is None or self.roster is None:
            return
        roster = self.roster
        Op(self, lambda: ws.reveal_nik(student.id)).success(
            lambda _nik: roster.model.reveal_nik(student.id)
        ).run()

    def show_anomalies(self) -> None:
        if self.workspace is None:
            return
        dialog = AnomaliesDialog(self.workspace, self)
        dialog.open_history.connect(self._history_by_id)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    def _history_by_id(self, student_id: str) -> None:
        ws = self.workspace
        if ws is None:
            return
        Op(self, lambda: ws.student(student_id), lane=Lane.READ).success(
            lambda item: self.show_history(item) if item is not None else None
        ).run()

    def show_quarantine(self) -> None:
        if self.workspace is None or self.is_locked:
            return
        dialog = QuarantineDialog(self.workspace, self)
        if self.sync_driver is not None:
            dialog.changed.connect(self.sync_driver.refresh_counts)
        dialog.finished.connect(lambda _r: self.focus_search())
        dialog.open()

    # ================================================================ sync, reports, import

    def sync_now(self) -> None:
        if self.sync_driver is not None:
            self.sync_driver.sync_now()

    def report(self, kind: str) -> None:
        """Cetak Berita Acara (PDF of the school), Rekapitulasi Harian, Ekspor (XLSX)."""
        ws = self.workspace
        if ws is None:
            return
        npsn = self.school.npsn if self.school else None
        if kind != "daily" and npsn is None:
            self.show_toast(tr("Pilih sekolah dulu (Ctrl+1)."), error=True)
            return
        names = {
            "berita_acara": (f"berita-acara-{npsn}.pdf", "PDF (*.pdf)"),
            "daily": (f"rekap-harian-{self.today:%Y-%m-%d}.pdf", "PDF (*.pdf)"),
            "export": (f"siswa-{npsn}.xlsx", "Excel (*.xlsx)"),
        }
        default, pattern = names[kind]
        if kind == "export" and not self._confirm_export():
            return
        path, _ = QFileDialog.getSaveFileName(self, tr("Simpan sebagai"), default, pattern)
        if not path:
            return
        paper = self.settings.get(PAPER_SIZE)
        today = self.today

        def work() -> str:
            service = ws.report_service()
            if kind == "berita_acara":
                service.school_pdf(npsn, path, paper)
            elif kind == "daily":
                service.daily_pdf(today, path, paper)
            else:
                service.export_school_xlsx(npsn, path, ws.user.username)
            return Path(path).name

        Op(self, work).success(
            lambda name: self.show_toast(tr("Tersimpan ke berkas {file}").format(file=name))
        ).run()

    def _confirm_export(self) -> bool:
        """Exports hold personal data: say so, and let the user step back."""
        from ktpe_desktop.reports.export import EXPORT_WARNING, EXPORT_WARNING_EN

        text = EXPORT_WARNING_EN if current_language() == "en" else EXPORT_WARNING
        answer = QMessageBox.warning(
            self,
            tr("Ekspor data pribadi"),
            text,
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Ok

    def print_report(self, kind: str) -> None:
        """Cetak: the report is built off the UI thread, then the system print dialog."""
        ws = self.workspace
        if ws is None:
            return
        npsn = self.school.npsn if self.school else None
        if kind == "berita_acara" and npsn is None:
            self.show_toast(tr("Pilih sekolah dulu (Ctrl+1)."), error=True)
            return
        today = self.today
        paper = self.settings.get(PAPER_SIZE)
        service = ws.report_service()

        def build() -> Any:
            if kind == "berita_acara":
                return service.school_report(npsn)
            return service.daily_report(today)

        def show_dialog(report: Any) -> None:
            from ktpe_desktop.reports.printing import print_document

            if print_document(self, report, service, paper=paper):
                self.show_toast(tr("Dokumen dikirim ke printer."))

        Op(self, build, lane=Lane.READ).success(show_dialog).run()

    def open_import(self) -> None:
        """Import a roster for the school open in Daftar Siswa, or choose the school first."""
        if self.school is None:
            self.import_other_school()
        else:
            self._import_for(ChosenSchool(self.school.npsn, self.school.name, on_laptop=True))

    def import_other_school(self) -> None:
        """Choose a school (on the laptop, from the public list, or by NPSN), then import."""
        ws = self.workspace
        if ws is None:
            return
        chooser = SchoolChooserDialog(
            ws.schools(), preselect=self.school.npsn if self.school else None, parent=self
        )
        self.school_chooser = chooser

        def chosen() -> None:
            if chooser.chosen is not None:
                self._import_for(chooser.chosen)

        chooser.accepted.connect(chosen)
        chooser.open()

    def _import_for(self, school: ChosenSchool) -> None:
        ws = self.workspace
        if ws is None:
            return
        from ktpe_desktop.ui.import_dialog import ImportDialog

        dialog = ImportDialog(
            ws.import_service(),
            school.npsn,
            ws.user.username,
            school_name=school.name,
            new_school=not school.on_laptop,
            parent=self,
        )
        self.import_dialog = dialog
        imported: list[str] = []
        dialog.committed.connect(lambda _result: imported.append(school.npsn))
        dialog.finished.connect(lambda _r: self._after_import(imported[-1] if imported else None))
        dialog.open()

    def _after_import(self, npsn: str | None = None) -> None:
        """Back from the import dialog: refresh, and open the imported school's roster."""
        ws = self.workspace
        if ws is None:
            return
        if self.stack.currentWidget() is self.first_run:
            self.enter_work(ws)
        else:
            self.reload_schools()
            if self.roster is not None and self.school is not None:
                self.roster.run_search()
                self.roster.refresh_counters()
        if npsn is not None and (self.school is None or self.school.npsn != npsn):
            Op(self, lambda: ws.school(npsn), lane=Lane.READ).success(
                lambda school: self.choose_school(school) if school is not None else None
            ).run()

    # ================================================================ settings, users, about

    def show_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        before = self.settings.get(LANGUAGE)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.idle.set_minutes(self.settings.get(IDLE_LOCK_MINUTES))
            if self.sync_driver is not None:
                self.sync_driver.set_interval(self.settings.get(SYNC_INTERVAL_MINUTES))
            after = self.settings.get(LANGUAGE)
            if after != before:
                self.language_changed.emit(after)

    def add_user(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        dialog = AddUserDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        username = dialog.username.text().strip()
        password = dialog.password.text()
        role = str(dialog.role.currentData())
        name = dialog.display_name.text().strip()
        Op(self, lambda: ws.add_user(username, password, role=role, display_name=name)).success(
            lambda u: self.show_toast(tr("Pengguna ditambahkan: {name}").format(name=u.username))
        ).run()

    def show_about(self) -> None:
        device = self.workspace.device_id if self.workspace else ""
        AboutDialog(self.data_dir, device, self).open()

    # ================================================================ close

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle.stop()
        if self.sync_driver is not None:
            self.sync_driver.stop()
        self.settings.set_window_state("main/geometry", self.saveGeometry())
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Close the workspace after every queued write has finished."""
        from ktpe_desktop.ui.ops import wait_for_done

        wait_for_done(30_000)
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
