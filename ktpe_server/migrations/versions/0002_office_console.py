"""Office console: staff accounts, sessions, audit log, campaign set-up fields,
school principals, anomaly resolutions and what devices report.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("campaign") as b:
        b.add_column(sa.Column("letterhead", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("head_name", sa.String(200), nullable=False, server_default=""))
        b.add_column(sa.Column("head_nip", sa.String(200), nullable=True))
        b.add_column(sa.Column("time_zone", sa.String(4), nullable=False, server_default="WIB"))
        b.add_column(
            sa.Column("ba_number_pattern", sa.String(200), nullable=False, server_default="")
        )
    with op.batch_alter_table("school") as b:
        b.add_column(sa.Column("principal_name", sa.String(200), nullable=False, server_default=""))
        b.add_column(sa.Column("principal_nip", sa.String(200), nullable=True))
    with op.batch_alter_table("device") as b:
        b.add_column(sa.Column("reported_unsent", sa.Integer(), nullable=True))
        b.add_column(sa.Column("reported_quarantined", sa.Integer(), nullable=True))
        b.add_column(sa.Column("clock_skew_ms", sa.BigInteger(), nullable=True))
        b.add_column(sa.Column("last_sync", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "anomaly_resolution",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("student_id", sa.String(64), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("event_ids", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("student_id", "code", "event_ids"),
    )
    op.create_table(
        "office_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "office_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["office_user.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index(op.f("ix_office_session_user_id"), "office_session", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    # Refused events are rare: a partial index lists them without scanning every event.
    op.create_index(
        "ix_event_refused",
        "event",
        ["device_id"],
        postgresql_where=sa.text("state <> 'accepted'"),
        sqlite_where=sa.text("state <> 'accepted'"),
    )


def downgrade() -> None:
    op.drop_index("ix_event_refused", table_name="event")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_office_session_user_id"), table_name="office_session")
    op.drop_table("office_session")
    op.drop_table("office_user")
    op.drop_table("anomaly_resolution")
    with op.batch_alter_table("device") as b:
        for name in ("revoked_at", "last_sync", "clock_skew_ms", "reported_quarantined"):
            b.drop_column(name)
        b.drop_column("reported_unsent")
    with op.batch_alter_table("school") as b:
        b.drop_column("principal_nip")
        b.drop_column("principal_name")
    with op.batch_alter_table("campaign") as b:
        for name in ("ba_number_pattern", "time_zone", "head_nip", "head_name", "letterhead"):
            b.drop_column(name)
