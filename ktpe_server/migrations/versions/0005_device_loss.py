"""Devices replaced after a recovery, and the seqs they lost (issue 17).

Revision ID: 0005
Revises: 0004

* ``device_loss``: a laptop that lost events of its device for good (a salvage
  found them unreadable everywhere) re-enrols as a new device and says which seqs
  of the old one are gone; the office console lists it among the anomalies.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_loss",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("new_device_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("team.id"), nullable=False),
        sa.Column("held_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("gone", sa.Text(), nullable=False),
        sa.Column("reissued", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("new_device_id"),
    )
    op.create_index("ix_device_loss_device_id", "device_loss", ["device_id"])
    op.create_index("ix_device_loss_team_id", "device_loss", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_device_loss_team_id", table_name="device_loss")
    op.drop_index("ix_device_loss_device_id", table_name="device_loss")
    op.drop_table("device_loss")
