"""The check-off journal: a check-off is durable once its event is here (D43).

A check-off (an outcome or an IKD activation: the scanner's path) writes its event
to this append-only file and syncs it (one ``write`` + ``fdatasync``) *before* the
database's transaction inserts the same event; that transaction then commits
without a sync of its own (``synchronous = NORMAL``). The event is durable at the
journal's sync; the database's copy becomes durable at the next checkpoint (the
idle checkpointer's, half a second after the saves pause, which syncs the WAL and
then the database file) or at the next durable commit. Once a checkpoint has
backfilled every frame, the records written before it are dropped (the file is cut
back to its header).

At a writer's opening, :meth:`Store._replay_journal` inserts each record the
database lacks (a power cut before the checkpoint, a lost or damaged WAL), but only
where it extends this device's chain exactly: ``seq`` is the database's next one
and ``prev_hash`` its head, and the record's own hash is recomputed. Whatever
cannot be applied that way (a restore to an older copy, a damaged record) is never
thrown away: the file is kept beside the database under another name.

File: an 8-byte magic and an 8-byte random *epoch*, then records: ``b"KJR2"``, the
ciphertext's length (4 bytes, little-endian), the epoch, a 12-byte nonce and the
AES-256-GCM ciphertext of a JSON list of event rows (the ``event`` table's columns,
in ``ledger._SQL_INSERT_EVENT`` order). The key is an HKDF of the database key; the
associated data binds each record to the magic, the epoch and the device. The file is
written ahead in zeros, so that a record is an overwrite inside it and its sync
carries no change of size (as SQLite reuses its WAL); emptying it writes a new epoch
into the header, which makes every earlier record stale. The current records are
those that carry the header's epoch, up to the first that does not. A record whose
transaction rolled back has its header zeroed. A current record that does not open
(a flipped byte, a write cut by a power cut) is damaged: the file is kept aside. No
personal data is ever written in clear (the rows hold an operator's name and a
student id, and the payload's note).

One writer at a time: the store's writer gate. :meth:`settled` and
:meth:`drop_settled` are called from the checkpointer's thread; a small lock keeps
them consistent with a record in flight (appended, its transaction not yet ended).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ktpe_desktop.storage.logs import get_logger

JOURNAL_FILE = "ktpe.journal"
KEPT_PREFIX = "ktpe.journal.kept-"
_MAGIC = b"KTPEJL2\n"
_EPOCH = 8  # random bytes after the magic: the current records carry them
HEADER = len(_MAGIC) + _EPOCH
_TAG = b"KJR2"
_HEAD = struct.Struct("<4sI8s")  # tag, ciphertext length, epoch
_NONCE = 12
_MAX_RECORD = 1 << 20  # a record's ciphertext; a check-off's is ~400 bytes
_INFO = b"ktpe-jemput-bola check-off journal v1"
_ROW_COLUMNS = 14  # ledger._SQL_INSERT_EVENT's
# The file is written ahead in zeros, this much at a time, so that a record is an
# overwrite inside the file (its sync carries no size change: no file-system journal
# commit), as SQLite reuses its WAL. More is added after a save once less than
# _ROOM is left, so the save that needs it never pays for it.
_GROW = 1024 * 1024  # ~2,000 check-offs: more than any burst between two checkpoints
_ROOM = 64 * 1024
_SHRINK_ABOVE = 4 * _GROW  # a journal emptied while larger is cut back to _GROW

log = get_logger(__name__)

_sync = getattr(os, "fdatasync", os.fsync)
_HAS_PWRITE = hasattr(os, "pwrite")


def journal_key(db_key: bytes) -> bytes:
    """The journal's AES-256-GCM key: never the database key itself."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(db_key)


@dataclass
class JournalContents:
    """What :meth:`EventJournal.read` found.

    Attributes:
        rows: the event rows of every good record, in file order.
        damaged: current records that did not decrypt or parse (a flipped byte), or
            signs of one past the end (a current record after a damaged header).
        end: the offset just after the last current record (where the next goes).
        bad_header: the file does not start with the journal's magic.
    """

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    damaged: int = 0
    end: int = HEADER
    bad_header: bool = False


