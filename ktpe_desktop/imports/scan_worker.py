"""The XLSX sheet scan in a helper process, beside the roster checks (D48).

A roster import spends its preview in two halves of about the same CPU: the sheet's
scan (inflate, the strict grammar check, the cells of the wanted columns converted:
``xlsx.XlsxWorkbook.rows``) and the roster's checks of each row (identifiers, dates,
duplicates: ``roster_reader``). Both hold the GIL, so threads cannot put them side by
side; a second process can. :class:`ScanWorker` is that process: started when the
import dialog opens (it is ready by the time a file is chosen), it scans the sheet
the reader asks for and streams its rows, 500 at a time, while the reader checks
the rows already received. The values are those the reader would read itself: the
same code makes them, in the same order.

Nothing of it is needed for a correct result: a worker not ready yet, one that died,
a file changed on disk since the reader opened it — the reader then reads in its own
process, from the first row it has not already taken (rows are strictly increasing).
A damaged sheet fails in the worker as it fails in the reader (``XlsxFormatError``).

The worker is this program started again with ``--scan-worker`` (the built app is
one executable; from source, ``python -P -m ktpe_desktop``): it reads jobs from its
standard input and writes pickled frames to its standard output, and writes nothing
else anywhere (its standard error goes nowhere: no cell value can reach a log or a
disk). It ends when its standard input closes, which also happens when the app
exits or dies. Pickle frames are read only from the process this module started.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ktpe_desktop import __version__

log = logging.getLogger("ktpe.imports")

__all__ = ["BATCH_ROWS", "ScanWorker", "WorkerLost", "file_identity", "serve"]

#: Rows per frame: small enough that the reader starts at once, large enough that
#: a frame's pickling is cheap beside its rows (10,000 rows: 20 frames).
BATCH_ROWS = 500
_READY = "ready"
# The child's first and only job-independent frame: the protocol's version, so that
# an app updated while a worker of the old one runs never mixes the two.
_PROTOCOL = 1
_GONE = ("gone", None)  # queued after the worker's last frame (EOF, killed, closed)


class WorkerLost(Exception):
    """The worker cannot give the rows (gone, not ready, the file changed): read locally."""


def _command() -> list[str] | None:
    """How to start the worker; None: not in this installation (read in one process)."""
    if not getattr(sys, "frozen", False):
        # -P: the current folder is not put first on the path (another checkout, or a
        # zipfile.py there, would be imported instead of this app's code).
        return [sys.executable, "-P", "-m", "ktpe_desktop", "--scan-worker"]
    # The built app: its executable takes the flag. On Windows the window's executable
    # is a GUI program (no real standard streams; its errors become message boxes no
    # one sees): only its console twin beside it (build.spec) is started, without a
    # window all the same.
    exe = Path(sys.executable)
    if os.name != "nt":
        return [str(exe), "--scan-worker"]
    twin = exe.with_name(f"{exe.stem}-cli{exe.suffix}")
    return [str(twin), "--scan-worker"] if twin.is_file() else None


def file_identity(fd: int) -> tuple[int, ...]:
    """Size, modification time, file number and device of an open file: the file the
    reader opened, against the one the worker opened under its name (a copy saved over
    it keeps neither its file number nor, mostly, its size)."""
    st = os.fstat(fd)
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev


class ScanWorker:
    """A helper process scanning XLSX sheets for :func:`~ktpe_desktop.imports.read_roster`.

    Start it ahead (:meth:`start`), hand it to the reader, :meth:`close` it when the
    import dialog closes. One job at a time (the import dialog reads one file at a
    time, on one thread); :meth:`close` may come from another thread at any moment.
    """

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._ready = threading.Event()
        self._lost = False
        self._lock = threading.Lock()
        self._busy = False
        # Every frame is read on a thread as soon as it comes. Asking whether the worker
        # is ready never waits for it (it imports the scanner: ~0.2 s, more on
        # Windows), and the worker never waits for room in the pipe (64 KiB on Linux,
        # less on Windows, against ~100 KB a frame) while the reader checks rows: it
        # would otherwise scan only as fast as they are checked, not beside them.
        self._frames: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        threading.Thread(target=self._read_frames, name="scan-worker-frames", daemon=True).start()

    @classmethod
    def start(cls) -> ScanWorker | None:
        """Start the worker process; None if it cannot be started (the reader then
        reads in its own process, as it always could)."""
        command = _command()
        if command is None:
            log.info("import worker not in this installation")
            return None
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console flashes
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                creationflags=flags,
                close_fds=True,
            )
        except OSError as exc:
            log.warning("import worker not started: %s", type(exc).__name__)
            return None
        return cls(process)

    def _read_frames(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            hello = pickle.load(stdout)
        except Exception:  # EOF, a broken frame: the worker is of no use
            hello = None
        if hello != (_READY, _PROTOCOL, __version__):  # an app updated meanwhile: not ours
            self._lost = True
        self._ready.set()  # started, or known to be of no use: ready() answers at once
        while not self._lost:
            try:
                frame = pickle.load(stdout)
            except Exception:  # EOF (killed, closed), a broken frame
                break
            self._frames.put(frame)
        self._frames.put(_GONE)
        with contextlib.suppress(OSError, ValueError):
            stdout.close()
        if self._lost and self._process.poll() is None:  # a broken frame: stop it too
            with contextlib.suppress(OSError):
                self._process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=60)  # reaped here, off the GUI thread

    def ready(self, timeout: float = 0.0) -> bool:
        """Whether the worker has started and can take a job (waits up to ``timeout``)."""
        return self._ready.wait(timeout) and not self._lost and self._process.poll() is None

    def rows(
        self, path: str, sheet_index: int, wanted: frozenset[int], identity: tuple[int, ...]
    ) -> Iterator[tuple[int, list[Any]]]:
        """The sheet's rows as ``XlsxWorkbook.rows(sheet_index, wanted)`` gives them.

        ``identity``: :func:`file_identity` of the file the reader opened; a file the
        worker opens otherwise under that name is not read there.

        Raises:
            WorkerLost: the worker cannot give (more) rows: read the rest locally.
            XlsxFormatError: the sheet is damaged (as the local read would raise).
        """
        from ktpe_desktop.imports.xlsx import XlsxFormatError

        if not self.ready():
            raise WorkerLost("not ready")
        with self._lock:
            # ``_lost`` is read here, under the lock a left job sets it under: no job
            # is taken after one left with its frames still on their way.
            if self._busy or self._lost:
                raise WorkerLost("busy or gone")
            self._busy = True
        done = False  # the job's last frame read: the stream is at the next job
        try:
            stdin = self._process.stdin
            assert stdin is not None
            try:
                pickle.dump((path, sheet_index, tuple(sorted(wanted)), identity), stdin)
                stdin.flush()
            except (OSError, ValueError) as exc:
                raise self._gone() from exc
            while True:
                frame = self._frames.get()
                if frame is _GONE:  # EOF (killed, closed), a broken frame
                    self._frames.put(_GONE)  # for whoever asks next
                    raise self._gone()
                kind, body = frame
                if kind == "rows":
                    yield from body
                    continue
                done = True
                if kind == "end":
                    return
                if kind == "damaged":
                    raise XlsxFormatError(body)
                raise WorkerLost(kind)  # "changed" (not the reader's file), "failed"
        finally:
            with self._lock:
                if not done:  # rows of this job still on their way: no job may follow
                    self._lost = True
                self._busy = False
            if not done:
                self.close()

    def _gone(self) -> WorkerLost:
        self._lost = True
        return WorkerLost(f"worker gone (exit code {self._process.poll()})")

    def close(self) -> None:
        """Stop the worker (at once: a job it is doing is of no use any more).

        Never waits: the frames thread, which owns the worker's output, closes it and
        reaps the process once the kill ends the output (closing it here would wait
        for that thread's read, and a worker stuck in the kernel would hang the GUI).
        """
        with self._lock:
            self._lost = True
        if self._process.poll() is None:
            with contextlib.suppress(OSError):
                self._process.kill()
        with contextlib.suppress(OSError, ValueError):
            if self._process.stdin is not None:
                self._process.stdin.close()

    def __enter__(self) -> ScanWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _frames(out: IO[bytes], frame: object) -> None:
    pickle.dump(frame, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def serve() -> int:
    """The worker's main loop (``ktpe-desktop --scan-worker``): jobs in, rows out."""
    from ktpe_desktop.core.collector import collector_paused
    from ktpe_desktop.imports.xlsx import DAMAGE, XlsxFormatError, XlsxWorkbook

    source, out = sys.stdin.buffer, sys.stdout.buffer
    _frames(out, (_READY, _PROTOCOL, __version__))
    while True:
        try:
            path, sheet_index, wanted, identity = pickle.load(source)
        except EOFError:  # the app closed the pipe (the dialog closed, the app ended)
            return 0
        batch: list[tuple[int, list[Any]]] = []
        try:
            with open(path, "rb") as fh:
                # The file opened, not its name, and before anything is read from it: a
                # damaged file saved over the reader's is "changed", not "damaged".
                if file_identity(fh.fileno()) != tuple(identity):
                    _frames(out, ("changed", None))
                    continue
                with collector_paused(), XlsxWorkbook(fh) as book:
                    for row in book.rows(sheet_index, frozenset(wanted)):
                        batch.append(row)
                        if len(batch) >= BATCH_ROWS:
                            _frames(out, ("rows", batch))
                            batch = []
            if batch:
                _frames(out, ("rows", batch))
            _frames(out, ("end", None))
        except BrokenPipeError:
            return 0
        except (XlsxFormatError, *DAMAGE) as exc:
            _last_rows(out, batch)  # the rows before the damage, as a local read gives them
            _frames(out, ("damaged", str(exc)))
        except Exception as exc:  # the reader reads the rest locally
            _last_rows(out, batch)
            _frames(out, ("failed", type(exc).__name__))


def _last_rows(out: IO[bytes], batch: list[tuple[int, list[Any]]]) -> None:
    if batch:
        _frames(out, ("rows", batch))
