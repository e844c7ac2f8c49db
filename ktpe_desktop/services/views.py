"""The plain, frozen data that the services hand to the UI (and the CLI).

Nothing here is tied to a database session: every value is copied out of the
transaction that produced it, so a widget may keep it as long as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ktpe_desktop.core.checks import DetailsCheck, Finding
from ktpe_desktop.core.events import Status
from ktpe_desktop.services.users import UserInfo

__all__ = [
    "OFFLINE_CODES",
    "AnomalyItem",
    "CampaignInfo",
    "DetailsCheck",
    "Finding",
    "HistoryItem",
    "QuarantineItem",
    "SavedChange",
    "SchoolProgress",
    "StudentItem",
    "SyncRound",
    "SyncSnapshot",
    "UserInfo",
]


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    name: str
    reference_date: date | None
    min_recording_age: int = 16
    voting_age: int = 17


@dataclass(frozen=True, slots=True)
class SchoolProgress:
    """One school and how far its recording is."""

    npsn: str
    name: str
    kecamatan: str = ""
    visit_date: date | None = None
    target: int = 0
    total: int = 0
    recorded: int = 0
    already_recorded: int = 0
    absent: int = 0
    not_eligible: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def done(self) -> int:
        """Students with a card: recorded here or earlier elsewhere."""
        return self.recorded + self.already_recorded

    @property
    def goal(self) -> int:
        return self.target or self.total


@dataclass(frozen=True, slots=True)
class StudentItem:
    """One roster row as the UI shows it (the NIK is masked by the UI, not here)."""

    id: str
    name: str
    nisn: str | None
    nik: str | None
    sex: str | None
    birth_date: date | None
    class_name: str
    status: str = Status.PENDING
    reason: str | None = None
    ikd_activated: bool = False
    school_npsn: str = ""
    walk_in: bool = False
    kk: str | None = None
    birth_place: str | None = None
    mother_name: str | None = None
    anomaly_count: int = 0


@dataclass(frozen=True, slots=True)
class SavedChange:
    """What a write returns: enough to confirm it on screen."""

    event_id: str
    student_id: str
    kind: str
    student_name: str
    status: str
    student: StudentItem | None = None  # as the write's own transaction left it


@dataclass(frozen=True, slots=True)
class HistoryItem:
    event_id: str
    kind: str
    occurred_at: datetime
    operator: str
    device_id: str
    this_device: bool
    reason: str | None = None
    note: str | None = None
    target_event_id: str | None = None
    voided_by: str | None = None
    changes: tuple[str, ...] = ()
    seq: int = 0
    student_id: str = ""


@dataclass(frozen=True, slots=True)
class AnomalyItem:
    id: int
    student_id: str
    student_name: str
    school_npsn: str
    code: str
    event_ids: tuple[str, ...]
    created_at: datetime | None
    resolved: bool = False


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    event_id: str
    kind: str
    student_name: str
    occurred_at: datetime | None
    attempts: int
    last_error: str
    code: str = ""  # the server's stable refusal code (``unknown_student`` …)


@dataclass(frozen=True, slots=True)
class SyncSnapshot:
    enrolled: bool
    server_url: str = ""
    pending: int = 0
    acked: int = 0
    quarantined: int = 0
    last_success: datetime | None = None
    last_error: str = ""
    needs_enrolment: bool = False


@dataclass(frozen=True, slots=True)
class SyncRound:
    """What one sync round did."""

    snapshot: SyncSnapshot
    error: str = ""
    error_en: str = ""
    error_code: str = ""
    pushed: int = 0
    acked: int = 0
    pulled_students: int = 0
    pulled_events: int = 0

    @property
    def ok(self) -> bool:
        return not self.error_code

    @property
    def online(self) -> bool:
        """False when the server could not be reached at all."""
        return self.error_code not in OFFLINE_CODES


OFFLINE_CODES = frozenset({"server_unreachable", "not_enrolled"})
