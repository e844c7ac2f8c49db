"""Release tooling that runs here: the Windows installer script agrees with the app,
the Windows version resource, the third-party notices, the Linux menu entry; and
the Windows data folder (platform mocked: the path logic is the same code)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import pytest

from ktpe_desktop import paths
from release import third_party_notices as tpn
from release.version_info import numeric, source_version

ROOT = Path(__file__).resolve().parents[2]
ISS = (ROOT / "release" / "windows" / "ktpe.iss").read_text("utf-8")


def _define(name: str) -> str:
    match = re.search(rf'^#define {name} "([^"]+)"', ISS, re.MULTILINE)
    assert match, name
    return match.group(1)


def test_windows_data_folder_is_the_one_the_uninstaller_knows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KTPE_DATA_DIR", raising=False)
    monkeypatch.setattr(paths.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    folder = paths.default_data_dir()
    assert folder == tmp_path / "Local" / _define("DataFolder")
    assert "{localappdata}\\{#DataFolder}" in ISS


def test_installer_script_is_per_machine_and_keeps_data_unless_asked() -> None:
    assert _define("AppExe") == "ktpe-desktop.exe"  # build.spec's NAME + .exe
    assert re.search(r"^PrivilegesRequired=admin$", ISS, re.MULTILINE)
    assert "{autopf}" in ISS and "{autoprograms}" in ISS and "{autodesktop}" in ISS
    assert 'Source: "..\\..\\dist\\ktpe-desktop\\*"' in ISS
    assert "CloseApplications=yes" in ISS
    # the data folder is deleted only when the user says yes (default No) or /DELETEDATA
    assert "MB_DEFBUTTON2" in ISS and "/DELETEDATA" in ISS
    assert re.search(r"if DirExists\(DataDir\) and WantsDataDeleted\(\) then", ISS)
    # the AppId never changes (upgrades find the installed copy by it)
    assert "AppId={{6B0D3E52-7C1A-4E8B-9F52-2D6A3C0B5E17}" in ISS


def test_version_resource_numbers() -> None:
    assert numeric("0.2.1rc1") == (0, 2, 1, 0)
    assert numeric("1.10") == (1, 10, 0, 0)
    assert source_version() == __import__("ktpe_desktop").__version__


@pytest.mark.skipif(
    importlib.util.find_spec("pefile") is None,
    reason="PyInstaller's version resource needs pefile, installed on Windows only (CI runs it)",
)
def test_version_resource_carries_the_version() -> None:
    from release.version_info import version_info

    text = str(version_info("0.2.0", "ktpe-desktop", "KTP-el Jemput Bola"))
    assert "filevers=(0, 2, 0, 0)" in text
    assert "'ProductVersion', '0.2.0'" in text
    assert "'OriginalFilename', 'ktpe-desktop.exe'" in text


def test_third_party_notices_name_licences_and_embedded_components(tmp_path: Path) -> None:
    names = tpn.distributions_of_modules({"sqlalchemy", "cryptography", "PyInstaller"})
    dists = tpn.shipped(names)
    shipped = {tpn._norm(d.metadata["Name"]) for d in dists}
    assert {"sqlalchemy", "cryptography"} <= shipped
    assert "pyinstaller" not in shipped  # a build tool ships nothing
    out = tpn.write(dists, tmp_path / "THIRD-PARTY-NOTICES.txt")
    text = out.read_text("utf-8")
    assert "* SQLAlchemy " in text and ": MIT" in text
    assert "Apache-2.0" in text  # cryptography, and OpenSSL's full text
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in text  # Qt's LGPL, in full
    assert "SQLCipher" in text and "Zetetic" in text


@pytest.mark.skipif(os.name == "nt", reason="a Linux install script (bash)")
def test_linux_install_script_puts_app_menu_entry_and_icon(tmp_path: Path) -> None:
    dist = tmp_path / "dist" / "ktpe-desktop"
    dist.mkdir(parents=True)
    exe = dist / "ktpe-desktop"
    exe.write_text("#!/bin/sh\necho ktpe-desktop 0.0.0\n")
    exe.chmod(0o755)
    env = dict(
        os.environ,
        KTPE_PREFIX=str(tmp_path / "opt" / "ktpe"),
        KTPE_APPS_DIR=str(tmp_path / "apps"),
        KTPE_ICONS_DIR=str(tmp_path / "icons"),
    )
    script = ROOT / "release" / "linux" / "install.sh"
    done = subprocess.run(["bash", str(script), str(dist)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    desktop = (tmp_path / "apps" / "ktpe-jemput-bola.desktop").read_text("utf-8")
    assert f"Exec={tmp_path / 'opt' / 'ktpe'}/ktpe-desktop %F" in desktop
    assert (tmp_path / "icons" / "256x256" / "apps" / "ktpe-jemput-bola.png").is_file()
    assert (tmp_path / "opt" / "ktpe" / "ktpe-desktop").is_file()
    gone = subprocess.run(["bash", str(script), "--uninstall"], env=env, capture_output=True)
    assert gone.returncode == 0
    assert not (tmp_path / "opt" / "ktpe").exists()
