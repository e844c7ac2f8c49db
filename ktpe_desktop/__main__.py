"""``python -m ktpe_desktop`` and the PyInstaller entry point."""

import sys

from ktpe_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
