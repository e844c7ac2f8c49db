"""Build the ``.qm`` translation catalogues from the committed ``.ts`` sources.

``python -m ktpe_desktop.ui.i18n_build`` runs ``lrelease`` (shipped inside the
PySide6 wheel) on every ``ktpe_desktop/resources/translations/*.ts`` whose ``.qm`` is missing
or older than its source, so it is fast and safe to run again (``make run`` and
``make test`` call it). The ``.qm`` files are build products: git ignores them,
the PyInstaller build ships them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ktpe_desktop.paths import resource


def lrelease_command() -> list[str] | None:
    """The command that runs Qt's ``lrelease``, or None when it is not installed."""
    try:
        import PySide6

        base = Path(PySide6.__file__).resolve().parent
        for name in ("lrelease", "lrelease.exe"):
            candidate = base / name
            if candidate.exists():
                return [str(candidate)]
    except ImportError:  # pragma: no cover - PySide6 is a dependency of the UI
        pass
    found = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    return [found] if found else None


def stale(ts: Path) -> bool:
    qm = ts.with_suffix(".qm")
    return not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime


def build(directory: Path | None = None, *, force: bool = False) -> list[Path]:
    """Compile every stale ``.ts`` in ``directory``; returns the ``.qm`` files written.

    Raises:
        RuntimeError: ``lrelease`` is missing or failed.
    """
    directory = directory or resource("translations")
    written: list[Path] = []
    todo = [ts for ts in sorted(directory.glob("*.ts")) if force or stale(ts)]
    if not todo:
        return written
    command = lrelease_command()
    if command is None:
        raise RuntimeError("lrelease not found (install PySide6)")
    for ts in todo:
        qm = ts.with_suffix(".qm")
        result = subprocess.run(
            [*command, "-silent", str(ts), "-qm", str(qm)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not qm.exists():
            raise RuntimeError(f"lrelease failed for {ts.name}: {result.stderr.strip()}")
        written.append(qm)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        written = build(force="--force" in argv)
    except RuntimeError as exc:
        print(f"i18n_build: {exc}", file=sys.stderr)
        return 1
    for qm in written:
        print(f"i18n_build: wrote {qm.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
