"""Durable file writes: temp file + fsync + ``os.replace`` + fsync of the folder."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from ktpe_desktop.storage.errors import DataDirNotWritable, DiskFull


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (no-op where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def append_synced(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` (created if missing) and fsync it before returning.

    Raises:
        OSError: as ``open``/``write``/``fsync`` raise it (the caller chooses a fallback).
    """
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file.

    Raises:
        DiskFull: the disk (or quota) is full; ``path`` is unchanged.
        DataDirNotWritable: the folder cannot be written; ``path`` is unchanged.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull() from exc
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.ENOENT):
            raise DataDirNotWritable(path.parent, exc.strerror or "") from exc
        raise
    fsync_dir(path.parent)


def check_writable(directory: Path) -> None:
    """Prove that ``directory`` accepts new files by creating and removing one.

    Raises:
        DataDirNotWritable: it does not (read-only medium, permissions, not a folder).
    """
    probe = directory / f".write-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull() from exc
        raise DataDirNotWritable(directory, exc.strerror or "") from exc
