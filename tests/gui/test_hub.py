"""The school hub in the window: hub mode, a station joining, and the
"already recorded at station 2" notice in the outcome dialog."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ktpe_desktop.services.hub_service import HubInfo, HubService
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.sync import state as keys
from ktpe_desktop.ui.hub_page import HubDialog
from ktpe_desktop.ui.main_window import MainWindow
from tests import timing
from tests.conftest import docs_dir
from tests.gui.conftest import PASSWORD, close_window, logged_in

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _enrolled(ws: Workspace, team: str = "tim-01") -> None:
    with ws.store.transaction() as s:  # what a central enrolment leaves behind
        keys.put(s, keys.TEAM, team)
        keys.put(s, keys.TEAM_NAME, "Tim 1 Lowokwaru")
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


@dataclass
class HubWindow:
    """The lead's window in hub mode, its hub dialog, and a station that joined."""

    window: MainWindow
    workspace: Workspace
    dialog: HubDialog
    info: HubInfo
    station: Workspace

    def record_at_station(self, qtbot: Any, index: int = 0) -> str:
        """The station records a student; returns its id once the hub laptop has it."""
        target = self.station.search(self.station.schools()[0].npsn, "", limit=index + 1)[index]
        self.station.record_outcome(target.id, "recorded")
        assert self.station.hub.link.run_round() is not None
        # The hub's own link pulls it within a round (at most a few seconds).
        qtbot.waitUntil(
            lambda: self.workspace.other_station_outcome(target.id) is not None,
            timeout=timing.ms(20_000),
        )
        return str(target.id)

    def open_outcome(self, qtbot: Any, student_id: str) -> Any:
        item = self.workspace.student(student_id)
        assert item is not None
        self.window.open_student(item)
        outcome = self.window.outcome_dialog
        assert outcome is not None
        qtbot.waitUntil(outcome.isVisible)
        return outcome


@pytest.fixture
def hub_window(
    qtbot: Any, demo_data: Path, station: Workspace, loopback_hub: None
) -> Iterator[HubWindow]:
    """The lead logs in, makes the laptop the hub from its dialog; "Meja 2" joins."""
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
        qtbot.waitUntil(lambda: dialog.code_label.text() != "—", timeout=timing.ms(30_000))
        info = ws.hub.hub_info()
        assert info is not None
        cfg = station.hub.join(f"127.0.0.1:{info.port}", dialog.code_label.text(), "Meja 2")
        assert cfg.station_no == 2
        dialog.refresh()
        yield HubWindow(w, ws, dialog, info, station)
    finally:
        close_window(w)


def test_hub_mode_join_and_the_other_station_notice(qtbot: Any, hub_window: HubWindow) -> None:
    hub, dialog = hub_window, hub_window.dialog
    code = dialog.code_label.text()
    assert len(code) == 9 and code[4] == "-"
    assert "Stasiun 1 (hub ini)" in dialog.stations.item(0).text()
    assert dialog.stations.count() == 2  # the hub and the station that joined
    target = hub.record_at_station(qtbot)
    w = hub.window
    qtbot.waitUntil(lambda: w.hub_label.isVisible() and "terhubung" in w.hub_label.text())
    outcome = hub.open_outcome(qtbot, target)
    text = outcome.banner.text()
    # The station's operator by the display name it gave the hub, not "budi".
    assert "Sudah dicatat Terekam di stasiun 2 (Budi Santoso) pukul " in text, text
    outcome.reject()
    dialog.hub_button.click()
    qtbot.waitUntil(lambda: dialog.code_label.text() == "—", timeout=timing.ms(30_000))
    dialog.close()


SHOTS = os.environ.get("KTPE_SCREENSHOTS")


@pytest.mark.screenshots
@pytest.mark.skipif(not SHOTS, reason="screenshots only on request (make screenshots)")
def test_hub_screenshots(qtbot: Any, hub_window: HubWindow) -> None:
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

    w, dialog, info = hub_window.window, hub_window.dialog, hub_window.info
    qtbot.wait(50)
    shot(w, "hub-mode", dialog)

    joining = HubDialog(hub_window.station, w)
    qtbot.addWidget(joining)
    joining.show()
    joining.found.clear()
    joining.found.addItem(f"Hub Tim 1 Lowokwaru di 192.168.1.20:{info.port}")
    joining.address.setText(f"192.168.1.20:{info.port}")
    joining.code.setText(dialog.code_label.text())
    joining.station_name.setText("Meja 2")
    joining.refresh()
    qtbot.wait(50)
    shot(w, "hub-join", joining)
    joining.close()

    target = hub_window.record_at_station(qtbot, index=2)
    dialog.close()
    outcome = hub_window.open_outcome(qtbot, target)
    qtbot.wait(50)
    shot(w, "hub-already-recorded", outcome)
    outcome.reject()
    hub_window.workspace.hub.stop_hub()
