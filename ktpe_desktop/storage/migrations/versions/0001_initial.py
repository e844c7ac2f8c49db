"""Initial schema.

Revision ID: 0001
Revises:
Frozen copy of storage/models.py at 0.1.0 (types written out, so that later
model changes never alter what this revision creates), plus the FTS5 name index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

FTS_DDL = (
    "CREATE VIRTUAL TABLE student_fts USING fts5("
    "search_key, school_npsn, content='student', content_rowid='doc_no', "
    "prefix='1 2 3 4', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER student_fts_ai AFTER INSERT ON student BEGIN "
    "INSERT INTO student_fts(rowid, search_key, school_npsn) "
    "VALUES (new.doc_no, new.search_key, new.school_npsn); END",
    "CREATE TRIGGER student_fts_ad AFTER DELETE ON student BEGIN "
    "INSERT INTO student_fts(student_fts, rowid, search_key, school_npsn) "
    "VALUES ('delete', old.doc_no, old.search_key, old.school_npsn); END",
    "CREATE TRIGGER student_fts_au AFTER UPDATE OF search_key, doc_no, school_npsn ON student "
    "BEGIN "
    "INSERT INTO student_fts(student_fts, rowid, search_key, school_npsn) "
    "VALUES ('delete', old.doc_no, old.search_key, old.school_npsn); "
    "INSERT INTO student_fts(rowid, search_key, school_npsn) "
    "VALUES (new.doc_no, new.search_key, new.school_npsn); END",
)
FTS_DROP = (
    "DROP TRIGGER IF EXISTS student_fts_au",
    "DROP TRIGGER IF EXISTS student_fts_ad",
    "DROP TRIGGER IF EXISTS student_fts_ai",
    "DROP TABLE IF EXISTS student_fts",
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anomaly",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("event_ids", sa.Text(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("resolved_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anomaly")),
    )
    with op.batch_alter_table("anomaly", schema=None) as batch_op:
        batch_op.create_index("ix_anomaly_student_id", ["student_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)

    op.create_table(
        "campaign",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("min_recording_age", sa.Integer(), nullable=False),
        sa.Column("voting_age", sa.Integer(), nullable=False),
        sa.Column("government_name", sa.String(length=255), nullable=False),
        sa.Column("office_name", sa.String(length=255), nullable=False),
        sa.Column("office_address", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "device",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("hlc_last", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device")),
    )
    op.create_table(
        "event",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hlc", sa.String(length=24), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event")),
        sa.UniqueConstraint("device_id", "seq", name=op.f("uq_event_device_id_seq")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_school_npsn", ["school_npsn"], unique=False)
        batch_op.create_index("ix_event_student_id", ["student_id"], unique=False)

    op.create_table(
        "local_user",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=True),
        sa.Column("operator_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_local_user")),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "operator",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator")),
    )
    op.create_table(
        "school",
        sa.Column("npsn", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kecamatan", sa.String(length=64), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.Column("purged_at", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("npsn", name=op.f("pk_school")),
    )
    op.create_table(
        "student_state",
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("deciding_event_id", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.Column("decided_by_device", sa.String(length=64), nullable=True),
        sa.Column("decided_by_operator", sa.String(length=64), nullable=True),
        sa.Column("ikd_activated", sa.Boolean(), nullable=False),
        sa.Column("anomaly_count", sa.Integer(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_hlc", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("student_id", name=op.f("pk_student_state")),
    )
    with op.batch_alter_table("student_state", schema=None) as batch_op:
        batch_op.create_index(
            "ix_student_state_school_status", ["school_npsn", "status"], unique=False
        )

    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_npsn"], ["school.npsn"], name=op.f("fk_assignment_school_npsn_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint(
            "team_id",
            "school_npsn",
            "visit_date",
            name=op.f("uq_assignment_team_id_school_npsn_visit_date"),
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.event_id"], name=op.f("fk_outbox_event_id_event")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status", ["status"], unique=False)

    op.create_table(
        "student",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("doc_no", sa.Integer(), nullable=False),
        sa.Column("school_npsn", sa.String(length=8), nullable=False),
        sa.Column("nisn", sa.String(length=10), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("kk", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("birth_place", sa.String(length=64), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("class_name", sa.String(length=64), nullable=False),
        sa.Column("mother_name", sa.String(length=255), nullable=True),
        sa.Column("nipd", sa.String(length=32), nullable=True),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_npsn"], ["school.npsn"], name=op.f("fk_student_school_npsn_school")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_student_doc_no")),
    )
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.create_index("ix_student_nik", ["nik"], unique=False)
        batch_op.create_index("ix_student_nisn", ["nisn"], unique=False)
        batch_op.create_index("ix_student_school_nisn", ["school_npsn", "nisn"], unique=False)
        batch_op.create_index("ix_student_school_nik", ["school_npsn", "nik"], unique=False)
        batch_op.create_index(
            "ix_student_school_class", ["school_npsn", "class_name"], unique=False
        )

    for ddl in FTS_DDL:
        op.execute(ddl)


def downgrade() -> None:
    for ddl in FTS_DROP:
        op.execute(ddl)
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_index("ix_student_school_class")
        batch_op.drop_index("ix_student_school_nisn")
        batch_op.drop_index("ix_student_school_nik")
        batch_op.drop_index("ix_student_nisn")
        batch_op.drop_index("ix_student_nik")

    op.drop_table("student")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status")

    op.drop_table("outbox")
    op.drop_table("assignment")
    op.drop_table("sync_state")
    with op.batch_alter_table("student_state", schema=None) as batch_op:
        batch_op.drop_index("ix_student_state_school_status")

    op.drop_table("student_state")
    op.drop_table("school")
    op.drop_table("operator")
    op.drop_table("meta")
    op.drop_table("local_user")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_student_id")
        batch_op.drop_index("ix_event_school_npsn")

    op.drop_table("event")
    op.drop_table("device")
    op.drop_table("campaign")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_at")

    op.drop_table("audit_log")
    with op.batch_alter_table("anomaly", schema=None) as batch_op:
        batch_op.drop_index("ix_anomaly_student_id")

    op.drop_table("anomaly")
