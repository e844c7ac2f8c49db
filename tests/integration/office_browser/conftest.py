"""Real-browser fixtures: Debian's Chromium driven by Playwright, a real embedded server.

Playwright's own browser download is not used: the tests launch ``/usr/bin/chromium``
(``apt-get install chromium``; ``make test`` and ``.ci/run`` install it when missing).
Without it, or without the ``playwright`` package, these tests are skipped with the
reason printed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("KTPE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def screenshot_dir(tmp_path: Path) -> Path:
    """Where page screenshots go: ``$KTPE_OFFICE_SCREENSHOTS`` (``make screenshots-office``),
    else docs/screenshots under ``make screenshots``, else the test's own temporary folder
    (tests/conftest.py ``docs_dir``)."""
    from tests.conftest import docs_dir

    target = os.environ.get("KTPE_OFFICE_SCREENSHOTS")
    path = Path(target) if target else docs_dir("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
