"""The tail marker: the device chain's head, kept where a lost WAL cannot take it.

SQLite stops reading a WAL at its first bad frame, so a flipped byte, a
truncation or a deleted ``-wal`` after a crash silently drops the transactions
committed after the last checkpoint: the file still passes every check. The
database cannot tell what it no longer holds, so the head of this device's chain
(``seq``, ``hash``) is also written to ``<data_dir>/ktpe.head`` after each commit
that moved it (no fsync: it must survive a killed process, and a power cut can
only make it older) and durably at a clean close: a tiny file (AES-256-GCM under a
key derived from the database key; no personal data anyway).
A marker written at checkpoints only would be useless: what a lost WAL takes is
exactly what was committed *after* the last checkpoint. The marker can only lag
the truth, never lead it, so a database whose own chain ends *before* the marker
has lost its tail: ``db check`` and the start-up check say "N catatan terakhir
hilang sejak …" instead of "utuh", and the range is kept in ``meta``
(``tail_lost``) so later checks still say so.

The file (format 2) is a magic and two fixed-size slots, written in place in turn:
a commit overwrites the *older* slot (open, seek, write; no rename, no truncation),
so a write torn by a power cut damages only that slot and the other still holds the
previous head; the reader takes the newest slot that decrypts. Format 1 (one
sealed blob replaced by write + rename) made every check-off pay for the rename:
ext4 flushes a file renamed over another (``auto_da_alloc``), a quarter of a
check-off's wall time in issue 18's profile. A format-1 file is still read, and
rewritten as format 2 at the first write.

An open store's writer keeps the file open between commits (one ``pwrite`` per
commit instead of open, seek, write, close: ~10 % of a check-off's CPU went to the
marker, issue 18) and checks with ``fstat`` that the file it holds is still the one
at ``ktpe.head``: a file removed or replaced meanwhile is written anew at that same
commit, as a writer that opened the path each time would have done. On Windows
(:data:`KEEP_OPEN`) the file is opened at each write, as before, since a file held
open there cannot be removed or replaced; a file replaced meanwhile (another file
identity) has its slots learnt again.

Exposure: the events committed after the last checkpoint. The idle checkpointer
runs half a second after writes pause (``storage/engine.py``), so the window is
the current burst of work.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ktpe_desktop.storage.fsutil import atomic_write_bytes
from ktpe_desktop.storage.logs import get_logger

MARKER_FILE = "ktpe.head"
_INFO = b"ktpe-jemput-bola tail marker v1"
_AAD = b"ktpe.head v1"
_MAGIC = b"KTPEHD2\n"  # format 2: this, then two slots
_SLOT = 256  # 2-byte length + nonce + sealed JSON + tag, zero-padded
_FILE_SIZE = len(_MAGIC) + 2 * _SLOT
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows

log = get_logger("storage")


@dataclass(frozen=True, slots=True)
class TailMarker:
    device_id: str
    seq: int  # the last seq known to be in the main database file
    hash: str
    at: str  # ISO 8601 UTC, when it was written


def _subkey(key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key)


def marker_cipher(key: bytes) -> AESGCM:
    """The marker's cipher for the database ``key`` (derived once per :class:`MarkerWriter`)."""
    return AESGCM(_subkey(key))


# json.dumps's own string escaper (ensure_ascii), in C.
_escape = json.encoder.encode_basestring_ascii


def _body(marker: TailMarker) -> bytes:
    """``json.dumps(fields, sort_keys=True).encode()``, byte for byte, without the
    encoder's set-up per call (this runs after every commit)."""
    return (
        f'{{"at": {_escape(marker.at)}, "device_id": {_escape(marker.device_id)}, '
        f'"hash": {_escape(marker.hash)}, "seq": {int.__repr__(int(marker.seq))}}}'
    ).encode()


def _parse(body: bytes) -> TailMarker:
    data = json.loads(body)
    return TailMarker(
        device_id=str(data["device_id"]),
        seq=int(data["seq"]),
        hash=str(data["hash"]),
        at=str(data.get("at", "")),
    )


def _seal_slot(cipher: AESGCM, marker: TailMarker) -> bytes:
    nonce = os.urandom(12)
    blob = nonce + cipher.encrypt(nonce, _body(marker), _MAGIC)
    if len(blob) + 2 > _SLOT:
        raise ValueError("tail marker too long for its slot")
    return (len(blob).to_bytes(2, "big") + blob).ljust(_SLOT, b"\0")


def _open_slot(cipher: AESGCM, slot: bytes) -> TailMarker | None:
    size = int.from_bytes(slot[:2], "big")
    blob = slot[2 : 2 + size]
    if len(blob) != size or size < 28:
        return None
    try:
        return _parse(cipher.decrypt(blob[:12], blob[12:], _MAGIC))
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None


def _read_slots(cipher: AESGCM, raw: bytes) -> list[TailMarker | None] | None:
    """Both slots of a format-2 file (None for a torn or empty one); None: not format 2."""
    if len(raw) != _FILE_SIZE or not raw.startswith(_MAGIC):
        return None
    first = len(_MAGIC)
    return [_open_slot(cipher, raw[first + i * _SLOT : first + (i + 1) * _SLOT]) for i in (0, 1)]


def _newest(slots: list[TailMarker | None]) -> int | None:
    """Index of the slot holding the newest marker, None when neither is readable."""
    best: int | None = None
    for i, marker in enumerate(slots):
        if marker is not None:
            held = slots[best] if best is not None else None
            if held is None or marker.seq > held.seq:
                best = i
    return best


