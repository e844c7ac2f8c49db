"""The import's scan worker (D48): the same preview with or without it, whatever it does.

Every test starts the real helper process (``python -m ktpe_desktop --scan-worker``)
and compares with the reader alone: rows, held-back rows and report lines are equal,
a damaged file fails with the same message, and a worker that dies, is stopped, is
not ready, or finds another file under the name leaves the read to this process.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ktpe_desktop import __version__
from ktpe_desktop.imports import RosterFileError, read_roster
from ktpe_desktop.imports import scan_worker as W
from ktpe_desktop.imports.source import open_source
from ktpe_desktop.imports.xlsx import XlsxWorkbook
from tests.timing import seconds
from tests.unit.imports import corpus as C
from tests.unit.imports.conftest import TODAY
from tests.unit.imports.test_xlsx_scan import HEAD, TAIL, _book, _long_sheet, rows_xml

WANTED = frozenset({0, 1})


@pytest.fixture
def worker() -> Iterator[W.ScanWorker]:
    started = W.ScanWorker.start()
    assert started is not None
    assert started.ready(seconds(60)), "the scan worker did not start"
    yield started
    started.close()


def _identity(path: Path) -> tuple[int, ...]:
    with XlsxWorkbook(str(path)) as book:  # what the reader hands to the worker
        return book.identity()


def _same(path: Path, scanner: W.ScanWorker | None) -> None:
    alone = read_roster(path, today=TODAY)
    helped = read_roster(path, today=TODAY, scanner=scanner)
    assert helped.rows == alone.rows
    assert helped.held_back == alone.held_back
    assert helped.lines == alone.lines
    assert helped.skipped_rows == alone.skipped_rows


def _rows(path: Path, scanner: W.ScanWorker | None = None) -> list[tuple[int, list[object]]]:
    source = open_source(path, scanner)
    try:
        return list(source.rows(0, WANTED))
    finally:
        source.close()


def test_a_dapodik_export_reads_the_same_through_the_worker(
    tmp_path: Path, worker: W.ScanWorker
) -> None:
    students = C.make_students(3_000, seed=48)  # six frames of rows
    path = C.write_dapodik_xlsx(tmp_path / "dapodik.xlsx", students, nisn_as_number=True)
    _same(path, worker)
    # The worker takes job after job (a second file chosen in the same dialog).
    broken = [C.with_changes(s, nik="12345") if i % 7 == 0 else s for i, s in enumerate(students)]
    second = C.write_dapodik_xlsx(tmp_path / "second.xlsx", broken)
    _same(second, worker)
    assert worker.ready()


def test_a_sheet_the_scan_hands_to_the_tree_reader_reads_the_same(
    tmp_path: Path, worker: W.ScanWorker
) -> None:
    body = rows_xml(3_000)
    middle = body.index('<row r="2000">')
    path = _book(tmp_path, HEAD + body[:middle] + "<!-- x -->" + body[middle:] + TAIL)
    helped = _rows(path, worker)
    assert helped == _rows(path) and len(helped) == 3_000


def test_a_damaged_sheet_fails_as_without_the_worker(tmp_path: Path, worker: W.ScanWorker) -> None:
    path = _book(tmp_path, _long_sheet(3_000).replace('<row r="2500">', '<row r="2500" r="9">'))
    with pytest.raises(RosterFileError) as alone:
        _rows(path)
    with pytest.raises(RosterFileError) as helped:
        _rows(path, worker)
    assert (helped.value.code, helped.value.message) == (alone.value.code, alone.value.message)
    assert worker.ready()  # a damaged file ends its job, not the worker


def test_a_worker_killed_mid_read_leaves_the_rest_to_this_process(
    tmp_path: Path, worker: W.ScanWorker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="ktpe.imports")
    path = _book(tmp_path, _long_sheet(20_000))  # 40 frames: more than a pipe holds
    source = open_source(path, worker)
    got = []
    try:
        for row in source.rows(0, WANTED):
            got.append(row)
            if len(got) == 10:  # the first frame is here; the worker is still at work
                worker._process.kill()
    finally:
        source.close()
    assert got == _rows(path)
    assert not worker.ready()
    assert "the rest is read here" in caplog.text


def test_a_file_changed_since_it_was_opened_is_read_here(
    tmp_path: Path, worker: W.ScanWorker
) -> None:
    path = _book(tmp_path, _long_sheet(1_200))
    source = open_source(path, worker)
    try:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # another copy saved
        got = list(source.rows(0, WANTED))
    finally:
        source.close()
    assert got == _rows(path)
    assert worker.ready()  # that job is over; the next file goes to the worker again


def test_a_read_stopped_early_stops_the_worker_and_the_next_read_is_right(
    tmp_path: Path, worker: W.ScanWorker
) -> None:
    path = _book(tmp_path, _long_sheet(3_000))
    source = open_source(path, worker)
    try:
        rows = source.rows(0, WANTED)
        next(rows)
        rows.close()  # its other frames are still on their way: no job may follow them
    finally:
        source.close()
    assert not worker.ready()
    with pytest.raises(W.WorkerLost):  # not even one that passed ready() before
        next(worker.rows(str(path), 0, WANTED, _identity(path)))
    _same(C.write_dapodik_xlsx(tmp_path / "d.xlsx", C.make_students(600, seed=5)), worker)


@pytest.mark.allow_warnings("import worker not started")
def test_no_worker_or_one_not_ready_reads_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "d.xlsx", C.make_students(600, seed=6))
    monkeypatch.setattr(W, "_command", lambda: [str(tmp_path / "no-such-program")])
    assert W.ScanWorker.start() is None
    _same(path, None)
    monkeypatch.setattr(W, "_command", lambda: [sys.executable, "-c", "pass"])  # exits at once
    dead = W.ScanWorker.start()
    assert dead is not None
    assert not dead.ready(seconds(30))
    _same(path, dead)
    dead.close()


def test_the_worker_writes_its_frames_and_nothing_else(tmp_path: Path) -> None:
    path = _book(tmp_path, _long_sheet(1_100))
    identity = _identity(path)
    job = (
        pickle.dumps((str(path), 0, (0, 1), identity))
        + pickle.dumps((str(path), 0, (0, 1), (1, 1)))  # not the file the reader opened
        + pickle.dumps((str(tmp_path / "gone.xlsx"), 0, (0,), identity))
    )
    done = subprocess.run(
        [sys.executable, "-m", "ktpe_desktop", "--scan-worker"],
        input=job,
        capture_output=True,
        timeout=seconds(120),
        check=True,
    )
    assert done.stderr == b""
    out = io.BytesIO(done.stdout)
    frames = []
    while out.tell() < len(done.stdout):
        frames.append(pickle.load(out))
    assert frames[0] == ("ready", 1, __version__)
    kinds = [f[0] for f in frames[1:]]
    assert kinds == ["rows", "rows", "rows", "end", "changed", "failed"]  # 500 + 500 + 100 rows
    assert sum(len(f[1]) for f in frames[1:4]) == 1_100


def test_a_worker_of_another_version_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(W, "__version__", "0.0.0-another-build")  # an app updated meanwhile
    other = W.ScanWorker.start()
    assert other is not None
    assert not other.ready(seconds(60))
    _same(C.write_dapodik_xlsx(tmp_path / "d.xlsx", C.make_students(300, seed=7)), other)
    other.close()


def test_closing_never_waits_for_the_worker(worker: W.ScanWorker) -> None:
    """The frames thread is reading the worker's output; closing (the dialog's, on the
    GUI thread) kills and returns; that thread reaps the process."""
    closing = threading.Thread(target=worker.close)
    closing.start()
    closing.join(seconds(10))
    assert not closing.is_alive()
    deadline = time.monotonic() + seconds(30)
    while worker._process.returncode is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker._process.returncode is not None
