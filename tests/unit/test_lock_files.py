"""The hash-locked requirement files cover pyproject.toml (offline: no resolver here).

Each dependency that pyproject.toml declares for an extra (followed through the
self-references, markers evaluated for the file's platform) must be pinned in
that extra's lock file, at a version its specifier allows, with hashes. When a
dependency is added or its bounds change, run ``make lock`` (needs PyPI).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "ktpe-jemput-bola"
ENVIRONMENTS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
}
LOCKS = {
    "build-linux.txt": (("build",), "linux"),
    "build-windows.txt": (("build",), "windows"),
    "dev-linux.txt": (("build", "test"), "linux"),
    "dev-windows.txt": (("build", "test"), "windows"),
    "server-linux.txt": (("server",), "linux"),
}
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)")


def _declared(extras: tuple[str, ...], platform: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    env = {"python_version": "3.11", "python_full_version": "3.11.9", **ENVIRONMENTS[platform]}
    todo = [Requirement(r) for r in project["dependencies"]]
    seen_extras: set[str] = set()
    pending = list(extras)
    while pending:
        extra = pending.pop()
        if extra in seen_extras:
            continue
        seen_extras.add(extra)
        for raw in project["optional-dependencies"][extra]:
            req = Requirement(raw)
            if canonicalize_name(req.name) == PROJECT:
                pending.extend(req.extras)
            else:
                todo.append(req)
    return [r for r in todo if r.marker is None or r.marker.evaluate(env)]


def _pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    text = path.read_text("utf-8")
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


@pytest.mark.parametrize("filename", sorted(LOCKS))
def test_lock_file_pins_every_declared_dependency(filename: str) -> None:
    extras, platform = LOCKS[filename]
    path = ROOT / "requirements" / filename
    assert path.is_file(), f"{path} is missing: run `make lock`"
    pins = _pins(path)
    problems = []
    for req in _declared(extras, platform):
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{req.name} is not pinned")
        elif not req.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{req.name}=={pins[name]} does not satisfy {req.specifier}")
    assert not problems, f"{filename}: {'; '.join(problems)}: run `make lock`"


@pytest.mark.parametrize("filename", sorted(LOCKS))
def test_every_pin_has_hashes(filename: str) -> None:
    text = (ROOT / "requirements" / filename).read_text("utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 4)[-1])
    pinned = [b for b in blocks if PIN.match(b)]
    assert pinned
    for block in pinned:
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_known_bad_pyside6_and_private_openpyxl_are_bounded() -> None:
    for filename in ("build-linux.txt", "build-windows.txt"):
        pins = _pins(ROOT / "requirements" / filename)
        major_minor = tuple(int(p) for p in pins["pyside6-essentials"].split(".")[:2])
        assert major_minor < (6, 12), "PySide6 6.12 aborts on CPython 3.11 (decisions D8)"
        assert pins["openpyxl"].startswith("3.1."), "reports/export.py uses openpyxl's _writer"
