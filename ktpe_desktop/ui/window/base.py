"""What the sections of the main window share: its state and the calls between them.

The main window is assembled from one mixin per section (``session_flow``,
``student_actions``, ``report_actions``) over this base; a section calls another
section only through the methods declared here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QStackedWidget, QTabWidget, QWidget

if TYPE_CHECKING:
    from ktpe_desktop.services.views import SchoolProgress
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload
    from ktpe_desktop.ui.changes import ChangeBus
    from ktpe_desktop.ui.dialogs.outcome import OutcomeDialog
    from ktpe_desktop.ui.dialogs.school_chooser import SchoolChooserDialog
    from ktpe_desktop.ui.hub_page import HubDriver
    from ktpe_desktop.ui.idle import IdleWatcher
    from ktpe_desktop.ui.login import FirstRunPage, LoginPage
    from ktpe_desktop.ui.roster_page import RosterPage
    from ktpe_desktop.ui.settings import Settings
    from ktpe_desktop.ui.sync_status import AdapterDriver, SyncStatusWidget
    from ktpe_desktop.ui.today import TodayPage


class WindowBase(QMainWindow):
    """The main window's shared state; the shell (``MainWindow``) sets it up."""

    unlocked = Signal()
    locked = Signal()
    language_changed = Signal(str)

    settings: Settings
    data_dir: Path
    today: date
    workspace: Workspace | None
    school: SchoolProgress | None
    is_locked: bool
    sync_driver: AdapterDriver | None
    hub_driver: HubDriver | None
    outcome_dialog: OutcomeDialog | None
    school_chooser: SchoolChooserDialog | None
    import_dialog: QDialog | None
    paper_settings_dialog: QDialog | None
    change_bus: ChangeBus | None
    demo_credentials: tuple[str, str] | None
    stack: QStackedWidget
    first_run: FirstRunPage
    login: LoginPage
    work: QWidget
    tabs: QTabWidget | None
    today_page: TodayPage | None
    roster: RosterPage | None
    #: The last school as the login's thread read it right after the opening
    #: (npsn, day, its progress): the first reload_schools takes it instead of a read.
    planned_at_login: tuple[str, date | None, SchoolProgress | None] | None
    toast: QLabel
    user_label: QLabel
    sync_widget: SyncStatusWidget
    idle: IdleWatcher
    _scan_notice: str
    _quitting: bool

    # ------------------------------------------------------------ provided by the shell

    def show_toast(self, text: str, *, error: bool = False) -> None:
        raise NotImplementedError

    def focus_search(self) -> None:
        raise NotImplementedError

    def sync_now(self) -> None:
        raise NotImplementedError

    def show_tab(self, index: int) -> None:
        raise NotImplementedError

    def reload_schools(self, *, open_last: bool = False) -> None:
        raise NotImplementedError

    def choose_school(self, school: SchoolProgress, *, switch: bool = True) -> None:
        raise NotImplementedError

    def _set_work_enabled(self, enabled: bool) -> None:
        raise NotImplementedError

    def _show_user(self) -> None:
        raise NotImplementedError

    def _build_work(self, ws: Workspace) -> None:
        raise NotImplementedError

    PREPARE_LOOK_MS: int

    def prepare_work(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ provided by the sections

    def enter_work(self, ws: Workspace) -> None:
        raise NotImplementedError

    def import_other_school(self) -> None:
        raise NotImplementedError

    def show_paper_settings(self) -> None:
        raise NotImplementedError

    def import_siak_list(self) -> None:
        raise NotImplementedError
