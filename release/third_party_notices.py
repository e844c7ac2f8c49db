"""THIRD-PARTY-NOTICES.txt: the licences of everything the built app ships.

Gathered from the installed distributions' metadata (licence expression or
field, classifiers) and their licence files (``*.dist-info/licenses/…``,
``LICENSE*``, ``COPYING*``, ``NOTICE*``), plus the components that wheels embed
without a distribution of their own (Qt in PySide6, SQLCipher/SQLite/OpenSSL in
sqlcipher3 and cryptography, CPython itself). build.spec writes it for exactly
the distributions whose modules or files went into the bundle, and ships it
beside the executable; ``python -m release.third_party_notices OUT`` writes it
for every distribution of the environment (a review copy).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import sys
from collections.abc import Iterable
from pathlib import Path

OWN = "ktpe-jemput-bola"
# Verbatim licence texts that the embedded components need and their wheels lack
# (Qt: LGPL-3.0, which builds on GPL-3.0; OpenSSL: Apache-2.0).
LICENCES = Path(__file__).resolve().parent / "licenses"
# Tools that run during the build and ship nothing.
BUILD_ONLY = {
    "pyinstaller",
    "pyinstaller-hooks-contrib",
    "altgraph",
    "pefile",
    "pywin32-ctypes",
    "macholib",
    "setuptools",
    "wheel",
    "pip",
    "packaging",
    "uv",
}
LICENCE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.IGNORECASE)
EMBEDDED = """\
Components embedded in the wheels above
=======================================

* Qt 6 (in PySide6-Essentials / shiboken6): GNU Lesser General Public License v3
  (LGPL-3.0-only), https://www.qt.io/licensing/ . The Qt libraries are shipped as
  separate shared libraries (Qt6*.dll / libQt6*.so) in this folder and may be
  replaced by the user with compatible builds; the source of Qt is at
  https://download.qt.io/official_releases/qt/ and of PySide6 at
  https://code.qt.io/cgit/pyside/pyside-setup.git/ .
* SQLCipher (in sqlcipher3): BSD-3-Clause, Copyright (c) 2008-2024 Zetetic LLC,
  https://www.zetetic.net/sqlcipher/license/ . SQLite itself is in the public
  domain (https://sqlite.org/copyright.html).
* OpenSSL (statically linked in sqlcipher3 and cryptography): Apache License 2.0,
  https://www.openssl.org/source/license.html .
* CPython 3.11 (the interpreter and its standard library): Python Software
  Foundation License Version 2, https://docs.python.org/3/license.html .
"""


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def licence_of(dist: md.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    field = (meta.get("License") or "").strip()
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    if field and len(field) < 100 and "\n" not in field:
        return field
    if classifiers:
        return ", ".join(classifiers)
    return field.splitlines()[0] if field else "see the licence text below"


def licence_texts(dist: md.Distribution) -> list[tuple[str, str]]:
    """(path, text) of the licence files a distribution installed (not .py files)."""
    texts: list[tuple[str, str]] = []
    for file in dist.files or []:
        path = str(file)
        if path.endswith((".py", ".pyc", ".pyi")) or not LICENCE_FILE.search(path):
            continue
        try:
            text = Path(str(file.locate())).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        texts.append((path, text))
    return texts


def shipped(names: Iterable[str]) -> list[md.Distribution]:
    """The installed distributions of ``names`` (our own and build tools left out)."""
    wanted = {_norm(n) for n in names} - BUILD_ONLY - {OWN}
    found: dict[str, md.Distribution] = {}
    for dist in md.distributions():
        name = _norm(dist.metadata["Name"] or "")
        if name in wanted and name not in found:
            found[name] = dist
    return [found[n] for n in sorted(found)]


def distributions_of_modules(top_level: Iterable[str]) -> set[str]:
    """Distribution names that provide the given top-level import names."""
    mapping = md.packages_distributions()
    names: set[str] = set()
    for module in top_level:
        for dist in mapping.get(module, ()):
            names.add(dist)
    return names


def render(dists: list[md.Distribution]) -> str:
    lines = [
        "KTP-el Jemput Bola: third-party notices",
        "=======================================",
        "",
        "KTP-el Jemput Bola itself is under the MIT License (LICENSE.txt). It ships the",
        "following third-party software, each under its own licence:",
        "",
    ]
    for dist in dists:
        lines.append(f"* {dist.metadata['Name']} {dist.version}: {licence_of(dist)}")
    lines += ["", EMBEDDED]
    for name in sorted(p.name for p in LICENCES.glob("*.txt")):
        lines += ["", "-" * 78, f"Full text: {name[:-4]}", "-" * 78]
        lines.append((LICENCES / name).read_text("utf-8").rstrip())
    for dist in dists:
        title = f"{dist.metadata['Name']} {dist.version}"
        lines += ["", "-" * 78, title, "-" * 78]
        texts = licence_texts(dist)
        if not texts:
            lines.append(f"Licence: {licence_of(dist)} (no licence file in the distribution)")
        for path, text in texts:
            lines += [f"[{path}]", text.rstrip(), ""]
    return "\n".join(lines) + "\n"


def write(dists: list[md.Distribution], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(dists), "utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m release.third_party_notices")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    every = [_norm(d.metadata["Name"] or "") for d in md.distributions()]
    write(shipped(every), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
