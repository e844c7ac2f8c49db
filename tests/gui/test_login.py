"""First run, the growing delay after wrong passwords, switching operator, settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.ui.settings import IDLE_LOCK_MINUTES, LANGUAGE, SETTINGS_VERSION, Settings
from tests.gui.conftest import LEAD, PASSWORD, close_window, make_window

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_first_run_creates_the_lead_and_starts_offline(qtbot: Any, data_dir: Path) -> None:
    w = make_window(data_dir)
    qtbot.addWidget(w)
    w.show()
    w.start()
    page = w.first_run
    assert w.stack.currentWidget() is page
    qtbot.keyClicks(page.display_name, "Siti Rahayu")
    qtbot.keyClicks(page.new_password, "pendek")
    assert not page.create_button.isEnabled()
    assert "Terlalu pendek" in page.strength.label.text()
    page.new_password.clear()
    qtbot.keyClicks(page.new_password, "Jemput-Bola-2024")
    qtbot.keyClicks(page.repeat_password, "Jemput-Bola-2025")
    assert not page.create_button.isEnabled()
    assert "tidak sama" in page.account_message.text()
    page.repeat_password.clear()
    qtbot.keyClicks(page.repeat_password, "Jemput-Bola-2024")
    assert page.create_button.isEnabled()
    qtbot.keyClick(page.repeat_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 1)
    assert Workspace.exists(data_dir)
    assert [u.role for u in Workspace.users(data_dir)] == ["lead"]
    with qtbot.waitSignal(w.unlocked):
        page.offline_button.click()
    assert w.stack.currentWidget() is w.tabs
    close_window(w)


def test_wrong_passwords_make_the_user_wait_then_switch_operator(
    qtbot: Any, demo_data: Path
) -> None:
    ws = Workspace.open(demo_data, LEAD, PASSWORD)
    ws.add_user("petugas1", "petugas-satu-1", role="operator", display_name="Petugas Satu")
    ws.close()
    w = make_window(demo_data)
    qtbot.addWidget(w)
    w.show()
    w.start()
    login = w.login
    for _ in range(3):
        login.password.setText("bukan-sandinya")
        login.login_button.click()
        qtbot.waitUntil(
            lambda: "salah" in login.message.text().lower() or "Tunggu" in login.login_button.text()
        )
    # the third wrong password starts the delay: the button shows the wait
    qtbot.waitUntil(lambda: "Tunggu" in login.login_button.text())
    assert not login.login_button.isEnabled()
    qtbot.waitUntil(login.login_button.isEnabled, timeout=6_000)
    login.password.setText(PASSWORD)
    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        login.login_button.click()
    assert w.workspace is not None and w.workspace.user.is_lead
    assert w.correct_action.isEnabled() and w.reveal_action.isEnabled()

    # switch operator without closing: Ctrl+Shift+L, choose the operator
    with qtbot.waitSignal(w.locked):
        w.switch_operator()
    login.user_combo.setCurrentIndex(login.user_combo.findData("petugas1"))
    login.password.setText("petugas-satu-1")
    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        login.login_button.click()
    assert w.workspace.user.username == "petugas1"
    assert "Petugas Satu" in w.user_label.text()
    assert not w.correct_action.isEnabled() and not w.reveal_action.isEnabled()
    close_window(w)


def test_settings_are_declared_typed_and_versioned(data_dir: Path) -> None:
    settings = Settings(data_dir)
    assert settings.version == SETTINGS_VERSION
    assert settings.get(IDLE_LOCK_MINUTES) == 5
    settings.set(IDLE_LOCK_MINUTES, 10)
    settings.set(LANGUAGE, "xx")  # not a choice: back to the default
    again = Settings(data_dir)
    assert again.get(IDLE_LOCK_MINUTES) == 10
    assert again.get(LANGUAGE) == "id"
    assert not (data_dir / "settings.ini").read_text().count("geometry")
