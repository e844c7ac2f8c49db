"""One owner per data folder: an OS file lock held by every process that writes.

SQLite's own locks serialise transactions, but they do not stop two processes
from *both* acting as the owner of a folder: both reset each other's in-flight
outbox rows, a restore can rename the database away under a running writer (it
then goes on writing, and reporting success, into the renamed file), and a
second writer started after someone deleted ``-shm`` corrupts the database. So
the app and every command that writes take ``<data_dir>/ktpe.lock`` first:

* Linux/macOS: ``fcntl.flock`` (per open file, released by the kernel when the
  process dies, even on ``kill -9``; not inherited across ``exec``);
* Windows: ``msvcrt.locking`` on the file's first byte (released the same way).

The owner also writes ``ktpe.lock.json`` (pid, program, since, host; no personal
data) so that the refused process can say *who* holds the folder. That file is
information only: the kernel lock is the truth, and a stale file left by a
crash is simply overwritten by the next owner.

Readers (``db info``, ``db check``, reports) do not take the lock: they open the
database read-only, which never checkpoints, never resets outbox rows and never
writes (see :meth:`ktpe_desktop.storage.store.Store.open`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ktpe_desktop.storage.errors import DataDirNotWritable, DataFolderInUse, DiskFull

LOCK_FILE = "ktpe.lock"
OWNER_FILE = "ktpe.lock.json"

if sys.platform == "win32":  # pragma: no cover - exercised on Windows CI
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class LockOwner:
    """Who holds a data folder (as written by the owner; may be missing or stale)."""

    pid: int | None
    program: str
    since: str  # ISO 8601, UTC
    host: str

    @classmethod
    def current(cls, program: str) -> LockOwner:
        return cls(
            pid=os.getpid(),
            program=program,
            since=datetime.now(UTC).isoformat(timespec="seconds"),
            host=socket.gethostname(),
        )

    @classmethod
    def unknown(cls) -> LockOwner:
        return cls(pid=None, program="", since="", host="")

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "program": self.program, "since": self.since, "host": self.host}


def program_name() -> str:
    """A short description of this process: ``ktpe-desktop db backup``, the app, a test."""
    first = Path(sys.argv[0] or "python")
    name = first.parent.name if first.name == "__main__.py" else first.stem
    words = [a for a in sys.argv[1:4] if not a.startswith("-") and "/" not in a and "\\" not in a]
    return " ".join([name.replace("_", "-"), *words])[:80]


def read_owner(data_dir: Path) -> LockOwner:
    """What ``ktpe.lock.json`` says about the folder's owner (unknown if unreadable)."""
    try:
        data = json.loads((Path(data_dir) / OWNER_FILE).read_text(encoding="utf-8"))
        pid = data.get("pid")
        return LockOwner(
            pid=int(pid) if isinstance(pid, int) else None,
            program=str(data.get("program") or ""),
            since=str(data.get("since") or ""),
            host=str(data.get("host") or ""),
        )
    except (OSError, ValueError, AttributeError):
        return LockOwner.unknown()


class FolderLock:
    """The exclusive ownership of one data folder, held until :meth:`release`.

    Args:
        data_dir: the data folder (must exist).
        program: how this process names itself to a refused one.
    """

    def __init__(self, data_dir: Path, program: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.program = program or program_name()
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, timeout: float = 0.0) -> FolderLock:
        """Take the folder, waiting up to ``timeout`` seconds for its owner to leave.

        Raises:
            DataFolderInUse: another process (or another store of this one) holds it.
            DataDirNotWritable, DiskFull: the lock file cannot be created.
        """
        if self._fd is not None:
            return self
        path = self.data_dir / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            if exc.errno == 28:  # ENOSPC
                raise DiskFull() from exc
            raise DataDirNotWritable(self.data_dir, exc.strerror or "") from exc
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                raise DataFolderInUse(self.data_dir, read_owner(self.data_dir))
            time.sleep(0.05)
        self._fd = fd
        # Information for a refused process; failing to write it (full disk) is harmless.
        with contextlib.suppress(OSError):
            owner = LockOwner.current(self.program)
            tmp = self.data_dir / f".{OWNER_FILE}.{os.getpid()}"
            tmp.write_text(json.dumps(owner.to_json()), encoding="utf-8")
            os.replace(tmp, self.data_dir / OWNER_FILE)
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            (self.data_dir / OWNER_FILE).unlink()
        _unlock(fd)
        os.close(fd)

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def file_mutex(path: Path, *, timeout: float = 10.0) -> Iterator[None]:
    """A short critical section between processes (and threads): ``with file_mutex(p):``.

    Used around read-modify-write of small files (the key slots' failure counter).

    Raises:
        TimeoutError: not acquired within ``timeout`` seconds.
        OSError: the lock file cannot be created (read-only folder).
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise TimeoutError(str(path))
            time.sleep(0.01)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def folder_owner(data_dir: Path) -> LockOwner | None:
    """Who holds ``data_dir`` now, or None when nobody does (probes the lock)."""
    path = Path(data_dir) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None  # no lock file: nobody has ever owned it (or we cannot tell)
    try:
        if sys.platform == "win32":  # pragma: no cover
            fd2 = os.open(path, os.O_RDWR)
            os.close(fd)
            fd = fd2
        if _try_lock(fd):
            _unlock(fd)
            return None
        return read_owner(data_dir)
    finally:
        os.close(fd)


__all__ = [
    "LOCK_FILE",
    "OWNER_FILE",
    "FolderLock",
    "LockOwner",
    "file_mutex",
    "folder_owner",
    "read_owner",
]
