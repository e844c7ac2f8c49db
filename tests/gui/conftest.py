"""Fixtures of the GUI tests: a fresh data folder per test, fast key derivation,
operation failures turned into test failures, and the demo campaign ready to log in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["KTPE_FAST_KDF"] = "1"

import ktpe_desktop.ui  # noqa: F401  (protects None's refcount on CPython 3.11)
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.ui import ops
from ktpe_desktop.ui.i18n import install_language
from ktpe_desktop.ui.main_window import MainWindow
from ktpe_desktop.ui.settings import Settings
from ktpe_desktop.ui.style import apply_style
from tests import timing

PASSWORD = "rahasia-malang-24"
LEAD = "koordinator"


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTPE_FAST_KDF", "1")


@pytest.fixture(autouse=True)
def op_failures(qapp: Any) -> Iterator[list[BaseException]]:
    """Any operation failure without its own handler fails the test."""
    failures: list[BaseException] = []
    ops.set_default_failure_handler(lambda _parent, exc: failures.append(exc))
    install_language("id")
    apply_style(qapp)
    yield failures
    ops.wait_for_done(timing.ms(10_000))
    qapp.processEvents()
    assert not failures, f"background operation failed: {failures!r}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def demo_data(data_dir: Path) -> Path:
    """A data folder with a lead account and the demo roster loaded locally (no server)."""
    from ktpe_desktop.services.demo_mode import load_demo_locally

    ws = Workspace.create(data_dir, LEAD, PASSWORD, "Siti Rahayu")
    try:
        load_demo_locally(ws, students=900)
    finally:
        ws.close()
    return data_dir


def make_window(data_dir: Path, **kwargs: Any) -> MainWindow:
    window = MainWindow(
        Settings(data_dir), data_dir, today=kwargs.pop("today", date.today()), **kwargs
    )
    window.resize(1366, 768)
    return window


def close_window(window: MainWindow) -> None:
    window.close()
    window.shutdown()


def started_window(qtbot: Any, data_dir: Path, **kwargs: Any) -> MainWindow:
    """A window on ``data_dir``, shown and started: on its login or first-run page."""
    w = make_window(data_dir, **kwargs)
    qtbot.addWidget(w)
    w.show()
    w.start()
    return w


FIRST_RUN_PASSWORD = "Jemput-Bola-2024"


def type_first_account(qtbot: Any, page: Any, password: str = FIRST_RUN_PASSWORD) -> None:
    """Types the first-run page's lead account as a user does (name, the password
    twice, Enter). The account is created in the background: wait for the page's
    next step (``page.stack.currentIndex() == 1``) where the test needs it."""
    qtbot.keyClicks(page.display_name, "Siti Rahayu")
    qtbot.keyClicks(page.new_password, password)
    qtbot.keyClicks(page.repeat_password, password)
    qtbot.keyClick(page.repeat_password, Qt.Key.Key_Return)


def logged_in(qtbot: Any, data_dir: Path) -> MainWindow:
    """A window on ``data_dir`` the lead logged into as a user does (password, Enter),
    with Hari ini's schools loaded."""
    w = started_window(qtbot, data_dir, demo_credentials=(LEAD, PASSWORD))
    with qtbot.waitSignal(w.unlocked, timeout=timing.ms(10_000)):
        w.login.password.setText(PASSWORD)
        qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.today_page is not None and w.today_page.model.rowCount() > 0)
    return w


@pytest.fixture
def window(qtbot: Any, demo_data: Path) -> Iterator[MainWindow]:
    """The demo roster's window, logged in, on Hari ini."""
    w = logged_in(qtbot, demo_data)
    yield w
    close_window(w)
