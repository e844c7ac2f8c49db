"""Trust (issue 12): the device's signing key and the events held back for review.

Revision ID: 0005
Revises: 0004

* ``device_key``: this laptop's Ed25519 private key, raw 32 bytes, inside the
  SQLCipher-encrypted database. Made on first use (``ledger.signing_key``).
* ``held_event``: events received from others that this laptop did not fold, with
  the reason (``clock_ahead``: an HLC beyond this laptop's clock plus the allowed
  skew; ``unverified``: no signature of its origin device reaches it yet).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_key",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("signing_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "held_event",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("held_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_held_event_reason", "held_event", ["reason"])


def downgrade() -> None:
    op.drop_index("ix_held_event_reason", "held_event")
    op.drop_table("held_event")
    op.drop_table("device_key")
