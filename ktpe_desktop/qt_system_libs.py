"""Are the system libraries that Qt's X11 (xcb) platform plugin needs installed?

The PySide6 wheel brings Qt itself but not the X11/GL/font libraries of the
desktop: on a fresh Debian or Ubuntu desktop ``make run`` then dies with
"could not load the Qt platform plugin xcb". ``ldd`` on the plugin names every
shared library it cannot find; each maps to the Debian package that ships it.

``python -m ktpe_desktop.qt_system_libs`` prints what is missing and the one
``apt-get`` line that installs it (exit 1), or nothing (exit 0);
``--install`` runs that line itself when it runs as root (``make run`` does).
Only Linux is checked: the Windows build ships every DLL it needs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

# soname -> Debian/Ubuntu package (the same names on Debian 12/13, Ubuntu 22.04/24.04;
# apt resolves the 64-bit-time renames such as libglib2.0-0 -> libglib2.0-0t64).
PACKAGES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libpng16.so.16": "libpng16-16",
}
# What `make run` needs beyond the plugin's own libraries: at least one font.
FONT_PACKAGE = "fonts-dejavu-core"


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the installed PySide6, or None."""
    try:
        import PySide6
    except ImportError:
        return None
    base = Path(PySide6.__file__).resolve().parent
    for candidate in (
        base / "Qt" / "plugins" / "platforms" / "libqxcb.so",
        base / "plugins" / "platforms" / "libqxcb.so",
    ):
        if candidate.exists():
            return candidate
    return None


def missing_sonames(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as ``not found`` (each once, in order)."""
    seen: list[str] = []
    for line in ldd_output.splitlines():
        if "=> not found" in line:
            name = line.split("=>", 1)[0].strip()
            if name and name not in seen:
                seen.append(name)
    return seen


def packages_for(sonames: Sequence[str]) -> tuple[list[str], list[str]]:
    """(Debian packages to install, sonames we cannot map) for the missing libraries."""
    packages: list[str] = []
    unknown: list[str] = []
    for name in sonames:
        package = PACKAGES.get(name)
        if package is None:
            unknown.append(name)
        elif package not in packages:
            packages.append(package)
    return packages, unknown


def has_fonts() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True  # cannot tell: fontconfig itself is checked through ldd
    result = subprocess.run([fc_list], capture_output=True, text=True, timeout=60, check=False)
    return bool(result.stdout.strip())


def _is_root() -> bool:
    geteuid = getattr(os, "geteuid", None)  # POSIX only
    return bool(geteuid is not None and geteuid() == 0)


def apt_command(packages: Sequence[str]) -> str:
    """The one line that installs ``packages`` (``sudo`` unless we are root)."""
    sudo = "" if _is_root() else "sudo "
    return sudo + "apt-get install -y --no-install-recommends " + " ".join(packages)


def missing() -> tuple[list[str], list[str]] | None:
    """(packages to install, libraries without a known package) that Qt's X11 plugin
    lacks here; None when it cannot be told (no plugin or no ``ldd``)."""
    plugin = xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return None
    result = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=60)
    packages, unknown = packages_for(missing_sonames(result.stdout))
    if not has_fonts():
        packages.append(FONT_PACKAGE)
    return packages, unknown


def check(*, install: bool = False, out: TextIO | None = None) -> int:
    """Print what is missing; with ``install`` and root, apt-get it. Returns an exit code."""
    stream = out if out is not None else sys.stdout
    if not sys.platform.startswith("linux"):
        return 0
    found = missing()
    if found is None:
        print("qt_system_libs: PySide6's xcb plugin or ldd not found; not checked", file=stream)
        return 0
    packages, unknown = found
    if unknown:
        print(
            "qt_system_libs: missing libraries without a known package: " + ", ".join(unknown),
            file=stream,
        )
    if not packages:
        return 1 if unknown else 0
    print(
        "Qt's X11 platform plugin needs system libraries that are not installed:\n  "
        + " ".join(packages),
        file=stream,
    )
    apt = shutil.which("apt-get")
    if install and apt is not None and _is_root():
        print("Installing them with apt-get ...", file=stream)
        for args in (
            [apt, "update", "-q"],
            [apt, "install", "-y", "-q", "--no-install-recommends", *packages],
        ):
            done = subprocess.run(
                args, check=False, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            )
            if done.returncode != 0 and args[1] == "install":
                print("apt-get failed: install them by hand, then run again.", file=stream)
                return 1
        return 1 if unknown else 0
    print(
        "Install them with this one line, then run again:\n  " + apt_command(packages), file=stream
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ktpe_desktop.qt_system_libs")
    parser.add_argument(
        "--install", action="store_true", help="apt-get install what is missing (as root)"
    )
    args = parser.parse_args(argv)
    return check(install=args.install)


if __name__ == "__main__":
    sys.exit(main())