class MarkerWriter:
    """One open store's writer of ``ktpe.head``: the subkey derived once, the two
    slots overwritten in turn (see the module docstring)."""

    def __init__(self, data_dir: Path, key: bytes) -> None:
        self.path = Path(data_dir) / MARKER_FILE
        self._cipher = marker_cipher(key)
        self._next: int | None = None  # the slot to overwrite next, once the file is format 2
        self._fd: int | None = None  # the file, kept open between writes (see the module doc)
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file written

    def read(self) -> TailMarker | None:
        return _read_file(self.path, self._cipher)

    def write(self, marker: TailMarker, *, durable: bool = False) -> bool:
        """Record ``marker``; False (logged, harmless) when the disk refuses.

        ``durable=False`` (after each commit): one in-place write of 256 bytes into
        the older slot on the file kept open, a few microseconds; it survives a
        killed process (the page cache is the system's), and a power cut can only
        leave it older than the truth. ``durable=True`` (at close) also syncs the file.
        """
        try:
            fd = self._fd
            if fd is not None and os.fstat(fd).st_nlink == 0:
                self.close()  # removed or replaced since: start again from the folder
                fd = None
            if fd is None and self._next is not None:
                fd = self._reopen()  # not kept open (Windows): the same file again?
            if fd is None:
                self._next = None  # (re)opened: learn the slots from what is on disk
                if self._prepare(marker):
                    return True  # written as a new file (atomic_write_bytes: synced)
                fd = self._fd = os.open(self.path, os.O_WRONLY | _O_BINARY)
                self._identity = _file_identity(fd)
            slot = self._next
            assert slot is not None
            data = _seal_slot(self._cipher, marker)
            if _pwrite(fd, data, len(_MAGIC) + slot * _SLOT) != len(data):
                raise OSError("short write")
            if durable:
                os.fsync(fd)
            self._next = 1 - slot
            if not KEEP_OPEN:
                self._fd = None
                os.close(fd)
        except Exception as exc:  # a full disk must not stop a commit, a checkpoint or a close
            self.close()  # start again from what is on disk
            log.warning("tail marker not written: %s", type(exc).__name__)
            return False
        return True

    def _reopen(self) -> int | None:
        """The file in the folder opened for the next write, if it is still the one
        whose slots this writer knows (else None: learn them again)."""
        try:
            fd = os.open(self.path, os.O_WRONLY | _O_BINARY)
        except FileNotFoundError:
            return None
        if _file_identity(fd) != self._identity:
            os.close(fd)  # replaced since (a copy put back): its slots are not known
            return None
        self._fd = fd
        return fd

    def close(self) -> None:
        """Let the file go (the store's close); the next write starts from the disk."""
        fd, self._fd, self._next = self._fd, None, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _prepare(self, marker: TailMarker) -> bool:
        """Learn which slot to overwrite; a missing, format-1 or unreadable file is
        replaced (durably, once) by a format-2 file holding ``marker``: True then."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raw = b""
        slots = _read_slots(self._cipher, raw)
        newest = _newest(slots) if slots is not None else None
        if slots is not None and newest is not None:
            self._next = 1 - newest
            return False
        sealed = _seal_slot(self._cipher, marker)
        atomic_write_bytes(self.path, _MAGIC + sealed + sealed)
        self._next = 1  # both slots hold marker: either may go next
        return True


#: Keep the file open between writes. Not on Windows: a file held open there cannot be
#: removed or replaced by anyone else (os.open shares no delete access), so the writer
#: opens it at each write, as before, and checks it is still the file it knows.
KEEP_OPEN = os.name != "nt"


def _file_identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _pwrite(fd: int, data: bytes, offset: int) -> int:
    if _HAS_PWRITE:
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows has no pwrite
    return os.write(fd, data)


_HAS_PWRITE = hasattr(os, "pwrite")


def _read_file(path: Path, cipher: AESGCM) -> TailMarker | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    slots = _read_slots(cipher, raw)
    if slots is not None:
        newest = _newest(slots)
        if newest is None:
            log.warning("tail marker unreadable")
            return None
        return slots[newest]
    try:  # format 1: one blob, written by write + rename
        return _parse(cipher.decrypt(raw[:12], raw[12:], _AAD))
    except (InvalidTag, ValueError, KeyError, TypeError):
        log.warning("tail marker unreadable")
        return None


def write_marker(data_dir: Path, key: bytes, marker: TailMarker, *, durable: bool = True) -> bool:
    """Replace the marker (a one-off :class:`MarkerWriter`); False when the disk refuses."""
    writer = MarkerWriter(data_dir, key)
    try:
        return writer.write(marker, durable=durable)
    finally:
        writer.close()


def read_marker(data_dir: Path, key: bytes) -> TailMarker | None:
    """The marker, or None when absent or unreadable (then nothing can be said)."""
    return _read_file(Path(data_dir) / MARKER_FILE, marker_cipher(key))


def read_tail_marker(data_dir: Path, key: bytes) -> tuple[int, str] | None:
    marker = read_marker(data_dir, key)
    return None if marker is None else (marker.seq, marker.hash)


def remove_marker(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (Path(data_dir) / MARKER_FILE).unlink()


__all__ = [
    "MARKER_FILE",
    "MarkerWriter",
    "TailMarker",
    "marker_cipher",
    "read_marker",
    "read_tail_marker",
    "remove_marker",
    "write_marker",
]
