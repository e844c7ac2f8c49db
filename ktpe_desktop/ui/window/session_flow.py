"""The session flow of the main window: first run, enrolment, login, lock, switch operator."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
)

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.services import login
from ktpe_desktop.ui import preload
from ktpe_desktop.ui.i18n import current_language, tr
from ktpe_desktop.ui.ops import Lane, Op, default_failure, pending_count
from ktpe_desktop.ui.settings import (
    LAST_SCHOOL,
    LAST_USER,
)
from ktpe_desktop.ui.window.base import WindowBase

if TYPE_CHECKING:
    from datetime import date

    from ktpe_desktop.services.users import UserInfo
    from ktpe_desktop.services.views import SchoolProgress
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload

log = logging.getLogger("ktpe.ui")

Planned = tuple[str, "date | None", "SchoolProgress | None"]


def _read_planned(ws: Workspace, last: str, day: date | None) -> Planned | None:
    """The last school's counts, read on the login's thread right after the opening
    (nothing else holds the workspace yet), so that the roster opens without waiting
    for a read behind the first paint of the work pages (docs/performance.md,
    "Start-up"). Only a head start: a failure is left to the usual read."""
    if not last:
        return None
    try:
        return last, day, ws.planned_school(last, day)
    except Exception as exc:  # the usual read reports it
        log.info("last school not read ahead (%s)", type(exc).__name__)
        return None


class SessionFlow(WindowBase):
    """Start, log in, lock and unlock; the first-run steps."""

    # ================================================================ start, login, lock

    def start(self) -> None:
        """Show the first-run page or the login page, depending on the data folder."""
        if not login.folder_exists(self.data_dir):
            self.stack.setCurrentWidget(self.first_run)
            self.first_run.show_account_step()
            return
        self.show_login()

    def show_login(self, locked_user: str | None = None) -> None:
        users = login.local_users(self.data_dir)
        preferred = locked_user or self.settings.get(LAST_USER)
        self.login.set_users(users, preferred)
        self.login.set_locked_mode(locked_user)
        self.login.reset()
        self.login.set_busy(False)
        self.stack.setCurrentWidget(self.login)
        self.login.password.setFocus()
        if self.workspace is None and self.tabs is None:
            QTimer.singleShot(self.PREPARE_LOOK_MS, self, self.prepare_work)

    def _prepare_unlock(self, username: str) -> None:
        """The password's first key: its Argon2id's memory is faulted in meanwhile."""
        if username:
            login.prepare_unlock(self.data_dir, username)

    def _login(self, username: str, password: str) -> None:
        self.login.set_busy(True)
        if self.workspace is None:
            data_dir = self.data_dir
            last = str(self.settings.get(LAST_SCHOOL) or "")
            # the day reload_schools will ask for (Hari ini lists today's schools first)
            day = None if self.today_page is not None and self.today_page.show_all() else self.today

            def open_workspace() -> tuple[Workspace, Planned | None]:
                # Argon2id first: it releases the GIL, so when the password comes at
                # once it runs beside ui.preload's imports, which the next line waits for.
                key = login.unlock_key(data_dir, username, password)
                preload.wait()  # whole modules, not one import racing the preload's
                from ktpe_desktop.services.workspace import Workspace

                ws = Workspace.open(data_dir, username, password, key=key)
                return ws, _read_planned(ws, last, day)

            Op(self, open_workspace).success(self._opened).failure(self._login_failed).run()
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

    def _opened(self, opened: tuple[Workspace, Planned | None]) -> None:
        ws, self.planned_at_login = opened
        login.unlock_prepared_done()
        self.login.set_busy(False)
        self.enter_work(ws)

    def _unlocked(self, user: UserInfo) -> None:
        login.unlock_prepared_done()
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

    # ================================================================ deferred check

    #: A large database's check waits for the first screen: the roster's first paint,
    #: or (no school opened) the start's reads done, looked at every this long.
    CHECK_AFTER_MS = 3000
    CHECK_LOOKS = 10  # at most this many looks (a sync round may stay pending)

    def check_later(self, ws: Workspace) -> None:
        """The ``quick_check`` a large database's opening left (``Store.check_deferred``).

        It runs on its own lane once the roster is painted (never beside the start's
        own reads: at 500,000 students it is seconds of CPU); a damaged database then
        gets what the check at open gave: the same message, in the error dialog and
        on the login page, and the database closed.
        """
        if not ws.check_pending:
            return
        started = False
        looks = 0

        def start(*_args: object) -> None:
            nonlocal started
            if started or self.workspace is not ws:
                return
            started = True
            Op(self, ws.check_deferred, lane=Lane.CHECK).failure(
                lambda exc: self._check_failed(ws, exc)
            ).run()

        def look() -> None:
            nonlocal looks
            looks += 1
            if started or self.workspace is not ws:
                return
            busy = self.school is not None or pending_count() > 0  # a roster to paint first
            if busy and looks < self.CHECK_LOOKS:
                QTimer.singleShot(self.CHECK_AFTER_MS, look)
                return
            start()

        if self.roster is not None:
            self.roster.results_painted.connect(start)
        QTimer.singleShot(self.CHECK_AFTER_MS, look)

    def _check_failed(self, ws: Workspace, exc: BaseException) -> None:
        if not (isinstance(exc, KnownError) and exc.code == "database_corrupt"):
            default_failure(self, exc)
            return
        if self.workspace is not ws:
            return
        log.error("the database is damaged (deferred check): closed")
        self.idle.stop()
        self._close_dialogs()
        if self.sync_driver is not None:
            self.sync_driver.stop()
        if self.hub_driver is not None:
            self.hub_driver.stop()
        self._set_work_enabled(False)
        self.user_label.clear()
        self.workspace = None  # the next login opens (and checks) the file again
        self.school = None
        self.is_locked = True
        Op(self, ws.close).failure(lambda _exc: None).run()  # after any queued write
        self.show_login()
        self.login.show_error(exc.text(current_language()))
        default_failure(self, exc)  # the error dialog, as for any damage found at work

    def _close_dialogs(self) -> None:
        """Close every dialog (the lock, a damaged database), a roster import being
        saved too (it ignores reject(): a scan or Escape leaves it to its end)."""
        from ktpe_desktop.ui.dialogs.import_roster import ImportDialog

        for dialog in self.findChildren(QDialog):
            if not dialog.isVisible():
                continue
            if isinstance(dialog, ImportDialog):
                dialog.close_now()
            else:
                dialog.reject()

    def lock(self, *, idle: bool = False) -> None:
        """Hide the data behind the login page; the database stays open."""
        if self.workspace is None or self.is_locked:
            return
        self.is_locked = True
        self.idle.stop()
        self._close_dialogs()
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

        def create() -> Workspace:
            preload.wait()  # as the login: never one import racing the preload's
            from ktpe_desktop.services.workspace import Workspace

            return Workspace.create(data_dir, username, password, display_name or None)

        Op(self, create).success(self._account_created).failure(
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
        # Enrolled before: the lead may come back as a new device (after a recovery).
        self.first_run.show_enrol_step(re_enrol=self.workspace.sync_snapshot().enrolled)
        self.first_run.enrol_button.setEnabled(True)
        self.stack.setCurrentWidget(self.first_run)
        self._set_work_enabled(False)

    def _enrol(self, url: str, code: str, ca_file: str) -> None:
        ws = self.workspace
        if ws is None:
            return

        new_device = self.first_run.wants_new_device()

        def work() -> Any:
            lines = ws.enrol_as_new_device(url, code, ca_file or None) if new_device else []
            if not new_device:
                ws.enrol(url, code, ca_file or None)
            try:
                return lines, ws.run_sync_round()
            except KnownError as exc:
                if exc.code != "sync_in_progress":
                    raise
                return lines, None  # the scheduler's round runs: it sends them

        def done(result: Any) -> None:
            lines, _round = result
            self.enter_work(ws)
            if lines:
                QMessageBox.information(self, tr("Perangkat baru"), "\n".join(lines))

        Op(self, work, lane=Lane.NET).success(done).failure(
            lambda exc: self.first_run.enrol_failed(
                exc.text(current_language())
                if isinstance(exc, KnownError)
                else tr("Pendaftaran gagal."),
                offer_new_device=getattr(exc, "server_code", "") == "device_bound",
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
