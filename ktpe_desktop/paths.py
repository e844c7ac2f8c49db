"""Where the app's read-only resources and its data folder live.

Resources (translations, report templates, icons) sit inside the package, in
``ktpe_desktop/resources/``: the same relative place in a source checkout, an
installed wheel (package data) and the PyInstaller build
(``<bundle>/_internal/ktpe_desktop/resources``), so one function finds them. The data folder is per user and holds only encrypted or
non-personal files (see docs/security.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding ``templates/``, ``translations/`` and ``icons/``.

    A real folder on disk in all three layouts (Qt's translator and the report
    templates want file paths, not ``importlib.resources`` traversables).
    """
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:  # PyInstaller: the datas are laid out under the bundle's root
        return Path(frozen) / "ktpe_desktop" / "resources"
    return Path(__file__).resolve().parent / "resources"


def resource(*parts: str) -> Path:
    """A file or folder inside the resources folder (``resource("icons", "ktpe.svg")``)."""
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


def audit_fallback_dir() -> Path:
    """Where audit rows wait when the data folder cannot take them (read-only or full):
    outside the data folder, per user (``KTPE_AUDIT_DIR`` overrides it). The rows hold
    no personal data (actions, school NPSNs, counts, file names)."""
    override = os.environ.get("KTPE_AUDIT_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "KTPE Jemput Bola audit"
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "ktpe-jemput-bola" / "audit"
