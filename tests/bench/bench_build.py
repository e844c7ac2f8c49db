"""Build benchmark: the size of the one-folder build against a QtWidgets hello world.

``bench_build_size`` builds, in the same run and with the same ``build.spec``
(same excludes, same strip), the app and ``tests/bench/hello_qt.py``
(``KTPE_BUILD_NAME=hello-qt``) under ``$KTPE_BENCH_BUILD_DIR`` (default
``/tmp/ktpe-bench-build``), then reports both folder sizes (sum of file sizes,
MB = 10^6 bytes), their ratio (target ≤ 1.35, DESIGN.md), and the zipped size of the app.
Not collected by ``make test``; ``make bench`` runs it. Run alone:
``python -m tests.bench.bench_build``.

:func:`ensure_app_built` is also used by ``bench_startup`` (build if missing or
older than the sources).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build.spec"
APP_NAME = "ktpe-desktop"
HELLO_NAME = "hello-qt"
TARGET_RATIO = 1.35  # DESIGN.md: the one-folder build ≤ 1.35× a QtWidgets hello world


def build_dir() -> Path:
    return Path(os.environ.get("KTPE_BENCH_BUILD_DIR", "/tmp/ktpe-bench-build"))


def pyinstaller() -> list[str]:
    """The PyInstaller command of this interpreter's environment."""
    return [sys.executable, "-m", "PyInstaller"]


def build(name: str, dist: Path, work: Path, *, log: Path | None = None) -> Path:
    """Build ``name`` (``ktpe-desktop`` or ``hello-qt``) with build.spec into ``dist``.

    Returns:
        The built folder ``dist/<name>``.

    Raises:
        RuntimeError: PyInstaller failed (the tail of its output is in the message).
    """
    env = dict(os.environ)
    env.pop("KTPE_BUILD_ENTRY", None)
    env["KTPE_BUILD_NAME"] = name
    if name == HELLO_NAME:
        env["KTPE_BUILD_ENTRY"] = str(ROOT / "tests" / "bench" / "hello_qt.py")
    # Each build its own work folder: build.spec's work files are named after the spec.
    cmd = [
        *pyinstaller(),
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work / name),
        str(SPEC),
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if log is not None:
        log.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        raise RuntimeError(f"PyInstaller failed for {name}:\n{result.stderr[-3000:]}")
    return dist / name


def folder_bytes(folder: Path) -> int:
    """Sum of the sizes of every file under ``folder`` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def zipped_bytes(folder: Path, target: Path) -> int:
    """Size of ``folder`` zipped (deflate, level 9), as a team would copy it."""
    target.unlink(missing_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder.parent))
    size = target.stat().st_size
    target.unlink()
    return size


def executable(folder: Path, name: str = APP_NAME) -> Path:
    """The console executable of a built folder (``-cli.exe`` on Windows)."""
    if os.name == "nt":
        return folder / f"{name}-cli.exe"
    return folder / name


def _sources_newer_than(stamp: float) -> bool:
    for base in (ROOT / "ktpe_desktop",):  # the resources live inside the package
        for path in base.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.stat().st_mtime > stamp:
                return True
    return SPEC.stat().st_mtime > stamp


def ensure_app_built() -> Path:
    """The built app under the bench build folder; (re)built if missing or stale."""
    override = os.environ.get("KTPE_BENCH_APP")
    if override:
        return Path(override)
    base = build_dir()
    folder = base / "dist" / APP_NAME
    exe = executable(folder)
    if not exe.exists() or _sources_newer_than(exe.stat().st_mtime):
        base.mkdir(parents=True, exist_ok=True)
        build(APP_NAME, base / "dist", base / "work", log=base / f"{APP_NAME}.log")
    return folder


def _mb(n: int) -> float:
    return round(n / 1e6, 1)


def bench_build_size() -> list[dict[str, Any]]:
    """Build the app and the hello-world floor; report sizes, ratio and zipped size."""
    base = build_dir()
    base.mkdir(parents=True, exist_ok=True)
    dist, work = base / "dist", base / "work"
    started = time.perf_counter()
    app = build(APP_NAME, dist, work, log=base / f"{APP_NAME}.log")
    app_seconds = time.perf_counter() - started
    hello = build(HELLO_NAME, dist, work, log=base / f"{HELLO_NAME}.log")
    app_size, hello_size = folder_bytes(app), folder_bytes(hello)
    ratio = app_size / hello_size
    zipped = zipped_bytes(app, base / f"{APP_NAME}.zip")
    hello_zipped = zipped_bytes(hello, base / f"{HELLO_NAME}.zip")
    check = subprocess.run(
        [str(executable(app)), "--version"], capture_output=True, text=True, check=False
    )
    return [
        _row("build_app_folder", _mb(app_size), "MB", "-", None),
        _row("build_hello_qt_folder", _mb(hello_size), "MB", "-", None),
        _row("build_size_ratio", round(ratio, 3), "x", f"<= {TARGET_RATIO}", ratio <= TARGET_RATIO),
        _row("build_app_zipped", _mb(zipped), "MB", "-", None),
        _row("build_hello_qt_zipped", _mb(hello_zipped), "MB", "-", None),
        _row("build_app_seconds", round(app_seconds, 1), "s", "-", None),
        _row(
            "build_version_runs",
            1.0 if check.returncode == 0 else 0.0,
            "ok",
            "== 1",
            check.returncode == 0,
        ),
    ]


def _row(name: str, value: float, unit: str, target: str, ok: bool | None) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target, "ok": ok}


def main() -> int:
    rows = bench_build_size()
    for r in rows:
        flag = "" if r["ok"] is None else ("OK " if r["ok"] else "FAIL")
        print(f"{flag:4} {r['name']:28} {r['value']:>10} {r['unit']:4} target {r['target']}")
    return 0 if all(r["ok"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
