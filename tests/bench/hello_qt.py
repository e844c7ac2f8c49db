"""A QtWidgets hello world: the size floor that the build benchmark compares against."""

import sys

from PySide6.QtWidgets import QApplication, QLabel

if __name__ == "__main__":
    app = QApplication(sys.argv)
    label = QLabel("Halo")
    label.show()
    if "--quit" in sys.argv:
        sys.exit(0)
    sys.exit(app.exec())
