"""Re-enrolling as a new device from the window (issue 17, case 3).

A laptop enrolled before that enrols again is refused ``device_bound`` (a device id
enrols once, ever); the enrol step then offers "Daftarkan sebagai perangkat
baru", and with it ticked the laptop comes back as a new device, its unsent
outcomes re-issued, against a real embedded server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage.store import Store
from ktpe_desktop.ui.window import session_flow
from ktpe_server import admin
from tests import timing
from tests.gui.conftest import LEAD, PASSWORD, close_window, logged_in
from tests.reliability import harness as h

pytestmark = [
    pytest.mark.qt_log_ignore("propagateSizeHints"),
    pytest.mark.allow_warnings("enrolment refused", "replaced by", "re-enrolled"),
]


def test_enrol_again_offers_and_makes_a_new_device(
    qtbot: Any, demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = h.start_server(tmp_path, students=50)
    try:
        store = Store.open(demo_data, LEAD, PASSWORD)
        try:
            service = SyncService(store)
            service.enrol(server.url, admin.make_enroll_code(server.db_url, h.TEAM))
            service.close()
            old_device = store.device_id
        finally:
            store.close()
        shown: list[str] = []
        monkeypatch.setattr(
            session_flow.QMessageBox,
            "information",
            lambda _parent, _title, text: shown.append(text),
        )
        w = logged_in(qtbot, demo_data)
        try:
            first = w.first_run
            w.show_enrol()
            assert not first.new_device.isHidden()  # enrolled before: offered at once
            first.new_device.setChecked(False)
            first.server_url.setText(server.url)
            first.enrol_code.setText(admin.make_enroll_code(server.db_url, h.TEAM))
            qtbot.mouseClick(first.enrol_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: first.enrol_button.isEnabled(), timeout=timing.ms(15_000))
            assert "perangkat baru" in first.enrol_message.text(), first.enrol_message.text()
            assert not first.new_device.isHidden()
            first.new_device.setChecked(True)
            qtbot.mouseClick(first.enrol_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(
                lambda: bool(shown) or first.enrol_button.isEnabled(), timeout=timing.ms(20_000)
            )
            assert shown, first.enrol_message.text()
            assert "menggantikan" in shown[0]
            assert w.workspace is not None and w.workspace.device_id != old_device
        finally:
            close_window(w)
    finally:
        server.stop()
