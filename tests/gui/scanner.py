"""A USB barcode scanner for GUI tests: digits a few milliseconds apart, then Enter,
each key sent to whatever widget has the focus (as a real scanner's keys are).

A real keyboard's keys carry the window system's time of each key (X11, Windows),
and the app measures a scan's gaps on it. ``QTest.keyClick`` sends keys with no
time, which the app would time by when it handles them: on a loaded machine the
test process is set aside for tens of milliseconds between two keys, and a scan
looked like a person typing. So each key of :func:`scan` is stamped with the time
a scanner would have given it, ``gap_ms`` after the previous one, as the window
system does.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

SCANNER_GAP_MS = 5  # real scanners: 1-10 ms between keys


def focus_target() -> QWidget:
    widget = QApplication.focusWidget() or QApplication.activeWindow()
    assert widget is not None, "no widget has the keyboard focus"
    return widget


class _Stamper(QObject):
    """An application event filter (installed last, so it runs before the app's
    own filters) that gives each key the time set in :attr:`ms`."""

    def __init__(self) -> None:
        super().__init__()
        self.ms = int(time.monotonic() * 1000)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            assert isinstance(event, QKeyEvent)
            event.setTimestamp(self.ms)
        return False


def scan(digits: str, gap_ms: int = SCANNER_GAP_MS) -> None:
    """Type ``digits`` + Enter into the focused widget at scanner speed."""
    app = QApplication.instance()
    assert app is not None
    stamper = _Stamper()
    app.installEventFilter(stamper)
    try:
        for ch in digits:
            QTest.keyClick(focus_target(), ch, Qt.KeyboardModifier.NoModifier, gap_ms)
            stamper.ms += gap_ms
        QTest.keyClick(focus_target(), Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, gap_ms)
    finally:
        app.removeEventFilter(stamper)
