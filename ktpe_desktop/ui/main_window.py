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
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from ktpe_desktop.services.changes import Change, What
from ktpe_desktop.ui import labels, preload
from ktpe_desktop.ui.hub_page import HubDialog, HubDriver, HubStatusLabel
from ktpe_desktop.ui.i18n import tr
from ktpe_desktop.ui.idle import IdleWatcher
from ktpe_desktop.ui.login import FirstRunPage, LoginPage
from ktpe_desktop.ui.ops import Lane, Op
from ktpe_desktop.ui.scanner import ScanDetector
from ktpe_desktop.ui.settings import (
    IDLE_LOCK_MINUTES,
    LANGUAGE,
    LAST_SCHOOL,
    LAST_USER,
    SYNC_INTERVAL_MINUTES,
    Settings,
)
from ktpe_desktop.ui.sync_status import AdapterDriver, SyncStatusWidget
from ktpe_desktop.ui.widgets import ElidingLabel
from ktpe_desktop.ui.window.base import WindowBase
from ktpe_desktop.ui.window.report_actions import ReportActions
from ktpe_desktop.ui.window.session_flow import SessionFlow
from ktpe_desktop.ui.window.student_actions import StudentActions

if TYPE_CHECKING:
    from ktpe_desktop.services.views import SchoolProgress

    # The work pages and the database code: imported while the login page is shown
    # (ktpe_desktop.ui.preload), at the latest by _build_work.
    from ktpe_desktop.services.workspace import Workspace
    from ktpe_desktop.ui.changes import ChangeBus
    from ktpe_desktop.ui.dialogs.outcome import OutcomeDialog
    from ktpe_desktop.ui.dialogs.school_chooser import SchoolChooserDialog
    from ktpe_desktop.ui.roster_page import RosterPage
    from ktpe_desktop.ui.today import TodayPage

log = logging.getLogger("ktpe.ui")
TOAST_MS = 8000


