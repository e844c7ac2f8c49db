"""Device keys, signed chain segments, revocation seq (issue 12).

Revision ID: 0003
Revises: 0002

* ``device.public_key``: the device's Ed25519 public key (base64url), registered at
  enrolment and bound to the ``device_id`` for life (never changed once set).
* ``device.revoked_at_seq``: the contiguous seq the server held when the device was
  revoked; events beyond it are refused (stored ``rejected``, for review).
* ``chain_segment``: the signatures a device gave over segments of its chain, so
  every stored event stays verifiable back to its key (pulls carry them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("public_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("revoked_at_seq", sa.BigInteger(), nullable=True))
    op.create_table(
        "chain_segment",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("sig", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "last_seq", "first_seq"),
    )


def downgrade() -> None:
    op.drop_table("chain_segment")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("revoked_at_seq")
        batch.drop_column("public_key")
