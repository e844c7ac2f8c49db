"""A USB barcode scanner for GUI tests: digits a few milliseconds apart, then Enter,
each key sent to whatever widget has the focus (as a real scanner's keys are)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

SCANNER_GAP_MS = 5  # real scanners: 1-10 ms between keys


def focus_target() -> QWidget:
    widget = QApplication.focusWidget() or QApplication.activeWindow()
    assert widget is not None, "no widget has the keyboard focus"
    return widget


def scan(digits: str, gap_ms: int = SCANNER_GAP_MS) -> None:
    """Type ``digits`` + Enter into the focused widget at scanner speed."""
    for ch in digits:
        QTest.keyClick(focus_target(), ch, Qt.KeyboardModifier.NoModifier, gap_ms)
    QTest.keyClick(focus_target(), Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, gap_ms)
