"""Fixtures of the import tests: the generated corpus (cached per session)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.unit.imports import corpus as C

TODAY = date(2024, 9, 1)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roster-corpus")


@pytest.fixture(scope="session")
def students() -> list[C.Student]:
    return C.make_students(60, seed=3)


@pytest.fixture(scope="session")
def big_students() -> list[C.Student]:
    return C.make_students(10_000, seed=11)


@pytest.fixture(scope="session")
def big_xlsx(corpus_dir: Path, big_students: list[C.Student]) -> Path:
    return C.write_dapodik_xlsx(corpus_dir / "dapodik-10000.xlsx", big_students)
