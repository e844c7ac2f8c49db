"""Visit days taken off a schedule, fed to laptops (issue 13).

Revision ID: 0006
Revises: 0005

* ``assignment_removed``: the console's "remove visit" deletes the team's
  ``assignment`` rows and leaves one of these per day, with a ``change_seq`` of the
  roster counter, so the roster pull tells laptops to drop the day from Hari ini.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment_removed",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("team_id", "school_npsn", "date"),
    )
    op.create_index("ix_assignment_removed_team_id", "assignment_removed", ["team_id"])
    op.create_index("ix_assignment_removed_change_seq", "assignment_removed", ["change_seq"])


def downgrade() -> None:
    op.drop_table("assignment_removed")
