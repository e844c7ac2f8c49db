"""The name search's ranking window from memory: ``doc_no -> (name, search_key)``.

A name search ranks the first :data:`~ktpe_desktop.storage.repositories.RANK_WINDOW`
FTS matches by match quality (issue 11) and needs each match's name and search
key for it. Read from the database, those are 300 lookups into
``ix_student_rank`` per keystroke; on a 500,000-student roster the matches of a
two-word query lie on ~300 different index pages, mostly outside the page cache,
each decrypted and HMAC-checked again by SQLCipher (docs/performance.md, issue
18). This module keeps the two columns of every student of a large roster in one
compact structure (about 33 bytes a student: the UTF-8 text in blocks, an offset
and a slot per student, no Python object per student; ~19 MB at 500,000) built
once on a background thread, so the window costs the FTS lookup alone.

Only rosters of :data:`MIN_STUDENTS` and more get one: below, the SQL window is a
millisecond or two and the memory is better left alone.

The map must never rank with stale names. It is dropped whenever the roster
changes, and *only* then (a check-off, which writes ``student_state`` and the
event tables, leaves it alone; ``PRAGMA data_version`` would change on every
check-off):

* every writable connection of the engine carries TEMP triggers (connection-local:
  nothing is stored in the file) on ``INSERT``/``DELETE`` of ``student`` and on
  ``UPDATE OF`` its name, search key, ``deleted`` and ``doc_no``; they call a
  Python function that advances :attr:`_Names.generation`; no map is built while
  a write transaction is open (a snapshot taken before its commit would miss its
  rows: the build tries ``BEGIN IMMEDIATE`` without waiting), and a build that a
  write overtook is thrown away. The triggers are (re)installed when a
  connection is checked out without them (a migration that rebuilds ``student``
  drops them; the temp schema's version says so);
* a read-only engine (``Store.open(readonly=True)``, possibly beside the folder's
  owner, whose writes no trigger here sees) drops the map when ``PRAGMA
  data_version`` of a connection it has seen changes, and when a search runs on a
  connection it has not seen (the counter is per connection);
* a match the map does not know (a student added by a writer nobody saw) makes
  the search fall back to SQL and drops the map.

Until a valid map is ready, searches read the window from SQL as before: the
results are the same either way (the tests compare both).
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from ktpe_desktop.storage.logs import get_logger

log = get_logger("storage")

# Rosters smaller than this (a school laptop's few thousand students) read the
# ranking window from SQL: it is cheap there and the map's memory is not needed.
MIN_STUDENTS = 20_000
# Students per text block: the blocks are filled one at a time, so building never
# holds a second copy of the whole text.
_BLOCK = 8192
_LOWER = "\x01"  # stored for a search key that is the name in lower case
_DELETED = -2  # slot of a deleted student (the FTS index still holds its row)
_UNKNOWN = -1

_FUNCTION = "ktpe_roster_written"
_TRIGGERS = (
    "CREATE TEMP TRIGGER IF NOT EXISTS ktpe_roster_ai AFTER INSERT ON main.student "
    f"BEGIN SELECT {_FUNCTION}(); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS ktpe_roster_ad AFTER DELETE ON main.student "
    f"BEGIN SELECT {_FUNCTION}(); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS ktpe_roster_au "
    "AFTER UPDATE OF name, search_key, deleted, doc_no ON main.student "
    f"BEGIN SELECT {_FUNCTION}(); END",
)
_WATCHED = "ktpe_roster_watched"  # connection record info: temp schema version with triggers
_DATA_VERSION = "ktpe_data_version"  # read-only: last PRAGMA data_version seen


class RosterNames:
    """``doc_no -> (name, search_key)`` of every student, deleted ones marked."""

    __slots__ = ("_blocks", "_offsets", "_slots", "students")

    def __init__(self, rows: Iterable[tuple[int, str, str | None, Any]]) -> None:
        """``rows``: ``(doc_no, name, search_key, deleted)`` in any order."""
        slots = array("i")
        offsets: list[array[int]] = []
        blocks: list[bytes] = []
        parts: list[bytes] = []
        ends = array("I")
        size = 0
        n = 0
        for doc, name, key, deleted in rows:
            if doc >= len(slots):
                slots.extend([_UNKNOWN] * (doc + 1 - len(slots) + len(slots) // 8 + 64))
            if deleted:
                slots[doc] = _DELETED
                continue
            slots[doc] = n
            key = key or ""
            if key == name.lower():  # two names in five: the key is not stored again
                key = _LOWER
            data = f"{key}\x00{name}".encode()  # a key never holds NUL
            parts.append(data)
            size += len(data)
            ends.append(size)
            n += 1
            if len(parts) == _BLOCK:
                blocks.append(b"".join(parts))
                offsets.append(ends)
                parts, ends, size = [], array("I"), 0
        if parts:
            blocks.append(b"".join(parts))
            offsets.append(ends)
        self._slots = slots
        self._blocks = blocks
        self._offsets = offsets
        self.students = n

    def nbytes(self) -> int:
        """Bytes held by the text, offsets and slots (not Python's object headers)."""
        return (
            sum(len(b) for b in self._blocks)
            + sum(o.itemsize * len(o) for o in self._offsets)
            + self._slots.itemsize * len(self._slots)
        )

    def window(self, docs: Iterable[int], want: int) -> list[tuple[int, str, str]] | None:
        """``(doc_no, name, search_key)`` of the first ``want`` live students of
        ``docs`` (FTS matches in rowid order), deleted ones skipped; None when a
        match is not in the map (the map is older than the roster)."""
        slots, blocks, offsets = self._slots, self._blocks, self._offsets
        known = len(slots)
        out: list[tuple[int, str, str]] = []
        for doc in docs:
            i = slots[doc] if doc < known else _UNKNOWN
            if i < 0:
                if i == _DELETED:
                    continue
                return None
            b, j = divmod(i, _BLOCK)
            ends = offsets[b]
            key, _, name = blocks[b][ends[j - 1] if j else 0 : ends[j]].decode().partition("\x00")
            out.append((doc, name, name.lower() if key == _LOWER else key))
            if len(out) >= want:
                break
        return out


class _Names:
    """The map of one engine (pool), its validity, and its background build."""

    def __init__(self, engine: Engine, readonly: bool) -> None:
        self._engine_ref = weakref.ref(engine)
        self.readonly = readonly
        self.lock = threading.Lock()
        self.generation = 0  # advanced by every roster write
        self.names: RosterNames | None = None
        self.names_generation = -1
        self.building: threading.Thread | None = None
        self.too_small = False
        self.unwatched = False  # a writable connection without triggers: never a map

    def changed(self) -> None:
        with self.lock:
            self.generation += 1
            self.names = None
            self.too_small = False

    def _writes_pending(self, raw: Any) -> bool:
        """Whether a write transaction is open on the database (it may have written
        roster rows it has not committed: a snapshot taken now would miss them).

        Asked of the build's own connection ``raw``: ``BEGIN IMMEDIATE`` without
        waiting fails while another connection holds the write lock, which a write
        transaction keeps from its first write to its end. Another connection is
        never asked for its state: its ``in_transaction`` takes that connection's
        mutex while holding the GIL, which deadlocked against a statement of that
        connection whose roster trigger was calling into Python (so waiting for the
        GIL) while holding the same mutex.
        """
        if self.readonly:  # no writer of its own; its reads check data_version
            return False
        kept = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except Exception:  # database is locked: a writer is at work (try again later)
            return True
        finally:
            raw.execute(f"PRAGMA busy_timeout = {kept}")
        raw.execute("ROLLBACK")
        return False

    def current(self) -> RosterNames | None:
        with self.lock:
            if self.names is not None and self.names_generation == self.generation:
                return self.names
            self.names = None
            if self.unwatched:
                return None
            if self.building is None and not self.too_small:
                self.building = threading.Thread(
                    target=self._build, name="ktpe-roster-names", daemon=True
                )
                self.building.start()
            return None

    def wait(self, timeout: float | None = None) -> RosterNames | None:
        """The valid map, building it first if needed (tests, benchmarks)."""
        names = self.current()
        if names is not None:
            return names
        with self.lock:
            thread = self.building
        if thread is not None:
            thread.join(timeout)
        return self.current() if not self.too_small else None

    def _build(self) -> None:
        try:
            engine = self._engine_ref()
            if engine is None:
                return
            with engine.connect() as conn:
                with self.lock:  # after the checkout (which may install triggers)
                    started = self.generation
                fairy = conn.connection
                raw: Any = fairy.driver_connection
                # After ``started``: a roster write not committed now holds the write
                # lock; one that comes later advances the generation (thrown away).
                if self._writes_pending(raw):
                    return
                conn.exec_driver_sql("SELECT 1")  # BEGIN: one snapshot for what follows
                if self.readonly:
                    fairy.info[_DATA_VERSION] = raw.execute("PRAGMA data_version").fetchone()[0]
                top = raw.execute("SELECT max(doc_no) FROM student").fetchone()[0] or 0
                if top < MIN_STUDENTS:
                    with self.lock:
                        self.too_small = self.generation == started
                    return
                # One pass over every student page: through a small page cache, so
                # the pooled connection does not keep tens of MB of pages no search
                # asked for (the resident memory target, 500,000 students).
                kept = int(raw.execute("PRAGMA cache_size").fetchone()[0])
                raw.execute("PRAGMA cache_size = -1024")
                try:
                    cursor = raw.execute(
                        "SELECT doc_no, name, search_key, deleted FROM student ORDER BY doc_no"
                    )
                    names = RosterNames(_batches(cursor))
                finally:
                    raw.execute(f"PRAGMA cache_size = {kept}")
                    raw.execute("PRAGMA shrink_memory")  # what the scan left above it
                with self.lock:
                    overtaken = self.generation != started
                if overtaken:  # e.g. the store was closed meanwhile: close it now, not
                    conn.invalidate()  # when the collector frees the disposed pool
            with self.lock:
                if self.generation == started:
                    self.names, self.names_generation = names, started
            log.info(
                "roster names in memory: %d students, %d kB", names.students, names.nbytes() // 1024
            )
        except Exception:  # the SQL window keeps working; a closed store ends here
            log.debug("roster names not built", exc_info=True)
        finally:
            with self.lock:
                self.building = None


def _batches(cursor: Any) -> Iterable[tuple[int, str, str | None, Any]]:
    while rows := cursor.fetchmany(_BLOCK):
        yield from rows


_BY_POOL: weakref.WeakKeyDictionary[Any, _Names] = weakref.WeakKeyDictionary()


def attach(engine: Engine, *, readonly: bool) -> None:
    """Keep a roster-names map for ``engine`` (called by ``make_engine``)."""
    names = _Names(engine, readonly)
    _BY_POOL[engine.pool] = names

    @event.listens_for(engine, "engine_disposed")
    def _disposed(_conn: Any) -> None:
        # A new pool (its connections perhaps to a restored file): a new map.
        names.changed()
        _BY_POOL[engine.pool] = names

    if readonly:
        return

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        _watch(dbapi_conn, record.info, names)


def _watch(conn: Any, info: dict[str, Any], names: _Names) -> None:
    """Install the roster triggers on ``conn`` unless its temp schema still has them."""
    try:
        version = conn.execute("PRAGMA temp.schema_version").fetchone()[0]
    except Exception:  # a damaged file being salvaged: its writes go unseen, so no map
        log.debug("roster triggers not checked", exc_info=True)
        names.unwatched = True
        return
    if info.get(_WATCHED) == version:
        return

    def written() -> None:
        names.changed()

    try:
        conn.create_function(_FUNCTION, 0, written)
        for sql in _TRIGGERS:
            conn.execute(sql)
    except Exception:  # no student table yet (a database being created): next checkout
        log.debug("roster triggers not installed", exc_info=True)
        info[_WATCHED] = None
        return
    if _WATCHED in info:  # triggers dropped (a migration) or missing: unseen writes
        names.changed()
    info[_WATCHED] = conn.execute("PRAGMA temp.schema_version").fetchone()[0]


_INSERT_TRIGGER = "ktpe_roster_ai"


@contextmanager
def inserts_in_bulk(conn: Any) -> Iterator[None]:
    """Many student rows inserted on the driver connection ``conn`` (a roster import):
    the map is told once, before them, instead of by the insert trigger for each row
    (a call into Python per row: ~0.06 s of CPU for 10,000 rows).

    The connection's TEMP insert trigger is dropped for the block and created again
    from its own text after it, in the caller's transaction (a failure rolls the drop
    back with everything else). A connection without the trigger is left alone.
    """
    row = conn.execute(
        "SELECT sql FROM sqlite_temp_master WHERE type = 'trigger' AND name = ?",
        (_INSERT_TRIGGER,),
    ).fetchone()
    if row is None:
        yield
        return
    conn.execute(f"SELECT {_FUNCTION}()").fetchone()  # what the trigger does, once
    conn.execute(f"DROP TRIGGER temp.{_INSERT_TRIGGER}")
    yield
    conn.execute(row[0])


def for_connection(fairy: Any, pool: Any) -> RosterNames | None:
    """The valid map for a search on this pooled connection, or None (use SQL).

    Starts the background build when there is none.
    """
    names = _BY_POOL.get(pool)
    if names is None:
        return None
    if names.readonly:
        version = fairy.driver_connection.execute("PRAGMA data_version").fetchone()[0]
        seen = fairy.info.get(_DATA_VERSION)
        fairy.info[_DATA_VERSION] = version
        # The counter is the connection's own: one not seen before cannot tell
        # whether the owner wrote since the map was built, so it drops the map.
        if seen != version:
            names.changed()
    return names.current()


def still_current(pool: Any, names: RosterNames) -> bool:
    """Whether ``names`` is still the valid map: asked after the search's first read,
    which took its snapshot (a roster write committed between :func:`for_connection`
    and that read is in the snapshot, not in the map)."""
    state = _BY_POOL.get(pool)
    if state is None:
        return False
    with state.lock:
        return state.names is names and state.names_generation == state.generation


def stale(pool: Any) -> None:
    """A search met a match the map does not know: drop it (rebuilt in the background)."""
    names = _BY_POOL.get(pool)
    if names is not None:
        names.changed()


def ready(engine: Engine, timeout: float | None = None) -> RosterNames | None:
    """Build (or wait for) ``engine``'s map now; None below :data:`MIN_STUDENTS`."""
    names = _BY_POOL.get(engine.pool)
    return names.wait(timeout) if names is not None else None
