"""The server's tables (SQLAlchemy 2 typed declarative style).

Text ids everywhere a client sees them; personal data only in ``student`` (and in
the payloads of ``student_added`` / ``details_corrected`` events). ``change_seq``
columns come from the ``roster`` counter (see :mod:`ktpe_server.db`) and drive the
roster cursor; ``event.ingest_seq`` comes from the ``ingest`` counter and drives
the event pull cursor.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ktpe_desktop.core.events import GENESIS_HASH


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


BigId = BigInteger().with_variant(Integer, "sqlite")
Seq = Annotated[int, mapped_column(BigInteger, nullable=False, default=0, index=True)]
Str = Annotated[str, mapped_column(String(200), nullable=False, default="")]
OptStr = Annotated[str | None, mapped_column(String(200), nullable=True)]
Hash = Annotated[str, mapped_column(String(64), nullable=False)]
Utc = Annotated[datetime, mapped_column(UtcDateTime, nullable=False)]
OptUtc = Annotated[datetime | None, mapped_column(UtcDateTime, nullable=True)]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Counter(Base):
    """Global monotonic counters (``roster``, ``ingest``), bumped under a row lock."""

    __tablename__ = "counter"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class Campaign(Base):
    __tablename__ = "campaign"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[Str]
    reference_date: Mapped[date] = mapped_column(Date, nullable=False)
    min_recording_age: Mapped[int] = mapped_column(Integer, nullable=False, default=16)
    voting_age: Mapped[int] = mapped_column(Integer, nullable=False, default=17)
    government_name: Mapped[Str]
    office_name: Mapped[Str]
    office_address: Mapped[Str]
    region_code: Mapped[Str]
    retention_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    # Set up from the office console (issue 13); sent to laptops in the roster pull.
    letterhead: Mapped[str] = mapped_column(Text, nullable=False, default="")  # one line each
    head_name: Mapped[Str]
    head_nip: Mapped[OptStr]
    time_zone: Mapped[str] = mapped_column(String(4), nullable=False, default="WIB")
    ba_number_pattern: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    change_seq: Mapped[Seq]


class School(Base):
    __tablename__ = "school"
    npsn: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[Str]
    kind: Mapped[Str]
    status: Mapped[Str]
    kecamatan: Mapped[Str]
    address: Mapped[Str]
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    principal_name: Mapped[Str]
    principal_nip: Mapped[OptStr]  # most private schools' principals have none
    change_seq: Mapped[Seq]


class Student(Base):
    __tablename__ = "student"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_npsn: Mapped[str] = mapped_column(ForeignKey("school.npsn"), index=True)
    nisn: Mapped[OptStr]
    nik: Mapped[OptStr]
    kk: Mapped[OptStr]
    name: Mapped[Str]
    sex: Mapped[OptStr]
    birth_place: Mapped[OptStr]
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    class_name: Mapped[OptStr]
    mother_name: Mapped[OptStr]
    nipd: Mapped[OptStr]
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    change_seq: Mapped[Seq]


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Utc] = mapped_column(default=utcnow)


class Operator(Base):
    __tablename__ = "operator"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    name: Mapped[Str]
    nip: Mapped[OptStr]
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="operator")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    change_seq: Mapped[Seq]


class Device(Base):
    __tablename__ = "device"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    name: Mapped[Str]
    app_version: Mapped[Str]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[Utc] = mapped_column(default=utcnow)
    last_seen: Mapped[OptUtc]
    contiguous_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    head_hash: Mapped[Hash] = mapped_column(default=GENESIS_HASH)
    # What the laptop reports about itself (headers on its sync calls), for the console.
    reported_unsent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reported_quarantined: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clock_skew_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_sync: Mapped[OptUtc]
    revoked_at: Mapped[OptUtc]
    # Ed25519 public key (base64url), bound to the device_id for life (issue 12).
    public_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The contiguous seq held at revocation: events beyond it are refused.
    revoked_at_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ChainSegment(Base):
    """A device's signature over ``first_seq..last_seq`` of its chain (core.signing)."""

    __tablename__ = "chain_segment"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    first_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sig: Mapped[str] = mapped_column(String(100))


class DeviceLoss(Base):
    """A device replaced after a recovery: the laptop re-enrolled as ``new_device_id``
    and said which seqs of ``device_id`` it lost for good (an anomaly for the office).

    ``held_seq`` is the old device's contiguous seq on this server at that moment:
    only the lost seqs above it are missing here. The laptop re-issues, from the new
    device, every event of the old one it still holds but never saw acknowledged
    (payload ``reissue_of``).
    """

    __tablename__ = "device_loss"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    new_device_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    held_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    gone: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # [[a, b], ...]
    reissued: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reported_at: Mapped[Utc]
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[OptUtc]
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def gone_ranges(self) -> list[tuple[int, int]]:
        """The seq ranges the laptop said it lost (``gone``); unreadable JSON as none."""
        try:
            return [(int(a), int(b)) for a, b in json.loads(self.gone)]
        except (ValueError, TypeError):
            return []

    def lost_here(self) -> list[tuple[int, int]]:
        """The gone ranges this server does not hold either (it holds 1..held_seq)."""
        out = [(max(a, self.held_seq + 1), b) for a, b in self.gone_ranges()]
        return [(a, b) for a, b in out if a <= b]


