"""Salvage before restore: every readable event survives a recovery.

Events are immutable and hash-chained, so a recovery can be exact: whatever
event can still be read from a damaged database (or a damaged backup) and whose
own hash verifies is as good as new. :func:`rebuild` therefore builds the new
database from a *base* (the newest good backup, or an empty database of the
same device when there is none) and merges into it every row it can read from
the other sources, the damaged live file first:

1. each source is opened read-only twice: with its WAL (the newest committed
   state; SQLite stops at the first bad WAL frame) and as the main file alone
   (``immutable=1``: pages the WAL damaged may be intact there);
2. each table is read whole, or, when that fails, by ``rowid`` ranges split in
   halves around the damaged pages (row by row in the end), so one bad page
   costs its own rows only;
3. an event is merged only if its ``event_id`` and its hash verify (a flipped bit
   inside a row is refused, never "repaired"), and an event of another device only
   if its origin's Ed25519 signature vouches for it as a pull would (a kept chain
   segment that verifies under the device's pinned key; a device whose key no party
   gave is taken on the server's word, as in ``sync/verify.py``): one whose
   signature does not verify is left out and comes back by the next pull;
4. the device's head (next seq, chain head, clock) is recomputed from its events,
   states and anomalies are folded again from the events, outbox rows are
   carried over (an event the server acknowledged stays acknowledged) and every
   own event without one is queued; pull cursors restart (pulls are idempotent).

The result says, in numbers and seq ranges, what was recovered and what is truly
gone (:class:`SalvageReport`). Nothing here deletes a source: the caller moves the
damaged file aside.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import GENESIS_HASH, Event, event_id_for
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.core.signing import is_public_key, verify_segment
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage.engine import connect_raw, key_pragma, make_engine, quiet_cipher_log
from ktpe_desktop.storage.logs import get_logger

log = get_logger("storage")

# Tables rebuilt from others (never copied) and SQLite's own.
_SKIPPED_PREFIXES = ("sqlite_", "student_fts", "alembic_version")
# Derived rows folded again from the events (copies would duplicate anomalies).
_NOT_COPIED = frozenset({"anomaly", "device"})
# Pull cursors restart after a recovery: events pulled after the base may be gone.
_RESTART_KEYS = ("roster_cursor", "events_cursor")
_DEVICE_KEYS = "device_keys"  # sync_state: the pinned public keys (sync/verify.py)
# Give up splitting a table after this many failed reads (a destroyed root or interior
# page fails every range under it: reading around it row by row is hopeless).
MAX_FAILED_READS = 1_000
_MAX_ROWID_GUESS = 1 << 31


def _is_db_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlcipher3.DatabaseError | sqlcipher3.OperationalError)


@dataclass
class TableRead:
    """The rows of one table that one source gave."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    bad_rowids: int = 0  # rows (or rowids) that could not be read
    whole: bool = True  # read with one statement (no damage met)


@dataclass
class SourceRead:
    """What one file (one view of it) gave."""

    name: str
    opened: bool = False
    error: str = ""
    tables: dict[str, TableRead] = field(default_factory=dict)

    @property
    def damaged(self) -> bool:
        return not self.opened or any(not t.whole for t in self.tables.values())


