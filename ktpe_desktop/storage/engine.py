"""The SQLCipher engine: every connection keyed, WAL, ``synchronous=FULL``.

Connections come from ``sqlcipher3`` through a ``creator``; SQLAlchemy is told
to use ``sqlcipher3.dbapi2`` as its DBAPI module, so driver errors are wrapped
like sqlite3's. Each connection runs, in order:

* ``PRAGMA key = "x'<64 hex>'"`` — a raw 256-bit key (no PBKDF2: the key is
  already random; the password KDF lives in the key slots);
* ``PRAGMA cipher_memory_security = ON`` — wipe freed memory;
* ``PRAGMA foreign_keys = ON``, ``journal_mode = WAL``, ``synchronous = FULL``
  (a commit is durable once it returns), ``temp_store = MEMORY`` (no
  plaintext temporary files ever touch the disk), ``busy_timeout``.

Transactions are explicit (the driver's implicit BEGIN is switched off): a
read session starts with ``BEGIN``; a connection carrying the execution option
``ktpe_write=True`` starts with ``BEGIN IMMEDIATE``, taking the write lock up
front so that a writer never fails half-way on a lock upgrade. Use
:func:`write_engine` for those.

Pool: a ``QueuePool`` of a few connections — WAL lets readers run beside the one
writer thread; connections are cheap to open because the key is raw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 5000
WRITE_OPTION = "ktpe_write"


def key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("the database key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_raw(path: Path, key: bytes, *, readonly: bool = False) -> Any:
    """A keyed, configured ``sqlcipher3`` connection (outside SQLAlchemy).

    Used by the engine's creator, by backups and by checks of a backup file.
    """
    if readonly:
        conn = sqlcipher3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    else:
        conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
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
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn


def make_engine(path: Path, key: bytes, *, pool_size: int = 4) -> Engine:
    """A SQLAlchemy engine over the encrypted file at ``path``."""

    def creator() -> Any:
        return connect_raw(path, key)

    engine = create_engine(
        "sqlite://",
        module=sqlcipher3.dbapi2,
        creator=creator,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=4,
        pool_pre_ping=False,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def write_engine(engine: Engine) -> Engine:
    """The same engine, whose transactions start with ``BEGIN IMMEDIATE``."""
    return engine.execution_options(**{WRITE_OPTION: True})
