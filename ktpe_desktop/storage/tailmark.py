"""The tail marker: the device chain's head, kept where a lost WAL cannot take it.

SQLite stops reading a WAL at its first bad frame, so a flipped byte, a
truncation or a deleted ``-wal`` after a crash silently drops the transactions
committed after the last checkpoint: the file still passes every check. The
database cannot tell what it no longer holds, so the head of this device's chain
(``seq``, ``hash``) is also written to ``<data_dir>/ktpe.head`` after each commit
that moved it (write + rename, no fsync: it must survive a killed process, and a
power cut can only make it older) and durably at a clean close: a tiny file
(AES-256-GCM under a key derived from the database key; no personal data anyway).
A marker written at checkpoints only would be useless: what a lost WAL takes is
exactly what was committed *after* the last checkpoint. The marker can only lag
the truth, never lead it, so a database whose own chain ends *before* the marker
has lost its tail: ``db check`` and the start-up check say "N catatan terakhir
hilang sejak …" instead of "utuh", and the range is kept in ``meta``
(``tail_lost``) so later checks still say so.

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

log = get_logger("storage")


@dataclass(frozen=True, slots=True)
class TailMarker:
    device_id: str
    seq: int  # the last seq known to be in the main database file
    hash: str
    at: str  # ISO 8601 UTC, when it was written


def _subkey(key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key)


def write_marker(data_dir: Path, key: bytes, marker: TailMarker, *, durable: bool = True) -> bool:
    """Replace the marker; False (logged, harmless) when the disk refuses.

    ``durable=False`` (after each commit): write + rename without fsync, a few tens
    of microseconds; it survives a killed process (the page cache is the system's),
    and a power cut can only leave it older than the truth or unreadable.
    """
    body = json.dumps(
        {"device_id": marker.device_id, "seq": marker.seq, "hash": marker.hash, "at": marker.at},
        sort_keys=True,
    ).encode()
    nonce = os.urandom(12)
    blob = nonce + AESGCM(_subkey(key)).encrypt(nonce, body, _AAD)
    target = Path(data_dir) / MARKER_FILE
    try:
        if durable:
            atomic_write_bytes(target, blob)
        else:
            tmp = target.with_name(f".{MARKER_FILE}.{os.getpid()}")
            tmp.write_bytes(blob)
            os.replace(tmp, target)
    except Exception as exc:  # a full disk must not stop a checkpoint or a close
        log.warning("tail marker not written: %s", type(exc).__name__)
        return False
    return True


def read_marker(data_dir: Path, key: bytes) -> TailMarker | None:
    """The marker, or None when absent or unreadable (then nothing can be said)."""
    try:
        blob = (Path(data_dir) / MARKER_FILE).read_bytes()
    except OSError:
        return None
    try:
        body = AESGCM(_subkey(key)).decrypt(blob[:12], blob[12:], _AAD)
        data = json.loads(body)
        return TailMarker(
            device_id=str(data["device_id"]),
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            at=str(data.get("at", "")),
        )
    except (InvalidTag, ValueError, KeyError, TypeError):
        log.warning("tail marker unreadable")
        return None


def read_tail_marker(data_dir: Path, key: bytes) -> tuple[int, str] | None:
    marker = read_marker(data_dir, key)
    return None if marker is None else (marker.seq, marker.hash)


def remove_marker(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (Path(data_dir) / MARKER_FILE).unlink()


__all__ = [
    "MARKER_FILE",
    "TailMarker",
    "read_marker",
    "read_tail_marker",
    "remove_marker",
    "write_marker",
]
