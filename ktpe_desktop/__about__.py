"""The version of KTP-el Jemput Bola: written here and nowhere else.

``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``), the desktop app, the
server and the PyInstaller build import it, so a release changes one line (and
CHANGELOG.md, and a git tag ``v<version>``). Kept free of imports so that the
build and the server can read it without loading the app.
"""

__version__ = "0.1.0"