class EventJournal:
    """The open journal of one data folder (``<data_dir>/ktpe.journal``).

    Args:
        data_dir: the data folder.
        db_key: the database key (the journal's key is derived from it).
        device_id: this laptop's device id (bound into each record).
    """

    def __init__(self, data_dir: Path, db_key: bytes, device_id: str) -> None:
        self.path = data_dir / JOURNAL_FILE
        self._aead = AESGCM(journal_key(db_key))
        self._device = device_id.encode()
        self._lock = threading.Lock()
        self._in_flight: int | None = None  # offset of the record whose transaction runs
        # Called right after each record's sync (the benchmarks time the check-off's
        # durable moment with it); None in the app.
        self.on_durable: Callable[[], object] | None = None
        self._at_open: JournalContents | None = None  # what the opening read
        self.dropped = 0  # times the settled records were dropped (tests, benchmarks)
        self._fd = -1
        self._epoch = b""
        self._aad = b""
        self._size = HEADER  # where the next record goes
        self._allocated = 0  # the file's size
        self._open()

    def _open(self) -> None:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
        flags |= getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.path, flags, 0o600)
        try:
            self._fd = fd
            size = os.fstat(fd).st_size
            head = _read_at(fd, HEADER, 0)
            if head[: len(_MAGIC)] == _MAGIC and len(head) == HEADER:
                self._set_epoch(head[len(_MAGIC) :])
                self._allocated = size
                self._at_open = self.read()
                self._size = self._at_open.end
            elif size == 0 or not any(self.path.read_bytes()):
                # New, or made and cut by a crash before its header reached the disk.
                self._new_epoch(fresh=True)
                _sync_dir(self.path.parent)
            else:
                # Not a journal any more: the opening keeps it aside (bad_header).
                self._set_epoch(b"")
                self._allocated = size
        except BaseException:
            os.close(fd)
            self._fd = -1
            raise

    def _set_epoch(self, epoch: bytes) -> None:
        self._epoch = epoch
        self._aad = _MAGIC + epoch + self._device

    def _new_epoch(self, *, fresh: bool = False) -> None:
        """Start an empty journal: a new epoch in the header makes every record
        before it stale (as SQLite's WAL salt does); written ahead if ``fresh``."""
        epoch = os.urandom(_EPOCH)
        if fresh:
            os.ftruncate(self._fd, 0)
            _write_all(self._fd, _MAGIC + epoch + bytes(_GROW - HEADER), 0)
            os.fsync(self._fd)
            self._allocated = _GROW
        else:
            if self._allocated > _SHRINK_ABOVE:
                os.ftruncate(self._fd, _GROW)
                self._allocated = _GROW
            _pwrite(self._fd, _MAGIC + epoch, 0)
            _sync(self._fd)
        self._set_epoch(epoch)
        self._size = HEADER

    # ------------------------------------------------------------ the save's path

    def append(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Write one record of ``rows`` and sync it; returns its offset.

        The record is *in flight* until :meth:`finish`: the caller's transaction
        commits (``finish(offset, committed=True)``) or rolls back (the record is
        cut off again). Raises OSError (a full disk: nothing of the record stays).
        """
        plain = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
        nonce = os.urandom(_NONCE)
        with self._lock:
            # Sealed under the lock: the checkpointer's thread may have just started a
            # new epoch, and a record of the old one would be stale the moment it lands.
            sealed = self._aead.encrypt(nonce, plain, self._aad)
            record = _HEAD.pack(_TAG, len(sealed), self._epoch) + nonce + sealed
            offset = self._size
            self._in_flight = offset
        try:
            if offset + len(record) + _HEAD.size > self._allocated:  # pragma: no cover
                self._grow(len(record))  # grown after the last save: only a huge record
            _write_all(self._fd, record, offset)
            _sync(self._fd)
        except BaseException:
            self._cut(offset)
            raise
        if self.on_durable is not None:
            self.on_durable()
        self._size = offset + len(record)
        return offset

    def finish(self, offset: int, *, committed: bool) -> None:
        """The transaction of the record at ``offset`` ended; if it rolled back, the
        record is cut off (the save was refused: it must not come back at a replay).
        Then, off the save's wait, the file is written ahead when little is left."""
        if not committed:
            self._cut(offset)
        with self._lock:
            self._in_flight = None
            if committed and self._allocated - self._size < _ROOM:
                try:
                    self._grow(0)
                except OSError as exc:  # a full disk: the next save grows it or says so
                    log.warning("journal not grown: %s", type(exc).__name__)

    def _grow(self, need: int) -> None:
        more = max(_GROW, need + _HEAD.size)
        _write_all(self._fd, bytes(more), self._allocated)
        os.fsync(self._fd)
        self._allocated += more

    def _cut(self, offset: int) -> None:
        """The record at ``offset`` (and anything after it) is no record: its header
        zeroed and synced."""
        try:
            _write_all(self._fd, bytes(_HEAD.size), offset)
            _sync(self._fd)
        finally:
            with self._lock:
                self._size = offset
                self._in_flight = None

    # ------------------------------------------------------------ checkpoints

    def settled(self) -> int:
        """The length whose records all belong to committed transactions."""
        with self._lock:
            return self._size if self._in_flight is None else self._in_flight

    def drop_settled(self, mark: int) -> bool:
        """After a checkpoint that backfilled the whole WAL (begun after
        ``mark = settled()``): start the journal empty again, unless a record came
        after the mark (kept for the next checkpoint). True when emptied."""
        with self._lock:
            if self._fd < 0 or self._in_flight is not None or self._size != mark:
                return False
            if mark <= HEADER:
                return False
            try:
                self._new_epoch()
            except OSError as exc:  # kept: the next checkpoint tries again
                log.warning("journal not emptied after a checkpoint: %s", type(exc).__name__)
                return False
            self.dropped += 1
            return True

    # ------------------------------------------------------------ the opening

    def read(self) -> JournalContents:
        """Every current record, checked (see :class:`JournalContents`)."""
        return _read(self.path, self._aead, self._device)

    def read_at_open(self) -> JournalContents:
        """What the opening read (the store's replay), once; later, :meth:`read`."""
        found, self._at_open = self._at_open, None
        return found if found is not None else self.read()

    def clear(self) -> None:
        """Empty: every record is in the database, durably (or was set aside)."""
        with self._lock:
            self._new_epoch()

    def keep_aside(self, stamp: str) -> Path:
        """Rename the file (records that could not be applied) and start a new one.

        The kept file is never deleted by the app: ``db check`` names it, and the
        records it holds can be read with this module and the database key.
        """
        with self._lock:
            os.close(self._fd)
            self._fd = -1
            kept = self.path.with_name(f"{KEPT_PREFIX}{stamp}")
            n = 1
            while kept.exists():
                n += 1
                kept = self.path.with_name(f"{KEPT_PREFIX}{stamp}-{n}")
            try:
                os.replace(self.path, kept)
            finally:  # renamed or not, a journal is open again for the next save
                self._open()
            _sync_dir(self.path.parent)
            self._in_flight = None
        return kept

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = -1


def _read(path: Path, aead: AESGCM, device: bytes) -> JournalContents:
    """Every current record of the journal at ``path``, checked.

    The current records are those after the header that carry its epoch, up to the
    first that does not (zeros written ahead, a record cut off, stale records of an
    earlier epoch). A current record that does not open is damaged; so is any
    current epoch found past that end (a record after a damaged header).
    """
    with open(path, "rb") as fh:
        data = fh.read()
    found = JournalContents()
    if len(data) < HEADER or data[: len(_MAGIC)] != _MAGIC:
        found.bad_header = len(data) > 0 and any(data)
        return found
    epoch = data[len(_MAGIC) : HEADER]
    aad = _MAGIC + epoch + device
    pos = HEADER
    while pos + _HEAD.size + _NONCE <= len(data):
        tag, size, mark = _HEAD.unpack_from(data, pos)
        if tag != _TAG or mark != epoch:
            break
        start = pos + _HEAD.size
        end = start + _NONCE + size
        if size > _MAX_RECORD or end > len(data):
            found.damaged += 1
            break
        rows = _open_record(aead, aad, data[start : start + _NONCE], data[start + _NONCE : end])
        if rows is None:
            found.damaged += 1
        else:
            found.rows.extend(rows)
        pos = found.end = end
    if _current_after(data, pos, epoch):
        found.damaged += 1
    return found


def _current_after(data: bytes, pos: int, epoch: bytes) -> bool:
    """A record header of the current epoch somewhere past ``pos``."""
    at = data.find(epoch, pos)
    while at >= 0:
        if data[at - 8 : at - 4] == _TAG:
            return True
        at = data.find(epoch, at + 1)
    return False


def _open_record(
    aead: AESGCM, aad: bytes, nonce: bytes, sealed: bytes
) -> list[tuple[Any, ...]] | None:
    try:
        plain = aead.decrypt(nonce, sealed, aad)
        rows = json.loads(plain)
    except (InvalidTag, ValueError):
        return None
    if not isinstance(rows, list) or not all(
        isinstance(r, list) and len(r) == _ROW_COLUMNS for r in rows
    ):
        return None
    return [tuple(r) for r in rows]


def read_journal(data_dir: Path, db_key: bytes, device_id: str) -> JournalContents | None:
    """The journal of ``data_dir`` read without opening it for writing (``db check``
    on a read-only store); None when there is none."""
    path = data_dir / JOURNAL_FILE
    if not path.exists():
        return None
    return _read(path, AESGCM(journal_key(db_key)), device_id.encode())


def read_kept(path: Path, db_key: bytes, device_id: str) -> JournalContents:
    """A journal set aside (``ktpe.journal.kept-*``), read with the database key."""
    return _read(path, AESGCM(journal_key(db_key)), device_id.encode())


def _write_all(fd: int, data: bytes, offset: int) -> None:
    done = 0
    while done < len(data):
        n = _pwrite(fd, data[done:] if done else data, offset + done)
        if n <= 0:  # pragma: no cover - a short write that cannot go on
            raise OSError(errno.ENOSPC, "short write")
        done += n


def _pwrite(fd: int, data: bytes, offset: int) -> int:
    if _HAS_PWRITE:
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows has no pwrite
    return os.write(fd, data)


def _read_at(fd: int, n: int, offset: int) -> bytes:
    if _HAS_PWRITE:
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows has no pread
    return os.read(fd, n)


def kept_journals(data_dir: Path) -> list[Path]:
    """Journals set aside at earlier openings (records not applied), oldest first."""
    return sorted(data_dir.glob(f"{KEPT_PREFIX}*"))


def _sync_dir(folder: Path) -> None:
    if os.name == "nt":  # a directory cannot be opened for a sync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
