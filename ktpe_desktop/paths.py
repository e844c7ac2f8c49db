"""Where the app's read-only resources and its data folder live.

Resources (translations, report templates, icons) sit in ``resources/`` at the
repository root when running from source, and in ``<bundle>/resources`` in the
PyInstaller build. The data folder is per user and holds only encrypted or
non-personal files (see docs/security.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding ``templates/``, ``translations/`` and ``icons/``."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def default_data_dir() -> Path:
    """The per-user data folder (``KTPE_DATA_DIR`` overrides it)."""
    override = os.environ.get("KTPE_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "KTPE Jemput Bola"
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "ktpe-jemput-bola"
