"""The layering rules of DESIGN.md, made mechanical.

ruff's banned-api is global, so the per-package rules are checked here by
parsing every module's imports (including imports inside functions).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package (path prefix) -> top-level modules it must never import
RULES: dict[str, tuple[str, ...]] = {
    "ktpe_desktop/core": (
        "PySide6",
        "shiboken6",
        "sqlalchemy",
        "alembic",
        "requests",
        "urllib3",
        "sqlcipher3",
        "openpyxl",
        "fastapi",
        "ktpe_desktop.storage",
        "ktpe_desktop.services",
        "ktpe_desktop.ui",
        "ktpe_desktop.sync",
        "ktpe_desktop.imports",
        "ktpe_desktop.reports",
        "ktpe_server",
        "ktpe_desktop.hub",
    ),
    "ktpe_desktop/storage": (
        "PySide6",
        "shiboken6",
        "requests",
        "ktpe_desktop.ui",
        "ktpe_desktop.services",
        "ktpe_desktop.sync",
        "ktpe_server",
        "ktpe_desktop.hub",
    ),
    "ktpe_desktop/sync": (
        "PySide6",
        "shiboken6",
        "ktpe_desktop.ui",
        "ktpe_desktop.services",
        "ktpe_server",
        "ktpe_desktop.hub",
    ),
    "ktpe_desktop/imports": (
        "PySide6",
        "shiboken6",
        "sqlalchemy",
        "requests",
        "ktpe_desktop.ui",
        "ktpe_desktop.storage",
        "ktpe_desktop.services",
        "ktpe_server",
        "ktpe_desktop.hub",
    ),
    "ktpe_desktop/services": ("PySide6", "shiboken6", "ktpe_desktop.ui", "ktpe_server"),
    # The school hub runs the reference server inside the laptop (docs/decisions.md):
    # the one desktop package allowed to import ktpe_server; no Qt, no UI, no services.
    "ktpe_desktop/hub": (
        "PySide6",
        "shiboken6",
        "ktpe_desktop.ui",
        "ktpe_desktop.services",
    ),
    "ktpe_desktop/ui": (
        "sqlalchemy",
        "requests",
        "sqlcipher3",
        "ktpe_desktop.storage",
        "ktpe_desktop.sync.client",
    ),
    "ktpe_server": (
        "PySide6",
        "shiboken6",
        "ktpe_desktop.storage",
        "ktpe_desktop.ui",
        "ktpe_desktop.services",
        "ktpe_desktop.sync",
        "sqlcipher3",
        "requests",
        "ktpe_desktop.hub",
    ),
}

# The Qt adapter of the sync engine and the Qt report renderer are the two
# documented exceptions (docs/decisions.md): they live in the package they adapt.
ALLOWED_FILES = {
    "ktpe_desktop/sync/qt.py": {"PySide6"},
    "ktpe_desktop/reports/render.py": {"PySide6"},
    "ktpe_desktop/reports/printing.py": {"PySide6"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _cases() -> list[tuple[str, str]]:
    cases = []
    for prefix in RULES:
        for path in sorted((ROOT / prefix).rglob("*.py")):
            cases.append((prefix, str(path.relative_to(ROOT))))
    return cases


@pytest.mark.parametrize(("prefix", "module"), _cases())
def test_module_respects_layering(prefix: str, module: str) -> None:
    banned = RULES[prefix]
    allowed = ALLOWED_FILES.get(module, set())
    bad = sorted(
        name
        for name in _imports(ROOT / module)
        for ban in banned
        if (name == ban or name.startswith(ban + ".")) and ban not in allowed
    )
    assert not bad, f"{module} imports {bad}, which its layer must not use"
