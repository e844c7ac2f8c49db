"""Hub relay (issue 14 after protocol 2): teammates' signed chain segments.

Revision ID: 0006
Revises: 0005

* ``chain_segment``: an origin device's Ed25519 signature over a run of its
  chain, kept from verified pulls so this laptop can relay the teammate's events
  (to the central server or another hub) with the origin's own signature.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chain_segment",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("first_seq", sa.Integer(), primary_key=True),
        sa.Column("last_seq", sa.Integer(), primary_key=True),
        sa.Column("sig", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("chain_segment")
