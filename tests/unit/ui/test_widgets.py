"""The search field leaves the window's Ctrl+Z ("Batalkan hasil terakhir saya") alone."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from ktpe_desktop.ui.widgets import SearchField


def _overridden(field: SearchField, key: Qt.Key) -> bool:
    """True when the field claims the key before the window's shortcuts see it."""
    event = QKeyEvent(QEvent.Type.ShortcutOverride, key, Qt.KeyboardModifier.ControlModifier)
    event.ignore()
    QApplication.sendEvent(field, event)
    return event.isAccepted()


def test_ctrl_z_is_left_to_the_window_other_editing_keys_are_not(qtbot) -> None:
    field = SearchField()
    qtbot.addWidget(field)
    field.setText("dewi")
    assert not _overridden(field, Qt.Key.Key_Z)
    assert _overridden(field, Qt.Key.Key_C)  # copy stays the field's
