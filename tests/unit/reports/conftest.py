"""Fixtures of the report tests: a demo campaign database with simulated outcomes.

Building it (roster + a few hundred durable outcomes) takes a few seconds, so it
is made once per module and only read; tests that print or export (which adds
audit rows) take their own ``store`` or compare against fresh queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LEAD, PASSWORD, Factory

#: The clock the report services are given (printed time on documents).
PRINT_TIME = datetime(2024, 11, 27, 7, 30, tzinfo=UTC)  # 14:30 WIB


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from ktpe_desktop.services.demo_service import load_demo, simulate_outcomes
    from ktpe_desktop.storage.store import Store

    folder = tmp_path_factory.mktemp("demo") / "data"
    store = Store.create(folder, LEAD, PASSWORD, display_name="Drs. Ahmad Sutrisno")
    load_demo(store, students=700)
    simulate_outcomes(store, 260, seed=11)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def factory(store: Any) -> Factory:
    """The shared row factory, on a laptop that has its letterhead (papers need one)."""
    made = Factory(store)
    made.letterhead()
    return made


def flat(text: str) -> str:
    """PDF text with every run of whitespace made one space (cells, tabs, wraps)."""
    return " ".join(text.split())


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [flat(page.extract_text()) for page in PdfReader(str(path)).pages]


def page_footer_ok(pages: list[str]) -> bool:
    total = len(pages)
    return all(f"Halaman {i} dari {total}" in text for i, text in enumerate(pages, 1))


def count_of(pattern: str, text: str) -> int:
    return len(re.findall(re.escape(pattern), text))


def cli_beside(store: Any, argv: list[str]) -> int:
    """A headless command on the folder the test's store has open, as a lead would run
    it with the app closed: the store gives its folder lock up for the command (one
    owner per data folder) and takes it back afterwards."""
    from ktpe_desktop.cli import main

    store.lock.release()
    try:
        return main(argv)
    finally:
        store.lock.acquire(timeout=10)
