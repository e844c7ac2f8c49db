"""``make run``'s check of the system libraries that Qt's xcb plugin needs."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest

from ktpe_desktop import qt_system_libs as q

LDD = """\
\tlinux-vdso.so.1 (0x00007f38c3778000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f38c35bf000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibEGL.so.1 => not found
\tlibweird.so.9 => not found
\tlibxcb-icccm.so.4 => not found
"""


def test_missing_sonames_are_read_from_ldd_once_each() -> None:
    assert q.missing_sonames(LDD) == [
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libEGL.so.1",
        "libweird.so.9",
    ]


def test_sonames_map_to_debian_packages() -> None:
    packages, unknown = q.packages_for(q.missing_sonames(LDD))
    assert packages == ["libxcb-icccm4", "libxcb-keysyms1", "libegl1"]
    assert unknown == ["libweird.so.9"]
    # the libraries the README lists are all known
    for soname in ("libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libxcb-xinerama.so.0",
                   "libfontconfig.so.1", "libdbus-1.so.3", "libxcb-render-util.so.0"):  # fmt: skip
        assert soname in q.PACKAGES


class FakeRun:
    def __init__(self, ldd_out: str) -> None:
        self.ldd_out = ldd_out
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str], **_kw: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(args))
        out = self.ldd_out if args[0].endswith("ldd") else ""
        return subprocess.CompletedProcess(args, 0, stdout=out, stderr="")


@pytest.fixture
def linux(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> FakeRun:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(q.sys, "platform", "linux")
    monkeypatch.setattr(q, "xcb_plugin", lambda: plugin)
    monkeypatch.setattr(q, "has_fonts", lambda: True)
    monkeypatch.setattr(q.shutil, "which", lambda name: f"/usr/bin/{name}")
    fake = FakeRun(LDD.replace("libweird.so.9 => not found", ""))
    monkeypatch.setattr(q.subprocess, "run", fake)
    return fake


def test_not_root_prints_the_one_line_and_fails(linux: FakeRun, monkeypatch: Any) -> None:
    monkeypatch.setattr(q.os, "geteuid", lambda: 1000, raising=False)
    out = io.StringIO()
    assert q.check(install=True, out=out) == 1
    assert (
        "sudo apt-get install -y --no-install-recommends libxcb-icccm4 libxcb-keysyms1 libegl1"
        in out.getvalue()
    )
    assert not any(c[0].endswith("apt-get") for c in linux.calls), "nothing installed"


def test_root_with_install_runs_apt_get(linux: FakeRun, monkeypatch: Any) -> None:
    monkeypatch.setattr(q.os, "geteuid", lambda: 0, raising=False)
    assert q.check(install=True, out=io.StringIO()) == 0
    apt = [c for c in linux.calls if c[0].endswith("apt-get")]
    assert apt[0][1] == "update"
    assert apt[1][1] == "install" and apt[1][-3:] == ["libxcb-icccm4", "libxcb-keysyms1", "libegl1"]


def test_nothing_missing_is_silent(linux: FakeRun) -> None:
    linux.ldd_out = "\tlibxcb.so.1 => /lib/libxcb.so.1 (0x1)\n"
    out = io.StringIO()
    assert q.check(install=True, out=out) == 0
    assert out.getvalue() == ""


def test_no_fonts_adds_a_font_package(linux: FakeRun, monkeypatch: Any) -> None:
    linux.ldd_out = ""
    monkeypatch.setattr(q, "has_fonts", lambda: False)
    monkeypatch.setattr(q.os, "geteuid", lambda: 1000, raising=False)
    out = io.StringIO()
    assert q.check(out=out) == 1
    assert q.FONT_PACKAGE in out.getvalue()


def test_windows_is_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(q.sys, "platform", "win32")
    assert q.check(install=True) == 0


@pytest.mark.skipif(not q.sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_the_real_plugin_is_found() -> None:
    plugin = q.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
