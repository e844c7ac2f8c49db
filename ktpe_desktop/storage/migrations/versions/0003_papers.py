"""The principal of a school and the numbers of printed papers (issue 16).

Revision ID: 0003
Revises: 0002

Adds ``school.principal_name`` / ``school.principal_nip`` (nullable: filled by the
roster pull or by the lead) and the ``document_number`` table, which keeps the
number a visit's Berita Acara got at its first print so that reprints keep it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("school", sa.Column("principal_name", sa.String(length=255), nullable=True))
    op.add_column("school", sa.Column("principal_nip", sa.String(length=18), nullable=True))
    op.create_table(
        "document_number",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=128), nullable=False),
        sa.Column("issued_at", sa.String(length=32), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_number")),
        sa.UniqueConstraint(
            "document",
            "subject",
            "first_day",
            name=op.f("uq_document_number_document_subject_first_day"),
        ),
    )


def downgrade() -> None:
    op.drop_table("document_number")
    op.execute("ALTER TABLE school DROP COLUMN principal_nip")
    op.execute("ALTER TABLE school DROP COLUMN principal_name")
