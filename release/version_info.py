"""The Windows file version resource of the executables (Explorer → Properties → Details).

build.spec passes :func:`version_info` to PyInstaller's ``EXE(version=...)`` on
Windows, built from the one version in ``ktpe_desktop/__about__.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = "KTP-el Jemput Bola"
COMPANY = "Dinas Kependudukan dan Pencatatan Sipil Kota Malang"


def source_version() -> str:
    """The version written in ``ktpe_desktop/__about__.py`` (read, not imported)."""
    text = (ROOT / "ktpe_desktop" / "__about__.py").read_text("utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise ValueError("no __version__ in ktpe_desktop/__about__.py")
    return match.group(1)


def numeric(version: str) -> tuple[int, int, int, int]:
    """``0.2.1rc1`` → ``(0, 2, 1, 0)``: Windows wants four 16-bit numbers."""
    parts = [int(p) for p in re.findall(r"\d+", version.split("+")[0])[:3]]
    while len(parts) < 4:
        parts.append(0)
    return (parts[0], parts[1], parts[2], parts[3])


def version_info(version: str, exe_name: str, description: str) -> Any:
    """A PyInstaller ``VSVersionInfo`` for one executable."""
    from PyInstaller.utils.win32 import versioninfo as vi

    nums = numeric(version)
    strings = [
        vi.StringStruct("CompanyName", COMPANY),
        vi.StringStruct("FileDescription", description),
        vi.StringStruct("FileVersion", version),
        vi.StringStruct("InternalName", exe_name),
        vi.StringStruct("LegalCopyright", "MIT License, see LICENSE and THIRD-PARTY-NOTICES.txt"),
        vi.StringStruct("OriginalFilename", f"{exe_name}.exe"),
        vi.StringStruct("ProductName", PRODUCT),
        vi.StringStruct("ProductVersion", version),
    ]
    return vi.VSVersionInfo(
        ffi=vi.FixedFileInfo(filevers=nums, prodvers=nums),
        kids=[
            vi.StringFileInfo([vi.StringTable("040904B0", strings)]),
            vi.VarFileInfo([vi.VarStruct("Translation", [0x0409, 1200])]),
        ],
    )
