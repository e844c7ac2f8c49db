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
