"""The frozen build works: PyInstaller builds build.spec, ``--self-test`` passes on it.

Builds into the test's temporary folder (never the repository's ``dist/``), so it
can run beside a developer's ``make build``. Skipped, with the reason, when
PyInstaller is not installed (``pip install -e '.[build]'``). About a minute on
a 2-core laptop.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import timing

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        importlib.util.find_spec("PyInstaller") is None,
        reason="PyInstaller is not installed (pip install -e '.[build]'): the build is not tested",
    ),
]


def _source_version() -> str:
    scope: dict[str, object] = {}
    exec((ROOT / "ktpe_desktop" / "__about__.py").read_text("utf-8"), scope)
    return str(scope["__version__"])


@pytest.fixture(scope="module")
def built_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("build")
    env = dict(os.environ)
    for key in ("KTPE_BUILD_NAME", "KTPE_BUILD_ENTRY", "KTPE_BUILD_DEMO_SERVER"):
        env.pop(key, None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(base / "dist"),
            "--workpath",
            str(base / "work"),
            str(ROOT / "build.spec"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.seconds(480),
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    folder = base / "dist" / "ktpe-desktop"
    assert folder.is_dir()
    return folder


def _exe(folder: Path) -> Path:
    return folder / ("ktpe-desktop-cli.exe" if os.name == "nt" else "ktpe-desktop")


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("KTPE_FAST_KDF", None)  # the built app as a laptop runs it
    env.pop("QT_QPA_PLATFORM", None)  # --self-test chooses offscreen by itself
    return subprocess.run(
        [str(_exe(folder)), *args],
        cwd=folder.parent,  # not the repository: nothing may come from the source tree
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.seconds(180),
        check=False,
    )


def test_self_test_passes_on_the_built_folder(built_app: Path) -> None:
    result = _run(built_app, "--self-test")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    assert "GAGAL" not in out
    for label in (
        "sumber daya",
        "basis data terenkripsi",
        "tulis dan baca peristiwa",
        "PDF Berita Acara",
        "jendela utama (offscreen)",
        "terjemahan .qm",
        "folder sementara dihapus",
    ):
        assert any(line.startswith("OK") and label in line for line in out.splitlines()), (
            label,
            out,
        )
    assert "UJI MANDIRI LULUS" in out


def test_version_is_the_one_of_the_source(built_app: Path) -> None:
    result = _run(built_app, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ktpe-desktop {_source_version()}"


def test_build_ships_resources_and_migrations(built_app: Path) -> None:
    internal = built_app / "_internal"
    for rel in (
        "ktpe_desktop/resources/templates/berita_acara.html",
        "ktpe_desktop/resources/translations/ktpe_en.qm",
        "ktpe_desktop/resources/icons/ktpe.svg",
        "ktpe_desktop/core/data/wilayah_kemendagri_2025.csv",
        "ktpe_desktop/core/data/name_variants.csv",
        "ktpe_desktop/storage/migrations/env.py",
    ):
        assert (internal / rel).is_file(), rel
    assert list((internal / "ktpe_desktop/storage/migrations/versions").glob("0001_*.py"))
    # no translation sources, no Qt Quick/WebEngine
    assert not list(internal.rglob("*.ts"))
    assert not list(internal.rglob("*Qt6Quick*"))
    assert not list(internal.rglob("*Qt6WebEngine*"))
