"""A wheel install works: the resources travel inside the package, ``--self-test`` passes.

The wheel is built from a copy of the sources in the test's temporary folder
(nothing is written into the repository, and no stale ``.qm`` can leak in: the
copy has none, so the build must compile them), then unpacked into a folder of
its own that is put first on ``PYTHONPATH``, and the app's self-test runs from
there with the working directory outside the repository.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import timing

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("setuptools") is None,
        reason="setuptools is not installed (pip install -e '.[build]'): the wheel is not tested",
    ),
]


def _copy_sources(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.qm")
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, dest / name)
    for package in ("ktpe_desktop", "ktpe_server"):
        shutil.copytree(ROOT / package, dest / package, ignore=ignore)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    _copy_sources(src)
    out = base / "out"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*command, "-q", "-w", str(out), str(src)],
        cwd=base,
        capture_output=True,
        text=True,
        timeout=timing.seconds(300),
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (found,) = out.glob("ktpe_jemput_bola-*.whl")
    return found


def test_wheel_carries_resources_licence_and_version(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in (
        "ktpe_desktop/resources/templates/berita_acara.html",
        "ktpe_desktop/resources/translations/ktpe_en.qm",
        "ktpe_desktop/resources/icons/ktpe.svg",
        "ktpe_desktop/core/data/wilayah_kemendagri_2025.csv",
        "ktpe_desktop/storage/migrations/env.py",
        "ktpe_server/migrations/env.py",
        "ktpe_server/office/static/office.css",
        "ktpe_server/office/static/office.js",
        "ktpe_server/office/templates/_file.html",
    ):
        assert rel in names, rel
    assert not any(n.endswith(".ts") for n in names), "translation sources stay out"
    meta_dir = next(n.split("/")[0] for n in names if ".dist-info/" in n)
    assert f"{meta_dir}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"{meta_dir}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    scope: dict[str, object] = {}
    exec((ROOT / "ktpe_desktop" / "__about__.py").read_text("utf-8"), scope)
    assert f"Version: {scope['__version__']}" in metadata


def test_self_test_passes_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(site)
    env.pop("KTPE_FAST_KDF", None)
    env.pop("QT_QPA_PLATFORM", None)  # --self-test chooses offscreen by itself
    where = subprocess.run(
        [sys.executable, "-c", "import ktpe_desktop.paths as p; print(p.resources_dir())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.seconds(60),
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout
    result = subprocess.run(
        [sys.executable, "-m", "ktpe_desktop", "--self-test"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timing.seconds(300),
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    assert "GAGAL" not in out
    for label in ("sumber daya", "terjemahan .qm", "PDF Berita Acara"):
        assert any(line.startswith("OK") and label in line for line in out.splitlines()), out
