"""The app icon: drawn as SVG (``ktpe_desktop/resources/icons/ktpe.svg``), rasterised by Qt.

``python -m ktpe_desktop.ui.icons`` regenerates ``ktpe.png`` (256 px) and
``ktpe.ico`` (16–256 px) from the SVG; both are committed for the PyInstaller
build (Windows wants an .ico for the executable).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from ktpe_desktop.paths import resource


def app_icon() -> QIcon:
    icon = QIcon()
    svg = resource("icons", "ktpe.svg")
    png = resource("icons", "ktpe.png")
    if svg.exists():
        icon.addFile(str(svg))
    if png.exists():
        icon.addFile(str(png), QSize(256, 256))
    return icon


def render(size: int) -> QImage:
    renderer = QSvgRenderer(str(resource("icons", "ktpe.svg")))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def build_icons() -> None:
    render(256).save(str(resource("icons", "ktpe.png")), b"PNG")
    # Qt's ICO writer stores one image; 256 px is what Windows scales from.
    render(256).save(str(resource("icons", "ktpe.ico")), b"ICO")


if __name__ == "__main__":
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    build_icons()
    print("icons written")
