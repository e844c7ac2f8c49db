"""Counters of the office console, kept by the database as rows change (issue 13).

Revision ID: 0007
Revises: 0006

A province's console counts a million students' outcomes on every page; counting them
per request cannot meet 200 ms. These tables hold the counts instead, and triggers keep
them exact in the transaction that changes the rows (ingest, roster import, anything
else that writes the source tables), so the server's Python code has no hook to forget:

* ``tally_school``: students by school, status and IKD (from ``student_state``);
* ``tally_hour``: students by the UTC hour of their deciding event and status (the
  chart per day is summed from them in the campaign's zone, a whole number of hours
  from UTC: WIB, WITA, WIT);
* ``tally_roster``: roster students (not deleted) by school (from ``student``);
* ``tally_device_school``: accepted events by device and school (from ``event``: the
  visits without a synced Berita Acara).

PostgreSQL: one statement-level trigger per table and operation, reading the
statement's transition tables (an ingest batch is one UPDATE, so one aggregate), and
upserting in key order (concurrent batches take counter rows in the same order).
SQLite: row-level triggers. The counts are filled from the existing rows here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


class _Tally(NamedTuple):
    table: str  # the counter table
    source: str  # the counted table
    keys: tuple[tuple[str, str], ...]  # (counter column, expression over a source row)
    where: str  # which source rows count (an expression over a source row)


# Expressions use ``r.`` for the source row; each backend substitutes its own alias.
TALLIES = (
    _Tally(
        "tally_school",
        "student_state",
        (("school_npsn", "r.school_npsn"), ("status", "r.status"), ("ikd", "r.ikd_activated")),
        "r.school_npsn IS NOT NULL",
    ),
    _Tally(
        "tally_hour",
        "student_state",
        (("hour", "r.decided_ms / 3600000"), ("status", "r.status")),
        "r.decided_ms IS NOT NULL AND r.decided_ms >= 0",
    ),
    _Tally("tally_roster", "student", (("school_npsn", "r.school_npsn"),), "NOT r.deleted"),
    _Tally(
        "tally_device_school",
        "event",
        (("device_id", "r.device_id"), ("school_npsn", "r.school_npsn")),
        "r.state = 'accepted' AND r.school_npsn IS NOT NULL",
    ),
)


def _create_tables() -> None:
    op.create_table(
        "tally_school",
        sa.Column("school_npsn", sa.String(length=8), primary_key=True),
        sa.Column("status", sa.String(length=32), primary_key=True),
        sa.Column("ikd", sa.Boolean(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "tally_hour",
        sa.Column("hour", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(length=32), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "tally_roster",
        sa.Column("school_npsn", sa.String(length=8), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "tally_device_school",
        sa.Column("device_id", sa.String(length=64), primary_key=True),
        sa.Column("school_npsn", sa.String(length=8), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )


def _fill(t: _Tally) -> None:
    cols = ", ".join(c for c, _ in t.keys)
    exprs = ", ".join(e for _, e in t.keys)
    op.execute(
        f"INSERT INTO {t.table} ({cols}, n) SELECT {exprs}, count(*) FROM {t.source} AS r"
        f" WHERE {t.where} GROUP BY {exprs}"
    )


def _upsert_sql(t: _Tally, rows_sql: str) -> str:
    """Add the signed counts of ``rows_sql`` (columns ``k0, k1, …, d``) to the table."""
    cols = ", ".join(c for c, _ in t.keys)
    ks = ", ".join(f"k{i}" for i in range(len(t.keys)))
    return (
        f"INSERT INTO {t.table} AS c ({cols}, n)"
        f" SELECT {ks}, sum(d) FROM ({rows_sql}) AS x GROUP BY {ks}"
        f" HAVING sum(d) <> 0 ORDER BY {ks}"
        f" ON CONFLICT ({cols}) DO UPDATE SET n = c.n + EXCLUDED.n"
    )


def _rows_sql(t: _Tally, relation: str, sign: int) -> str:
    exprs = ", ".join(f"{e} AS k{i}" for i, (_, e) in enumerate(t.keys))
    return f"SELECT {exprs}, {sign} AS d FROM {relation} AS r WHERE {t.where}"


def _postgres_triggers(t: _Tally) -> None:
    fn = f"{t.table}_keep"
    inserted = _upsert_sql(t, _rows_sql(t, "new_rows", 1))
    deleted = _upsert_sql(t, _rows_sql(t, "old_rows", -1))
    updated = _upsert_sql(
        t, _rows_sql(t, "new_rows", 1) + " UNION ALL " + _rows_sql(t, "old_rows", -1)
    )
    op.execute(
        f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  IF TG_OP = 'INSERT' THEN {inserted};\n"
        f"  ELSIF TG_OP = 'UPDATE' THEN {updated};\n"
        f"  ELSE {deleted};\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END $$"
    )
    for operation, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER {t.table}_{operation.lower()} AFTER {operation} ON {t.source}"
            f" REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
        )


def _sqlite_row(t: _Tally, row: str, sign: int) -> str:
    """One upsert of a row-level trigger (``row`` is NEW or OLD)."""
    cols = ", ".join(c for c, _ in t.keys)
    exprs = ", ".join(e.replace("r.", f"{row}.") for _, e in t.keys)
    where = t.where.replace("r.", f"{row}.")
    # SELECT … WHERE (not VALUES) so the row counts only when it qualifies; the WHERE
    # also keeps SQLite's parser from reading ON CONFLICT as a join's ON.
    return (
        f"INSERT INTO {t.table} ({cols}, n) SELECT {exprs}, {sign} WHERE {where}"
        f" ON CONFLICT ({cols}) DO UPDATE SET n = n + excluded.n;"
    )


def _sqlite_triggers(t: _Tally) -> None:
    name = t.table
    op.execute(
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {t.source} BEGIN "
        f"{_sqlite_row(t, 'NEW', 1)} END"
    )
    op.execute(
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {t.source} BEGIN "
        f"{_sqlite_row(t, 'OLD', -1)} END"
    )
    # Only updates that move the row between counters (an ingest refold rewrites many
    # columns of a state whose status stays).
    moved = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _source_columns(t))
    op.execute(
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {t.source} WHEN {moved} BEGIN "
        f"{_sqlite_row(t, 'OLD', -1)} {_sqlite_row(t, 'NEW', 1)} END"
    )


def _source_columns(t: _Tally) -> list[str]:
    """The source columns a tally reads (the ``r.<name>`` of its expressions)."""
    text = " ".join(e for _, e in t.keys) + " " + t.where
    return sorted(set(re.findall(r"\br\.([a-z_]+)", text)))


def upgrade() -> None:
    _create_tables()
    postgres = op.get_bind().dialect.name == "postgresql"
    for t in TALLIES:
        _fill(t)
        if postgres:
            _postgres_triggers(t)
        else:
            _sqlite_triggers(t)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for t in TALLIES:
        for operation in ("insert", "update", "delete"):
            op.execute(
                f"DROP TRIGGER IF EXISTS {t.table}_{operation}"
                + (f" ON {t.source}" if postgres else "")
            )
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {t.table}_keep()")
        op.drop_table(t.table)
