"""The SQLCipher engine: every connection keyed, WAL, ``synchronous=FULL``.

Connections come from ``sqlcipher3`` through a ``creator``; SQLAlchemy is told
to use ``sqlcipher3.dbapi2`` as its DBAPI module, so driver errors are wrapped
like sqlite3's. Each connection runs, in order:

* ``PRAGMA key = "x'<64 hex>'"`` — a raw 256-bit key (no PBKDF2: the key is
  already random; the password KDF lives in the key slots);
* ``PRAGMA cipher_memory_security = OFF`` — see docs/security.md;
* ``PRAGMA foreign_keys = ON``, ``journal_mode = WAL``, ``synchronous = FULL``
  (a commit is durable once it returns; a check-off's commit alone runs with
  ``NORMAL``, its event being durable in the check-off journal first, D43),
  ``temp_store = MEMORY`` (no
  plaintext temporary files ever touch the disk), ``busy_timeout``;
* writers: ``wal_autocheckpoint`` raised to a backstop and ``journal_size_limit``
  (see :class:`IdleCheckpointer`: checkpoints normally run off the commit path).

Transactions are explicit (the driver's implicit BEGIN is switched off): a
read session starts with ``BEGIN``; a connection carrying the execution option
``ktpe_write=True`` starts with ``BEGIN IMMEDIATE``, taking the write lock up
front so that a writer never fails half-way on a lock upgrade. Use
:func:`write_engine` for those.

Pool: a ``QueuePool`` of a few connections — WAL lets readers run beside the one
writer thread; connections are cheap to open because the key is raw. Each keeps a
page cache of :data:`CACHE_SIZE_KIB` (decrypted pages: no page is decrypted twice
while it stays there), and the pool is LIFO so the warmest connection is reused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from ktpe_desktop.storage import roster_names
from ktpe_desktop.storage.logs import get_logger

BUSY_TIMEOUT_MS = 5000
WRITE_OPTION = "ktpe_write"
# ``Connection.info`` key under which a write transaction leaves this device's new
# chain head ``(last seq, head hash)`` (``ledger.append_local``), so that the store
# moves its tail marker after the commit without reading the head back.
HEAD_HINT = "ktpe_head"
# ``Connection.info`` key: the offset of the check-off journal's record written in this
# transaction (``ledger.append_local``); the store commits it without a sync (D43).
JOURNAL_HINT = "ktpe_journal"
# A checkpoint run by the commit that crosses this many WAL frames is a latency
# spike of that commit (page copies + an fsync of the main file). The idle
# checkpointer normally resets the WAL long before; this is the backstop for
# bursts (imports, sync pulls, back-to-back benchmarks). ~8 MiB of 4 KiB pages.
WAL_AUTOCHECKPOINT_PAGES = 2000
# After a checkpoint the WAL file is reused from its start (overwriting blocks is
# a cheaper fsync than appending); a WAL blown up by a bulk import is cut back
# to this size instead of staying on disk until the app closes.
JOURNAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024
# Page cache of each pooled connection, in KiB (SQLite's default is 2,000). Every
# page read from the file is decrypted and its HMAC checked (SQLCipher), so a page
# found in the cache saves that work: with the default, a search on a 500,000-
# student roster spent half its CPU decrypting the same FTS and index pages again
# (docs/performance.md). The cache fills only as far as pages are read; the pool
# hands out the most recently used connection first, so one warm cache serves
# the UI's reads instead of four cold ones. 8 MiB, not 32 or 16: with 32 the built
# app held 205 MB with the 500,000-student roster open (target <= 200 MB); since
# the name search ranks from memory (storage.roster_names, +17 MB) 16 put it at
# ~210 MB after a name search, and 8 searches as fast (A/B, D39).
CACHE_SIZE_KIB = 8 * 1024

log = get_logger("storage")


def key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("the database key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def quiet_cipher_log(conn: Any) -> None:
    """Keep SQLCipher's own log ("ERROR CORE sqlite3Codec …") off stderr.

    SQLCipher writes its log straight to stderr (level WARN by default); a damaged
    page then prints raw lines to the terminal of a CLI command. The condition is
    reported by the driver's exception anyway, which the storage layer translates
    (DatabaseCorrupt) and logs under ``ktpe.storage``; the level is process-wide.
    """
    conn.execute("PRAGMA cipher_log_level = NONE").fetchall()


def connect_raw(path: Path, key: bytes, *, readonly: bool = False) -> Any:
    """A keyed, configured ``sqlcipher3`` connection (outside SQLAlchemy).

    Used by the engine's creator, by backups and by checks of a backup file.
    """
    if readonly:
        try:
            return _configured(_connect_ro(path, immutable=False), key, readonly=True)
        except sqlcipher3.OperationalError as exc:
            # A full disk or a read-only medium: SQLite cannot make the WAL's
            # shared-memory file. With no WAL content the main file holds every
            # commit, so it is read as an immutable file instead.
            if not _no_wal_content(path) or "file is not a database" in str(exc):
                raise
        return _configured(_connect_ro(path, immutable=True), key, readonly=True)
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    return _configured(conn, key, readonly=False)


def _connect_ro(path: Path, *, immutable: bool) -> Any:
    uri = f"file:{path}?mode=ro" + ("&immutable=1" if immutable else "")
    return sqlcipher3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)


def _no_wal_content(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _configured(conn: Any, key: bytes, *, readonly: bool) -> Any:
    try:
        quiet_cipher_log(conn)
        conn.execute(key_pragma(key))
        conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        # The first statement that reads the file proves the key (or raises
        # "file is not a database").
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}").fetchone()
            conn.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT_BYTES}").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn


def make_engine(path: Path, key: bytes, *, pool_size: int = 4, readonly: bool = False) -> Engine:
    """A SQLAlchemy engine over the encrypted file at ``path``.

    ``readonly``: every connection is opened ``mode=ro`` (it never writes the
    file, never checkpoints the WAL, even as the last connection to close).
    """

    def creator() -> Any:
        conn = connect_raw(path, key, readonly=readonly)
        conn.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")
        return conn

    engine = create_engine(
        "sqlite://",
        module=sqlcipher3.dbapi2,
        creator=creator,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=4,
        pool_use_lifo=True,
        pool_pre_ping=False,
        # A failed statement's error message (and SQL logging) must never carry the
        # row's values: names and NIKs would reach a log file or a crash report.
        hide_parameters=True,
    )

    roster_names.attach(engine, readonly=readonly)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Straight to the driver: through ``exec_driver_sql`` (execution context,
        # result object) this one statement cost 4 % of a check-off's CPU.
        raw = conn.connection.driver_connection
        if raw.in_transaction:
            return  # the store's writer began it on the driver: SQLAlchemy joins it
        sql = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        raw.execute(sql)

    return engine


def write_engine(engine: Engine) -> Engine:
    """The same engine, whose transactions start with ``BEGIN IMMEDIATE``."""
    return engine.execution_options(**{WRITE_OPTION: True})


def backfilled_all(result: tuple[int, int, int] | None) -> bool:
    """True when a checkpoint's ``(busy, wal frames, checkpointed)`` says it put the
    whole WAL into the database file (and synced it)."""
    return result is not None and result[0] == 0 and result[1] == result[2]


class IdleCheckpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on a background thread when writes pause.

    :meth:`wrote` is called after each committed write transaction (cheap: no
    I/O). Once ``min_writes`` writes have accumulated and no write has come for
    ``idle_s`` seconds — between two scans at a station, typically — the thread
    checkpoints through a pooled connection, so the next writer restarts the WAL
    from its beginning without having paid for the checkpoint. A PASSIVE
    checkpoint never waits for locks and never blocks a writer; durability does
    not depend on it (every commit is already fsynced in the WAL, a check-off in the
    check-off journal, D43), but the journal is emptied after it (``backfilled``). The thread is
    started on the first write and stopped by :meth:`stop`.

    The first commit into a restarted WAL also writes and syncs the WAL's header:
    two ``fsync`` calls instead of one. At a station's pace (a save every 30-60 s, a
    checkpoint in each pause) that was most saves, so ``after`` (the store) starts
    the next WAL right after a checkpoint, off the saves' path.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        idle_s: float = 0.5,
        min_writes: int = 8,
        max_wait_s: float = 30.0,
        after: Callable[[], None] | None = None,
        before: Callable[[], object] | None = None,
        backfilled: Callable[[object], None] | None = None,
    ) -> None:
        self._engine = engine
        # ``before()`` runs just before each idle checkpoint and its value goes to
        # ``backfilled(value)`` once a checkpoint has backfilled the whole WAL (and
        # synced the database file): the store's check-off journal (D43) is cut there.
        self._before = before
        self._backfilled = backfilled
        # Called (on this thread) after a checkpoint that backfilled the whole WAL: the
        # store starts the next WAL there (``Store._start_wal``), so that the next
        # save does not pay the new WAL header's own sync.
        self._after = after
        self._idle_s = idle_s
        self._min_writes = min_writes
        self._max_wait_s = max_wait_s
        self._cond = threading.Condition()
        self._pending = 0
        self._last_write = 0.0
        self._first_pending = 0.0
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # completed runs (tests, benchmarks)

    def wrote(self) -> None:
        now = time.monotonic()
        with self._cond:
            if self._stopped:
                return
            self._pending += 1
            self._last_write = now
            if self._pending not in (1, self._min_writes):
                # the thread already sleeps with a deadline that can only move later,
                # and re-checks it when it wakes: no wake-up (GIL hand-over) per commit
                return
            if self._pending == 1:
                self._first_pending = now
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="ktpe-wal-checkpoint", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _due(self, now: float) -> float | None:
        """Seconds until a checkpoint is due (<= 0: now), or None: nothing to do."""
        if self._pending == 0:
            return None
        idle_at = self._last_write + self._idle_s
        if self._pending < self._min_writes:
            # a few writes only: checkpoint them eventually, after a long pause
            idle_at = max(idle_at, self._first_pending + self._max_wait_s)
        return idle_at - now

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    wait = self._due(time.monotonic())
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._stopped:
                    return
                self._pending = 0
            mark = self._before() if self._before is not None else None
            result = self.checkpoint()
            if backfilled_all(result) and self._backfilled is not None:
                try:
                    self._backfilled(mark)
                except Exception as exc:  # never fatal: the next checkpoint retries
                    log.debug("after a checkpoint: %s", type(exc).__name__)
            if self._after is not None and result is not None:
                busy, frames, done = result
                if busy == 0 and frames > 0 and frames == done:
                    try:
                        self._after()
                    except Exception as exc:  # never fatal: the next save restarts it
                        log.debug("WAL not started after a checkpoint: %s", type(exc).__name__)

    def checkpoint(self, driver: Any = None) -> tuple[int, int, int] | None:
        """One PASSIVE checkpoint now: ``(busy, wal frames, checkpointed)``, None on error.

        ``driver``: run it on this driver connection (the store's writer at its
        close) instead of a pooled one.
        """
        try:
            if driver is not None:
                row = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            else:
                raw = self._engine.raw_connection()
                try:
                    pooled: Any = raw.driver_connection
                    row = pooled.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                finally:
                    raw.close()
        except Exception as exc:  # never fatal: the backstop autocheckpoint remains
            log.debug("checkpoint skipped: %s", type(exc).__name__)
            return None
        self.checkpoints += 1
        return (int(row[0]), int(row[1]), int(row[2])) if row else None

    def checkpoint_whole(self, driver: Any = None) -> bool:
        """One PASSIVE checkpoint now (see :meth:`checkpoint`); True when it
        backfilled the whole WAL, so that the database file holds every commit."""
        return backfilled_all(self.checkpoint(driver))

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