@dataclass
class SalvageReport:
    """What a recovery did (counts and seq ranges only: no personal data)."""

    base: str  # the backup used as base, or "" (rebuilt from the sources alone)
    sources: list[str]
    device_id: str
    events_in_base: int = 0
    events_recovered: int = 0  # merged: the base lacked them
    events_total: int = 0
    events_refused: int = 0  # read, but their hash or id did not verify
    events_unverified: int = 0  # other devices' events whose signature did not verify
    rows_unreadable: int = 0  # rows of the event table that could not be read
    own_last_seq: int = 0
    own_recovered: list[tuple[int, int]] = field(default_factory=list)
    gone: list[tuple[int, int]] = field(default_factory=list)  # own seqs missing
    tail_lost_after: int | None = None  # the marker knew of seqs beyond own_last_seq
    tail_known_seq: int | None = None
    students_refolded: int = 0
    queued: int = 0  # own events put (back) in the outbox

    @property
    def gone_count(self) -> int:
        return sum(b - a + 1 for a, b in self.gone)

    def to_json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "sources": self.sources,
            "events_in_base": self.events_in_base,
            "events_recovered": self.events_recovered,
            "events_total": self.events_total,
            "events_refused": self.events_refused,
            "events_unverified": self.events_unverified,
            "rows_unreadable": self.rows_unreadable,
            "own_last_seq": self.own_last_seq,
            "gone": [list(r) for r in self.gone],
            "tail_known_seq": self.tail_known_seq,
        }

    def lines(self) -> list[str]:
        """The report in plain Indonesian (with the English twin on the same lines)."""
        out = []
        if self.base:
            out.append(
                f"Dasar: cadangan {self.base} ({self.events_in_base} peristiwa). / "
                f"Base: backup {self.base}."
            )
        else:
            out.append(
                "Tidak ada cadangan yang baik: basis data disusun ulang dari yang masih "
                "terbaca. / No good backup: the database was rebuilt from what is readable."
            )
        out.append(
            f"Diselamatkan dari berkas rusak: {self.events_recovered} peristiwa yang tidak ada "
            f"di dasar; total sekarang {self.events_total}. / Recovered {self.events_recovered} "
            f"events the base lacked; {self.events_total} in all."
        )
        if self.own_last_seq:
            out.append(
                f"Rantai perangkat ini: seq 1–{self.own_last_seq}"
                + (" lengkap." if not self.gone else ".")
                + f" / This device's chain: seq 1–{self.own_last_seq}."
            )
        if self.gone:
            ranges = ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in self.gone)
            out.append(
                f"HILANG (tidak terbaca di mana pun): {self.gone_count} peristiwa, seq {ranges}. "
                f"/ GONE (unreadable everywhere): {self.gone_count} events, seq {ranges}."
            )
        if self.tail_known_seq and self.tail_known_seq > self.own_last_seq:
            n = self.tail_known_seq - self.own_last_seq
            out.append(
                f"HILANG di ujung: {n} catatan terakhir (seq {self.own_last_seq + 1}–"
                f"{self.tail_known_seq}) tidak terbaca lagi. / Lost at the end: the last {n} "
                "events cannot be read any more."
            )
        if self.events_refused or self.rows_unreadable:
            out.append(
                f"Baris rusak: {self.rows_unreadable} tak terbaca, {self.events_refused} "
                "ditolak (hash tidak cocok). / Damaged rows: unreadable "
                f"{self.rows_unreadable}, refused {self.events_refused} (bad hash)."
            )
        if self.events_unverified:
            out.append(
                f"Tidak dipakai: {self.events_unverified} peristiwa perangkat lain yang tanda "
                "tangannya tidak cocok; diunduh ulang dari server pada sinkronisasi berikutnya. "
                f"/ Left out: {self.events_unverified} events of other devices whose signature "
                "does not verify; the next sync pulls them again."
            )
        if not self.gone and not (self.tail_known_seq and self.tail_known_seq > self.own_last_seq):
            out.append(
                "Tidak ada peristiwa perangkat ini yang hilang. / No event of this device is lost."
            )
        return out


# --------------------------------------------------------------------------- reading


def _open_view(path: Path, key: bytes, *, immutable: bool) -> Any:
    uri = f"file:{path}?mode=ro" + ("&immutable=1" if immutable else "")
    conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        quiet_cipher_log(conn)
        conn.execute(key_pragma(key))
        conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def _table_names(conn: Any) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [str(r[0]) for r in rows if not str(r[0]).startswith(_SKIPPED_PREFIXES)]


def _columns(conn: Any, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


class _View:
    """A read-only connection to one view of a file, reopened after each error.

    SQLCipher keeps a page's HMAC failure as a sticky error of the connection:
    every later statement on it fails too. So a failed read closes the
    connection and the next one opens a fresh one (cheap: the key is raw).
    """

    def __init__(self, path: Path, key: bytes, *, immutable: bool) -> None:
        self._path = path
        self._key = key
        self._immutable = immutable
        self._conn: Any = None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self._conn is None:
            self._conn = _open_view(self._path, self._key, immutable=self._immutable)
        try:
            return list(self._conn.execute(sql, params).fetchall())
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


def _max_rowid(view: _View, table: str) -> int:
    with contextlib.suppress(Exception):
        value = view.query(f'SELECT max(rowid) FROM "{table}"')[0][0]
        if value is not None:
            return int(value)
    # The rightmost page is damaged: an index holds every rowid too.
    best = 0
    with contextlib.suppress(Exception):
        for (index,) in view.query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
        ):
            with contextlib.suppress(Exception):
                row = view.query(f'SELECT max(rowid) FROM "{table}" INDEXED BY "{index}"')
                best = max(best, int(row[0][0] or 0))
    return best or _MAX_ROWID_GUESS


