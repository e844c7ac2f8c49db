"""A calm look that stays readable on a 1366×768 laptop screen for hours."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

STYLESHEET = """
QMainWindow, QDialog { background: #fafafa; }
QTableView {
    background: #ffffff; alternate-background-color: #f5f7f9;
    gridline-color: #e0e4e8; selection-background-color: #1565c0;
    selection-color: #ffffff;
}
QHeaderView::section {
    background: #eceff1; color: #263238; padding: 4px 6px; border: none;
    border-right: 1px solid #cfd8dc; border-bottom: 1px solid #cfd8dc; font-weight: bold;
}
QLineEdit#searchField {
    font-size: 17px; padding: 6px 10px; border: 2px solid #1565c0; border-radius: 6px;
    background: #ffffff;
}
QFrame#counterTile { background: #ffffff; border: 1px solid #dfe3e7; border-radius: 8px; }
QLabel#counterValue { font-size: 26px; font-weight: bold; }
QLabel#counterTitle { color: #546e7a; font-size: 12px; }
QLabel#schoolTitle { font-size: 18px; font-weight: bold; color: #263238; }
QLabel#studentName { font-size: 26px; font-weight: bold; color: #102027; }
QLabel#pageTitle { font-size: 20px; font-weight: bold; color: #263238; }
QLabel#dateLabel { color: #546e7a; font-size: 13px; }
QLabel#demoBanner {
    background: #fff8e1; border: 1px solid #ffca28; border-radius: 6px; padding: 8px;
    color: #5d4037;
}
QLabel#warningBanner {
    background: #fff3e0; border: 1px solid #fb8c00; border-radius: 6px; padding: 6px 8px;
    color: #6d4c41;
}
QLabel#infoBanner {
    background: #e3f2fd; border: 1px solid #64b5f6; border-radius: 6px; padding: 6px 8px;
    color: #0d47a1;
}
QLabel#errorText { color: #c62828; }
QLabel#warnText { color: #e65100; }
QLabel#okText { color: #2e7d32; }
QPushButton { padding: 5px 12px; }
QPushButton#outcomeButton {
    text-align: left; padding: 8px 12px; font-size: 14px; border: 1px solid #b0bec5;
    border-radius: 6px; background: #ffffff;
}
QPushButton#outcomeButton:checked { background: #e3f2fd; border: 2px solid #1565c0; }
QPushButton#outcomeButton:focus { border: 2px solid #1565c0; }
QPushButton#primaryButton {
    background: #1565c0; color: white; border-radius: 6px; padding: 7px 16px; font-weight: bold;
}
QPushButton#primaryButton:disabled { background: #90a4ae; }
QLabel#onlineDot { font-weight: bold; }
QStatusBar QLabel { padding: 0 6px; }
QLabel#toast { color: #1b5e20; font-weight: bold; }
QLabel#problemLabel { color: #c62828; }
"""


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    font = QFont("DejaVu Sans")
    font.setPointSize(10)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
