"""The roster's own values of each student beside the row (docs/decisions.md D12).

Revision ID: 0002
Revises: 0001

Adds ``student.roster_details`` (JSON text, nullable). Existing rows keep NULL:
the first refold that needs the base takes the row's current values as the base
and writes them (``ledger.displayed_details``); a roster page that sends the
student again replaces them with the roster's values.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): the FTS triggers on student stay as they are.
    op.add_column("student", sa.Column("roster_details", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place (no batch copy of student and its triggers).
    op.execute("ALTER TABLE student DROP COLUMN roster_details")