def _has_rowid(view: _View, table: str) -> bool:
    try:
        view.query(f'SELECT rowid FROM "{table}" LIMIT 0')
    except Exception as exc:
        if "no such column" in str(exc).lower():
            return False  # a WITHOUT ROWID table (the outbox since migration 0009)
        raise
    return True


def _read_by_key(view: _View, table: str, columns: list[str]) -> TableRead:
    """:func:`read_table` of a table without ``rowid`` (``NULL`` stands for the rowid):
    its keys are read from one of its indexes (each holds every key, on pages of its
    own), then its rows by ranges of those keys, split in halves around the damaged
    pages as the rowid ranges are. No readable index: the table is given up."""
    info = view.query(f'PRAGMA table_info("{table}")')
    key = next(str(r[1]) for r in sorted(info, key=lambda r: int(r[5] or 0)) if int(r[5] or 0))
    keys: list[Any] | None = None
    with contextlib.suppress(Exception):
        for (index,) in view.query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
        ):
            try:
                found = view.query(f'SELECT "{key}" FROM "{table}" INDEXED BY "{index}"')
            except Exception as exc:
                if not _is_db_error(exc):
                    raise
                continue
            keys = sorted({r[0] for r in found if r[0] is not None})
            break
    if keys is None:
        log.info("salvage: %s: no readable index to find its keys", table)
        return TableRead(columns, [], bad_rowids=1, whole=False)
    ranged = (
        "SELECT NULL, "
        + ", ".join(f'"{c}"' for c in columns)
        + f' FROM "{table}" WHERE "{key}" >= ? AND "{key}" <= ?'
    )
    rows: list[tuple[Any, ...]] = []
    bad = failed = 0
    heap = [(-len(keys), 0, len(keys))] if keys else []  # keys[lo:hi], largest first
    while heap:
        _, lo, hi = heapq.heappop(heap)
        try:
            rows.extend(view.query(ranged, (keys[lo], keys[hi - 1])))
        except Exception as exc:
            if not _is_db_error(exc):
                raise
            failed += 1
            if failed > MAX_FAILED_READS:
                log.info("salvage: %s: gave up after %d failed reads", table, failed)
                bad += 1
                break
            if hi - lo <= 1:
                bad += 1
                continue
            mid = (lo + hi) // 2
            heapq.heappush(heap, (lo - mid, lo, mid))
            heapq.heappush(heap, (mid - hi, mid, hi))
    return TableRead(columns, rows, bad_rowids=bad, whole=False)


def read_table(view: _View, table: str) -> TableRead:
    """Every readable row of ``table`` (rowid first), around damaged pages."""
    columns = [str(r[1]) for r in view.query(f'PRAGMA table_info("{table}")')]
    if not _has_rowid(view, table):
        whole = "SELECT NULL, " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{table}"'
        try:
            return TableRead(columns, view.query(whole))
        except Exception as exc:
            if not _is_db_error(exc):
                raise
        return _read_by_key(view, table, columns)
    select = "SELECT rowid, " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{table}"'
    try:
        return TableRead(columns, view.query(select))
    except Exception as exc:
        if not _is_db_error(exc):
            raise
    ranged = select + " WHERE rowid BETWEEN ? AND ?"
    rows: list[tuple[Any, ...]] = []
    bad = 0
    # Largest ranges first: everything readable around a damaged subtree is read
    # before the budget is spent on its rows one by one.
    # (Rowids here start at 1: implicit or INTEGER PRIMARY KEY, never negative.)
    heap = [(0, 1, _max_rowid(view, table))]
    failed = 0
    while heap:
        _, lo, hi = heapq.heappop(heap)
        try:
            rows.extend(view.query(ranged, (lo, hi)))
        except Exception as exc:
            if not _is_db_error(exc):
                raise
            failed += 1
            if failed > MAX_FAILED_READS:
                log.info("salvage: %s: gave up after %d failed reads", table, failed)
                bad += 1
                break
            if lo >= hi:
                bad += 1
                continue
            mid = (lo + hi) // 2
            heapq.heappush(heap, (lo - mid, lo, mid))
            heapq.heappush(heap, (mid + 1 - hi, mid + 1, hi))
    return TableRead(columns, rows, bad_rowids=bad, whole=False)


