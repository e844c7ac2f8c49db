"""Salvage reads a table without ``rowid`` (the outbox since migration 0009) around
damaged pages: its keys from an index, its rows by key ranges split in halves."""

from __future__ import annotations

from typing import Any

import sqlcipher3

from ktpe_desktop.storage.salvage import read_table

DDL = (
    "CREATE TABLE outbox (event_id VARCHAR(64) NOT NULL, status VARCHAR(32) NOT NULL, "
    "attempts INTEGER NOT NULL, PRIMARY KEY (event_id)) WITHOUT ROWID",
    "CREATE INDEX ix_outbox_status ON outbox (status)",
)


class DamagedView:
    """A salvage view whose table pages holding keys in ``[bad_lo, bad_hi]`` are
    unreadable (as an HMAC failure makes them): any read of the table that reaches one
    fails; the index pages are intact."""

    def __init__(self, keys: list[str], bad_lo: str | None, bad_hi: str | None) -> None:
        self.conn = sqlcipher3.connect(":memory:")
        for sql in DDL:
            self.conn.execute(sql)
        self.conn.executemany(
            "INSERT INTO outbox VALUES (?, ?, 0)",
            [(k, "acked" if i % 2 else "pending") for i, k in enumerate(keys)],
        )
        self.bad = (bad_lo, bad_hi)
        self.reads = 0

    def _touches_damage(self, sql: str, params: tuple[Any, ...]) -> bool:
        lo, hi = self.bad
        if lo is None or hi is None or not sql.startswith("SELECT NULL"):
            return False  # the schema, or the keys from the (intact) index
        if "WHERE" not in sql:
            return True  # the whole table
        first, last = params
        return not (last < lo or first > hi)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self.reads += 1
        if self._touches_damage(sql, params):
            raise sqlcipher3.DatabaseError("database disk image is malformed")
        return list(self.conn.execute(sql, params).fetchall())


KEYS = [f"{i:08x}-0000-5000-8000-{i * 7919:012x}" for i in range(200)]


def test_an_intact_table_without_rowid_is_read_whole() -> None:
    view = DamagedView(KEYS, None, None)
    read = read_table(view, "outbox")  # type: ignore[arg-type]
    assert read.whole and read.columns == ["event_id", "status", "attempts"]
    assert sorted(r[1] for r in read.rows) == KEYS
    assert all(r[0] is None for r in read.rows)  # no rowid: NULL in its place


def test_rows_around_a_damaged_page_are_kept() -> None:
    bad = KEYS[90:110]  # one page's worth of keys
    view = DamagedView(KEYS, bad[0], bad[-1])
    read = read_table(view, "outbox")  # type: ignore[arg-type]
    got = {r[1]: r[2] for r in read.rows}
    assert set(got) == set(KEYS) - set(bad)
    assert got[KEYS[1]] == "acked" and got[KEYS[0]] == "pending"
    assert read.bad_rowids == len(bad) and not read.whole
    assert view.reads < 200  # split in halves, not read key by key
