"""Initial schema: roster, teams, devices, events, derived states.

Revision ID: 0001
Revises:
Create Date: 2024-11-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "anomaly",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("event_ids", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_anomaly_school_npsn"), "anomaly", ["school_npsn"], unique=False)
    op.create_index(op.f("ix_anomaly_student_id"), "anomaly", ["student_id"], unique=False)
    op.create_table(
        "campaign",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("min_recording_age", sa.Integer(), nullable=False),
        sa.Column("voting_age", sa.Integer(), nullable=False),
        sa.Column("government_name", sa.String(length=200), nullable=False),
        sa.Column("office_name", sa.String(length=200), nullable=False),
        sa.Column("office_address", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=200), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_campaign_change_seq"), "campaign", ["change_seq"], unique=False)
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hlc", sa.String(length=21), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=True),
        sa.Column("operator", sa.String(length=200), nullable=False),
        sa.Column("occurred_ms", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reject_code", sa.String(length=64), nullable=True),
        sa.Column("ingest_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "seq", name="uq_event_device_seq"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("ingest_seq"),
    )
    op.create_index(
        "ix_event_device_school_kind", "event", ["device_id", "school_npsn", "kind"], unique=False
    )
    op.create_index(op.f("ix_event_student_id"), "event", ["student_id"], unique=False)
    op.create_table(
        "school",
        sa.Column("npsn", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=200), nullable=False),
        sa.Column("kecamatan", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("npsn"),
    )
    op.create_index(op.f("ix_school_change_seq"), "school", ["change_seq"], unique=False)
    op.create_table(
        "student_state",
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("deciding_event_id", sa.String(length=36), nullable=True),
        sa.Column("decided_ms", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_device", sa.String(length=64), nullable=True),
        sa.Column("decided_by_operator", sa.String(length=200), nullable=True),
        sa.Column("ikd_activated", sa.Boolean(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("added_by_event_id", sa.String(length=36), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_hlc", sa.String(length=21), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("student_id"),
    )
    op.create_index(
        op.f("ix_student_state_school_npsn"), "student_state", ["school_npsn"], unique=False
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_npsn"],
            ["school.npsn"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "school_npsn", "date"),
    )
    op.create_index(op.f("ix_assignment_change_seq"), "assignment", ["change_seq"], unique=False)
    op.create_index(op.f("ix_assignment_school_npsn"), "assignment", ["school_npsn"], unique=False)
    op.create_index(op.f("ix_assignment_team_id"), "assignment", ["team_id"], unique=False)
    op.create_table(
        "device",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("app_version", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contiguous_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("device_id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_device_team_id"), "device", ["team_id"], unique=False)
    op.create_table(
        "enrollment_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_device", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index(
        op.f("ix_enrollment_code_team_id"), "enrollment_code", ["team_id"], unique=False
    )
    op.create_table(
        "operator",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nip", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_operator_change_seq"), "operator", ["change_seq"], unique=False)
    op.create_index(op.f("ix_operator_team_id"), "operator", ["team_id"], unique=False)
    op.create_table(
        "student",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=False),
        sa.Column("nisn", sa.String(length=200), nullable=True),
        sa.Column("nik", sa.String(length=200), nullable=True),
        sa.Column("kk", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=200), nullable=True),
        sa.Column("birth_place", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("class_name", sa.String(length=200), nullable=True),
        sa.Column("mother_name", sa.String(length=200), nullable=True),
        sa.Column("nipd", sa.String(length=200), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_npsn"],
            ["school.npsn"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_student_change_seq"), "student", ["change_seq"], unique=False)
    op.create_index(op.f("ix_student_school_npsn"), "student", ["school_npsn"], unique=False)
    counter = sa.table("counter", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counter, [{"name": "roster", "value": 0}, {"name": "ingest", "value": 0}])


def downgrade() -> None:

    op.drop_index(op.f("ix_student_school_npsn"), table_name="student")
    op.drop_index(op.f("ix_student_change_seq"), table_name="student")
    op.drop_table("student")
    op.drop_index(op.f("ix_operator_team_id"), table_name="operator")
    op.drop_index(op.f("ix_operator_change_seq"), table_name="operator")
    op.drop_table("operator")
    op.drop_index(op.f("ix_enrollment_code_team_id"), table_name="enrollment_code")
    op.drop_table("enrollment_code")
    op.drop_index(op.f("ix_device_team_id"), table_name="device")
    op.drop_table("device")
    op.drop_index(op.f("ix_assignment_team_id"), table_name="assignment")
    op.drop_index(op.f("ix_assignment_school_npsn"), table_name="assignment")
    op.drop_index(op.f("ix_assignment_change_seq"), table_name="assignment")
    op.drop_table("assignment")
    op.drop_table("team")
    op.drop_index(op.f("ix_student_state_school_npsn"), table_name="student_state")
    op.drop_table("student_state")
    op.drop_index(op.f("ix_school_change_seq"), table_name="school")
    op.drop_table("school")
    op.drop_index(op.f("ix_event_student_id"), table_name="event")
    op.drop_index("ix_event_device_school_kind", table_name="event")
    op.drop_table("event")
    op.drop_table("counter")
    op.drop_index(op.f("ix_campaign_change_seq"), table_name="campaign")
    op.drop_table("campaign")
    op.drop_index(op.f("ix_anomaly_student_id"), table_name="anomaly")
    op.drop_index(op.f("ix_anomaly_school_npsn"), table_name="anomaly")
    op.drop_table("anomaly")
