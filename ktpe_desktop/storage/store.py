"""The data folder of one laptop: key slots, the encrypted database, backups, logs.

Layout of ``<data_dir>``::

    keyslots.json        wrapped database key per local user (no personal data)
    ktpe.db (-wal -shm)  the SQLCipher database
    ktpe.lock (.json)    the owner's OS lock and who it is (storage/folderlock.py)
    audit-pending.jsonl  audit rows that could not be written yet (no personal data)
    backups/             encrypted copies made with the SQLite backup API
    logs/ktpe.log        rotating log, digits redacted

:meth:`Store.create` and :meth:`Store.open` are the only ways in. Opening unlocks
the user's key slot, proves the key, checks the file (``quick_check``), refuses a
file written by a newer schema without touching it, and migrates an older one
after taking a backup.

A store opened to write holds the folder's lock (:class:`FolderLock`) until it
is closed: one owner per data folder. A store opened with ``readonly=True``
takes no lock and never writes the database: it can read beside the owner, on a
read-only medium or on a full disk; its audit rows (the login) are deferred
(:meth:`Store.audit_later`) and written by the next writer.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import secrets
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import GENESIS_HASH
from ktpe_desktop.core.hlc import Hlc, HybridClock
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.engine import (
    BUSY_TIMEOUT_MS,
    HEAD_HINT,
    JOURNAL_HINT,
    IdleCheckpointer,
    connect_raw,
    key_pragma,
    make_engine,
    write_engine,
)
from ktpe_desktop.storage.errors import (
    AlreadyInitialised,
    DatabaseCorrupt,
    DatabaseLocked,
    DataDirNotWritable,
    DataFolderInUse,
    DiskFull,
    NewerSchema,
    NoBackup,
    NothingToSalvage,
    NotInitialised,
    PermissionDenied,
    is_corruption,
    known_db_errors,
    translate_db_error,
)
from ktpe_desktop.storage.folderlock import FolderLock
from ktpe_desktop.storage.fsutil import append_synced, check_writable, fsync_dir
from ktpe_desktop.storage.journal import EventJournal, kept_journals, read_journal
from ktpe_desktop.storage.keyslots import KeySlots, UserRole, normalize_username, unlock_folder
from ktpe_desktop.storage.layout import DB_FILE, KEYSLOTS_FILE
from ktpe_desktop.storage.logs import configure_logging, get_logger, unconfigure_logging
from ktpe_desktop.storage.salvage import SalvageReport, rebuild, remove_database
from ktpe_desktop.storage.tailmark import (
    MarkerWriter,
    TailMarker,
    read_marker,
    read_tail_marker,
    write_marker,
)
from ktpe_desktop.storage.writer_gate import WriterBusy, WriterGate

if TYPE_CHECKING:
    from alembic.config import Config

    from ktpe_desktop.storage.ledger import Replayed, WriteTxn

CLOSE_WAIT_S = 60.0  # close() waits this long for a write in progress
#: ``PRAGMA quick_check`` reads and decrypts every page (about 10 ms of CPU per MB:
#: 0.05 s at 4,586 students, 4.5 s at 500,000). With ``check="auto"`` (the app's
#: login) a database up to this size is checked at open as always; a larger one
#: opens without it and :meth:`Store.check_deferred` runs the same check later
#: (the app: on a thread of its own once the roster is shown). 16 MiB is about
#: 16,000 students, far above a school laptop's roster (docs/performance.md).
QUICK_CHECK_AT_OPEN_MAX_BYTES = 16 * 1024 * 1024
BACKUP_DIR = "backups"
LOG_DIR = "logs"
AUDIT_PENDING_FILE = "audit-pending.jsonl"
# Space kept for audit rows on a full disk: written over in place, it needs no new
# block (on a copy-on-write file system such as btrfs it may still need one).
AUDIT_RESERVE_FILE = "audit-reserve.bin"
AUDIT_RESERVE_BYTES = 64 * 1024
KEEP_LAST_BACKUPS = 10
KEEP_DAILY_BACKUPS = 7
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_BACKUP_RE = re.compile(r"^ktpe-(\d{8}T\d{12})Z-([a-z0-9-]+)\.db$")

log = get_logger("storage")


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


# Every opening compares the database's revision with the migrations' head. Alembic
# itself is imported only to migrate: importing it (and the dialects it pulls in)
# took a third of a second of every start (issue 18). The migration files declare
# ``revision`` and ``down_revision`` on lines of their own; a unit test checks that
# this reading agrees with Alembic's ScriptDirectory.
_REVISION_LINE = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_LINE = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(?:None|[\"']([^\"']+)[\"'])", re.M)


@functools.lru_cache(maxsize=4)
def _revision_graph(migrations: Path) -> tuple[frozenset[str], str]:
    """(every known revision, the head), from the migration files in ``migrations``."""
    down: dict[str, str | None] = {}
    for path in sorted((migrations / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        rev, prev = _REVISION_LINE.search(text), _DOWN_LINE.search(text)
        if rev is None or prev is None:
            continue
        down[rev.group(1)] = prev.group(1)
    heads = set(down) - {d for d in down.values() if d is not None}
    if len(heads) != 1 or any(d is not None and d not in down for d in down.values()):
        from alembic.script import ScriptDirectory  # not a simple chain: ask Alembic

        script = ScriptDirectory.from_config(alembic_config())
        head = script.get_current_head()
        assert head is not None
        return frozenset(s.revision for s in script.walk_revisions()), head
    return frozenset(down), heads.pop()


def schema_head() -> str:
    return _revision_graph(MIGRATIONS_DIR)[1]


def known_revisions() -> set[str]:
    return set(_revision_graph(MIGRATIONS_DIR)[0])


def _utcnow() -> datetime:
    return datetime.now(UTC)


_marker_second: tuple[int, str] = (0, "")


def _marker_time() -> str:
    """``_utcnow().isoformat(timespec="seconds")`` for the tail marker's ``at``, made
    once per second (it is written after every commit)."""
    global _marker_second
    now = int(time.time())
    held = _marker_second
    if held[0] != now:
        held = _marker_second = (now, datetime.fromtimestamp(now, UTC).isoformat())
    return held[1]


# --------------------------------------------------------------------------- backups


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    reason: str


def list_backups(data_dir: Path) -> list[BackupInfo]:
    """The backups of a data folder, newest first."""
    found = []
    folder = data_dir / BACKUP_DIR
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        match = _BACKUP_RE.match(path.name)
        if not match:
            continue
        taken = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
        found.append(BackupInfo(path, taken, match.group(2)))
    found.sort(key=lambda b: b.taken_at, reverse=True)
    return found


def rotate_backups(data_dir: Path, *, now: datetime | None = None) -> list[Path]:
    """Keep the newest 10 backups and the newest of each of the last 7 days.

    Returns:
        The files deleted.
    """
    now = now or _utcnow()
    backups = list_backups(data_dir)
    keep = {b.path for b in backups[:KEEP_LAST_BACKUPS]}
    days: set[Any] = set()
    for b in backups:
        day = b.taken_at.date()
        if (now.date() - day).days < KEEP_DAILY_BACKUPS and day not in days:
            days.add(day)
            keep.add(b.path)
    removed = []
    for b in backups:
        if b.path not in keep:
            with contextlib.suppress(FileNotFoundError):
                b.path.unlink()
            removed.append(b.path)
    return removed


def _check_file(path: Path, key: bytes) -> bool:
    """Whether ``path`` opens with ``key`` and passes ``quick_check``."""
    # Any failure (wrong key, truncated or foreign file) answers "not a good backup":
    # the caller then tries the next older one.
    try:
        conn = connect_raw(path, key, readonly=True)
    except Exception as exc:
        log.debug("backup %s does not open: %s", path.name, type(exc).__name__)
        return False
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
        return [tuple(r) for r in rows] == [("ok",)]
    except Exception as exc:
        log.debug("backup %s fails quick_check: %s", path.name, type(exc).__name__)
        return False
    finally:
        conn.close()


def _check_at_open(db: Path, check: str) -> tuple[str, bool]:
    """The check to run at open for ``check``, and whether a quick_check is left for later."""
    if check != "auto":
        return check, False
    try:
        size = db.stat().st_size
    except OSError:
        return "quick", False  # the opening says what is wrong with the file
    if size <= QUICK_CHECK_AT_OPEN_MAX_BYTES:
        return "quick", False
    return "none", True


def latest_good_backup(data_dir: Path, key: bytes | None) -> Path | None:
    """The newest backup that opens and passes ``quick_check`` (newest at all without a key)."""
    for b in list_backups(data_dir):
        if key is None or _check_file(b.path, key):
            return b.path
    return None


def restore_latest_backup(
    data_dir: Path, key: bytes | None = None, *, lock: FolderLock | None = None
) -> Path:
    """Put the latest good backup in place of the database, with every event still
    readable in the damaged file merged in (:func:`recover_folder`).

    The current ``ktpe.db`` (and its ``-wal``/``-shm``) are renamed to
    ``ktpe.db.broken-<UTC time>`` (never deleted). Never under a running process:
    the folder's lock is taken first (or ``lock``, already held by the caller).

    Args:
        data_dir: the data folder.
        key: the database key; when given, only a backup that opens with it and
            passes ``quick_check`` is used.
        lock: the folder's lock, held by the caller (kept held on return).

    Returns:
        The backup that was restored.

    Raises:
        DataFolderInUse: a process holds the folder; nothing was changed.
        NoBackup: there is no usable backup.
    """
    data_dir = Path(data_dir)
    if lock is None or not lock.held:
        with FolderLock(data_dir) as own:
            return restore_latest_backup(data_dir, key, lock=own)
    if key is None:
        raise ValueError("restoring salvages the damaged file first: the key is needed")
    if latest_good_backup(data_dir, key) is None:
        raise NoBackup(data_dir)
    _report, backup = recover_folder(data_dir, key, lock=lock)
    assert backup is not None
    return backup


@dataclass(frozen=True, slots=True)
class TailLoss:
    """Seqs of this device committed once and missing from the database now."""

    first: int
    last: int
    since: str  # when the tail marker last saw them (ISO 8601 UTC)

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def message(self) -> str:
        when = self.since.replace("T", " ").replace("+00:00", " UTC")
        return (
            f"{self.count} catatan terakhir hilang sejak {when} (seq {self.first}–{self.last}). "
            f"/ The last {self.count} events are lost since {when}."
        )


def _skeleton(path: Path, key: bytes) -> None:
    """An empty database at ``path``, migrated to head (a rebuild's base)."""
    engine = make_engine(path, key, pool_size=1)
    try:
        Store._migrate(engine)
    finally:
        engine.dispose()


def recover_folder(
    data_dir: Path, key: bytes, *, lock: FolderLock, use_backup: bool = True
) -> tuple[SalvageReport, Path | None]:
    """Salvage before restore: a new database from the newest good backup (or from
    nothing) plus every readable row of the damaged file and of the other backups.

    The old ``ktpe.db`` (and ``-wal``/``-shm``) are renamed ``ktpe.db.broken-<time>``,
    never deleted. Needs the folder's lock (nothing else may have it open).

    Args:
        data_dir: the data folder.
        key: the database key.
        lock: the folder's lock, held by the caller.
        use_backup: start from the newest good backup (``restore-latest``); False
            rebuilds from the readable rows alone (``salvage``).

    Returns:
        The report, and the backup used as base (None: rebuilt).

    Raises:
        NothingToSalvage: no source could be read at all.
    """
    if not lock.held:
        raise DataFolderInUse(data_dir)
    data_dir = Path(data_dir)
    db = data_dir / DB_FILE
    base = latest_good_backup(data_dir, key) if use_backup else None
    sources: list[tuple[Path, str]] = []
    if db.exists():
        sources.append((db, DB_FILE))
    sources += [(b.path, b.path.name) for b in list_backups(data_dir) if b.path != base]
    target = data_dir / f".{DB_FILE}.recovering"
    tail = read_tail_marker(data_dir, key)
    try:
        report = rebuild(
            target,
            key,
            base=base,
            sources=sources,
            skeleton=lambda path: _skeleton(path, key),
            tail_known=tail,
        )
    except ValueError as exc:
        remove_database(target)
        raise NothingToSalvage(data_dir) from exc
    except BaseException as exc:
        remove_database(target)
        known = translate_db_error(exc)
        if known is not None and known is not exc:
            raise known from exc
        raise
    stamp = _utcnow().strftime("%Y%m%dT%H%M%SZ")
    try:
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{db}{suffix}")
            if src.exists():
                os.replace(src, data_dir / f"{DB_FILE}.broken-{stamp}{suffix}")
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}{suffix}").unlink()
        with open(target, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(target, db)
        fsync_dir(data_dir)
    except OSError as exc:
        known = translate_db_error(exc)
        if known is not None:
            raise known from exc
        raise DataDirNotWritable(data_dir, exc.strerror or "") from exc
    log.info(
        "recovered: base %s, %d events recovered, %d gone",
        base.name if base else "-",
        report.events_recovered,
        report.gone_count,
    )
    return report, base


# --------------------------------------------------------------------------- store


# Store._start_wal: how long it waits for saves to leave the writer, and its write.
START_WAL_WAIT_S = 0.2
_SQL_START_WAL = (
    "INSERT INTO meta (key, value) VALUES ('wal_started_at', ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


def utc_text_now() -> str:
    return _utcnow().isoformat(timespec="seconds")


def _end_writer_transaction(conn: Connection, raw: Any, *, commit: bool) -> None:
    """Commit (or roll back) the writer's transaction begun on the driver (see
    ``Store._writer_transaction``): through SQLAlchemy when it joined, else on the
    driver. A failed commit rolls back, so the connection never stays in a transaction."""
    joined = conn.get_transaction() if conn.in_transaction() else None
    if not commit:
        if joined is not None:
            joined.rollback()
        else:
            raw.rollback()
        return
    try:
        if joined is not None:
            joined.commit()
        else:
            raw.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            if conn.in_transaction():
                conn.rollback()
            raw.rollback()
        raise


class Store:
    """An unlocked data folder. Build it with :meth:`create` or :meth:`open`.

    Attributes:
        data_dir: the data folder.
        engine: the SQLAlchemy engine (readers: plain ``BEGIN``).
        username: the user who unlocked it.
        role: that user's role.
    """

    def __init__(
        self,
        data_dir: Path,
        key: bytes,
        username: str,
        role: UserRole,
        engine: Engine,
        *,
        lock: FolderLock | None = None,
        readonly: bool = False,
    ) -> None:
        self.data_dir = data_dir
        self._key = key
        self.username = username
        self.role = role
        self.engine = engine
        self.readonly = readonly
        self.lock = lock
        self._pending_audit: list[dict[str, Any]] = []
        self._marker_seq: int | None = None
        self._marker: MarkerWriter | None = None  # made at the first commit that moves the head
        # The marker moves only once this opening has compared it with the database
        # (_flag_tail_loss), else a first write would hide a tail loss.
        self._marker_armed = False
        self._write_engine = write_engine(engine)
        self.checkpointer = IdleCheckpointer(
            engine,
            after=self._start_wal,
            before=self._journal_settled,
            backfilled=self._journal_backfilled,
        )
        self._writer: Connection | None = None
        self.writer_gate = WriterGate()  # saves first; background writers yield to them
        self._writer_stale = False  # engine.dispose(): the next write takes a new connection
        # The writer's ``synchronous`` as last set (a new connection is FULL): changed
        # only when the next transaction needs the other, so that check-offs in a row
        # (NORMAL, D43) pay no PRAGMA (two per check-off were ~3 % of its CPU).
        self._writer_sync = "FULL"
        # The device's head as the last check-off left it (D43: its next check-off
        # writes the journal before reading the head, then checks it). Cleared by
        # every other write; a head that moved anyway only costs a second try.
        self.check_off_head: tuple[int, str, str] | None = None
        event.listen(engine, "engine_disposed", self._on_dispose)
        self._clock: HybridClock | None = None
        # A large database opened with check="auto": its quick_check is still to run.
        self.check_pending = False
        self._check_conn_running: Any = None  # interrupted by close()
        with Session(engine) as s:
            device = s.scalars(select(m.Device)).one()
            self.device_id: str = device.device_id
            self._hlc_last = device.hlc_last
        # The check-off journal (D43): a writer's only; replayed by the opening.
        self.journal: EventJournal | None = None
        if not readonly and key != b"\0" * 32:
            try:
                self.journal = EventJournal(data_dir, key, self.device_id)
            except OSError as exc:
                known = translate_db_error(exc)
                if known is not None:
                    raise known from exc
                raise

    # ------------------------------------------------------------ paths

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def keyslots(self) -> KeySlots:
        return KeySlots(self.data_dir / KEYSLOTS_FILE)

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / BACKUP_DIR

    def derived_key(self, purpose: str) -> bytes:
        """A 256-bit key for another encrypted file of this laptop (HKDF of the database key).

        Used by the school hub's server database (issue 14): it opens only while this
        store is unlocked, and never with the database key itself.
        """
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        info = f"ktpe-jemput-bola/{purpose}".encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self._key)

    # ------------------------------------------------------------ sessions

    def session(self) -> Session:
        """A session for reading (and for writes that cannot race: tests, loaders)."""
        return Session(self.engine, expire_on_commit=False)

    def write_session(self) -> Session:
        """A session whose transaction starts with ``BEGIN IMMEDIATE`` (the writer)."""
        return Session(self._write_engine, expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """``with store.transaction() as s:`` — one durable write transaction.

        Commits on success, rolls back on any error; disk-full and locked errors
        surface as their KnownError.
        """
        self._require_writable()
        self.check_off_head = None
        pending = list(self._pending_audit)
        with known_db_errors(), self.write_session() as s, s.begin():
            for row in pending:
                s.add(_audit_row(row))
            yield s
        if pending:
            del self._pending_audit[: len(pending)]
        self.checkpointer.wrote()
        self._note_head(None)

    @contextlib.contextmanager
    def write_connection(
        self,
        *,
        journaled: bool = False,
        first: Callable[[], tuple[EventJournal, int]] | None = None,
    ) -> Iterator[Connection]:
        """``with store.write_connection() as conn:`` — the same durable write transaction
        (``BEGIN IMMEDIATE``, commit on success, rollback on error, known errors
        translated) on a Core connection, without building an ORM session.

        The connection is this store's writer, kept checked out between
        transactions (no pool round trip per check-off; outside a transaction it
        holds no lock and no snapshot) and used by one thread at a time: a second
        writer waits like SQLite's busy timeout would, then gets DatabaseLocked.

        The check-off's path: the gate's :meth:`~WriterGate.foreground`,
        :meth:`_writer_transaction` and ``known_db_errors`` written out in one
        generator, same steps in the same order (three generator context managers
        were ~5 % of a check-off's CPU).

        ``journaled``: a check-off whose events ``ledger.append_local`` writes to the
        journal (D43) before inserting them: the transaction runs with ``synchronous
        = NORMAL`` (SQLite sets it outside a transaction only) and commits without a
        sync of its own; one that reaches its commit without a journal record is
        rolled back (never committed undurably).

        ``first``: a check-off's fast path (D43), called once the gate is held and
        before the transaction begins: it writes the check-off's journal record
        (built on the last check-off's head) and returns ``(journal, offset)``, so
        that the journal's sync waits for no database work. The record is cut off
        again if the transaction then fails.
        """
        self._require_writable()
        if not journaled:
            self.check_off_head = None
        gate = self.writer_gate
        try:
            gate.enter_foreground(BUSY_TIMEOUT_MS / 1000)
        except WriterBusy:
            raise DatabaseLocked() from None
        try:
            try:
                conn, raw = self._writer_connection()
                if first is not None:
                    conn.info[JOURNAL_HINT] = first()  # durable here (D43)
                try:
                    self._writer_synchronous(raw, "NORMAL" if journaled else "FULL")
                    self._begin_writer(conn, raw)
                    yield conn
                    if journaled and JOURNAL_HINT not in conn.info:
                        raise RuntimeError("a journaled transaction without its record")
                except BaseException:
                    _end_writer_transaction(conn, raw, commit=False)
                    self._journal_done(conn, committed=False)
                    raise
                try:
                    _end_writer_transaction(conn, raw, commit=True)
                except BaseException:
                    self._journal_done(conn, committed=False)
                    raise
                self._journal_done(conn, committed=True)
                self._note_head(raw, head=conn.info.pop(HEAD_HINT, None))
            except KnownError:
                raise
            except WriterBusy:
                raise DatabaseLocked() from None
            except Exception as exc:
                known = translate_db_error(exc)
                if known is None:
                    raise
                raise known from exc
        finally:
            gate.exit_foreground()
        self.checkpointer.wrote()

    def _writer_synchronous(self, raw: Any, level: str) -> None:
        """The writer's ``synchronous`` for its next transaction (set outside any
        transaction: SQLite refuses it inside one). FULL for every commit that must
        be durable by itself; NORMAL for a check-off, whose event the journal holds
        (D43), and for what can be fetched again."""
        if self._writer_sync == level:
            return
        try:
            raw.execute(f"PRAGMA synchronous = {level}")
        except Exception:
            # Never leave the level unknown: the next write takes a new (FULL) one.
            self._writer_stale = True
            raise
        self._writer_sync = level

    @staticmethod
    def _journal_done(conn: Connection, *, committed: bool) -> None:
        hint = conn.info.pop(JOURNAL_HINT, None)
        if hint is not None:
            journal, offset = hint
            journal.finish(offset, committed=committed)

    def _writer_connection(self) -> tuple[Connection, Any]:
        """The writer (made again when stale, closed or invalidated) and its driver
        connection, without a head left by a transaction that rolled back."""
        conn = self._writer
        if conn is None or self._writer_stale or conn.closed or conn.invalidated:
            if conn is not None:
                conn.close()
            conn = self._writer = self._write_engine.connect()
            self._writer_stale = False
            self._writer_sync = "FULL"  # the engine's connect hook sets it
        raw: Any = conn.connection.driver_connection
        conn.info.pop(HEAD_HINT, None)
        return conn, raw

    @staticmethod
    def _begin_writer(conn: Connection, raw: Any) -> None:
        if conn.in_transaction():  # pragma: no cover - a commit that failed half-way
            conn.rollback()
        # BEGIN IMMEDIATE and COMMIT straight on the driver: SQLAlchemy's
        # transaction bookkeeping was ~7 % of a check-off's CPU. SQLAlchemy
        # joins this transaction when a statement or an ORM session runs on
        # ``conn`` (the engine's ``begin`` hook sees it open and issues no BEGIN);
        # it then ends through SQLAlchemy, so its own state stays right.
        raw.execute("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def _writer_transaction(
        self, *, durable: bool = True, keeps_head: bool = False
    ) -> Iterator[Connection]:
        """A transaction on the writer connection (the caller holds the gate).

        ``durable=False``: committed without an fsync of its own (``synchronous =
        NORMAL`` for this transaction; WAL mode keeps it atomic, and the next
        durable commit or checkpoint makes it durable too). Only for what can be
        fetched again after a power cut, never for this laptop's own events.
        """
        if not keeps_head:  # ``keeps_head``: the caller writes neither head nor clock
            self.check_off_head = None
        with known_db_errors():
            conn, raw = self._writer_connection()
            self._writer_synchronous(raw, "FULL" if durable else "NORMAL")
            self._begin_writer(conn, raw)
            try:
                yield conn
            except BaseException:
                _end_writer_transaction(conn, raw, commit=False)
                raise
            _end_writer_transaction(conn, raw, commit=True)
            self._note_head(raw, head=conn.info.pop(HEAD_HINT, None))

    @contextlib.contextmanager
    def background_transaction(
        self, *, timeout: float | None = None, durable: bool = True
    ) -> Iterator[WriteTxn]:
        """``with store.background_transaction() as txn:`` — a write transaction for
        background work (the hub link, relays) that never delays a save.

        It starts only when no save waits for the writer (:class:`WriterGate`),
        runs on the writer connection (a save that arrives meanwhile waits on a
        Python lock and is woken at its end), and gives the hot path's
        :class:`~ktpe_desktop.storage.ledger.WriteTxn` (prepared SQL;
        ``txn.session()`` for ORM work in the same transaction). Keep it short.
        Raises DatabaseLocked when saves kept the writer ``timeout`` seconds
        (default: SQLite's busy timeout). ``durable=False``: no fsync of its own,
        for what can be fetched again (pulled events, cursors, heads).
        """
        from ktpe_desktop.storage.ledger import WriteTxn

        self._require_writable()
        try:
            with (
                self.writer_gate.background(BUSY_TIMEOUT_MS / 1000 if timeout is None else timeout),
                self._writer_transaction(durable=durable) as conn,
                WriteTxn(conn) as txn,
            ):
                yield txn
        except WriterBusy:
            raise DatabaseLocked() from None
        self.checkpointer.wrote()

    def _start_wal(self) -> None:
        """Start the next WAL now, after an idle checkpoint backfilled the last one.

        The first commit into a restarted WAL writes and syncs the WAL's header before
        its frames (SQLite does so at every restart): a save that came first would pay
        two syncs. This writes one ``meta`` row (no data of anyone) in a background
        transaction without an fsync of its own (the header's sync still happens: that
        is the point), so the next save appends to a started WAL and syncs once. Not
        counted as a write (no checkpoint follows it); skipped when a save is waiting.
        """
        if self.readonly or self._key == b"\0" * 32:
            return
        try:
            with (
                self.writer_gate.background(START_WAL_WAIT_S),
                self._writer_transaction(durable=False, keeps_head=True) as conn,
            ):
                raw: Any = conn.connection.driver_connection
                raw.execute(_SQL_START_WAL, (utc_text_now(),))
        except WriterBusy:
            return

    def _journal_settled(self) -> int | None:
        """Before an idle checkpoint: the journal's length whose records are all
        committed (the checkpoint, begun after, holds their transactions)."""
        journal = self.journal
        return None if journal is None else journal.settled()

    def _journal_backfilled(self, mark: object) -> None:
        """After an idle checkpoint that backfilled the whole WAL (and synced the
        database file): the records up to ``mark`` are durable there; cut them."""
        journal = self.journal
        if journal is not None and isinstance(mark, int):
            journal.drop_settled(mark)

    def _replay_journal(self) -> Replayed | None:
        """At a writer's opening: insert the check-offs the journal holds and the
        database lacks (D43), in one durable transaction; then empty the journal, or
        keep it aside when some record could not be applied (never lost)."""
        from ktpe_desktop.storage.ledger import WriteTxn, replay_journaled

        journal = self.journal
        if journal is None:
            return None
        found = journal.read_at_open()
        if not found.rows and not found.damaged and not found.bad_header:
            return None
        with self.write_connection() as conn, WriteTxn(conn) as txn:
            done = replay_journaled(txn, found.rows, self.device_id)
        if done.applied:
            self._hlc_last = max(self._hlc_last, done.applied[-1].hlc)
            self._clock = None  # restored again from the replayed head
            log.info(
                "journal: %d check-offs the database lacked were inserted (seq %d-%d)",
                len(done.applied),
                done.applied[0].seq,
                done.applied[-1].seq,
            )
        if done.left or found.damaged or found.bad_header:
            try:
                kept = journal.keep_aside(_utcnow().strftime("%Y%m%dT%H%M%SZ"))
            except OSError as exc:
                # Left as it is, untouched: this opening saves without the journal
                # (every commit synced, as before D43); the next opening tries again.
                journal.close()
                self.journal = None
                log.error(
                    "journal: %d records not applied, %d damaged; not set aside (%s), "
                    "left in place; saving without it",
                    len(done.left),
                    found.damaged,
                    type(exc).__name__,
                )
                return done
            log.error(
                "journal: %d records not applied, %d damaged; kept as %s",
                len(done.left),
                found.damaged,
                kept.name,
            )
        else:
            # Records "present" may be present in the WAL only, its frames unsynced
            # (a killed process's check-offs commit without a sync): the journal is
            # emptied only once a checkpoint has put the whole WAL into the database
            # file; otherwise it stays, written on after its records, and the next
            # idle checkpoint empties it.
            if self.checkpointer.checkpoint_whole():
                journal.clear()
            else:
                log.info("journal kept until the WAL is checkpointed")
        return done

    def yield_to_saves(self, timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
        """Background work's pause point: returns once no save waits for the writer."""
        self.writer_gate.yield_to_foreground(timeout)

    def _on_dispose(self, engine: Engine) -> None:
        self._writer_stale = True

    # ------------------------------------------------------------ tail marker

    def _read_head(self, raw: Any = None) -> tuple[int, str] | None:
        """``(last seq, head hash)`` of this device, read outside any transaction."""
        sql = "SELECT next_seq, head_hash FROM device WHERE device_id = ?"
        try:
            if raw is not None:
                row = raw.execute(sql, (self.device_id,)).fetchone()
            else:
                pooled = self.engine.raw_connection()
                try:
                    driver: Any = pooled.driver_connection
                    row = driver.execute(sql, (self.device_id,)).fetchone()
                finally:
                    pooled.close()
        except Exception as exc:  # the marker is a safety net, never a new failure
            log.debug("head not read for the tail marker: %s", type(exc).__name__)
            return None
        return None if row is None else (int(row[0]) - 1, str(row[1]))

    def _note_head(
        self,
        raw: Any,
        *,
        durable: bool = False,
        head: tuple[int, str] | None = None,
    ) -> None:
        """After a commit: move the tail marker when this device's head moved.

        ``head``: the head the committed transaction wrote (``ledger.append_local``
        leaves it in ``Connection.info``); without it the head is read back.
        """
        if self.readonly or not self._marker_armed or self._key == b"\0" * 32:
            return
        if head is None:
            head = self._read_head(raw)
        if head is None or (head[0] == self._marker_seq and not durable):
            return
        if self._marker is None:
            self._marker = MarkerWriter(self.data_dir, self._key)
        self._marker.write(
            TailMarker(self.device_id, head[0], head[1], _marker_time()), durable=durable
        )
        self._marker_seq = head[0]

    def tail_loss(self) -> TailLoss | None:
        """Events this device committed that the database no longer holds (a lost or
        damaged WAL): the tail marker knows a later head than the database."""
        marker = read_marker(self.data_dir, self._key)
        if marker is None or marker.device_id != self.device_id:
            return None
        head = self._read_head()
        last = head[0] if head is not None else 0
        if marker.seq <= last:
            return None
        return TailLoss(first=last + 1, last=marker.seq, since=marker.at)

    def journal_holds(self, loss: TailLoss) -> bool:
        """True when the check-off journal holds every event of ``loss``: the next
        writer's opening inserts them (D43), so nothing is lost."""
        try:
            found = read_journal(self.data_dir, self._key, self.device_id)
        except OSError:
            return False
        if found is None:
            return False
        seqs = {r[2] for r in found.rows if r[1] == self.device_id}
        return all(seq in seqs for seq in range(loss.first, loss.last + 1))

    def kept_journals(self) -> list[Path]:
        """Journals an opening set aside (records it could not apply, D43)."""
        return kept_journals(self.data_dir)

    def flagged_tail_losses(self) -> list[TailLoss]:
        """Tail losses found at earlier openings (kept in ``meta``)."""
        with self.session() as s:
            value = s.get(m.Meta, "tail_lost")
            text = value.value if value is not None else "[]"
        try:
            return [TailLoss(int(a), int(b), str(c)) for a, b, c in json.loads(text)]
        except (ValueError, TypeError):
            return []

    def _flag_tail_loss(self) -> None:
        """At a writer's opening: a tail loss is logged and kept in ``meta``."""
        loss = self.tail_loss()
        self._marker_armed = True
        if loss is None:
            return
        log.error(
            "tail loss: %d events of this device (seq %d-%d) are not in the database",
            loss.count,
            loss.first,
            loss.last,
        )
        known = self.flagged_tail_losses()
        if loss not in known:
            known.append(loss)
            with contextlib.suppress(KnownError):
                self.meta_set("tail_lost", json.dumps([[x.first, x.last, x.since] for x in known]))

    def _require_writable(self) -> None:
        if self.readonly:
            raise KnownError(
                "Data dibuka hanya-baca; perubahan tidak dapat disimpan di sini.",
                "The data was opened read-only; changes cannot be saved here.",
                code="read_only",
            )

    # ------------------------------------------------------------ audit

    def audit_later(
        self, action: m.AuditAction, subject: str | None = None, detail: Any = None
    ) -> None:
        """An audit row that must not stop read-only work: written now if possible.

        On a read-only store, a full disk or a read-only folder the row is kept and
        written with this store's next write transaction, else at :meth:`close`
        (into the database, or as a line of ``audit-pending.jsonl`` that the next
        writer imports), so reading never depends on writing first.
        """
        row = {
            "actor": self.username,
            "action": m.AuditAction(action).value,
            "subject": subject,
            "detail": detail,
            "at": _utcnow().isoformat(),
        }
        self._pending_audit.append(row)
        if self.readonly:
            return
        try:
            with self.transaction():
                pass
        except (DiskFull, DataDirNotWritable) as exc:
            log.warning("audit row deferred: %s", exc.code)

    @property
    def deferred_audit(self) -> int:
        """Audit rows not written yet (tests, `db info`)."""
        return len(self._pending_audit)

    def defer_audit(
        self,
        action: m.AuditAction,
        subject: str | None = None,
        detail: Any = None,
        *,
        document_number: dict[str, Any] | None = None,
    ) -> str:
        """Keep an audit row durably *now* without writing the database (a print on
        a full disk or from a read-only folder): a line of ``audit-pending.jsonl``,
        else the space reserved in ``audit-reserve.bin``, else a file outside the data
        folder (:func:`ktpe_desktop.paths.audit_fallback_dir`). The next writer that
        opens the folder writes it into the audit log (and keeps the Berita Acara's
        ``document_number`` with it). Returns where it went.

        Raises:
            AuditNotKept: nowhere could take it (the caller must undo the print).
        """
        row: dict[str, Any] = {
            "actor": self.username,
            "action": m.AuditAction(action).value,
            "subject": subject,
            "detail": detail,
            "at": _utcnow().isoformat(),
        }
        if document_number is not None:
            row["document_number"] = document_number
        where = self._keep_rows([row])
        if where is None:
            raise AuditNotKept()
        log.warning("audit row deferred to %s: the database cannot be written now", where)
        return where

    def _database_id(self) -> str:
        with contextlib.suppress(Exception), self.session() as s:
            value = s.get(m.Meta, "database_id")
            if value is not None:
                return str(value.value)
        return "unknown"

    def _fallback_audit_file(self) -> Path:
        from ktpe_desktop.paths import audit_fallback_dir

        return audit_fallback_dir() / f"audit-pending-{self._database_id()}.jsonl"

    def _keep_rows(self, rows: list[dict[str, Any]]) -> str | None:
        """Append ``rows`` durably to the first place that takes them; returns its name."""
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows)
        try:
            append_synced(self.data_dir / AUDIT_PENDING_FILE, text)
            return AUDIT_PENDING_FILE
        except OSError as exc:
            log.info("pending audit file not writable: %s", exc.strerror)
        if _reserve_append(self.data_dir / AUDIT_RESERVE_FILE, text.encode("utf-8")):
            return AUDIT_RESERVE_FILE
        target = self._fallback_audit_file()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            append_synced(target, text)
            return str(target)
        except OSError as exc:
            log.error("audit rows could not be kept anywhere: %s", exc.strerror)
        return None

    def _import_pending_audit(self) -> int:
        """Write the rows deferred by other openings (``audit-pending.jsonl``, the
        reserve, the fallback file outside the folder) into the audit log."""
        path = self.data_dir / AUDIT_PENDING_FILE
        reserve = self.data_dir / AUDIT_RESERVE_FILE
        fallback = self._fallback_audit_file()
        lines: list[str] = []
        for source in (path, fallback):
            try:
                lines += source.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("pending audit rows unreadable: %s", type(exc).__name__)
        lines += _reserve_read(reserve).splitlines()
        rows = []
        for line in lines:
            with contextlib.suppress(ValueError, TypeError):
                row = json.loads(line)
                if isinstance(row, dict) and row.get("action") in m.AuditAction._value2member_map_:
                    rows.append(row)
        if rows:
            with self.transaction() as s:
                for row in rows:
                    s.add(_audit_row(row))
                    _keep_document_number(s, row.get("document_number"))
        for source in (path, fallback):
            with contextlib.suppress(OSError):
                source.unlink()
        _reserve_ensure(reserve)
        return len(rows)

    def _flush_audit_at_close(self) -> None:
        if not self._pending_audit:
            return
        if not self.readonly:
            with contextlib.suppress(KnownError):
                with self.transaction():
                    pass
                return
        if self._keep_rows(self._pending_audit) is not None:
            self._pending_audit.clear()
        else:
            log.warning("%d audit rows could not be written", len(self._pending_audit))

    @property
    def clock(self) -> HybridClock:
        """The device's hybrid logical clock, restored from the last persisted reading."""
        if self._clock is None:
            self._clock = HybridClock(last=Hlc.decode(self._hlc_last))
        return self._clock

    # ------------------------------------------------------------ create / open

    @classmethod
    def create(
        cls,
        data_dir: Path | str,
        username: str,
        password: str,
        *,
        role: UserRole | str = UserRole.LEAD,
        display_name: str | None = None,
    ) -> Store:
        """Set up a new data folder with a first user (a lead by default).

        Raises:
            AlreadyInitialised: the folder already holds a database or key slots.
            DataDirNotWritable, DiskFull: the folder cannot be written.
        """
        data_dir = Path(data_dir).resolve()
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            known = translate_db_error(exc)
            raise (known or DataDirNotWritable(data_dir, exc.strerror or "")) from exc
        check_writable(data_dir)
        slots_path = data_dir / KEYSLOTS_FILE
        db = data_dir / DB_FILE
        if slots_path.exists() or db.exists():
            raise AlreadyInitialised(data_dir)
        lock = FolderLock(data_dir).acquire()
        try:
            return cls._create_locked(data_dir, username, password, role, display_name, lock)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def _create_locked(
        cls,
        data_dir: Path,
        username: str,
        password: str,
        role: UserRole | str,
        display_name: str | None,
        lock: FolderLock,
    ) -> Store:
        slots_path = data_dir / KEYSLOTS_FILE
        db = data_dir / DB_FILE
        if slots_path.exists() or db.exists():
            raise AlreadyInitialised(data_dir)
        username = normalize_username(username)
        role = UserRole(role)
        key = secrets.token_bytes(32)
        building = data_dir / f".{DB_FILE}.creating"
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{building}{suffix}").unlink()
        try:
            engine = make_engine(building, key, pool_size=1)
            try:
                cls._migrate(engine)
                # Canonical dashed UUID: the server's enrolment schema requires it
                # (sync protocol v1). [sync-client fix, see the sync report]
                device_id = str(uuid.uuid4())
                now = _utcnow()
                with Session(engine) as s, s.begin():
                    s.add(m.Meta(key="device_id", value=device_id))
                    s.add(m.Meta(key="created_at", value=now.isoformat()))
                    s.add(m.Meta(key="database_id", value=uuid.uuid4().hex))
                    s.add(
                        m.Device(
                            device_id=device_id,
                            next_seq=1,
                            head_hash=GENESIS_HASH,
                            hlc_last=Hlc(0, 0).encode(),
                        )
                    )
                    s.add(
                        m.LocalUser(
                            username=username, display_name=display_name or username, role=role
                        )
                    )
                    s.add(
                        m.AuditLog(
                            actor=username,
                            action=m.AuditAction.USER_ADDED,
                            subject=username,
                            detail={"role": role.value, "first_user": True},
                        )
                    )
            finally:
                engine.dispose()
            os.replace(building, db)
            fsync_dir(data_dir)
            KeySlots.create(slots_path, username, password, role=role, key=key)
        except BaseException as exc:
            for path in (db, building):
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        Path(f"{path}{suffix}").unlink()
            if isinstance(exc, Exception):
                known = translate_db_error(exc)
                if known is not None and known is not exc:
                    raise known from exc
            raise
        configure_logging(data_dir)
        log.info("created data folder (device %s)", device_id[:8])
        store = cls(data_dir, key, username, role, make_engine(db, key), lock=lock)
        store._marker_armed = True  # a new chain: any old marker is another device's
        _reserve_ensure(data_dir / AUDIT_RESERVE_FILE)
        return store

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        username: str,
        password: str,
        *,
        check: str = "quick",
        readonly: bool = False,
        wait: float = 0.0,
    ) -> Store:
        """Unlock and open an existing data folder.

        Args:
            data_dir: the data folder.
            username: a local user.
            password: that user's password.
            check: ``"quick"`` (``PRAGMA quick_check``, the default), ``"full"``
                (``integrity_check`` + ``cipher_integrity_check``), ``"none"``, or
                ``"auto"``: ``quick`` up to :data:`QUICK_CHECK_AT_OPEN_MAX_BYTES`,
                above it none at open and :attr:`check_pending` set (the caller
                runs :meth:`check_deferred`).
            readonly: read only: no folder lock, no write to the database (the
                login's audit row is deferred, :meth:`audit_later`).
            wait: seconds to wait for the folder's owner to leave (writers).

        Raises:
            NotInitialised, UnknownUser, WrongPassword, DatabaseCorrupt,
            NewerSchema, DataDirNotWritable, DiskFull, DatabaseLocked,
            DataFolderInUse.
        """
        data_dir = Path(data_dir).resolve()
        key = unlock_folder(data_dir, username, password)
        return cls.open_unlocked(data_dir, username, key, check=check, readonly=readonly, wait=wait)

    @classmethod
    def open_unlocked(
        cls,
        data_dir: Path | str,
        username: str,
        key: bytes,
        *,
        check: str = "quick",
        readonly: bool = False,
        wait: float = 0.0,
    ) -> Store:
        """:meth:`open` after its unlock (``keyslots.unlock_folder``): the login's
        second step, once the database code is imported. Same arguments and errors."""
        data_dir = Path(data_dir).resolve()
        role = KeySlots(data_dir / KEYSLOTS_FILE).role_of(username)
        store = cls.open_with_key(
            data_dir,
            key,
            normalize_username(username),
            role,
            check=check,
            readonly=readonly,
            wait=wait,
        )
        store.audit_later(m.AuditAction.LOGIN)
        return store

    @classmethod
    def open_with_key(
        cls,
        data_dir: Path | str,
        key: bytes,
        username: str = "system",
        role: UserRole = UserRole.LEAD,
        *,
        check: str = "quick",
        readonly: bool = False,
        wait: float = 0.0,
        lock: FolderLock | None = None,
    ) -> Store:
        """Open with an already unwrapped key (after :meth:`open`'s unlock; tests).

        ``lock``: the folder's lock, already held by the caller (a restore); it
        is then owned by the store and released by :meth:`close`.
        """
        data_dir = Path(data_dir).resolve()
        check, deferred = _check_at_open(data_dir / DB_FILE, check)
        if readonly:
            store = cls._open_readonly(data_dir, key, username, role, check)
            store.check_pending = deferred
            return store
        db = data_dir / DB_FILE
        check_writable(data_dir)
        if not os.access(db, os.W_OK):
            raise DataDirNotWritable(db, "read-only file")
        if lock is None:
            lock = FolderLock(data_dir).acquire(timeout=wait)
        try:
            store = cls._open_locked(data_dir, key, username, role, check, lock)
        except BaseException as exc:
            lock.release()
            if _io_error_of_full_disk(data_dir, exc):
                raise DiskFull() from exc
            raise
        store.check_pending = deferred
        try:
            store._replay_journal()
        except BaseException:
            store.close()
            raise
        with contextlib.suppress(KnownError):
            store._import_pending_audit()
        store._flag_tail_loss()
        return store

    @classmethod
    def _open_readonly(
        cls, data_dir: Path, key: bytes, username: str, role: UserRole, check: str
    ) -> Store:
        db = data_dir / DB_FILE
        if not db.exists():
            raise NotInitialised(data_dir)
        revision = cls._checked_revision(data_dir, key, check, readonly=True)
        if revision not in known_revisions():
            raise NewerSchema(revision or "?")
        if revision != schema_head():
            raise KnownError(
                "Basis data perlu diperbarui ke skema baru; buka aplikasi sekali dahulu.",
                "The database needs a schema upgrade; open the app once first.",
                code="needs_migration",
            )
        engine = make_engine(db, key, readonly=True)
        try:
            return cls(data_dir, key, username, role, engine, readonly=True)
        except BaseException as exc:
            engine.dispose()
            known = translate_db_error(exc)
            if known is not None and known is not exc:
                raise known from exc
            raise

    @classmethod
    def _open_locked(
        cls,
        data_dir: Path,
        key: bytes,
        username: str,
        role: UserRole,
        check: str,
        lock: FolderLock,
    ) -> Store:
        db = data_dir / DB_FILE
        revision = cls._checked_revision(data_dir, key, check)
        head = schema_head()
        if revision not in known_revisions():
            raise NewerSchema(revision or "?")
        configure_logging(data_dir)
        engine = make_engine(db, key)
        try:
            if revision != head:
                cls._backup_file(data_dir, db, key, f"pre-migrate-{revision}")
                log.info("migrating schema %s -> %s", revision, head)
                with known_db_errors():
                    cls._migrate(engine)
            store = cls(data_dir, key, username, role, engine, lock=lock)
            if revision != head:
                with store.transaction() as s:
                    s.add(
                        m.AuditLog(
                            actor=username,
                            action=m.AuditAction.MIGRATE,
                            subject=head,
                            detail={"from": revision},
                        )
                    )
        except BaseException:
            engine.dispose()
            raise
        return store

    @staticmethod
    def _checked_revision(data_dir: Path, key: bytes, check: str, *, readonly: bool = False) -> str:
        db = data_dir / DB_FILE

        def explained(exc: Exception) -> Exception:
            """The KnownError for ``exc`` (locked, disk full, corrupt …), else ``exc``."""
            known = translate_db_error(exc)
            if known is not None:
                return known
            if is_corruption(exc):
                return DatabaseCorrupt(db, latest_good_backup(data_dir, key), str(exc))
            return exc

        try:
            conn = connect_raw(db, key, readonly=readonly)
        except Exception as exc:
            err = explained(exc)
            if err is exc:
                raise
            raise err from exc
        try:
            problems = Store._check_conn(conn, check)
            if problems:
                log.error("integrity check failed (%d problems)", len(problems))
                raise DatabaseCorrupt(db, latest_good_backup(data_dir, key), problems[0])
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except Exception as exc:
                raise DatabaseCorrupt(db, latest_good_backup(data_dir, key), str(exc)) from exc
            return str(row[0]) if row else ""
        except DatabaseCorrupt:
            raise
        except Exception as exc:
            err = explained(exc)
            if err is exc:
                raise
            raise err from exc
        finally:
            conn.close()

    @staticmethod
    def _check_conn(conn: Any, check: str) -> list[str]:
        if check == "none":
            return []
        problems: list[str] = []
        if check == "full":
            problems += [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        else:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        problems += [str(r[0]) for r in rows if str(r[0]) != "ok"]
        return problems

    @staticmethod
    def _migrate(engine: Engine) -> None:
        from alembic import command

        cfg = alembic_config()
        # BEGIN IMMEDIATE: a migration reads (alembic_version) before it writes, and
        # a plain BEGIN's read cannot wait to become a write. Another connection's
        # write lock (the name map's probe, a check-off) would fail it at once.
        with write_engine(engine).begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    # ------------------------------------------------------------ checks

    def check_deferred(self) -> bool:
        """The ``quick_check`` an ``"auto"`` opening left for later (a large database).

        Reads on a connection of its own (a WAL snapshot: writers go on meanwhile).
        :meth:`close` interrupts it; it is then still pending.

        Returns:
            True when the check ran and found nothing (or none was pending),
            False when it was interrupted by :meth:`close`.

        Raises:
            DatabaseCorrupt: as the check at open would have (same message, the
                latest good backup named).
        """
        if not self.check_pending:
            return True
        db = self.db_path
        try:
            conn = connect_raw(db, self._key, readonly=True)
        except Exception as exc:
            if is_corruption(exc):
                raise DatabaseCorrupt(
                    db, latest_good_backup(self.data_dir, self._key), str(exc)
                ) from exc
            raise
        # A page is read once: a small cache, else the check's pages add ~8 MB to the
        # app's memory while it runs (500,000 students: RSS target 200 MB).
        conn.execute("PRAGMA cache_size = -256")
        self._check_conn_running = conn
        try:
            problems = self._check_conn(conn, "quick")
        except Exception as exc:
            if self._check_conn_running is None:  # close() interrupted it
                return False
            if not is_corruption(exc):
                raise
            problems = [str(exc)]
        finally:
            closed = self._check_conn_running is None  # by close(), meanwhile
            self._check_conn_running = None
            conn.close()
        if closed:
            return False
        if problems:
            log.error("deferred quick_check failed (%d problems)", len(problems))
            raise DatabaseCorrupt(db, latest_good_backup(self.data_dir, self._key), problems[0])
        self.check_pending = False
        log.info("deferred quick_check: ok")
        return True

    def integrity_check(self, *, full: bool = True) -> list[str]:
        """Problems found by ``integrity_check`` (+ ``cipher_integrity_check``); [] if fine."""
        raw = self.engine.raw_connection()
        try:
            return self._check_conn(raw.driver_connection, "full" if full else "quick")
        finally:
            raw.close()

    def schema_revision(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())

    # ------------------------------------------------------------ backups

    def backup(self, reason: str = "manual") -> Path:
        """An encrypted copy of the database in ``backups/`` (SQLite backup API).

        Returns:
            The new backup file. Older backups are rotated (:func:`rotate_backups`).

        Raises:
            DiskFull, DataDirNotWritable: no backup was written.
        """
        path = self._backup_file(self.data_dir, self.db_path, self._key, reason)
        with self.transaction() as s:
            s.add(
                m.AuditLog(
                    actor=self.username,
                    action=m.AuditAction.BACKUP,
                    subject=path.name,
                    detail={"reason": reason},
                )
            )
        return path

    @staticmethod
    def _backup_file(data_dir: Path, db: Path, key: bytes, reason: str) -> Path:
        import sqlcipher3

        folder = data_dir / BACKUP_DIR
        slug = re.sub(r"[^a-z0-9-]+", "-", reason.lower()).strip("-")[:40] or "manual"
        now = _utcnow()
        name = f"ktpe-{now.strftime('%Y%m%dT%H%M%S%f')}Z-{slug}.db"
        target = folder / name
        partial = folder / f".{name}.partial"
        try:
            folder.mkdir(exist_ok=True)
            src = connect_raw(db, key)
            try:
                dst = sqlcipher3.connect(str(partial), isolation_level=None)
                try:
                    dst.execute(key_pragma(key))
                    dst.execute("PRAGMA temp_store = MEMORY")
                    src.backup(dst)
                    dst.execute("PRAGMA journal_mode = DELETE").fetchone()
                finally:
                    dst.close()
            finally:
                src.close()
            with open(partial, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, target)
            fsync_dir(folder)
        except Exception as exc:
            for suffix in ("", "-journal", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{partial}{suffix}").unlink()
            known = translate_db_error(exc)
            if known is not None:
                raise known from exc
            if isinstance(exc, OSError):
                raise DataDirNotWritable(folder, exc.strerror or "") from exc
            raise
        rotate_backups(data_dir, now=now)
        log.info("backup written (%s)", slug)
        return target

    # ------------------------------------------------------------ users

    def _require_lead(self, action: str) -> None:
        if self.role != UserRole.LEAD:
            raise PermissionDenied(action)

    def add_user(
        self,
        username: str,
        password: str,
        *,
        role: UserRole | str = UserRole.OPERATOR,
        display_name: str | None = None,
        nip: str | None = None,
    ) -> None:
        """Give a new local user a key slot (leads only)."""
        self._require_lead("menambah pengguna")
        username = normalize_username(username)
        role = UserRole(role)
        self.keyslots.add_user(self._key, username, password, role)
        with self.transaction() as s:
            s.merge(
                m.LocalUser(
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    nip=nip,
                    active=True,
                )
            )
            s.add(
                m.AuditLog(
                    actor=self.username,
                    action=m.AuditAction.USER_ADDED,
                    subject=username,
                    detail={"role": role.value},
                )
            )

    def remove_user(self, username: str) -> None:
        """Remove a user's key slot (leads only; never the last lead)."""
        self._require_lead("menghapus pengguna")
        username = normalize_username(username)
        self.keyslots.remove_user(username)
        with self.transaction() as s:
            user = s.get(m.LocalUser, username)
            if user is not None:
                user.active = False
            s.add(
                m.AuditLog(actor=self.username, action=m.AuditAction.USER_REMOVED, subject=username)
            )

    def change_password(self, old_password: str, new_password: str) -> None:
        """Change the unlocking user's own password."""
        self.keyslots.change_password(self.username, old_password, new_password)
        with self.transaction() as s:
            s.add(
                m.AuditLog(
                    actor=self.username,
                    action=m.AuditAction.PASSWORD_CHANGED,
                    subject=self.username,
                )
            )

    def reset_password(self, username: str, new_password: str) -> None:
        """Set another user's password (leads only)."""
        self._require_lead("mengganti kata sandi pengguna lain")
        self.keyslots.set_password(self._key, username, new_password)
        with self.transaction() as s:
            s.add(
                m.AuditLog(
                    actor=self.username,
                    action=m.AuditAction.PASSWORD_CHANGED,
                    subject=normalize_username(username),
                )
            )

    def adopt_device(self, device_id: str) -> None:
        """This store writes the chain of ``device_id`` from now on: called inside the
        transaction that renamed the ``device`` row (re-enrolment as a new device,
        ``sync/enrolment.py``), so the tail marker follows the new chain."""
        self.device_id = device_id
        self._marker_seq = None

    # ------------------------------------------------------------ meta

    def meta_set(self, key: str, value: str) -> None:
        with self.transaction() as s:
            s.merge(m.Meta(key=key, value=value))

    # ------------------------------------------------------------ close

    def close(self) -> None:
        """Dispose of the connections (WAL checkpointed by SQLite on the last close),
        then give the folder up."""
        running, self._check_conn_running = self._check_conn_running, None
        if running is not None:
            running.interrupt()  # the deferred check: it runs again at the next opening
        self._flush_audit_at_close()
        self.checkpointer.stop()
        head = None if self.readonly or not self._marker_armed else self._read_head()
        with self.writer_gate.foreground(CLOSE_WAIT_S):
            if self._writer is not None:
                self._close_journal_settled(self._writer)
                self._writer.close()
                self._writer = None
        if self.journal is not None:
            self.journal.close()
        self.engine.dispose()
        if head is not None and head[0] != self._marker_seq:
            marker = TailMarker(
                self.device_id, head[0], head[1], _utcnow().isoformat(timespec="seconds")
            )
            if self._marker is not None:
                self._marker.write(marker, durable=True)
            else:
                write_marker(self.data_dir, self._key, marker)
        if self._marker is not None:
            self._marker.close()
        self._key = b"\0" * 32
        self._marker = None
        unconfigure_logging(self.data_dir)
        if self.lock is not None:
            self.lock.release()

    def _close_journal_settled(self, writer: Connection) -> None:
        """At the close (no save in flight): checkpoint on the writer; when it
        backfilled the whole WAL, the journal's records are all durable in the
        database file and the journal is emptied. Otherwise it stays, and the next
        opening finds its records present (nothing inserted twice)."""
        journal = self.journal
        if journal is None or writer.closed or writer.invalidated:
            return
        mark = journal.settled()
        # Not whole (or failed): kept, and replayed as present at the next opening.
        if self.checkpointer.checkpoint_whole(writer.connection.driver_connection):
            journal.drop_settled(mark)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AuditNotKept(KnownError):
    code = "audit_not_kept"

    def __init__(self) -> None:
        super().__init__(
            "Catatan audit tidak dapat disimpan di mana pun (disk penuh dan folder hanya-baca); "
            "dokumen tidak dibuat. Kosongkan ruang disk lalu ulangi.",
            "The audit row could not be kept anywhere (disk full and folder read-only); the "
            "document was not made. Free some disk space and retry.",
        )


def _io_error_of_full_disk(data_dir: Path, exc: BaseException) -> bool:
    """SQLite says "disk I/O error" when it cannot grow its WAL or shared-memory file:
    on a full disk that is a disk-full error."""
    if "disk i/o error" not in str(exc).lower():
        return False
    try:
        return shutil.disk_usage(data_dir).free < 1024 * 1024
    except OSError:
        return False


def _reserve_read(path: Path) -> str:
    """The rows written into the reserve (up to its first NUL)."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def _reserve_append(path: Path, text: bytes) -> bool:
    """Write ``text`` after the rows already in the reserve, in place (no new block)."""
    try:
        with open(path, "r+b") as fh:
            data = fh.read()
            used = data.find(b"\0")
            if used < 0 or used + len(text) >= len(data):
                return False
            fh.seek(used)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        return True
    except OSError as exc:
        log.info("audit reserve not writable: %s", exc.strerror)
        return False


def _reserve_ensure(path: Path) -> None:
    """An empty reserve of :data:`AUDIT_RESERVE_BYTES` (written, not sparse)."""
    with contextlib.suppress(OSError):
        if path.exists() and path.stat().st_size >= AUDIT_RESERVE_BYTES:
            with open(path, "r+b") as fh:
                used = fh.read().find(b"\0")
                if used == 0:
                    return
                fh.seek(0)
                fh.write(b"\0" * AUDIT_RESERVE_BYTES)
                fh.flush()
                os.fsync(fh.fileno())
            return
        with open(path, "wb") as fh:
            fh.write(b"\0" * AUDIT_RESERVE_BYTES)
            fh.flush()
            os.fsync(fh.fileno())


def _keep_document_number(s: Session, value: Any) -> None:
    """The number of a deferred first print, unless the visit got one meanwhile."""
    if not isinstance(value, dict):
        return
    with contextlib.suppress(KeyError, TypeError, ValueError):
        first_day = date.fromisoformat(str(value["first_day"]))
        exists = s.scalar(
            select(m.DocumentNumber.id).where(
                m.DocumentNumber.document == str(value["document"]),
                m.DocumentNumber.subject == str(value["subject"]),
                m.DocumentNumber.first_day == first_day,
            )
        )
        if exists is None:
            s.add(
                m.DocumentNumber(
                    document=str(value["document"]),
                    subject=str(value["subject"]),
                    first_day=first_day,
                    last_day=date.fromisoformat(str(value["last_day"])),
                    counter=int(value["counter"]),
                    number=str(value["number"]),
                    issued_at=datetime.fromisoformat(str(value["issued_at"])),
                    issued_by=str(value["issued_by"]),
                )
            )


def _audit_row(row: dict[str, Any]) -> m.AuditLog:
    at = row.get("at")
    audit = m.AuditLog(
        actor=str(row.get("actor") or "?"),
        action=m.AuditAction(row["action"]),
        subject=row.get("subject"),
        detail=row.get("detail"),
    )
    if at:
        with contextlib.suppress(ValueError):
            audit.at = datetime.fromisoformat(str(at))
    return audit


def database_key_for_tests(store: Store) -> bytes:
    """The unwrapped key (tests and the crash harness only)."""
    return store._key


__all__ = [
    "BACKUP_DIR",
    "DB_FILE",
    "KEYSLOTS_FILE",
    "AuditNotKept",
    "BackupInfo",
    "DataFolderInUse",
    "DiskFull",
    "FolderLock",
    "Store",
    "latest_good_backup",
    "list_backups",
    "restore_latest_backup",
    "rotate_backups",
    "schema_head",
]
