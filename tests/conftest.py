"""Shared fixtures for every test.

* ``KTPE_FAST_KDF=1`` (cheap Argon2id for key slots) and an offscreen Qt platform.
* ``data_dir``: a fresh, empty data folder per test.
* ``store``: a freshly created, unlocked store in that folder (lead ``koordinator``).
* ``factory``: builders of schools, students and outcomes with sensible defaults.
* ``fail_on_warning_logs`` (autouse): a test fails if it logs an unexpected WARNING
  or worse. Mark a test ``@pytest.mark.allow_warnings("regex", ...)`` (no argument:
  any warning) when warnings are what it tests.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KTPE_FAST_KDF", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSWORD = "rahasia-uji-123"
LEAD = "koordinator"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_warnings(*patterns): WARNING logs matching a pattern (any, without one) "
        "do not fail the test",
    )


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_warning_logs(request: pytest.FixtureRequest) -> Iterator[_Collector]:
    """Fail the test when it logs a WARNING (or worse) it did not declare."""
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
    marker = request.node.get_closest_marker("allow_warnings")
    if marker is not None and not marker.args:
        return
    patterns = [re.compile(p) for p in (marker.args if marker else ())]
    unexpected = [
        r for r in collector.records if not any(p.search(r.getMessage()) for p in patterns)
    ]
    if unexpected:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in unexpected)
        pytest.fail(f"unexpected warning logs:\n{lines}", pytrace=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh data folder path (not created yet: Store.create makes it)."""
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Any]:
    from ktpe_desktop.storage.store import Store

    s = Store.create(data_dir, LEAD, PASSWORD, display_name="Koordinator Uji")
    try:
        yield s
    finally:
        s.close()


@dataclass
class Factory:
    """Row builders with unique, valid-looking invented identifiers."""

    store: Any
    _n: int = 0
    schools: list[str] = field(default_factory=list)

    def _next(self) -> int:
        self._n += 1
        return self._n

    def school(self, npsn: str | None = None, **kw: Any) -> str:
        from ktpe_desktop.storage import models as m

        n = self._next()
        npsn = npsn or f"2053{n:04d}"
        with self.store.transaction() as s:
            s.add(
                m.School(
                    npsn=npsn,
                    name=kw.pop("name", f"SMA UJI {n}"),
                    kind=kw.pop("kind", "SMA"),
                    status=kw.pop("status", "negeri"),
                    kecamatan=kw.pop("kecamatan", "Klojen"),
                    target=kw.pop("target", 100),
                    **kw,
                )
            )
        self.schools.append(npsn)
        return npsn

    def letterhead(self) -> None:
        """Set the shipped Kota Malang letterhead (papers are never printed without one)."""
        from ktpe_desktop.core.letterhead import default_letterhead
        from ktpe_desktop.reports.data import save_letterhead

        with self.store.transaction() as s:
            save_letterhead(s, default_letterhead())

    def student(self, school_npsn: str | None = None, **kw: Any) -> str:
        """Insert a roster student (pending); returns its id."""
        from ktpe_desktop.storage.repositories import RosterStudent, upsert_students_from_roster

        n = self._next()
        if school_npsn is None:
            school_npsn = self.schools[0] if self.schools else self.school()
        values: dict[str, Any] = {
            "id": f"S{n:09d}",
            "school_npsn": school_npsn,
            "name": f"SISWA UJI {n}",
            "nisn": f"00{n:08d}",
            "nik": f"357302{(n % 28) + 1:02d}0807{(n % 9999) + 1:04d}",
            "kk": f"35730201{n % 100000000:08d}",
            "sex": "L",
            "birth_place": "MALANG",
            "birth_date": date(2007, 8, (n % 28) + 1),
            "class_name": "XII IPA 1",
            "mother_name": "IBU UJI",
        }
        values.update(kw)
        with self.store.transaction() as s:
            upsert_students_from_roster(s, [RosterStudent(**values)])
        return str(values["id"])

    def outcome(self, student_id: str, kind: str = "recorded", **kw: Any) -> Any:
        from ktpe_desktop.services.recording import RecordingService

        return RecordingService(self.store).record_outcome(
            student_id, kind, kw.pop("operator", "petugas1"), **kw
        )


@pytest.fixture
def factory(store: Any) -> Factory:
    return Factory(store)