def _bad_pages(view: _View) -> set[int]:
    """Pages whose HMAC fails (``PRAGMA cipher_integrity_check``): a table whose root
    page is one of them cannot be read at all, so it is not tried row by row."""
    bad: set[int] = set()
    with contextlib.suppress(Exception):
        for (line,) in view.query("PRAGMA cipher_integrity_check"):
            word = str(line).rsplit(" ", 1)[-1]
            if word.isdigit():
                bad.add(int(word))
    return bad


def read_source(path: Path, key: bytes, *, immutable: bool, name: str) -> SourceRead:
    """Every readable row of every table of one view of a database file."""
    result = SourceRead(name)
    view = _View(path, key, immutable=immutable)
    try:
        try:
            names = view.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        except Exception as exc:
            result.error = type(exc).__name__ + ": " + str(exc)[:200]
            return result
        tables = [str(r[0]) for r in names if not str(r[0]).startswith(_SKIPPED_PREFIXES)]
        result.opened = True
        bad_pages = _bad_pages(view)
        roots = {}
        with contextlib.suppress(Exception):
            roots = {
                str(r[0]): int(r[1] or 0)
                for r in view.query("SELECT name, rootpage FROM sqlite_master WHERE type = 'table'")
            }
        for table in tables:
            if roots.get(table) in bad_pages:
                log.info("salvage: root page of %s damaged in %s", table, name)
                result.tables[table] = TableRead([], [], bad_rowids=1, whole=False)
                continue
            try:
                result.tables[table] = read_table(view, table)
            except Exception as exc:
                log.info("salvage: table unreadable in %s: %s", name, type(exc).__name__)
                result.tables[table] = TableRead([], [], bad_rowids=1, whole=False)
    finally:
        view.close()
    return result


def read_file(path: Path, key: bytes, name: str | None = None) -> list[SourceRead]:
    """Both views of a file (with its WAL, and the main file alone)."""
    name = name or path.name
    if not Path(f"{path}-wal").exists():  # nothing beyond the main file (creates no -wal)
        return [read_source(path, key, immutable=True, name=name)]
    return [
        read_source(path, key, immutable=False, name=f"{name} (+wal)"),
        read_source(path, key, immutable=True, name=f"{name} (tanpa wal)"),
    ]


# --------------------------------------------------------------------------- events


def _event_of(columns: list[str], row: tuple[Any, ...]) -> Event | None:
    """The event of an ``event`` row (rowid first), or None when it does not verify."""
    try:
        r = dict(zip(["rowid", *columns], row, strict=True))
        payload = json.loads(r["payload"]) if r["payload"] is not None else {}
        ev = Event(
            event_id=str(r["event_id"]),
            device_id=str(r["device_id"]),
            seq=int(r["seq"]),
            hlc=str(r["hlc"]),
            prev_hash=str(r["prev_hash"]),
            hash=str(r["hash"]),
            kind=str(r["kind"]),
            student_id=str(r["student_id"]),
            operator=str(r["operator"]),
            occurred_at=datetime.fromisoformat(str(r["occurred_at"])).astimezone(UTC),
            payload=dict(payload or {}),
        )
    except (KeyError, ValueError, TypeError):
        return None
    if ev.event_id != event_id_for(ev.device_id, ev.seq) or not ev.with_valid_hash():
        return None
    return ev


