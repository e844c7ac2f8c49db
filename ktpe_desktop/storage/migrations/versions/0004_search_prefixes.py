"""Name search: FTS5 prefix indexes for prefixes of 1 to 8 characters (was 1 to 4).

Revision ID: 0004
Revises: 0003

Search as you type turns every typed word into a prefix term (``"muhamad"*``).
FTS5 answers a prefix of a length it indexes from one doclist; any longer prefix
it answers by merging the doclists of every term that starts with it, for every
keystroke. Names are mostly words of 5 to 8 letters, and the commonest
(``muhamad``: 15 % of a roster) are long: on a 500,000-student roster the merge
was most of the FTS work of the slowest queries (docs/performance.md). The
index grows by about a fifth and the rebuild takes a moment on a school's
roster (about a minute at 500,000 students). The triggers are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recreate(prefixes: str) -> None:
    op.execute("DROP TABLE IF EXISTS student_fts")
    op.execute(
        "CREATE VIRTUAL TABLE student_fts USING fts5("
        "search_key, school_npsn, content='student', content_rowid='doc_no', "
        f"prefix='{prefixes}', tokenize='unicode61 remove_diacritics 2')"
    )
    # External content table: the index is rebuilt from the student rows.
    op.execute("INSERT INTO student_fts(student_fts) VALUES ('rebuild')")


def upgrade() -> None:
    _recreate("1 2 3 4 5 6 7 8")


def downgrade() -> None:
    _recreate("1 2 3 4")
