"""Build hook: compile the Qt translation catalogues into the wheel.

Everything else is declared in pyproject.toml. The ``.qm`` files are build
products (git ignores them): ``build_py`` compiles every stale
``ktpe_desktop/resources/translations/*.ts`` with Qt's ``lrelease`` (shipped in the
PySide6 wheel) before copying the package data, so a wheel built from a clean
checkout carries them. Build the wheel from an environment that has PySide6
(``make wheel`` does: ``pip wheel --no-build-isolation``); an isolated build
without it stops with a clear message rather than ship an app without its
translations. Editable installs read the source tree and are left alone.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "ktpe_desktop" / "resources" / "translations"


def _lrelease() -> list[str] | None:
    try:
        import PySide6  # only the build environment may have it

        base = Path(PySide6.__file__).resolve().parent
        for name in ("lrelease", "lrelease.exe"):
            if (base / name).exists():
                return [str(base / name)]
    except ImportError:
        pass
    found = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    return [found] if found else None


def compile_translations() -> None:
    sources = sorted(TRANSLATIONS.glob("*.ts"))
    stale = [
        ts
        for ts in sources
        if not ts.with_suffix(".qm").exists()
        or ts.with_suffix(".qm").stat().st_mtime < ts.stat().st_mtime
    ]
    if not stale:
        return
    command = _lrelease()
    if command is None:
        raise SystemExit(
            "setup.py: Qt's lrelease is not available to compile "
            + ", ".join(ts.name for ts in stale)
            + ": run `make translations` first, or build the wheel with "
            "`pip wheel --no-build-isolation` from an environment that has PySide6 "
            "(`make wheel`)."
        )
    for ts in stale:
        subprocess.run(
            [*command, "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True
        )


class BuildPyWithTranslations(build_py):
    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            compile_translations()
        super().run()


setup(cmdclass={"build_py": BuildPyWithTranslations})
