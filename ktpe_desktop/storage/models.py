"""The local database schema (SQLAlchemy 2 typed declarative models).

Everything here lives inside the SQLCipher-encrypted file. The schema itself is
created and evolved by Alembic (``storage/migrations``); these models are the
source the migrations are written from. Enums are real :class:`enum.Enum`
classes stored as their text value. Times are timezone-aware UTC datetimes
stored as ISO 8601 text (:class:`UtcDateTime`), so they sort as text.

The FTS5 table ``student_fts`` (name search) is not a model: it is an
external-content index over ``student.search_key`` and ``student.school_npsn``
(so a search inside one school intersects two doclists) keyed by ``student.doc_no``
and kept in sync by triggers, so it changes in the same transaction as the row.
"""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ktpe_desktop.core.events import Status
from ktpe_desktop.storage.keyslots import UserRole


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` text.

    Naive datetimes are refused: every time in this app is explicit about its zone.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value).astimezone(UTC)


class JsonText(TypeDecorator[Any]):
    """A JSON value stored as compact text (sorted keys, UTF-8)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def now_utc() -> datetime:
    return datetime.now(UTC)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as the value text; no CHECK constraint so that a newer app may add values.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class StudentSource(enum.StrEnum):
    SERVER = "server"  # from the roster (sync pull or import)
    LOCAL = "local"  # a walk-in added on this laptop


class EventOrigin(enum.StrEnum):
    LOCAL = "local"
    REMOTE = "remote"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    ACKED = "acked"
    QUARANTINED = "quarantined"


class AuditAction(enum.StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    UNLOCK = "unlock"
    LOCK = "lock"
    EXPORT = "export"
    PRINT = "print"
    CORRECTION = "correction"
    VOID = "void"
    STUDENT_ADDED = "student_added"
    PURGE = "purge"
    BACKUP = "backup"
    RESTORE = "restore"
    USER_ADDED = "user_added"
    USER_REMOVED = "user_removed"
    PASSWORD_CHANGED = "password_changed"
    ENROLL = "enroll"
    SYNC = "sync"
    IMPORT = "import"
    MIGRATE = "migrate"
    SETTINGS = "settings"


# Shared column types (Annotated): one definition, many columns.
str_pk = Annotated[str, mapped_column(String(64), primary_key=True)]
str64 = Annotated[str, mapped_column(String(64))]
str255 = Annotated[str, mapped_column(String(255))]
utc = Annotated[datetime, mapped_column(UtcDateTime())]
utc_now = Annotated[datetime, mapped_column(UtcDateTime(), default=now_utc)]
hash64 = Annotated[str, mapped_column(String(64))]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JsonText(),
    }


class Meta(Base):
    """Key/value facts about this database (device id, campaign id, created at)."""

    __tablename__ = "meta"

    key: Mapped[str_pk]
    value: Mapped[str] = mapped_column(Text)


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[str_pk]
    name: Mapped[str255]
    reference_date: Mapped[date] = mapped_column(Date)  # voting day
    min_recording_age: Mapped[int] = mapped_column(Integer, default=16)
    voting_age: Mapped[int] = mapped_column(Integer, default=17)
    government_name: Mapped[str255] = mapped_column(default="")
    office_name: Mapped[str255] = mapped_column(default="")
    office_address: Mapped[str] = mapped_column(Text, default="")
    region_code: Mapped[str] = mapped_column(String(16), default="")
    retention_days: Mapped[int] = mapped_column(Integer, default=14)
    updated_at: Mapped[utc_now]


class School(Base):
    __tablename__ = "school"

    npsn: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str255]
    kind: Mapped[str] = mapped_column(String(16), default="")  # SMA | SMK | MA ...
    status: Mapped[str] = mapped_column(String(16), default="")  # negeri | swasta
    kecamatan: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[int] = mapped_column(Integer, default=0)
    visit_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The head of the school, who signs the Berita Acara as PIHAK KEDUA (roster pull or
    # typed in by the lead; most private schools' principals have no NIP).
    principal_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    principal_nip: Mapped[str | None] = mapped_column(String(18), nullable=True)
    updated_at: Mapped[utc_now]


class Student(Base):
    """A student of the roster (or a local walk-in).

    The detail columns (name, NIK …) show ``roster_details`` overlaid with the
    details folded from the student's events (docs/decisions.md D12).

    ``doc_no`` is a stable integer that keys the FTS5 index (``student_fts``):
    SQLite's implicit rowid may change on VACUUM, so it cannot be used.
    """

    __tablename__ = "student"
    __table_args__ = (
        Index("ix_student_school_class", "school_npsn", "class_name"),
        Index("ix_student_nisn", "nisn"),
        Index("ix_student_nik", "nik"),
        # NISN/NIK prefix search inside one school (the usual case at a station).
        Index("ix_student_school_nisn", "school_npsn", "nisn"),
        Index("ix_student_school_nik", "school_npsn", "nik"),
        # The name search's ranking window reads only these, from the index alone
        # (migration 0007, issue 18).
        Index("ix_student_rank", "doc_no", "deleted", "name", "search_key"),
    )

    id: Mapped[str_pk]
    doc_no: Mapped[int] = mapped_column(Integer, unique=True)
    school_npsn: Mapped[str] = mapped_column(String(8), ForeignKey("school.npsn"))
    nisn: Mapped[str | None] = mapped_column(String(10), nullable=True)
    nik: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kk: Mapped[str | None] = mapped_column(String(16), nullable=True)
    name: Mapped[str255]
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)  # 'L' | 'P'
    birth_place: Mapped[str | None] = mapped_column(String(64), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    class_name: Mapped[str] = mapped_column(String(64), default="")
    mother_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    nipd: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The roster's own values of the detail fields (``core.events.DETAIL_FIELDS``,
    # JSON, dates as ISO text), as the roster/demo gave them: the base that the
    # fold's details (walk-in, corrections) are laid over. ``{}`` for a student with
    # no roster values (walk-in, import); NULL before migration 0002 (see
    # ``ledger.displayed_details``).
    roster_details: Mapped[dict[str, Any] | None] = mapped_column(JsonText(), nullable=True)
    search_key: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[StudentSource] = mapped_column(
        _enum(StudentSource, "student_source"), default=StudentSource.SERVER
    )
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[utc_now]


class StudentState(Base):
    """A student's derived state: ``fold_status`` over its events, kept in step.

    No index besides the key: every check-off changes ``status``, and an index on it
    was one more page written by every commit (migration 0008, D33). Rows are
    reached by ``student_id`` from ``student``.
    """

    __tablename__ = "student_state"

    student_id: Mapped[str_pk]
    school_npsn: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[Status] = mapped_column(_enum(Status, "student_status"), default=Status.PENDING)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deciding_event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_by_device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_by_operator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ikd_activated: Mapped[bool] = mapped_column(Boolean, default=False)
    anomaly_count: Mapped[int] = mapped_column(Integer, default=0)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    last_hlc: Mapped[str | None] = mapped_column(String(24), nullable=True)


class EventRow(Base):
    """One immutable event (local or received); ``payload`` is JSON text.

    No index on ``school_npsn`` (migration 0010, D41): every check-off wrote a page of
    it. A school's events are reached through its students (``student_id``'s index):
    :func:`ktpe_desktop.storage.repositories.school_event_students`.
    """

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("device_id", "seq"),
        Index("ix_event_student_id", "student_id"),
    )

    event_id: Mapped[str_pk]
    device_id: Mapped[str64]
    seq: Mapped[int] = mapped_column(Integer)
    hlc: Mapped[str] = mapped_column(String(24))
    prev_hash: Mapped[hash64]
    hash: Mapped[hash64]
    kind: Mapped[str] = mapped_column(String(32))
    student_id: Mapped[str64]  # no FK: events may arrive before their student
    school_npsn: Mapped[str | None] = mapped_column(String(8), nullable=True)
    operator: Mapped[str64]
    occurred_at: Mapped[utc]
    payload: Mapped[dict[str, Any]] = mapped_column(JsonText(), default=dict)
    origin: Mapped[EventOrigin] = mapped_column(_enum(EventOrigin, "event_origin"))
    received_at: Mapped[utc_now]


class EventSchool(Base):
    """The schools a student's events are filed under that its ``student`` row does
    not name (a student moved to another school, a student row deleted or not there
    yet): with the students of a school's roster, every student with an event filed
    under that school (:func:`ktpe_desktop.storage.repositories.school_event_students`).

    Kept by triggers (migration 0010, D41): an event filed under a school its
    student's row does not name adds its pair; a student row that changes school or
    is deleted adds the pair of its events filed under the old school. Pairs are
    never removed (one too many costs one index lookup). A check-off of a roster
    student at its own school writes nothing here.
    """

    __tablename__ = "event_school"
    __table_args__ = ({"sqlite_with_rowid": False},)

    school_npsn: Mapped[str] = mapped_column(String(8), primary_key=True)
    student_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class Outbox(Base):
    """Upload state of a local event: pending → in_flight → acked | quarantined.

    ``WITHOUT ROWID``: the rows are the ``event_id`` key's own B-tree, one page fewer
    written by every check-off than a rowid table and its key index (migration 0009).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status"), {"sqlite_with_rowid": False})

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("event.event_id"), primary_key=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        _enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[utc_now]


class AnomalyRow(Base):
    __tablename__ = "anomaly"
    __table_args__ = (Index("ix_anomaly_student_id", "student_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_id: Mapped[str64]
    code: Mapped[str] = mapped_column(String(64))
    event_ids: Mapped[list[str]] = mapped_column(JsonText())
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[utc_now]
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Device(Base):
    """This laptop's ledger head: the next ``seq``, the chain head and the last HLC."""

    __tablename__ = "device"

    device_id: Mapped[str_pk]
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    head_hash: Mapped[hash64]
    hlc_last: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[utc_now]


class DeviceKey(Base):
    """This laptop's Ed25519 private key (raw 32 bytes), made on first use (ledger)."""

    __tablename__ = "device_key"

    device_id: Mapped[str_pk]
    signing_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[utc_now]


class HeldEvent(Base):
    """A received event this laptop did not fold, with why (kept for review)."""

    __tablename__ = "held_event"
    __table_args__ = (Index("ix_held_event_reason", "reason"),)

    event_id: Mapped[str_pk]
    device_id: Mapped[str64]
    seq: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    event: Mapped[dict[str, Any]] = mapped_column(JsonText())
    held_at: Mapped[utc_now]


class ChainSegment(Base):
    """An origin device's signature over ``first_seq..last_seq`` of its chain.

    Kept from verified pulls (the hub's or the central server's), so that this
    laptop relays a teammate's events with their origin's own signature
    (:mod:`ktpe_desktop.sync.relay`); a relay never signs another device's chain.
    """

    __tablename__ = "chain_segment"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    sig: Mapped[str] = mapped_column(String(100))


class LocalUser(Base):
    """A mirror of the key slots' users, with what the UI shows (no password here)."""

    __tablename__ = "local_user"

    username: Mapped[str_pk]
    display_name: Mapped[str255]
    role: Mapped[UserRole] = mapped_column(_enum(UserRole, "user_role"))
    nip: Mapped[str | None] = mapped_column(String(18), nullable=True)
    operator_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[utc_now]


class Operator(Base):
    """An operator of the team's roster, from the server."""

    __tablename__ = "operator"

    id: Mapped[str_pk]
    name: Mapped[str255]
    nip: Mapped[str | None] = mapped_column(String(18), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="operator")
    updated_at: Mapped[utc_now]


class Assignment(Base):
    """Which school the team visits on which day."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("team_id", "school_npsn", "visit_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str64]
    school_npsn: Mapped[str] = mapped_column(String(8), ForeignKey("school.npsn"))
    visit_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[utc_now]


class DocumentNumber(Base):
    """The number a paper got at its first print: reprints keep it (and say Salinan).

    One row per visit of a school (``first_day`` .. ``last_day``, the visit's days
    when it was first printed) for a Berita Acara.
    """

    __tablename__ = "document_number"
    __table_args__ = (UniqueConstraint("document", "subject", "first_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document: Mapped[str] = mapped_column(String(32))  # "berita_acara"
    subject: Mapped[str] = mapped_column(String(64))  # the NPSN
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    counter: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[utc_now]
    issued_by: Mapped[str64]


class SyncState(Base):
    """Key/value state of the sync engine (server url, token, cursors, last success)."""

    __tablename__ = "sync_state"

    key: Mapped[str_pk]
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[utc_now]


class AuditLog(Base):
    """Who did what, when. Inside the encrypted file; keep ``detail`` minimal anyway."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[utc_now]
    actor: Mapped[str64]
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction, "audit_action"))
    subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JsonText(), nullable=True)


# The trigger that keeps ``event_school`` for new events (migration 0010, as stored in
# sqlite_master; ``ledger.append_local`` sets it aside around a large batch).
EVENT_SCHOOL_INSERT_TRIGGER = (
    "CREATE TRIGGER event_school_ai AFTER INSERT ON event "
    "WHEN NEW.school_npsn IS NOT NULL AND NOT EXISTS (SELECT 1 FROM student "
    "WHERE id = NEW.student_id AND school_npsn = NEW.school_npsn) BEGIN "
    "INSERT OR IGNORE INTO event_school (school_npsn, student_id) "
    "VALUES (NEW.school_npsn, NEW.student_id); END"
)

# The FTS5 index and its triggers (created by migration 0001, prefixes 1-8 since
# migration 0004; exported for tests).
FTS_INSERT_TRIGGER = (
    "CREATE TRIGGER student_fts_ai AFTER INSERT ON student BEGIN "
    "INSERT INTO student_fts(rowid, search_key, school_npsn) "
    "VALUES (new.doc_no, new.search_key, new.school_npsn); END"
)
FTS_DDL = (
    "CREATE VIRTUAL TABLE student_fts USING fts5("
    "search_key, school_npsn, content='student', content_rowid='doc_no', "
    "prefix='1 2 3 4 5 6 7 8', tokenize='unicode61 remove_diacritics 2')",
    FTS_INSERT_TRIGGER,
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