def _ranges(seqs: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s in sorted(set(seqs)):
        if out and s == out[-1][1] + 1:
            out[-1] = (out[-1][0], s)
        else:
            out.append((s, s))
    return out


# --------------------------------------------------------------------------- rebuild


def rebuild(
    target: Path,
    key: bytes,
    *,
    base: Path | None,
    sources: list[tuple[Path, str]],
    skeleton: Any,
    tail_known: tuple[int, str] | None = None,
) -> SalvageReport:
    """Build ``target`` from ``base`` (copied) or ``skeleton`` (a callable making an
    empty database at a path) and every readable row of ``sources``.

    Args:
        target: the new database file (must not exist).
        key: the database key (all files share it).
        base: the newest good backup, or None.
        sources: ``(path, label)`` of the files to salvage, most recent first.
        skeleton: ``skeleton(path)`` creates an empty, migrated database.
        tail_known: the chain head ``(seq, hash)`` the tail marker remembers.

    Returns:
        What was recovered and what is gone.
    """
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()
    if base is not None:
        shutil.copyfile(base, target)
    else:
        skeleton(target)
    reads: list[SourceRead] = []
    for path, label in sources:
        if path.exists():
            reads.extend(read_file(path, key, label))
    conn = connect_raw(target, key)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        device_id = _device_id(conn, reads)
        report = SalvageReport(
            base=base.name if base is not None else "",
            sources=[r.name + ("" if r.opened else " (tidak terbuka)") for r in reads],
            device_id=device_id,
        )
        report.events_in_base = int(conn.execute("SELECT count(*) FROM event").fetchone()[0])
        conn.execute("BEGIN IMMEDIATE")
        merged = _merge(conn, reads, report)
        own = _fix_device(conn, device_id, report, tail_known)
        report.queued = _queue_own(conn, device_id)
        conn.execute(
            "DELETE FROM sync_state WHERE key IN (" + ",".join("?" * len(_RESTART_KEYS)) + ")",
            _RESTART_KEYS,
        )
        conn.execute("COMMIT")
        report.events_total = int(conn.execute("SELECT count(*) FROM event").fetchone()[0])
        report.events_recovered = report.events_total - report.events_in_base
        report.own_recovered = _ranges(s for s in own if s in merged)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    report.students_refolded = _refold(target, key)
    return report


def _device_id(conn: Any, reads: list[SourceRead]) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
    if row is not None:
        return str(row[0])
    for read in reads:  # the skeleton has none yet: the sources say which device it is
        meta = read.tables.get("meta")
        if meta is None:
            continue
        for r in meta.rows:
            values = dict(zip(["rowid", *meta.columns], r, strict=True))
            if values.get("key") == "device_id":
                return str(values["value"])
    raise ValueError("no device id readable in any source")


def _rows(reads: list[SourceRead], table: str) -> Iterable[dict[str, Any]]:
    for read in reads:
        data = read.tables.get(table)
        if data is None:
            continue
        for row in data.rows:
            yield dict(zip(["rowid", *data.columns], row, strict=True))


def _pinned_keys(conn: Any, reads: list[SourceRead]) -> dict[str, str]:
    """The devices' public keys this laptop pinned (the base first, then the sources)."""
    texts = [
        str(r[0])
        for r in conn.execute("SELECT value FROM sync_state WHERE key = ?", (_DEVICE_KEYS,))
    ]
    texts += [str(r["value"]) for r in _rows(reads, "sync_state") if r.get("key") == _DEVICE_KEYS]
    pinned: dict[str, str] = {}
    for text in texts:
        try:
            value = json.loads(text)
        except (ValueError, TypeError):
            continue
        if isinstance(value, dict):
            for device_id, key in value.items():
                if isinstance(device_id, str) and is_public_key(key):
                    pinned.setdefault(device_id, str(key))
    return pinned


@dataclass
class Vouched:
    """What :func:`signed_events` found among the other devices' readable events."""

    events: set[tuple[str, str]] = field(default_factory=set)  # (event_id, hash)
    segments: set[tuple[str, int, int]] = field(default_factory=set)  # verified
    unverified: list[Event] = field(default_factory=list)


def signed_events(conn: Any, reads: list[SourceRead], own_device: str) -> Vouched:
    """The other devices' readable events whose origin's signature vouches for them
    (or whose device no party gave a key for), the segments that verified, and the
    events that could not be verified.

    A segment verifies over the hashes of its seqs taken from the base and the
    readable events (a seq read with two contents stays unproven); only the events
    whose hash is the one signed are vouched for.
    """
    candidates: dict[tuple[str, int], dict[str, str]] = {}  # (device, seq) -> hash -> id
    events: dict[tuple[str, str], Event] = {}
    for r in _rows(reads, "event"):
        row = tuple(r.values())
        ev = _event_of(list(r)[1:], row)
        if ev is None or ev.device_id == own_device:
            continue
        candidates.setdefault((ev.device_id, ev.seq), {})[ev.hash] = ev.event_id
        events[(ev.event_id, ev.hash)] = ev
    out = Vouched()
    if not candidates:
        return out
    base: dict[tuple[str, int], str] = {
        (str(d), int(q)): str(h)
        for d, q, h in conn.execute(
            "SELECT device_id, seq, hash FROM event WHERE device_id != ?", (own_device,)
        )
    }
    segments: dict[str, set[tuple[int, int, str]]] = {}
    for d, first, last, sig in conn.execute(
        "SELECT device_id, first_seq, last_seq, sig FROM chain_segment"
    ):
        segments.setdefault(str(d), set()).add((int(first), int(last), str(sig)))
    for r in _rows(reads, "chain_segment"):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            segments.setdefault(str(r["device_id"]), set()).add(
                (int(r["first_seq"]), int(r["last_seq"]), str(r["sig"]))
            )
    pinned = _pinned_keys(conn, reads)
    vouched = out.events
    for device_id in sorted({d for d, _ in candidates}):
        mine = {q: hs for (d, q), hs in candidates.items() if d == device_id}
        key = pinned.get(device_id)
        if key is None:  # no key known anywhere: the server's word, as a pull takes it
            vouched.update((eid, h) for hs in mine.values() for h, eid in hs.items())
            continue
        for first, last, sig in sorted(segments.get(device_id, ())):
            if last < first or last - first > 100_000:
                continue
            if not any(first <= q <= last for q in mine):
                continue
            hashes: list[str] = []
            for q in range(first, last + 1):
                known = base.get((device_id, q))
                options = set(mine.get(q, {}))
                if known is not None:
                    hashes.append(known)
                elif len(options) == 1:
                    hashes.append(next(iter(options)))
                else:
                    break  # not read, or read with two contents: unproven
            if len(hashes) != last - first + 1:
                continue
            if not verify_segment(key, device_id, first, hashes, sig):
                continue
            out.segments.add((device_id, first, last))
            for q, h in zip(range(first, last + 1), hashes, strict=True):
                if h in mine.get(q, {}):
                    vouched.add((mine[q][h], h))
    out.unverified = [ev for pair, ev in events.items() if pair not in vouched]
    return out


def _merge(conn: Any, reads: list[SourceRead], report: SalvageReport) -> set[int]:
    """INSERT OR IGNORE every readable row (events verified); returns own merged seqs."""
    vouched = signed_events(conn, reads, report.device_id)
    report.events_unverified = len(vouched.unverified)
    target_tables = set(_table_names(conn))
    target_columns = {t: set(_columns(conn, t)) for t in target_tables}
    have_events = {str(r[0]) for r in conn.execute("SELECT event_id FROM event")}
    merged_own: set[int] = set()
    acked: set[str] = set()
    refused: set[tuple[str, int]] = set()
    for read in reads:
        event_table = read.tables.get("event")
        if event_table is not None:
            report.rows_unreadable = max(report.rows_unreadable, event_table.bad_rowids)
        for table, data in read.tables.items():
            if table not in target_tables or table in _NOT_COPIED or not data.columns:
                continue
            cols = [c for c in data.columns if c in target_columns[table]]
            idx = [data.columns.index(c) + 1 for c in cols]  # +1: rowid first
            sql = (
                f'INSERT OR IGNORE INTO "{table}" ('
                + ", ".join(f'"{c}"' for c in cols)
                + ") VALUES ("
                + ", ".join("?" * len(cols))
                + ")"
            )
            for row in data.rows:
                if table == "event":
                    ev = _event_of(data.columns, row)
                    if ev is None:
                        refused.add((str(row[1]), int(row[0] or 0)))
                        continue
                    if ev.event_id in have_events:
                        continue
                    if ev.device_id != report.device_id and (
                        (ev.event_id, ev.hash) not in vouched.events
                    ):
                        continue  # its origin's signature does not vouch for it
                    have_events.add(ev.event_id)
                    if ev.device_id == report.device_id:
                        merged_own.add(ev.seq)
                elif table == "chain_segment":
                    values = dict(zip(["rowid", *data.columns], row, strict=True))
                    with contextlib.suppress(KeyError, TypeError, ValueError):
                        ident = (
                            str(values["device_id"]),
                            int(values["first_seq"]),
                            int(values["last_seq"]),
                        )
                        if ident not in vouched.segments:
                            continue  # a signature that did not verify is not kept
                elif table == "outbox":
                    values = dict(zip(["rowid", *data.columns], row, strict=True))
                    if values.get("status") == "acked":
                        acked.add(str(values.get("event_id")))
                elif table in _NOT_COPIED:
                    continue  # recomputed from the events below
                conn.execute(sql, [row[i] for i in idx])
    report.events_refused = len(refused)
    # Unverified events wait aside, as a pull's do: the next pull's segments release them.
    now = ledger.utc_text(datetime.now(UTC))
    for ev in vouched.unverified:
        if ev.event_id in have_events:
            continue
        conn.execute(
            "INSERT OR IGNORE INTO held_event (event_id, device_id, seq, reason, event, held_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (ev.event_id, ev.device_id, ev.seq, "unverified", json.dumps(ev.to_json()), now),
        )
    # An event the server acknowledged in any source stays acknowledged.
    for chunk in _chunks(sorted(acked), 500):
        conn.execute(
            "UPDATE outbox SET status = 'acked' WHERE status != 'acked' AND event_id IN ("
            + ",".join("?" * len(chunk))
            + ")",
            chunk,
        )
    conn.execute("UPDATE outbox SET status = 'pending' WHERE status = 'in_flight'")
    return merged_own


def _chunks(items: list[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _fix_device(
    conn: Any, device_id: str, report: SalvageReport, tail_known: tuple[int, str] | None
) -> set[int]:
    """The device's head from its own events; the gaps in its chain."""
    rows = conn.execute(
        "SELECT seq, hash, hlc FROM event WHERE device_id = ? ORDER BY seq", (device_id,)
    ).fetchall()
    seqs = {int(r[0]) for r in rows}
    last_seq = max(seqs) if seqs else 0
    head = str(rows[-1][1]) if rows else GENESIS_HASH
    hlc = max((str(r[2]) for r in rows), default=None)
    report.own_last_seq = last_seq
    report.gone = _ranges(set(range(1, last_seq + 1)) - seqs)
    if tail_known is not None:
        report.tail_known_seq = tail_known[0]
        if tail_known[0] > last_seq:
            report.tail_lost_after = last_seq
    current = conn.execute(
        "SELECT next_seq, hlc_last FROM device WHERE device_id = ?", (device_id,)
    ).fetchone()
    if current is None:
        conn.execute(
            "INSERT INTO device (device_id, next_seq, head_hash, hlc_last, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                device_id,
                last_seq + 1,
                head,
                hlc or Hlc(0, 0).encode(),
                ledger.utc_text(datetime.now(UTC)),
            ),
        )
    else:
        hlc_last = max(str(current[1]), hlc or "")
        conn.execute(
            "UPDATE device SET next_seq = ?, head_hash = ?, hlc_last = ? WHERE device_id = ?",
            (last_seq + 1, head, hlc_last, device_id),
        )
    return seqs


def _queue_own(conn: Any, device_id: str) -> int:
    """Every own event without an outbox row goes (back) in the queue."""
    now = ledger.utc_text(datetime.now(UTC))
    cur = conn.execute(
        "INSERT INTO outbox (event_id, status, attempts, last_error, updated_at) "
        "SELECT e.event_id, 'pending', 0, NULL, ? FROM event e "
        "LEFT JOIN outbox o ON o.event_id = e.event_id "
        "WHERE e.device_id = ? AND o.event_id IS NULL",
        (now, device_id),
    )
    return int(cur.rowcount or 0)


def _refold(target: Path, key: bytes) -> int:
    """Fold every student with events again (states and anomalies from the events)."""
    engine = make_engine(target, key, pool_size=1)
    try:
        with Session(engine) as s, s.begin():
            students = [
                str(r[0])
                for r in s.connection().exec_driver_sql("SELECT DISTINCT student_id FROM event")
            ]
            for i, sid in enumerate(students):
                ledger.recompute_state(s, sid)
                if i % 500 == 499:
                    s.flush()
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return len(students)


def remove_database(path: Path) -> None:
    """Delete a scratch database and its journal files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


__all__ = [
    "SalvageReport",
    "SourceRead",
    "read_file",
    "read_source",
    "read_table",
    "rebuild",
    "remove_database",
]
