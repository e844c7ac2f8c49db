"""Small reusable widgets: counter tiles, the search field, the password strength meter,
the work pages' workspace slot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLocale, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop.core.passwords import password_strength
from ktpe_desktop.ui.i18n import noop, tr

if TYPE_CHECKING:
    from ktpe_desktop.services.workspace import Workspace  # the login imports no workspace


class CounterTile(QFrame):
    """A large number with a title (Target, Terekam, Belum …)."""

    def __init__(self, title: str, color: str = "#263238", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counterTile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(0)
        self.value = QLabel("0")
        self.value.setObjectName("counterValue")
        self.value.setStyleSheet(f"color: {color};")
        self.value.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.title = QLabel(title)
        self.title.setObjectName("counterTitle")
        layout.addWidget(self.value)
        layout.addWidget(self.title)

    def set_value(self, value: int) -> None:
        self.value.setText(QLocale().toString(value))  # 12.345 / 12,345 by language


# Ctrl+letter keys a line edit keeps for itself; every other Ctrl+letter (Ctrl+E,
# Ctrl+K, Ctrl+H, Ctrl+Z, Ctrl+N …) reaches the window's actions from the search field.
_EDITING_KEYS = {Qt.Key.Key_A, Qt.Key.Key_C, Qt.Key.Key_V, Qt.Key.Key_X}


def _window_shortcut(event: QKeyEvent) -> bool:
    if event.matches(QKeySequence.StandardKey.Undo):
        return True
    mods = event.modifiers()
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    key = event.key()
    is_letter = Qt.Key.Key_A.value <= key <= Qt.Key.Key_Z.value
    return ctrl and is_letter and Qt.Key(key) not in _EDITING_KEYS


class SearchField(QLineEdit):
    """The search field that keeps focus: arrows move in the result table.

    Up/Down/PageUp/PageDown are forwarded as ``navigate`` (the roster moves its
    selection); Escape clears the text. Ctrl+letter shortcuts other than select-all,
    copy, cut and paste are left to the window (Ctrl+Z "Batalkan hasil terakhir saya",
    Ctrl+E "Koreksi data", Ctrl+K, Ctrl+H …): a line edit would otherwise take them
    as editing keys, and the focus is almost always here.
    """

    navigate = Signal(int)  # +1 / -1 rows, +10 / -10 for pages

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and _window_shortcut(event)
        ):
            event.ignore()  # not overridden: the window's shortcut runs
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        steps = {
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_PageDown: 10,
            Qt.Key.Key_PageUp: -10,
        }
        if key in steps:
            self.navigate.emit(steps[Qt.Key(key)])
            event.accept()
            return
        if key == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


STRENGTH_WORDS = (
    (noop("Terlalu pendek"), "#c62828"),
    (noop("Lemah"), "#ef6c00"),
    (noop("Cukup"), "#f9a825"),
    (noop("Kuat"), "#2e7d32"),
    (noop("Sangat kuat"), "#1b5e20"),
)


class StrengthMeter(QWidget):
    """Shows how strong a password is as it is typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.label = QLabel()
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self.update_for("")

    def update_for(self, password: str) -> int:
        score = password_strength(password)
        word, color = STRENGTH_WORDS[score]
        self.bar.setValue(score)
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {color}; }}")
        self.label.setText(tr("Kekuatan kata sandi: {word}").format(word=tr(word)))
        self.label.setStyleSheet(f"color: {color};")
        return score


class ElidingLabel(QLabel):
    """A one-line label that never pushes its neighbours: long text ends in "…",
    and the whole text is in the tooltip (the status bar's messages at 1366 px)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setMinimumWidth(40)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text if text else "")
        self._elide()

    def clear(self) -> None:
        self.setText("")

    def full_text(self) -> str:
        return self._full

    def text(self) -> str:  # the whole message, as callers and tests expect
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        # within the contents (the status bar's style pads its labels by 6 px a side)
        # (2 px spare: the drawn glyphs can end a pixel past the measured advance)
        room = self.contentsRect().width() - 2 * max(0, self.margin()) - 2
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, room))
        super().setText(shown)


class WorkspaceSlot:
    """A work page given its workspace after it is built: ``MainWindow.prepare_work``
    builds the roster page and the outcome dialog while the password is typed, and the
    login sets ``workspace``; using it before then raises."""

    _workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("no workspace yet")
        return self._workspace

    @workspace.setter
    def workspace(self, ws: Workspace) -> None:
        self._workspace = ws
