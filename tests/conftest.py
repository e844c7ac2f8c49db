"""Shared fixtures for every test.

* ``KTPE_FAST_KDF=1`` (cheap Argon2id for key slots) and an offscreen Qt platform.
* ``data_dir``: a fresh, empty data folder per test.
* ``store``: a freshly created, unlocked store in that folder (lead ``koordinator``).
* ``factory``: builders of schools, students and outcomes with sensible defaults.
* ``fail_on_warning_logs`` (autouse): a test fails if it logs an unexpected WARNING
  or worse. Mark a test ``@pytest.mark.allow_warnings("regex", ...)`` (no argument:
  any warning) when warnings are what it tests.
* Time limits scale with ``tests.timing.TIME_FACTOR`` (busy machine, ``make soak``):
  pytest-timeout's limit of every test and pytest-qt's ``waitUntil``/``waitSignal``.
* ``docs_path("screenshots/x.png")``: where a test writes an image meant for docs/:
  the test's tmp folder, or docs/ itself under ``make screenshots``
  (``KTPE_SCREENSHOTS=1``, which runs the tests marked ``screenshots``).
* The source tree must be the same after the suite as before it (no test writes
  into the repository): changed or new files are listed at the end, and fail the
  run under CI or ``KTPE_SOURCE_GUARD=strict`` (``KTPE_SOURCE_GUARD=off``: no check).
* Hypothesis runs the ``ktpe`` profile: no per-example deadline (a busy machine is
  not a bug), no database of examples written into the working directory.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests import timing

os.environ.setdefault("KTPE_FAST_KDF", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

settings.register_profile(
    "ktpe",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("KTPE_HYPOTHESIS_PROFILE", "ktpe"))


def _scale_qtbot_waits() -> None:
    """pytest-qt's waits (default 5 s) get the suite's time factor, explicit ones too."""
    try:
        from pytestqt.qtbot import QtBot
    except ImportError:  # pragma: no cover - pytest-qt is a test dependency
        return
    for name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback"):
        original = getattr(QtBot, name)
        if getattr(original, "_ktpe_scaled", False):
            continue

        def scaled(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            timeout = kwargs.get("timeout", 5000)
            if timeout and timeout > 0:
                kwargs["timeout"] = timing.ms(timeout)
            return __original(self, *args, **kwargs)

        scaled._ktpe_scaled = True  # type: ignore[attr-defined]
        setattr(QtBot, name, scaled)


_scale_qtbot_waits()

PASSWORD = "rahasia-uji-123"
LEAD = "koordinator"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_warnings(*patterns): WARNING logs matching a pattern (any, without one) "
        "do not fail the test",
    )
    config.addinivalue_line(
        "markers",
        "screenshots: renders an image for docs/ (written there only by make screenshots)",
    )


ROOT = Path(__file__).resolve().parents[1]
_SOURCE_SNAPSHOT = pytest.StashKey[dict[str, tuple[int, int]]]()


def _source_files() -> dict[str, tuple[int, int]] | None:
    """Tracked and untracked-but-not-ignored files of the checkout: (mtime, size)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None  # not a git checkout (an sdist, a CI cache): nothing to compare
    files: dict[str, tuple[int, int]] = {}
    for name in listed.decode("utf-8", "surrogateescape").split("\0"):
        if not name:
            continue
        try:
            st = (ROOT / name).stat()
        except FileNotFoundError:
            continue  # deleted in the work tree, not by us
        files[name] = (st.st_mtime_ns, st.st_size)
    return files


def _source_guard_mode() -> str:
    mode = os.environ.get("KTPE_SOURCE_GUARD", "").strip().lower()
    if mode in ("off", "warn", "strict"):
        return mode
    return "strict" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "warn"


def pytest_sessionstart(session: pytest.Session) -> None:
    if _source_guard_mode() != "off":
        snapshot = _source_files()
        if snapshot is not None:
            session.stash[_SOURCE_SNAPSHOT] = snapshot


def _source_changes(session: pytest.Session) -> list[str]:
    before = session.stash.get(_SOURCE_SNAPSHOT, None)
    after = _source_files() if before is not None else None
    if before is None or after is None:
        return []
    changed = [f"changed: {n}" for n in sorted(before) if n in after and after[n] != before[n]]
    changed += [f"new:     {n}" for n in sorted(set(after) - set(before))]
    changed += [f"removed: {n}" for n in sorted(set(before) - set(after))]
    return changed


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.option.collectonly or _source_guard_mode() == "off":
        return
    changes = _source_changes(session)
    session.config.stash[_SOURCE_CHANGES] = changes
    if changes and _source_guard_mode() == "strict" and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_SOURCE_CHANGES = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    changes = config.stash.get(_SOURCE_CHANGES, [])
    if changes:
        terminalreporter.section("the suite wrote into the source tree", sep="!", red=True)
        for line in changes:
            terminalreporter.write_line(line)
        terminalreporter.write_line(
            "Tests must write into their own tmp_path (images for docs/: make screenshots). "
            "Edited files by hand during the run? Then ignore this (KTPE_SOURCE_GUARD=off)."
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"ktpe time factor: {timing.TIME_FACTOR:.1f} (KTPE_TIME_FACTOR, load per core)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Scale every test's pytest-timeout limit (its marker, else the ini default)."""
    try:
        default = float(config.getini("timeout") or 0)
    except ValueError:  # pytest-timeout not installed: nothing to scale
        return
    for item in items:
        marker = item.get_closest_marker("timeout")
        kwargs = dict(marker.kwargs) if marker else {}
        rest: tuple[Any, ...] = ()  # (method, func_only) given by position
        if marker and marker.args:
            base, rest = marker.args[0], tuple(marker.args[1:])
        else:
            base = kwargs.get("timeout", default)
        kwargs.pop("timeout", None)
        if base and float(base) > 0:
            scaled = pytest.mark.timeout(timing.seconds(float(base)), *rest, **kwargs)
            item.add_marker(scaled, append=False)


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


_DOCS_DIR = "KTPE_TEST_DOCS_DIR"


@pytest.fixture(autouse=True)
def _docs_output(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Images meant for docs/ go into a folder of the test's own (created when used),
    and into docs/ only under ``make screenshots``."""
    if os.environ.get("KTPE_SCREENSHOTS") == "1":
        monkeypatch.setenv(_DOCS_DIR, str(ROOT / "docs"))
        return
    own = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-120:]
    monkeypatch.setenv(_DOCS_DIR, str(tmp_path_factory.getbasetemp() / "docs" / own))


def docs_dir(sub: str = "") -> Path:
    """Where an image for ``docs/<sub>`` is written now (see ``_docs_output``)."""
    base = Path(os.environ.get(_DOCS_DIR) or ROOT / "docs")
    path = base / sub if sub else base
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def docs_path() -> Any:
    """``docs_path("screenshots/x.png")``: docs/ under ``make screenshots``, else tmp."""

    def where(relative: str) -> Path:
        path = docs_dir() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    return where


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
