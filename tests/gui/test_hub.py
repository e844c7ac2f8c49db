"""The school hub in the window: hub mode, a station joining, and the
"already recorded at station 2" notice in the outcome dialog."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pytest

from ktpe_desktop.services.hub_service import HubService
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.sync import state as keys
from ktpe_desktop.ui.hub_page import HubDialog
from tests.conftest import docs_dir
from tests.gui.conftest import PASSWORD, close_window, logged_in

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _enrolled(ws: Workspace, team: str = "tim-01") -> None:
    with ws.store.transaction() as s:  # what a central enrolment leaves behind
        keys.put(s, keys.TEAM, team)
        keys.put(s, keys.CAMPAIGN_ID, "demo")


@pytest.fixture
def loopback_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hub mode on loopback, any free port, no mDNS (the netns tests cover discovery)."""
    monkeypatch.setattr(
        HubService,
        "start_hub",
        functools.partialmethod(HubService.start_hub, 0, host="127.0.0.1", announce=False),
    )


@pytest.fixture
def station(tmp_path: Path) -> Any:
    from ktpe_desktop.services.demo_mode import load_demo_locally

    ws = Workspace.create(tmp_path / "station", "budi", PASSWORD, "Budi Santoso")
    load_demo_locally(ws, students=900)
    _enrolled(ws)
    yield ws
    ws.close()


def test_hub_mode_join_and_the_other_station_notice(
    qtbot: Any, demo_data: Path, station: Workspace, loopback_hub: None
) -> None:
    w = logged_in(qtbot, demo_data)
    ws = w.workspace
    assert ws is not None
    _enrolled(ws)
    try:
        dialog = HubDialog(ws, w)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.code_label.text() == "—"
        assert "tertutup" in dialog.address_label.text()
        dialog.hub_button.click()
        qtbot.waitUntil(lambda: dialog.code_label.text() != "—", timeout=30_000)
        code = dialog.code_label.text()
        assert len(code) == 9 and code[4] == "-"
        assert "Stasiun 1 (hub ini)" in dialog.stations.item(0).text()
        info = ws.hub.hub_info()
        assert info is not None

        # A second laptop joins with the code and records a student.
        cfg = station.hub.join(f"127.0.0.1:{info.port}", code, "Meja 2")
        assert cfg.station_no == 2
        dialog.refresh()
        assert dialog.stations.count() == 2
        target = station.search(station.schools()[0].npsn, "", limit=1)[0]
        station.record_outcome(target.id, "recorded")
        assert station.hub.link.run_round() is not None

        # The hub's own link pulls it within a round (at most a few seconds).
        qtbot.waitUntil(lambda: ws.other_station_outcome(target.id) is not None, timeout=20_000)
        qtbot.waitUntil(lambda: w.hub_label.isVisible() and "terhubung" in w.hub_label.text())
        item = ws.student(target.id)
        assert item is not None
        w.open_student(item)
        outcome = w.outcome_dialog
        assert outcome is not None
        qtbot.waitUntil(outcome.isVisible)
        text = outcome.banner.text()
        # The station's operator by the display name it gave the hub, not "budi".
        assert "Sudah dicatat Terekam di stasiun 2 (Budi Santoso) pukul " in text, text
        outcome.reject()
        dialog.hub_button.click()
        qtbot.waitUntil(lambda: dialog.code_label.text() == "—", timeout=30_000)
        dialog.close()
    finally:
        close_window(w)


SHOTS = os.environ.get("KTPE_SCREENSHOTS")


@pytest.mark.screenshots
@pytest.mark.skipif(not SHOTS, reason="screenshots only on request (make screenshots)")
def test_hub_screenshots(
    qtbot: Any, demo_data: Path, station: Workspace, loopback_hub: None
) -> None:
    """docs/screenshots/hub-*.png for the user guide (make screenshots)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter

    out = docs_dir("screenshots")

    def shot(window: Any, name: str, dialog: Any) -> None:
        image = window.grab()
        painter = QPainter(image)
        painter.fillRect(image.rect(), QColor(0, 0, 0, 70))
        top = dialog.grab()
        pos = QPoint(
            (image.width() - top.width()) // 2, max(30, (image.height() - top.height()) // 2)
        )
        painter.drawPixmap(pos, top)
        painter.end()
        assert image.save(str(out / f"{name}.png"))

    w = logged_in(qtbot, demo_data)
    ws = w.workspace
    assert ws is not None
    _enrolled(ws)
    try:
        dialog = HubDialog(ws, w)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.hub_button.click()
        qtbot.waitUntil(lambda: dialog.code_label.text() != "—", timeout=30_000)
        info = ws.hub.hub_info()
        assert info is not None
        station.hub.join(f"127.0.0.1:{info.port}", dialog.code_label.text(), "Meja 2")
        dialog.refresh()
        qtbot.wait(50)
        shot(w, "hub-mode", dialog)

        joining = HubDialog(station, w)
        qtbot.addWidget(joining)
        joining.show()
        joining.found.clear()
        joining.found.addItem(f"Hub tim-01 di 192.168.1.20:{info.port}")
        joining.address.setText(f"192.168.1.20:{info.port}")
        joining.code.setText(dialog.code_label.text())
        joining.station_name.setText("Meja 2")
        joining.refresh()
        qtbot.wait(50)
        shot(w, "hub-join", joining)
        joining.close()

        target = station.search(station.schools()[0].npsn, "", limit=3)[2]
        station.record_outcome(target.id, "recorded")
        station.hub.link.run_round()
        qtbot.waitUntil(lambda: ws.other_station_outcome(target.id) is not None, timeout=20_000)
        dialog.close()
        item = ws.student(target.id)
        assert item is not None
        w.open_student(item)
        outcome = w.outcome_dialog
        assert outcome is not None
        qtbot.waitUntil(outcome.isVisible)
        qtbot.wait(50)
        shot(w, "hub-already-recorded", outcome)
        outcome.reject()
        ws.hub.stop_hub()
    finally:
        close_window(w)
