"""Start the desktop app: ``run_app(args)`` (called by ``ktpe_desktop.cli``).

``args`` carries ``demo``, ``lang`` and ``app_data_dir`` (``--self-test`` is handled
by :mod:`ktpe_desktop.selftest` before the GUI starts).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from ktpe_desktop.paths import default_data_dir
from ktpe_desktop.services.login import configure_logging
from ktpe_desktop.ui import ops, preload
from ktpe_desktop.ui.crash import install_excepthooks, show_error
from ktpe_desktop.ui.i18n import install_language, tr
from ktpe_desktop.ui.icons import app_icon
from ktpe_desktop.ui.main_window import MainWindow
from ktpe_desktop.ui.settings import LANGUAGE, Settings
from ktpe_desktop.ui.single_instance import SingleInstance
from ktpe_desktop.ui.style import apply_style

log = logging.getLogger("ktpe.ui")


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationName("KTP-el Jemput Bola")
    app.setOrganizationName("Dispendukcapil Kota Malang")
    app.setWindowIcon(app_icon())
    apply_style(app)
    return app


class AppController:
    """Owns the main window; rebuilds it when the language changes."""

    def __init__(
        self,
        settings: Settings,
        data_dir: Path,
        *,
        demo_credentials: tuple[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self.demo_credentials = demo_credentials
        self.window = self._new_window()

    def _new_window(self) -> MainWindow:
        window = MainWindow(self.settings, self.data_dir, demo_credentials=self.demo_credentials)
        window.language_changed.connect(self.switch_language)
        geometry = self.settings.window_state("main/geometry")
        if geometry is not None:
            window.restoreGeometry(geometry)
        else:
            fit_screen(window)
        return window

    def switch_language(self, lang: str) -> None:
        install_language(lang)
        old = self.window
        ws = old.workspace
        locked = old.is_locked
        school = old.school
        old.workspace = None  # handed over, not closed
        if old.sync_driver is not None:
            old.sync_driver.stop()
        new = self._new_window()
        new.setGeometry(old.geometry())
        self.window = new
        old.close()
        old.deleteLater()
        if ws is not None and not locked:
            new.school = None
            new.enter_work(ws)
            if school is not None:
                new.choose_school(school)
        elif ws is not None:
            new.workspace = ws
            new.start()
        else:
            new.start()
        new.show()


def fit_screen(window: QWidget) -> None:
    """Maximise on a screen no bigger than the 1366x768 the window is laid out for.

    Its 1366x768 plus a title bar and a panel is taller than such a laptop's screen:
    the status bar (unsent count, Sinkronkan) would sit below the screen's edge.
    """
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    free = screen.availableGeometry()
    if free.width() < window.width() + 64 or free.height() < window.height() + 64:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def bring_forward(window: QWidget) -> None:
    """Show ``window`` above the others (a second start of the app asked for it)."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


def run_app(args: argparse.Namespace) -> int:
    app = make_application()
    base = Path(args.app_data_dir) if getattr(args, "app_data_dir", None) else default_data_dir()
    demo = bool(getattr(args, "demo", False))
    data_dir = base / "demo" if demo and not getattr(args, "app_data_dir", None) else base
    data_dir.mkdir(parents=True, exist_ok=True)
    # One window per data folder: a second start asks the first to come forward.
    instance = SingleInstance(data_dir)
    if instance.notify_running():
        print(
            "KTP-el Jemput Bola sudah terbuka untuk folder data ini; jendelanya dimunculkan. / "
            "The app is already open on this data folder; its window was brought forward."
        )
        return 0
    instance.listen()
    configure_logging(data_dir)
    settings = Settings(data_dir)
    lang = getattr(args, "lang", None) or settings.get(LANGUAGE)
    if getattr(args, "lang", None):
        settings.set(LANGUAGE, lang)
    install_language(lang)
    install_excepthooks()
    ops.set_default_failure_handler(show_error)

    demo_session: Any = None
    credentials = None
    if demo:
        from ktpe_desktop.services.demo_mode import DEMO_PASSWORD, DEMO_USER

        credentials = (DEMO_USER, DEMO_PASSWORD)
    controller = AppController(settings, data_dir, demo_credentials=credentials)
    instance.activated.connect(lambda: bring_forward(controller.window))
    window = controller.window
    window.show()
    # The database code and the work pages, while the login page waits for the password.
    preload.start()
    if demo:
        from ktpe_desktop.services.demo_mode import prepare_demo

        window.stack.setCurrentWidget(window.login)
        window.login.set_busy(True)
        window.login.message.setObjectName("dateLabel")  # progress, not an error
        window.login.message.style().polish(window.login.message)
        window.login.message.setText(tr("Menyiapkan demo…"))
        window.login.password.setFocus()  # what is typed meanwhile lands and is kept

        def start_keeping_typed() -> None:
            typed = controller.window.login.password.text()  # typed while it prepared
            pressed = controller.window.login.enter_while_busy  # and Enter, too
            controller.window.start()
            login = controller.window.login
            login.message.setObjectName("errorText")
            login.message.style().polish(login.message)
            if typed:
                login.password.setText(typed)
                if pressed:
                    login.submit()

        def prepared(session: Any) -> None:
            nonlocal demo_session
            demo_session = session
            session.workspace.close()
            start_keeping_typed()
            if session.server is not None:
                controller.window.show_toast(
                    tr("Server demo berjalan di {url}").format(url=session.server_url)
                )
                # The office console of the same demo server (issue 13), for a browser.
                print(f"Konsol kantor / office console: {session.server_url}/office/", flush=True)

        def failed(exc: BaseException) -> None:
            start_keeping_typed()
            show_error(controller.window, exc)

        ops.Op(window, lambda: prepare_demo(data_dir), lane=ops.Lane.NET).success(prepared).failure(
            failed
        ).run()
    elif getattr(args, "bench_startup", False):
        # Hook for tests/bench/bench_startup.py (hidden --bench-startup; build/bench
        # owner): log in with $KTPE_PASSWORD, print timings once the roster is painted.
        from ktpe_desktop.ui.bench_hook import open_straight_to_roster

        open_straight_to_roster(window, data_dir)
    else:
        window.start()
    rc = app.exec()
    instance.close()
    controller.window.shutdown()
    if demo_session is not None:
        demo_session.stop()
    return int(rc)
