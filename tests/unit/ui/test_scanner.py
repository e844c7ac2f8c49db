"""The scanner detector on its own, with a fake clock: bursts versus people."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from ktpe_desktop.ui.scanner import ScanDetector


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def feed(det: ScanDetector, clock: Clock, text: str, gap_ms: float, target: Any) -> list[bool]:
    eaten = []
    for ch in text:
        clock.t += gap_ms / 1000
        eaten.append(det.key(ord(ch), ch, target))
    clock.t += gap_ms / 1000
    eaten.append(det.key(Qt.Key.Key_Return, "\r", target))
    return eaten


def test_a_burst_of_a_full_nisn_is_a_scan_even_in_a_text_field(qtbot: Any) -> None:
    scope = QWidget()
    qtbot.addWidget(scope)
    note = QLineEdit(scope)
    clock = Clock()
    det = ScanDetector(scope, clock)
    got: list[str] = []
    det.scanned.connect(got.append)
    eaten = feed(det, clock, "0061234567", 4, note)
    assert got == ["0061234567"]
    assert eaten[-1] is True  # Enter never reaches the dialog
    assert all(eaten[3:])  # from the 4th digit of a burst, nothing lands in the note


def test_a_person_typing_digits_into_the_note_is_not_a_scan(qtbot: Any) -> None:
    scope = QWidget()
    qtbot.addWidget(scope)
    note = QLineEdit(scope)
    clock = Clock()
    det = ScanDetector(scope, clock)
    got: list[str] = []
    det.scanned.connect(got.append)
    eaten = feed(det, clock, "2024", 120, note)
    assert got == [] and not any(eaten)


def test_a_full_number_typed_outside_a_text_field_is_a_scan(qtbot: Any) -> None:
    scope = QWidget()
    qtbot.addWidget(scope)
    button = QPushButton(scope)
    clock = Clock()
    det = ScanDetector(scope, clock)
    got: list[str] = []
    det.scanned.connect(got.append)
    feed(det, clock, "3573034106060005", 90, button)
    assert got == ["3573034106060005"]


def test_a_cut_short_burst_is_swallowed_and_reported(qtbot: Any) -> None:
    scope = QWidget()
    qtbot.addWidget(scope)
    button = QPushButton(scope)
    clock = Clock()
    det = ScanDetector(scope, clock)
    got: list[str] = []
    bad: list[str] = []
    det.scanned.connect(got.append)
    det.garbled.connect(bad.append)
    eaten = feed(det, clock, "0061234", 3, button)
    assert got == [] and bad == ["0061234"] and eaten[-1] is True


def test_a_slow_digit_then_a_burst_scans_the_burst_only(qtbot: Any) -> None:
    scope = QWidget()
    qtbot.addWidget(scope)
    button = QPushButton(scope)
    clock = Clock()
    det = ScanDetector(scope, clock)
    got: list[str] = []
    det.scanned.connect(got.append)
    clock.t += 1
    det.key(ord("7"), "7", button)
    clock.t += 0.5
    feed(det, clock, "0061234567", 5, button)
    assert got == ["0061234567"]
