"""Check-off commit (issue 18): one B-tree fewer written by every check-off.

Revision ID: 0008
Revises: 0007

* ``ix_student_state_school_status`` (``school_npsn, status``) is dropped. A check-off
  changes the student's status, so every check-off rewrote a page of this index:
  one of the ~11 WAL pages a commit encrypts, HMACs and syncs (docs/performance.md,
  D33). No query of the app needs it: the roster, the search, the reports and the
  papers reach ``student_state`` by ``student_id`` from ``student``; the anomaly list of
  one school starts from the (few) open anomalies; the status totals of ``db stats``
  read the table. Dropping an index only frees its pages: instant at 500,000 students.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_student_state_school_status", table_name="student_state")


def downgrade() -> None:
    op.create_index("ix_student_state_school_status", "student_state", ["school_npsn", "status"])
