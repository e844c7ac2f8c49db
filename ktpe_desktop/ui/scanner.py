"""Telling a USB barcode scanner from a person at the keyboard.

A scanner is a keyboard that types the NISN (10 digits) or NIK (16 digits) of a
student card, a few milliseconds apart, then Enter. While the outcome dialog is
open, that Enter must never confirm the outcome of the student on screen: it is the
next student in the queue. :class:`ScanDetector` watches every key the application
receives while it is active and reports a scan instead of letting its Enter through.

A key sequence is a scan when it ends in Enter and

* its digits arrived as a burst (each within :data:`BURST_GAP_MS` of the previous
  one, at least :data:`MIN_BURST_DIGITS` of them), or
* it is a full NISN/NIK (10 or 16 digits with no other key in between), at any
  speed and in any field: nothing in the dialog takes a bare 10- or 16-digit number
  followed by Enter (a note holds no NIK), and a loaded laptop may deliver a
  scanner's keys late, so timing alone cannot be trusted.

A burst that is not a full number is swallowed with a notice (a scan cut short);
a complete one is reported by :attr:`ScanDetector.scanned`. A person typing a few
digits into the note at human speed is left alone.

The gap between two keys is measured on the window system's own time of each key
(:func:`key_time`: X11 and Windows stamp a key when it arrives), not on when the
application handles it: a busy main thread, or a process the OS set aside for a
moment, hands a scanner's keys over late and unevenly, and its burst looked like
a person typing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

BURST_GAP_MS = 35.0  # people type >= ~80 ms apart; scanners type <= 10 ms apart
MIN_BURST_DIGITS = 4
FULL_LENGTHS = (10, 16)
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


_STAMP_WRAP = 2**32


@dataclass(frozen=True, slots=True)
class KeyTime:
    """When a key was pressed, in milliseconds, and on which clock."""

    ms: float
    stamped: bool  # the window system's time of the key (True) or when it was handled

    def follows_within_burst(self, earlier: KeyTime | None) -> bool:
        """True when this key came at most :data:`BURST_GAP_MS` after ``earlier``.
        Times on different clocks are never compared (a key Qt was handed without
        a time stamp, beside stamped ones)."""
        if earlier is None or earlier.stamped != self.stamped:
            return False
        gap = self.ms - earlier.ms
        if self.stamped:
            gap %= _STAMP_WRAP  # the window system's 32-bit milliseconds wrap (~49.7 days)
        return 0.0 <= gap <= BURST_GAP_MS


def key_time(event: QKeyEvent, clock: Callable[[], float] = time.monotonic) -> KeyTime:
    """The key's own time when the window system stamped it, else ``clock()`` now
    (seconds; a key built by the application or a test carries no stamp)."""
    stamp = event.timestamp()
    return KeyTime(float(stamp), True) if stamp else KeyTime(clock() * 1000.0, False)


class ScanDetector(QObject):
    """An application-wide key watcher, active between :meth:`start` and :meth:`stop`.

    Args:
        scope: only keys sent to this widget or its children are watched.
        clock: seconds, monotonic (tests inject one).
        accepts: instead of ``scope``'s children, watch the keys sent to the widgets
            this returns True for (the main window's other dialogs).
        bursts_only: only a burst is a scan, not a full number typed by hand (a form
            where a person types a KK or NIK and Enter).
    """

    scanned = Signal(str)  # a full NISN/NIK arrived from the scanner
    garbled = Signal(str)  # a burst of digits ended in Enter but is not a full number

    def __init__(
        self,
        scope: QWidget,
        clock: Callable[[], float] = time.monotonic,
        accepts: Callable[[QWidget], bool] | None = None,
        *,
        bursts_only: bool = False,
    ) -> None:
        super().__init__(scope)
        self.scope = scope
        self.clock = clock
        self.accepts = accepts
        self.bursts_only = bursts_only
        self._digits = ""
        self._run = ""
        self._last: KeyTime | None = None
        self._active = False

    def while_visible(self) -> ScanDetector:
        """Watch from when ``scope`` (a dialog) is shown until it is hidden (closed)."""
        self.scope.installEventFilter(_FollowVisibility(self))
        return self

    def start(self) -> None:
        self.reset()
        app = QApplication.instance()
        if app is not None and not self._active:
            app.installEventFilter(self)
            self._active = True

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None and self._active:
            app.removeEventFilter(self)
        self._active = False
        self.reset()

    def reset(self) -> None:
        self._digits = ""  # every digit since the last other key
        self._run = ""  # the trailing digits that came scanner-fast, one after another

    def _in_scope(self, obj: QObject) -> bool:
        if not isinstance(obj, QWidget):
            return False
        focus = QApplication.focusWidget()
        # Qt offers a key to the focus widget, then to its parents: look at it once.
        if focus is not None and obj is not focus:
            return False
        if self.accepts is not None:
            return self.accepts(obj)
        return obj is self.scope or self.scope.isAncestorOf(obj)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Every event of the application passes here (about 2,000 per scan: paints,
        # layouts, the dialog shown and hidden). isinstance first: ``event.type()``
        # makes a Python enum each call, 1.5 µs, ~4 ms of a scan's 30.
        if (
            not isinstance(event, QKeyEvent)
            or event.type() != QEvent.Type.KeyPress
            or not self._in_scope(obj)
        ):
            return False
        return self.key(event.key(), event.text(), obj, key_time(event, self.clock))

    def key(
        self, key: int, text: str, target: QObject | None = None, at: KeyTime | None = None
    ) -> bool:
        """Feed one key press (pressed ``at``, else now on :attr:`clock`); True when
        the key is consumed (part of a scan)."""
        now = at if at is not None else KeyTime(self.clock() * 1000.0, False)
        typed_in_text = isinstance(target, QLineEdit | QTextEdit | QPlainTextEdit)
        if len(text) == 1 and text.isdigit() and text.isascii():
            fast = bool(self._run) and now.follows_within_burst(self._last)
            self._run = self._run + text if fast else text
            self._digits += text
            self._last = now
            # A burst's digits land in no field (outside text fields, from the second).
            return len(self._run) >= (MIN_BURST_DIGITS if typed_in_text else 2)
        if key in _ENTER:
            digits, run = self._digits, self._run
            self.reset()
            if len(run) >= MIN_BURST_DIGITS and len(run) in FULL_LENGTHS:
                self.scanned.emit(run)
                return True
            if len(digits) in FULL_LENGTHS and not self.bursts_only:
                self.scanned.emit(digits)
                return True
            if len(run) >= MIN_BURST_DIGITS:
                self.garbled.emit(run)
                return True
            return False
        if key not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta):
            self.reset()
        return False


class _FollowVisibility(QObject):
    """Starts and stops a detector with its scope's Show and Hide events."""

    def __init__(self, detector: ScanDetector) -> None:
        super().__init__(detector)
        self.detector = detector

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.detector.start()
        elif event.type() == QEvent.Type.Hide:
            self.detector.stop()
        return False
