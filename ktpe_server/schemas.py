"""Request and reply shapes, for validation and for the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Text200 = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class ErrorBody(BaseModel):
    code: str = Field(examples=["unauthorized"])
    message: str


class ErrorReply(BaseModel):
    error: ErrorBody
    server_time: str = Field(examples=["2024-11-27T01:02:03.456Z"])


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    server_time: str
    version: str
    protocol: int
    database: Literal["ok", "unavailable"] = "ok"
    min_app_version: str | None = Field(
        default=None, description="Laptops below it are refused (426 app_too_old)."
    )
    latest_app_version: str | None = Field(
        default=None, description="The newest release: older laptops say 'versi baru tersedia'."
    )
    download_url: str | None = Field(default=None, description="Where the latest installer is.")


class ReplacedDevice(BaseModel):
    """The old device a re-enrolled laptop replaces, and what it lost."""

    model_config = ConfigDict(extra="ignore")
    device_id: str = Field(pattern=UUID_PATTERN)
    last_seq: int = Field(ge=0, le=2**53, description="The highest seq the laptop knew of.")
    gone: list[tuple[int, int]] = Field(
        default_factory=list,
        max_length=10_000,
        description="Seq ranges [first, last] of the old device unreadable on the laptop.",
    )
    reissued: int = Field(default=0, ge=0, le=2**31, description="Events re-issued.")


class EnrollmentRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 -]+$")
    device_id: str = Field(pattern=UUID_PATTERN, description="A UUID the client chose.")
    device_name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
    app_version: str = Field(default="", max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")
    public_key: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="The device's Ed25519 public key, base64url (43 characters); required "
        "since protocol 2, bound to the device_id for life.",
    )
    replaces: ReplacedDevice | None = Field(
        default=None,
        description="Set by a laptop re-enrolling as a new device after a recovery lost "
        "events of its old device for good: the old device and the seqs it lost.",
    )


class DeviceKeyRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    public_key: str = Field(min_length=43, max_length=43, pattern=r"^[A-Za-z0-9_-]+$")


class TeamRef(BaseModel):
    id: int
    name: str


class EnrollmentReply(BaseModel):
    device_id: str
    token: str
    team: TeamRef
    campaign_id: str | None
    server_time: str


class CampaignOut(BaseModel):
    id: str
    name: str
    reference_date: str
    min_recording_age: int
    voting_age: int
    government_name: str
    office_name: str
    office_address: str
    region_code: str
    retention_days: int
    letterhead_lines: list[str] = []
    head_of_office_name: str = ""
    head_of_office_nip: str | None = None
    time_zone: Literal["WIB", "WITA", "WIT"] = "WIB"
    utc_offset_minutes: int = 420
    ba_number_pattern: str = ""


class SchoolOut(BaseModel):
    npsn: str
    name: str
    kind: str
    status: str
    kecamatan: str
    address: str
    lat: float | None
    lon: float | None
    target: int
    principal_name: str = ""
    principal_nip: str | None = None


class OperatorOut(BaseModel):
    id: int
    name: str
    nip: str | None
    role: Literal["lead", "operator"]
    active: bool


class AssignmentOut(BaseModel):
    id: int
    school_npsn: str
    date: str


class StudentOut(BaseModel):
    id: str
    school_npsn: str
    nisn: str | None
    nik: str | None
    kk: str | None
    name: str
    sex: str | None
    birth_place: str | None
    birth_date: str | None
    class_name: str | None
    mother_name: str | None
    nipd: str | None
    deleted: bool


class RosterPage(BaseModel):
    team: TeamRef
    campaign: CampaignOut | None
    schools: list[SchoolOut]
    operators: list[OperatorOut]
    assignments: list[AssignmentOut]
    students: list[StudentOut]
    # Visit days taken off the team's schedule since the cursor (laptops drop them).
    assignments_removed: list[AssignmentOut] = []
    next_cursor: str
    has_more: bool
    server_time: str


class PushChain(BaseModel):
    """One origin device's run of events (``seq`` = ``first_seq`` + index)."""

    device_id: str = Field(max_length=64)
    first_seq: int = Field(ge=1)
    prev_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    operators: list[str]
    events: list[list[Any]] = Field(
        description="Rows [kind, student_id, operator_index, dt_ms, hlc_dw_ms, hlc_counter, "
        "payload|null, hash]."
    )


class PushBody(BaseModel):
    v: Literal[1]
    chains: list[PushChain]


class PushChainResult(BaseModel):
    device_id: str
    first_seq: int
    results: list[
        Literal[
            "accepted",
            "duplicate",
            "rejected",
            "conflict",
            "chain_broken",
            "seq_gap",
            "not_in_scope",
        ]
    ]


class PushProblem(BaseModel):
    event_id: str
    device_id: str
    seq: int
    status: str
    code: str
    message: str


class LedgerHeadOut(BaseModel):
    contiguous_seq: int
    head_hash: str


class PushReplyOut(BaseModel):
    server_time: str
    chains: list[PushChainResult]
    problems: list[PushProblem]
    ledger: dict[str, LedgerHeadOut]


class EventOut(BaseModel):
    event_id: str
    device_id: str
    seq: int
    hlc: str
    prev_hash: str
    hash: str
    kind: str
    student_id: str
    operator: str
    occurred_at: str
    payload: dict[str, Any]


class SegmentOut(BaseModel):
    """A signed segment of an origin device's chain, with the hashes of its events
    this caller will never be served (``gaps``: seq -> hash)."""

    device_id: str
    first_seq: int
    last_seq: int
    sig: str
    gaps: dict[str, str]


class EventsPage(BaseModel):
    events: list[EventOut]
    next_cursor: str
    has_more: bool
    keys: dict[str, str] = Field(
        default_factory=dict, description="Public key of each origin device in the page."
    )
    segments: list[SegmentOut] = Field(default_factory=list)
    server_time: str


class Receipt(BaseModel):
    device_id: str
    contiguous_seq: int
    head_hash: str
    counts_per_school: dict[str, dict[str, int]]
    rejected: int
    server_time: str


class EnrollCodeRequest(BaseModel):
    team: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")
    ttl_hours: float = Field(default=24.0, gt=0, le=24 * 30)


class EnrollCodeReply(BaseModel):
    code: str
    team: str
    ttl_hours: float
    server_time: str


class ProgressRow(BaseModel):
    npsn: str
    name: str
    target: int
    recorded: int
    remaining: int
    anomalies: int
    statuses: dict[str, int]


class ProgressReply(BaseModel):
    schools: list[ProgressRow]
    server_time: str
