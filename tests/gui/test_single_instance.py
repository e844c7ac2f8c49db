"""A second start of the app on the same data folder brings the first window forward."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from ktpe_desktop.ui.single_instance import SingleInstance, server_name


def test_second_start_asks_the_first_to_come_forward(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path / "data")
    assert not first.notify_running()  # nobody there yet
    assert first.listen()
    try:
        second = SingleInstance(tmp_path / "data")
        with qtbot.waitSignal(first.activated, timeout=5000):
            assert second.notify_running()
        # Another folder is another app.
        assert not SingleInstance(tmp_path / "other").notify_running()
    finally:
        first.close()
    assert not SingleInstance(tmp_path / "data").notify_running()


def test_names_hide_the_path(tmp_path: Path) -> None:
    name = server_name(tmp_path / "data")
    assert str(tmp_path) not in name and name.startswith("ktpe-jemput-bola-")
    assert name == server_name(tmp_path / "data" / ".." / "data")