class RateBucket(Base):
    """A rate limiter's token bucket (security.DbRateLimiter), shared by all workers."""

    __tablename__ = "rate_bucket"
    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float, nullable=False)
    stamp: Mapped[float] = mapped_column(Float, nullable=False)
    allowed: Mapped[bool] = mapped_column(Boolean, nullable=False)


class EnrollmentCode(Base):
    __tablename__ = "enrollment_code"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    created_at: Mapped[Utc] = mapped_column(default=utcnow)
    expires_at: Mapped[Utc]
    used_at: Mapped[OptUtc]
    used_by_device: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("team_id", "school_npsn", "date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    school_npsn: Mapped[str] = mapped_column(ForeignKey("school.npsn"), index=True)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    change_seq: Mapped[Seq]


class AssignmentRemoved(Base):
    """A visit day taken off a team's schedule: laptops drop it at their next roster pull.

    At most one of an ``assignment`` and an ``assignment_removed`` row exists for a
    (team, school, day): scheduling the day again deletes its removal.
    """

    __tablename__ = "assignment_removed"
    __table_args__ = (UniqueConstraint("team_id", "school_npsn", "date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    school_npsn: Mapped[str] = mapped_column(String(8), nullable=False)
    date: Mapped[date] = mapped_column(Date, nullable=False)
    removed_at: Mapped[Utc] = mapped_column(default=utcnow)
    change_seq: Mapped[Seq]


class EventRow(Base):
    """One event as pushed; ``state`` says whether the fold uses it."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_event_device_seq"),
        Index("ix_event_device_school_kind", "device_id", "school_npsn", "kind"),
        Index(
            "ix_event_refused",
            "device_id",
            postgresql_where=text("state <> 'accepted'"),
            sqlite_where=text("state <> 'accepted'"),
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[str] = mapped_column(String(64), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hlc: Mapped[str] = mapped_column(String(21), nullable=False)
    prev_hash: Mapped[Hash]
    hash: Mapped[Hash]
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    student_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    school_npsn: Mapped[str | None] = mapped_column(String(8), nullable=True)
    operator: Mapped[str] = mapped_column(String(200), nullable=False)
    occurred_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    received_at: Mapped[Utc]
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    reject_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ingest_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)


class StudentState(Base):
    """The fold of a student's accepted events (``ktpe_desktop.core.events.fold_status``)."""

    __tablename__ = "student_state"
    student_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_npsn: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="pending")
    reason: Mapped[OptStr]
    deciding_event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    decided_by_device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_by_operator: Mapped[OptStr]
    ikd_activated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    added_by_event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_hlc: Mapped[str | None] = mapped_column(String(21), nullable=True)
    updated_at: Mapped[Utc] = mapped_column(default=utcnow)


class AnomalyRow(Base):
    __tablename__ = "anomaly"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    school_npsn: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    event_ids: Mapped[str] = mapped_column(Text, nullable=False)
    detected_at: Mapped[Utc] = mapped_column(default=utcnow)


class AnomalyResolution(Base):
    """An office decision about one anomaly, keyed by what identifies it.

    The ingest rewrites ``anomaly`` rows on every refold of a student, so the
    resolution lives apart, keyed by (student, code, event ids): the same anomaly
    detected again stays resolved; one with other events is a new one (reopened).
    """

    __tablename__ = "anomaly_resolution"
    __table_args__ = (UniqueConstraint("student_id", "code", "event_ids"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(String(64), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    event_ids: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    resolved_by: Mapped[str] = mapped_column(String(64), nullable=False)
    resolved_at: Mapped[Utc]


class OfficeUser(Base):
    """A member of the office staff who signs in to the console (role admin|pemantau)."""

    __tablename__ = "office_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[Str]
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[OptUtc]
    created_at: Mapped[Utc] = mapped_column(default=utcnow)
    last_login: Mapped[OptUtc]


class OfficeSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is stored."""

    __tablename__ = "office_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("office_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[Utc] = mapped_column(default=utcnow)
    expires_at: Mapped[Utc]
    last_seen: Mapped[Utc] = mapped_column(default=utcnow)
    address: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class AuditLog(Base):
    """Every change made from the console or the office commands: who, when, what, where.

    ``detail`` is JSON without personal data of students (ids and counts only).
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[Utc] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")


# The office console's counters (migration 0007): kept by database triggers in the
# transaction that changes their source rows; nothing in Python writes them.


class TallySchool(Base):
    """Students of a school by status and IKD activation (from ``student_state``)."""

    __tablename__ = "tally_school"
    school_npsn: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    ikd: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)


class TallyHour(Base):
    """Students by the UTC hour (``decided_ms // 3_600_000``) of their deciding event."""

    __tablename__ = "tally_hour"
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)


class TallyRoster(Base):
    """Roster students (not deleted) of a school (from ``student``)."""

    __tablename__ = "tally_roster"
    school_npsn: Mapped[str] = mapped_column(String(8), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)


class TallyDeviceSchool(Base):
    """Accepted events of a device about a school (from ``event``)."""

    __tablename__ = "tally_device_school"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_npsn: Mapped[str] = mapped_column(String(8), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)
