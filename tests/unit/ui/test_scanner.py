"""The scanner detector on its own, with a fake clock: bursts versus people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from ktpe_desktop.ui.scanner import ScanDetector


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Rig:
    """A detector on a fake clock, a text field and a button in its scope, what it saw."""

    det: ScanDetector
    clock: Clock
    note: QLineEdit
    button: QPushButton
    got: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)

    def feed(self, text: str, gap_ms: float, target: Any) -> list[bool]:
        """Keys ``gap_ms`` apart, then Enter; which of them the detector ate."""
        eaten = []
        for ch in text:
            self.clock.t += gap_ms / 1000
            eaten.append(self.det.key(ord(ch), ch, target))
        self.clock.t += gap_ms / 1000
        eaten.append(self.det.key(Qt.Key.Key_Return, "\r", target))
        return eaten


@pytest.fixture
def rig(qtbot: Any) -> Rig:
    scope = QWidget()
    qtbot.addWidget(scope)
    clock = Clock()
    made = Rig(ScanDetector(scope, clock), clock, QLineEdit(scope), QPushButton(scope))
    made.det.scanned.connect(made.got.append)
    made.det.garbled.connect(made.bad.append)
    return made


def test_a_burst_of_a_full_nisn_is_a_scan_even_in_a_text_field(rig: Rig) -> None:
    eaten = rig.feed("0061234567", 4, rig.note)
    assert rig.got == ["0061234567"]
    assert eaten[-1] is True  # Enter never reaches the dialog
    assert all(eaten[3:])  # from the 4th digit of a burst, nothing lands in the note


def test_a_person_typing_digits_into_the_note_is_not_a_scan(rig: Rig) -> None:
    eaten = rig.feed("2024", 120, rig.note)
    assert rig.got == [] and not any(eaten)


def test_a_full_number_typed_outside_a_text_field_is_a_scan(rig: Rig) -> None:
    rig.feed("3573034106060005", 90, rig.button)
    assert rig.got == ["3573034106060005"]


def test_a_cut_short_burst_is_swallowed_and_reported(rig: Rig) -> None:
    eaten = rig.feed("0061234", 3, rig.button)
    assert rig.got == [] and rig.bad == ["0061234"] and eaten[-1] is True


def test_a_slow_digit_then_a_burst_scans_the_burst_only(rig: Rig) -> None:
    rig.clock.t += 1
    rig.det.key(ord("7"), "7", rig.button)
    rig.clock.t += 0.5
    rig.feed("0061234567", 5, rig.button)
    assert rig.got == ["0061234567"]


def test_a_form_takes_a_full_number_typed_by_hand_as_typing(rig: Rig) -> None:
    rig.det.bursts_only = True
    assert not any(rig.feed("3573012345678901", 150, rig.note))  # a KK, then Enter
    assert rig.got == []
    rig.feed("0061234567", 4, rig.note)  # a scanner still is one
    assert rig.got == ["0061234567"]


def stamped(ch: str, ms: int) -> Any:
    """A key as the window system hands it over: with its own time."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    key = Qt.Key.Key_Return if ch == "\r" else ord(ch)
    event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, ch)
    event.setTimestamp(ms)
    return event


def test_a_burst_handed_over_late_is_timed_by_its_keys_own_times(rig: Rig) -> None:
    """A loaded laptop hands a scanner's keys over 60 ms apart (the handling clock
    moves on), but the window system stamped them 4 ms apart: still a scan."""
    from ktpe_desktop.ui.scanner import key_time

    eaten = []
    for i, ch in enumerate("0061234567\r"):
        rig.clock.t += 0.060
        event = stamped(ch, 5_000 + 4 * i)
        eaten.append(rig.det.key(event.key(), ch, rig.note, key_time(event)))
    assert rig.got == ["0061234567"] and eaten[-1] is True
    assert all(eaten[3:])  # a burst: from its 4th digit nothing lands in the note


def test_a_person_typing_with_stamped_keys_is_not_a_burst(rig: Rig) -> None:
    """Keys stamped 120 ms apart but handled all at once (queued behind a repaint):
    a person's digits in the note, left alone."""
    from ktpe_desktop.ui.scanner import key_time

    eaten = [
        rig.det.key(ord(ch), ch, rig.note, key_time(stamped(ch, 9_000 + 120 * i)))
        for i, ch in enumerate("1234")
    ]
    assert eaten == [False] * 4
    assert rig.det.key(Qt.Key.Key_Return, "\r", rig.note, key_time(stamped("\r", 9_500))) is False
    assert rig.got == [] and rig.bad == []


def test_key_times_on_different_clocks_are_never_compared() -> None:
    """A key with no stamp (built by the app) times on the handling clock; a gap
    between it and a stamped key means nothing, so it is never a burst."""
    from ktpe_desktop.ui.scanner import KeyTime, key_time

    assert key_time(stamped("1", 0), lambda: 2.5) == KeyTime(2500.0, False)
    assert key_time(stamped("1", 2_501), lambda: 2.5) == KeyTime(2501.0, True)
    assert not KeyTime(2501.0, True).follows_within_burst(KeyTime(2500.0, False))
    assert KeyTime(2510.0, True).follows_within_burst(KeyTime(2501.0, True))
    assert not KeyTime(2400.0, True).follows_within_burst(KeyTime(2501.0, True))  # earlier
    assert not KeyTime(2501.0, True).follows_within_burst(None)
    # The window system's 32-bit milliseconds wrap every ~49.7 days.
    assert KeyTime(2.0, True).follows_within_burst(KeyTime(2.0**32 - 3.0, True))
    assert not KeyTime(200.0, True).follows_within_burst(KeyTime(2.0**32 - 3.0, True))