class MainWindow(SessionFlow, StudentActions, ReportActions, WindowBase):
    """One window for the whole day: the shell (pages, menus, status bar) over its sections."""

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
        self.hub_driver: HubDriver | None = None
        self.outcome_dialog: OutcomeDialog | None = None
        self.school_chooser: SchoolChooserDialog | None = None
        self.import_dialog: QDialog | None = None
        self.paper_settings_dialog: QDialog | None = None
        self.change_bus: ChangeBus | None = None
        self._scan_notice = ""
        self.dialog_scans: ScanDetector | None = None
        self._quitting = False
        self.demo_credentials = demo_credentials
        self.setWindowTitle(tr("KTP-el Jemput Bola"))
        self.resize(1366, 768)

        self.stack = QStackedWidget()
        self.stack.currentChanged.connect(lambda _i: self._update_title())
        self.first_run = FirstRunPage()
        self.login = LoginPage()
        self.work = QWidget()  # replaced by the tabs once unlocked
        self.tabs: QTabWidget | None = None
        self.today_page: TodayPage | None = None
        self.roster: RosterPage | None = None
        # The work pages' widgets built ahead while the password is typed (prepare_work).
        self._prepared: tuple[TodayPage, RosterPage, OutcomeDialog] | None = None
        self.planned_at_login = None
        for page in (self.first_run, self.login, self.work):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)

        # status bar: toast + user on the left, sync on the right (always visible)
        self.toast = ElidingLabel()  # never pushes the sync bar out at 1366 px
        self.toast.setObjectName("toast")
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        self.statusBar().addWidget(self.toast, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self.hub_label = HubStatusLabel()
        self.statusBar().addPermanentWidget(self.hub_label)
        self.sync_widget = SyncStatusWidget()
        self.sync_widget.hide()  # shown once a data folder is open
        self.statusBar().addPermanentWidget(self.sync_widget)
        self.statusBar().setSizeGripEnabled(False)
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.timeout.connect(self.toast.clear)
        self._schools_timer = QTimer(self)  # a burst of saves costs one reload of Hari ini
        self._schools_timer.setSingleShot(True)
        self._schools_timer.setInterval(500)
        self._schools_timer.timeout.connect(lambda: self.reload_schools())
        self.sync_widget.problems_requested.connect(self.show_quarantine)

        self.idle = IdleWatcher(settings.get(IDLE_LOCK_MINUTES), self)
        self.idle.idle.connect(self._idle_lock)

        self._build_actions()
        self.login.login_requested.connect(self._login)
        self.login.password_started.connect(self._prepare_unlock)
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
        self._action(m_file, tr("Impor daftar belum rekam SIAK…"), self.import_siak_list, ())
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
        self._action(
            m_file,
            tr("Simpan Daftar Hadir per Rombel (PDF)…"),
            lambda: self.report("classes_before"),
            ("Ctrl+Shift+D",),
        )
        self._action(
            m_file,
            tr("Simpan Daftar Hadir dengan hasil (PDF)…"),
            lambda: self.report("classes_after"),
            (),
        )
        self._action(
            m_file,
            tr("Simpan Rekapitulasi Tim (PDF)…"),
            lambda: self.report("team"),
            ("Ctrl+Shift+T",),
        )
        self._action(m_file, tr("Ekspor…"), lambda: self.report("export"), ("Ctrl+Shift+E",))
        m_file.addSeparator()
        self._action(m_file, tr("Kunci layar"), self.lock, ("Ctrl+L",), name="lockAction")
        self._action(m_file, tr("Ganti petugas"), self.switch_operator, ("Ctrl+Shift+L",))
        self._action(m_file, tr("Keluar"), self.request_quit, ("Ctrl+Q",), work=False)

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
        self._action(m_sync, tr("Hub sekolah…"), self.show_hub, ("Ctrl+Shift+H",), name="hubAction")

        m_settings = bar.addMenu(tr("&Pengaturan"))
        self._action(m_settings, tr("Pengaturan…"), self.show_settings, ("Ctrl+,",))
        self.add_user_action = self._action(m_settings, tr("Tambah pengguna…"), self.add_user, ())
        self._action(m_settings, tr("Kop surat dan penanda tangan…"), self.show_paper_settings, ())

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
        self.check_later(ws)
        self.unlocked.emit()
        # Keys go to the page at once (the login's field they went to is gone).
        self.focus_search()

    PREPARE_LOOK_MS = 50  # prepare_work looks this often whether the preload is done

    def prepare_work(self) -> None:
        """Build the work pages' widgets (Hari ini, the roster, the outcome dialog) ahead,
        while the password is typed or its key derived, once ui.preload's imports are
        done: ~50 ms of the main thread that Return → roster no longer waits for
        (docs/performance.md, "Start-up"). ``_build_work`` takes them and gives them
        the workspace; until then nothing uses them. Once only, before the first login.
        """
        if self.tabs is not None or self._prepared is not None or self._quitting:
            return
        if not self.isVisible():  # closed at the login page: nothing to prepare for
            return
        if not preload.wait(0):
            QTimer.singleShot(self.PREPARE_LOOK_MS, self, self.prepare_work)
            return
        from ktpe_desktop.ui.dialogs.outcome import OutcomeDialog
        from ktpe_desktop.ui.roster_page import RosterPage
        from ktpe_desktop.ui.today import TodayPage

        self._prepared = (TodayPage(), RosterPage(None), OutcomeDialog(None, self))

    def _build_work(self, ws: Workspace) -> None:
        preload.wait()  # its imports done, rather than importing beside them
        from ktpe_desktop.ui.changes import ChangeBus
        from ktpe_desktop.ui.dialogs.outcome import OutcomeDialog
        from ktpe_desktop.ui.roster_page import RosterPage
        from ktpe_desktop.ui.today import TodayPage

        prepared, self._prepared = self._prepared, None
        if prepared is None:
            prepared = (TodayPage(), RosterPage(ws), OutcomeDialog(ws, self))
        today_page, roster, outcome = prepared
        roster.workspace = outcome.workspace = ws
        old = self.work
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workTabs")
        self.tabs.currentChanged.connect(lambda _i: self._update_title())
        self.today_page = today_page
        self.today_page.set_day(self.today)
        self.roster = roster
        self.tabs.addTab(self.today_page, tr("Hari ini (Ctrl+1)"))
        self.tabs.addTab(self.roster, tr("Daftar Siswa (Ctrl+2)"))
        self.work = self.tabs
        self.stack.addWidget(self.tabs)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.today_page.school_chosen.connect(self.choose_school)
        # A card scanned on Hari ini opens its student (its Enter opened the selected
        # school's list and the card was lost); the detector is deleted with the page,
        # which takes it off the application's event filters.
        today_scans = ScanDetector(self.today_page)
        today_scans.scanned.connect(self.scan_on_today)
        today_scans.start()
        self.today_page.refresh_requested.connect(lambda: self.reload_schools())
        self.roster.open_student.connect(self.open_student)
        self.roster.open_ambiguous.connect(lambda s: self.open_student(s, confirm_twice=True))
        self.roster.not_found.connect(self._not_found)
        self.outcome_dialog = outcome
        self.outcome_dialog.saved.connect(self._outcome_saved)
        self.outcome_dialog.scan_interrupted.connect(self._scan_while_open)
        self.outcome_dialog.finished.connect(lambda _r: self.focus_search())
        if self.dialog_scans is None:  # a scan while the history, an undo … is open
            self.dialog_scans = ScanDetector(self, accepts=self.in_other_dialog)
            self.dialog_scans.scanned.connect(self.scan_in_other_dialog)
            self.dialog_scans.start()
        if self.sync_driver is not None:
            self.sync_driver.stop()
        self.sync_driver = AdapterDriver(
            ws, self, interval_minutes=self.settings.get(SYNC_INTERVAL_MINUTES)
        )
        self.sync_widget.connect_driver(self.sync_driver)
        self.sync_widget.show()
        self.sync_driver.countsChanged.connect(lambda *_a: self._update_today_sync())
        if self.change_bus is not None:
            self.change_bus.detach()
        self.change_bus = ChangeBus(ws, self)
        self.change_bus.changed.connect(self.roster.on_changed)
        self.change_bus.changed.connect(self.sync_driver.on_changed)
        self.change_bus.changed.connect(self._on_changed)
        self.sync_driver.start()
        self.hub_driver = HubDriver(ws, self)  # the school hub link (issue 14)
        self.hub_driver.statusChanged.connect(self.hub_label.set_status)
        self.hub_driver.studentsChanged.connect(self._from_other_stations)
        self.sync_driver.outcomeSaved.connect(self.hub_driver.saved)
        self.hub_driver.start()

    def _on_changed(self, change: Change) -> None:
        """Hari ini shows every school's counts: reload them (coalesced) after a write."""
        if change.touches(What.OUTCOME, What.STUDENT_ADDED, What.ROSTER, What.SCHOOLS, What.REMOTE):
            self._schools_timer.start()

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
        last = self.settings.get(LAST_SCHOOL)
        early, self.planned_at_login = self.planned_at_login, None
        if open_last and self.school is None and last:
            # The last school first (its own counts only), then the whole list: at
            # start the roster must not wait for every school to be counted. The
            # login's thread has usually read it already (session_flow._read_planned).
            if early is not None and early[:2] == (last, day):
                self._last_school_loaded(early[2])
            else:
                Op(self, lambda: ws.planned_school(last, day), lane=Lane.READ).success(
                    self._last_school_loaded
                ).run()

        def work() -> list[SchoolProgress]:
            schools = ws.schools(day)
            return schools if schools or day is None else []

        # Not on the reader: the roster's search (the last school's, at start) does not
        # queue behind every listed school's counts (0.18 s of CPU a school at 500,000).
        Op(self, work, lane=Lane.BACKGROUND).success(
            lambda schools: self._schools_loaded(schools, open_last)
        ).run()

    def _last_school_loaded(self, school: SchoolProgress | None) -> None:
        if school is not None and self.school is None and self.roster is not None:
            self.choose_school(school, switch=False)

    def _schools_loaded(self, schools: list[SchoolProgress], open_last: bool) -> None:
        if self.today_page is None:
            return
        if not schools and not self.today_page.show_all():
            self.today_page.all_schools.setChecked(True)  # nothing planned today: show all
            return
        last = self.school.npsn if self.school else self.settings.get(LAST_SCHOOL)
        self.today_page.set_schools(schools, last)
        self._update_title()
        focused = self.focusWidget()
        if focused is None or not focused.isVisible():
            self.focus_search()
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
        self._update_title()

    def _update_title(self) -> None:
        """The page in the title bar (and the taskbar): Hari ini, or the school open."""
        app = tr("KTP-el Jemput Bola")
        page = ""
        if self.tabs is not None and self.stack.currentWidget() is self.tabs:
            if self.tabs.currentWidget() is self.today_page:
                # once its schools are listed: Enter opens one from then on
                loaded = self.today_page is not None and self.today_page.model.rowCount() > 0
                page = tr("Hari ini") if loaded else ""
            elif self.school is not None:
                page = self.school.name
        self.setWindowTitle(f"{page} — {app}" if page else app)

    def focus_search(self) -> None:
        if self.is_locked or self.roster is None or self.tabs is None:
            return
        if self.tabs.currentWidget() is self.today_page and self.today_page is not None:
            # Hari ini: the school table takes the keys (↓, Enter) at once
            table = self.today_page.table
            table.setFocus(Qt.FocusReason.OtherFocusReason)
            if not table.currentIndex().isValid() and self.today_page.model.rowCount():
                table.selectRow(0)
            return
        if self.tabs.currentWidget() is self.roster:
            if not self.isActiveWindow() and not any(
                d.isVisible() for d in self.findChildren(QDialog)
            ):
                self.activateWindow()
            self.roster.focus_search()

    def show_toast(self, text: str, *, error: bool = False) -> None:
        self.toast.setStyleSheet("color: #c62828; font-weight: bold;" if error else "")
        self.toast.setText(text)
        self._toast_timer.start(TOAST_MS)

    # ================================================================ settings, users, about

    def show_settings(self) -> None:
        from ktpe_desktop.ui.dialogs.settings_dialog import SettingsDialog

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
        from ktpe_desktop.ui.dialogs.add_user import AddUserDialog

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

    def show_hub(self) -> None:
        if self.workspace is not None:
            HubDialog(self.workspace, self).open()

    def _from_other_stations(self, student_ids: list[str]) -> None:
        """Events of other stations arrived through the hub: refresh what shows them."""
        if self.workspace is not None:
            self.workspace.notify_changed(student_ids, (What.REMOTE,))

    def show_about(self) -> None:
        device = self.workspace.device_id if self.workspace else ""
        from ktpe_desktop.ui.dialogs.about import AboutDialog

        AboutDialog(self.data_dir, device, self).open()

    # ================================================================ close

    def request_quit(self) -> None:
        """Ctrl+Q / Keluar: with records not sent yet, remind and offer to sync first."""
        if self._confirm_quit():
            self._quitting = True
            self.close()

    def _confirm_quit(self) -> bool:
        pending = self.sync_widget.pending if self.workspace is not None else 0
        if pending <= 0 or self.is_locked:
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Keluar"))
        box.setText(
            tr(
                "%Ln data belum terkirim ke server. Data tetap aman di laptop ini, tetapi "
                "kantor belum melihatnya.",
                None,
                pending,
            )
        )
        sync = box.addButton(tr("&Sinkronkan dulu"), QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton(tr("&Keluar saja"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("Batal (Esc)"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(sync)
        box.exec()
        if box.clickedButton() is sync:
            self.sync_now()
            return False
        return box.clickedButton() is leave

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window manager's close button asks as Ctrl+Q does; a programmatic close
        # (tests, self-test, shutdown) does not.
        if event.spontaneous() and not self._quitting and not self._confirm_quit():
            event.ignore()
            return
        self.idle.stop()
        if self.sync_driver is not None:
            self.sync_driver.stop()
        self.settings.set_window_state("main/geometry", self.saveGeometry())
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Close the workspace after every queued write has finished."""
        from ktpe_desktop.ui.ops import wait_for_done

        if self.dialog_scans is not None:
            self.dialog_scans.stop()
        wait_for_done(30_000)
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
