"""What the reports say, read from the database into plain dataclasses (Qt-free).

A SQLAlchemy session goes in, frozen dataclasses come out; the renderer and the
exports never see an ORM object. Every number printed on a Berita Acara comes
from one of the queries here:

* statuses, reasons and IKD activations: ``student_state`` (the fold of each
  student's events, kept in step by the recording service), joined to the
  ``student`` roster (deleted rows left out; a student without a state row is
  *Belum Diproses*);
* the school, its target and the letterhead: ``school`` and ``campaign``;
* anomalies: ``anomaly`` rows of the school's students;
* the sync receipt: the server's last receipt kept by the sync engine in
  ``sync_state`` plus the local ``outbox``: a school is *tersinkron* only when
  every event this laptop wrote for it is acknowledged;
* the document number's counter: the ``audit_log`` rows of earlier prints.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import OUTCOME_KINDS, Status
from ktpe_desktop.core.letterhead import Letterhead, check_letterhead, default_region_code
from ktpe_desktop.core.receipt import ReceiptCode
from ktpe_desktop.core.schools import natural_key, official_school_name
from ktpe_desktop.reports.labels import (
    STATUS_LABELS,
    STATUS_ORDER,
    anomaly_label,
    keterangan,
    reason_label,
)
from ktpe_desktop.reports.words import bulan_romawi
from ktpe_desktop.storage.models import (
    AnomalyRow,
    Assignment,
    AuditAction,
    AuditLog,
    Campaign,
    Device,
    DocumentNumber,
    EventOrigin,
    EventRow,
    LocalUser,
    Meta,
    Operator,
    Outbox,
    OutboxStatus,
    School,
    Student,
    StudentState,
    SyncState,
)
from ktpe_desktop.storage.repositories import school_event_students
from ktpe_desktop.sync.state import LAST_RECEIPT

#: Kota Malang keeps Western Indonesia Time (UTC+7, no daylight saving).
LOCAL_TZ = timezone(timedelta(hours=7), "WIB")

#: Classification code of population-administration letters (474: KTP).
DOCUMENT_CLASS = "474"


def berita_acara_subject(npsn: str) -> str:
    """The audit subject of a school's Berita Acara (its prints number the document)."""
    return f"berita_acara:{npsn}"


def rekap_harian_subject(day: date) -> str:
    return f"rekap_harian:{day.isoformat()}"


class SchoolNotFound(KnownError):
    code = "school_not_found"

    def __init__(self, npsn: str) -> None:
        super().__init__(
            f"Sekolah dengan NPSN {npsn} tidak ada di perangkat ini.",
            f"No school with NPSN {npsn} on this device.",
            code="school_not_found",
        )


class SchoolPurged(KnownError):
    def __init__(self, npsn: str) -> None:
        super().__init__(
            f"Data siswa sekolah NPSN {npsn} sudah dihapus dari perangkat ini "
            "(masa simpan berakhir); laporannya tidak dapat dibuat lagi.",
            f"The students of school {npsn} were purged from this device "
            "(retention period over); its report can no longer be made.",
            code="school_purged",
        )


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    npsn: str
    name: str  # as the office writes it ("SMA Negeri 3 Malang")
    address: str
    kecamatan: str
    kind: str
    status: str
    target: int
    visit_date: date | None


@dataclass(frozen=True, slots=True)
class SexCount:
    male: int = 0
    female: int = 0
    total: int = 0  # may exceed male + female when a student's sex is unknown


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    status: Status
    label: str
    count: SexCount


@dataclass(frozen=True, slots=True)
class ReasonCount:
    status: Status
    reason: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class ClassCount:
    class_name: str
    total: int
    by_status: Mapping[Status, int]
    ikd: int

    def count(self, status: Status) -> int:
        return self.by_status.get(status, 0)


@dataclass(frozen=True, slots=True)
class FollowUpStudent:
    """A student still to be recorded: who, in which class, and why not yet."""

    name: str
    sex: str
    class_name: str
    status: Status
    keterangan: str


@dataclass(frozen=True, slots=True)
class AnomalyItem:
    student_name: str
    class_name: str
    code: str
    label: str
    resolved: bool


@dataclass(frozen=True, slots=True)
class Signatory:
    """A party who signs: name, NIP and position (jabatan).

    A blank name prints a dotted line to fill in by hand. ``nip_line`` says whether
    a NIP line is printed: a principal known to have no NIP (most private schools)
    gets none, an unknown signer gets a dotted one.
    """

    title: str
    name: str = ""
    nip: str = ""
    nip_line: bool = True


@dataclass(frozen=True, slots=True)
class TeamMember:
    """Someone who served at the visit (an operator of an event there)."""

    name: str
    nip: str = ""


@dataclass(frozen=True, slots=True)
class ServiceDay:
    """One day of a visit and its service hours (first and last outcome, local time)."""

    day: date
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """The days of one visit of a school (a run of days at most a weekend apart)."""

    days: tuple[ServiceDay, ...]

    @property
    def first_day(self) -> date:
        return self.days[0].day

    @property
    def last_day(self) -> date:
        return self.days[-1].day


@dataclass(frozen=True, slots=True)
class IssuedNumber:
    """The number a visit's Berita Acara got at its first print."""

    number: str
    counter: int
    first_day: date
    issued_at: datetime  # local time


@dataclass(frozen=True, slots=True)
class ServerReceipt:
    """The server's last word on this device's ledger (``GET /sync/receipt``)."""

    contiguous_seq: int
    head_hash: str
    received_at: datetime | None = None
    counts: Mapping[str, Any] = field(default_factory=dict)
    chain_matches: bool = True  # the server's head is our own event at that seq

    @property
    def head_short(self) -> str:
        return self.head_hash[:12]


@dataclass(frozen=True, slots=True)
class AckStatus:
    """Whether the events behind a report are all acknowledged by the server."""

    device_id: str
    local_events: int
    unacknowledged: int
    receipt: ServerReceipt | None

    @property
    def synced(self) -> bool:
        if self.unacknowledged:
            return False
        if self.receipt is not None and not self.receipt.chain_matches:
            return False
        return self.receipt is not None or self.local_events == 0

    def text(self) -> str:
        """The footer's receipt line (``BELUM TERSINKRON`` when not all acknowledged)."""
        if not self.synced:
            if self.unacknowledged:
                return (
                    f"BELUM TERSINKRON: {self.unacknowledged} dari {self.local_events} "
                    "catatan perangkat ini belum diterima server"
                )
            if self.receipt is not None and not self.receipt.chain_matches:
                return "BELUM TERSINKRON: rantai catatan di server berbeda dengan perangkat ini"
            return "BELUM TERSINKRON: belum ada tanda terima server"
        if self.receipt is None:
            return "Tersinkron: tidak ada catatan dari perangkat ini"
        return (
            f"Tersinkron: server menerima catatan perangkat s.d. seq "
            f"{self.receipt.contiguous_seq}, rantai {self.receipt.head_short}"
        )


@dataclass(frozen=True, slots=True)
class SchoolReport:
    """Everything the Berita Acara of one school prints."""

    letterhead: Letterhead
    title: str
    number: str
    report_date: date
    place: str
    school: SchoolInfo
    roster: SexCount
    outcomes: tuple[OutcomeCount, ...]
    reasons: tuple[ReasonCount, ...]
    classes: tuple[ClassCount, ...]
    ikd: SexCount
    follow_up: tuple[FollowUpStudent, ...]
    anomalies: tuple[AnomalyItem, ...]
    petugas: Signatory
    kepala_sekolah: Signatory
    device_id: str
    printed_at: datetime  # local time (WIB)
    sync: AckStatus
    visit: Visit
    team: tuple[TeamMember, ...] = ()
    counter: int = 1
    #: The first print of this visit's Berita Acara when this one is a reprint (Salinan).
    original: IssuedNumber | None = None

    @property
    def is_copy(self) -> bool:
        return self.original is not None

    def receipt_code(self) -> ReceiptCode:
        """The code printed as a QR code (:mod:`ktpe_desktop.core.receipt`)."""
        receipt = self.sync.receipt
        synced = self.sync.synced and receipt is not None
        counts = {status.value: self.outcome(status).total for status in STATUS_ORDER}
        counts["ikd"] = self.ikd.total
        return ReceiptCode(
            number=self.number,
            npsn=self.school.npsn,
            device_id=self.device_id,
            seq=receipt.contiguous_seq if synced and receipt is not None else 0,
            head_hash=receipt.head_hash if synced and receipt is not None else "",
            counts=counts,
        )

    def outcome(self, status: Status) -> SexCount:
        for row in self.outcomes:
            if row.status is status:
                return row.count
        return SexCount()

    @property
    def achieved(self) -> int:
        """Students who hold a recording: recorded now or recorded before."""
        return self.outcome(Status.RECORDED).total + self.outcome(Status.ALREADY_RECORDED).total


@dataclass(frozen=True, slots=True)
class DailySchoolRow:
    npsn: str
    name: str
    kecamatan: str
    target: int
    roster: int
    by_status: Mapping[Status, int]
    ikd: int
    decided_today: int

    def count(self, status: Status) -> int:
        return self.by_status.get(status, 0)

    @property
    def achieved(self) -> int:
        return self.count(Status.RECORDED) + self.count(Status.ALREADY_RECORDED)


@dataclass(frozen=True, slots=True)
class DailyReport:
    """The team's day: one row per school visited (or worked on) that day."""

    letterhead: Letterhead
    title: str
    number: str
    day: date
    place: str
    rows: tuple[DailySchoolRow, ...]
    totals: DailySchoolRow
    koordinator: Signatory
    device_id: str
    printed_at: datetime
    sync: AckStatus


# --------------------------------------------------------------------------- queries


def local_now() -> datetime:
    return datetime.now(UTC).astimezone(LOCAL_TZ)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(LOCAL_TZ)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a local (WIB) day starts and ends."""
    start = datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)
    return start, start + timedelta(days=1)


#: ``meta`` keys of a letterhead typed in on a laptop without campaign settings.
LETTERHEAD_META_KEYS = (
    "letterhead.government_name",
    "letterhead.office_name",
    "letterhead.office_address",
)


def stored_letterhead(session: Session) -> Letterhead:
    """The letterhead: the campaign's when complete, else the one the lead typed in
    (``meta``), else whatever is there (possibly incomplete)."""
    campaign = session.scalars(select(Campaign).limit(1)).first()
    from_campaign = (
        Letterhead(campaign.government_name, campaign.office_name, campaign.office_address)
        if campaign is not None
        else Letterhead("", "", "")
    )
    if from_campaign.cleaned().complete:
        return from_campaign.cleaned()
    values = []
    for key in LETTERHEAD_META_KEYS:
        row = session.get(Meta, key)
        values.append(row.value if row is not None else "")
    local = Letterhead(*values)
    return local.cleaned() if local.cleaned().complete else from_campaign.cleaned()


def save_letterhead(session: Session, letterhead: Letterhead) -> Letterhead:
    """Keep a letterhead typed in by the lead (no commit).

    It goes into the campaign row when there is one (a later roster pull may bring
    the office's own), else into ``meta``.

    Raises:
        LetterheadMissing: a line is empty.
    """
    tidy = check_letterhead(letterhead)
    campaign = session.scalars(select(Campaign).limit(1)).first()
    if campaign is not None:
        campaign.government_name, campaign.office_name, campaign.office_address = tidy.lines()
    for key, value in zip(LETTERHEAD_META_KEYS, tidy.lines(), strict=True):
        row = session.get(Meta, key)
        if row is None:
            session.add(Meta(key=key, value=value))
        else:
            row.value = value
    return tidy


def letterhead(session: Session) -> Letterhead:
    """The letterhead a paper prints.

    Raises:
        LetterheadMissing: none is set (a paper is never printed without one).
    """
    return check_letterhead(stored_letterhead(session))


def place_name(session: Session) -> str:
    """The place a document is signed: the government's city (``"Malang"``)."""
    name = stored_letterhead(session).government_name.strip()
    for prefix in ("Pemerintah ", "Kota ", "Kabupaten "):
        if name.lower().startswith(prefix.lower()):
            name = name[len(prefix) :].strip()
    return name or "Malang"


def region_code(session: Session) -> str:
    campaign = session.scalars(select(Campaign).limit(1)).first()
    return (campaign.region_code if campaign else "") or default_region_code()


def device_id(session: Session) -> str:
    """This laptop's device id (the ledger's), ``"-"`` before the database has one."""
    found = session.scalars(select(Device.device_id).limit(1)).first()
    if found:
        return found
    meta = session.get(Meta, "device_id")
    return meta.value if meta is not None else "-"


def signer_name(user: LocalUser) -> str:
    """A local user's name for a signature: the display name, never the login name."""
    name = " ".join((user.display_name or "").split())
    return "" if not name or name == user.username else name


def signatory_for(session: Session, username: str | None, title: str) -> Signatory:
    """The signature block of a local user (display name and NIP).

    A user without a display name of their own (``db init`` without
    ``--display-name``) gets a dotted line to sign over, never the login name.
    """
    if username:
        user = session.get(LocalUser, username)
        if user is not None:
            return Signatory(title, signer_name(user), user.nip or "")
    return Signatory(title)


def principal_of(school: School, school_name: str) -> Signatory:
    """PIHAK KEDUA: the school's head (a NIP line only when the NIP is known or the
    principal is not known at all, to be filled in by hand)."""
    name = " ".join((school.principal_name or "").split())
    nip = (school.principal_nip or "").strip()
    return Signatory(f"Kepala {school_name}", name, nip, nip_line=bool(nip) or not name)


def document_counter(session: Session, subject: str) -> int:
    """The number the next print of ``subject`` gets: earlier prints + 1."""
    done = session.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == AuditAction.PRINT, AuditLog.subject == subject)
    )
    return int(done or 0) + 1


BERITA_ACARA = "berita_acara"


def issued_number(session: Session, npsn: str, visit: Visit) -> IssuedNumber | None:
    """The number this visit's Berita Acara already got, if it was printed before."""
    row = session.scalars(
        select(DocumentNumber)
        .where(
            DocumentNumber.document == BERITA_ACARA,
            DocumentNumber.subject == npsn,
            DocumentNumber.first_day >= visit.first_day,
            DocumentNumber.first_day <= visit.last_day,
        )
        .order_by(DocumentNumber.first_day)
        .limit(1)
    ).first()
    if row is None:
        return None
    return IssuedNumber(row.number, row.counter, row.first_day, to_local(row.issued_at))


def next_visit_counter(session: Session, npsn: str) -> int:
    """The counter of a visit's first print: one more than any number the school had
    (numbers issued per visit, and prints made before numbers were kept per visit)."""
    issued = session.scalar(
        select(func.max(DocumentNumber.counter)).where(
            DocumentNumber.document == BERITA_ACARA, DocumentNumber.subject == npsn
        )
    )
    legacy = session.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(
            AuditLog.action == AuditAction.PRINT,
            AuditLog.subject == berita_acara_subject(npsn),
        )
    )
    issued_count = int(issued or 0)
    legacy_count = int(legacy or 0)
    if issued_count:  # every print since then is audited too: the kept numbers decide
        return issued_count + 1
    return legacy_count + 1


def keep_number(session: Session, report: SchoolReport, actor: str) -> None:
    """Record the number of a visit's first print (no-op for a reprint; no commit)."""
    if report.original is not None:
        return
    session.add(
        DocumentNumber(
            document=BERITA_ACARA,
            subject=report.school.npsn,
            first_day=report.visit.first_day,
            last_day=report.visit.last_day,
            counter=report.counter,
            number=report.number,
            issued_at=report.printed_at.astimezone(UTC),
            issued_by=actor,
        )
    )


#: Days of one visit may be this many days apart (Friday to Monday stays one visit).
VISIT_GAP_DAYS = 3


def school_visit(session: Session, npsn: str, on: date, school: School | None = None) -> Visit:
    """The visit of a school that ``on`` belongs to (or the last one before it).

    The days of a school are its scheduled days (assignment, ``visit_date``) and the
    days an outcome was recorded there (by any device, local time), up to ``on``.
    Days at most :data:`VISIT_GAP_DAYS` apart are one visit. Each day carries its
    service hours: the first and the last outcome recorded that day.
    """
    _, end_utc = local_day_bounds(on)
    hours: dict[date, tuple[datetime, datetime]] = {}
    for (moment,) in session.execute(
        select(EventRow.occurred_at).where(
            EventRow.student_id.in_(school_event_students([npsn])),
            EventRow.school_npsn == npsn,
            EventRow.kind.in_([str(k) for k in OUTCOME_KINDS]),
            EventRow.occurred_at < end_utc,
        )
    ):
        local = to_local(moment)
        first, last = hours.get(local.date(), (local, local))
        hours[local.date()] = (min(first, local), max(last, local))
    days = set(hours)
    scheduled = set(
        session.scalars(
            select(Assignment.visit_date).where(
                Assignment.school_npsn == npsn, Assignment.visit_date <= on
            )
        )
    )
    school = school or session.get(School, npsn)
    if school is not None and school.visit_date is not None and school.visit_date <= on:
        scheduled.add(school.visit_date)
    days |= scheduled
    if not days:
        days.add(on)
    ordered = sorted(days)
    runs: list[list[date]] = [[ordered[0]]]
    for day in ordered[1:]:
        if (day - runs[-1][-1]).days <= VISIT_GAP_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    run = runs[-1]
    for candidate in runs:
        if candidate[0] <= on <= candidate[-1]:
            run = candidate
    return Visit(tuple(ServiceDay(d, *hours[d]) if d in hours else ServiceDay(d) for d in run))


def visit_team(session: Session, npsn: str, visit: Visit) -> tuple[TeamMember, ...]:
    """Who served at the visit: the operators of the outcomes recorded on its days.

    Names come from the local users (display name, NIP) and the team's operators
    from the server; an operator known by neither is listed by the id it recorded
    under.
    """
    start, _ = local_day_bounds(visit.first_day)
    _, end = local_day_bounds(visit.last_day)
    operators = session.scalars(
        select(EventRow.operator)
        .where(
            EventRow.student_id.in_(school_event_students([npsn])),
            EventRow.school_npsn == npsn,
            EventRow.occurred_at >= start,
            EventRow.occurred_at < end,
        )
        .distinct()
    ).all()
    members: dict[str, TeamMember] = {}
    for op in operators:
        if not op:
            continue
        user = session.get(LocalUser, op)
        if user is not None and signer_name(user):
            member = TeamMember(signer_name(user), user.nip or "")
        else:
            known = session.get(Operator, op)
            if known is not None and known.name.strip():
                member = TeamMember(" ".join(known.name.split()), known.nip or "")
            else:
                member = TeamMember(op)
        members.setdefault(member.name.casefold(), member)
    return tuple(sorted(members.values(), key=lambda m: m.name.casefold()))


def school_document_number(npsn: str, counter: int, region: str, day: date) -> str:
    """``474/BA-01/20533718/35.73/XI/2024``: class code, per-school counter, NPSN,
    region, month in Roman numerals, year."""
    return f"{DOCUMENT_CLASS}/BA-{counter:02d}/{npsn}/{region}/{bulan_romawi(day.month)}/{day.year}"


def daily_document_number(counter: int, region: str, day: date) -> str:
    """``474/RH-01/20241127/35.73/XI/2024`` for the daily recap."""
    return (
        f"{DOCUMENT_CLASS}/RH-{counter:02d}/{day:%Y%m%d}/{region}/"
        f"{bulan_romawi(day.month)}/{day.year}"
    )


#: The key under which the sync engine keeps the last receipt (JSON) in ``sync_state``.
RECEIPT_KEYS = (LAST_RECEIPT,)


def read_receipt(session: Session) -> ServerReceipt | None:
    """The last server receipt kept in ``sync_state``, or None when there is none."""
    rows = session.scalars(select(SyncState).where(SyncState.key.in_(RECEIPT_KEYS))).all()
    by_key = {row.key: row for row in rows}
    for key in RECEIPT_KEYS:
        row = by_key.get(key)
        if row is None:
            continue
        receipt = parse_receipt(row.value, fallback_time=row.updated_at)
        if receipt is not None:
            return receipt
    return None


def parse_receipt(text: str, *, fallback_time: datetime | None = None) -> ServerReceipt | None:
    """Read a receipt's JSON (as the server sends it or as the sync engine keeps it)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    seq = data.get("contiguous_seq", data.get("seq"))
    head = data.get("head_hash", data.get("chain_head", data.get("hash")))
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(head, str):
        return None
    received: datetime | None = fallback_time
    for key in ("fetched_at", "received_at", "server_time"):
        value = data.get(key)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if parsed.tzinfo is not None:
                received = parsed
                break
    counts = data.get("counts")
    local_hash = data.get("local_hash_at_seq")
    matches = seq == 0 or "local_hash_at_seq" not in data or local_hash == head
    return ServerReceipt(
        seq, head, received, counts if isinstance(counts, dict) else {}, chain_matches=matches
    )


def sync_status(session: Session, npsns: Iterable[str]) -> AckStatus:
    """Are the events this laptop wrote for these schools all acknowledged?

    An event counts as acknowledged when its outbox row is ``acked`` or, with a
    receipt at hand, its ``seq`` is within the server's contiguous ``seq``.
    """
    receipt = read_receipt(session)
    schools = list(npsns)
    rows = session.execute(
        select(EventRow.seq, Outbox.status)
        .outerjoin(Outbox, Outbox.event_id == EventRow.event_id)
        .where(
            EventRow.student_id.in_(school_event_students(schools)),
            EventRow.school_npsn.in_(schools),
            EventRow.origin == EventOrigin.LOCAL,
        )
    ).all()
    unacked = 0
    for seq, status in rows:
        if status is OutboxStatus.ACKED:
            continue
        if receipt is not None and seq <= receipt.contiguous_seq:
            continue
        unacked += 1
    return AckStatus(device_id(session), len(rows), unacked, receipt)


@dataclass(frozen=True, slots=True)
class _Row:
    name: str
    sex: str
    class_name: str
    status: Status
    reason: str | None
    ikd: bool


def _school_rows(session: Session, npsn: str) -> list[_Row]:
    result = session.execute(
        select(
            Student.name,
            Student.sex,
            Student.class_name,
            StudentState.status,
            StudentState.reason,
            StudentState.ikd_activated,
        )
        .outerjoin(StudentState, StudentState.student_id == Student.id)
        .where(Student.school_npsn == npsn, Student.deleted.is_(False))
    )
    return [
        _Row(
            name=name,
            sex=(sex or "").upper(),
            class_name=class_name or "",
            status=Status(status) if status is not None else Status.PENDING,
            reason=reason,
            ikd=bool(ikd),
        )
        for name, sex, class_name, status, reason, ikd in result
    ]


def _sex_count(rows: Iterable[_Row]) -> SexCount:
    male = female = total = 0
    for row in rows:
        total += 1
        if row.sex == "L":
            male += 1
        elif row.sex == "P":
            female += 1
    return SexCount(male, female, total)


@functools.lru_cache(maxsize=4096)
def class_sort_key(name: str) -> tuple[Any, ...]:
    """Natural order of class names (``X-2`` before ``X-10``), empty last.

    Cached: a school has a few dozen class names and a list sorts a thousand rows by
    them.
    """
    parts: list[Any] = []
    token = ""
    digits = False
    for ch in name.upper():
        if ch.isdigit() != digits and token:
            parts.append((0, int(token), "") if digits else (1, 0, token))
            token = ""
        digits = ch.isdigit()
        token += ch
    if token:
        parts.append((0, int(token), "") if digits else (1, 0, token))
    return (name == "", tuple(parts))


def school_display_name(school: School, city: str = "Malang") -> str:
    """The school's name as the office writes it (``"SMA Negeri 3 Malang"``)."""
    return official_school_name(school.name, school.status, city)


def _school_info(school: School, city: str = "Malang") -> SchoolInfo:
    return SchoolInfo(
        npsn=school.npsn,
        name=school_display_name(school, city),
        address=school.address,
        kecamatan=school.kecamatan,
        kind=school.kind,
        status=school.status,
        target=school.target,
        visit_date=school.visit_date,
    )


def load_school_report(
    session: Session,
    npsn: str,
    *,
    printed_at: datetime | None = None,
    report_date: date | None = None,
    petugas: Signatory | None = None,
    counter: int | None = None,
) -> SchoolReport:
    """Read a school's Berita Acara (of the visit ``report_date`` belongs to).

    Args:
        session: an open session (read only).
        npsn: the school.
        printed_at: when the document is made (aware; default now); shown in WIB.
        report_date: a day of the visit (default: the local date of ``printed_at``);
            the Berita Acara is dated the visit's last day up to this one.
        petugas: who signs for the team (default: a blank block).
        counter: force the per-school counter (default: the visit's number if it
            was printed before, else one more than the school's last number).

    Raises:
        SchoolNotFound: no such school on this laptop.
        SchoolPurged: its personal data were purged after the retention period.
        LetterheadMissing: no letterhead is set.
    """
    school = session.get(School, npsn)
    if school is None:
        raise SchoolNotFound(npsn)
    if school.purged_at is not None:
        raise SchoolPurged(npsn)
    kop = letterhead(session)
    printed = to_local(printed_at) if printed_at is not None else local_now()
    visit = school_visit(session, npsn, report_date or printed.date(), school)
    day = visit.last_day
    rows = _school_rows(session, npsn)

    by_status: dict[Status, list[_Row]] = {s: [] for s in STATUS_ORDER}
    for row in rows:
        by_status[row.status].append(row)
    outcomes = tuple(
        OutcomeCount(status, STATUS_LABELS[status], _sex_count(by_status[status]))
        for status in STATUS_ORDER
    )

    reason_counts: Counter[tuple[Status, str]] = Counter(
        (row.status, row.reason or "")
        for row in rows
        if row.status in (Status.FAILED, Status.NOT_ELIGIBLE)
    )
    reasons = tuple(
        ReasonCount(status, reason, reason_label(status, reason) or "Tanpa keterangan", n)
        for (status, reason), n in sorted(
            reason_counts.items(), key=lambda item: (STATUS_ORDER.index(item[0][0]), -item[1])
        )
    )

    per_class: dict[str, list[_Row]] = {}
    for row in rows:
        per_class.setdefault(row.class_name, []).append(row)
    classes = tuple(
        ClassCount(
            class_name=name or "(tanpa kelas)",
            total=len(members),
            by_status=dict(Counter(m.status for m in members)),
            ikd=sum(1 for m in members if m.ikd),
        )
        for name, members in sorted(per_class.items(), key=lambda kv: class_sort_key(kv[0]))
    )

    done = (Status.RECORDED, Status.ALREADY_RECORDED)
    follow_up = tuple(
        FollowUpStudent(
            name=row.name,
            sex=row.sex,
            class_name=row.class_name,
            status=row.status,
            keterangan=keterangan(row.status, row.reason),
        )
        for row in sorted(
            (r for r in rows if r.status not in done),
            key=lambda r: (class_sort_key(r.class_name), r.name),
        )
    )

    anomaly_rows = session.execute(
        select(Student.name, Student.class_name, AnomalyRow.code, AnomalyRow.resolved)
        .join(Student, Student.id == AnomalyRow.student_id)
        .where(Student.school_npsn == npsn)
        .order_by(AnomalyRow.resolved, Student.class_name, Student.name, AnomalyRow.id)
    ).all()
    anomalies = tuple(
        AnomalyItem(name, class_name or "", code, anomaly_label(code), bool(resolved))
        for name, class_name, code, resolved in anomaly_rows
    )

    original = issued_number(session, npsn, visit) if counter is None else None
    if original is not None:
        counter = original.counter
        number = original.number
    else:
        if counter is None:
            counter = next_visit_counter(session, npsn)
        number = school_document_number(npsn, counter, region_code(session), day)
    place = place_name(session)
    info = _school_info(school, place)
    return SchoolReport(
        letterhead=kop,
        title="Berita Acara Perekaman KTP-el Pemilih Pemula",
        number=number,
        report_date=day,
        place=place,
        school=info,
        roster=_sex_count(rows),
        outcomes=outcomes,
        reasons=reasons,
        classes=classes,
        ikd=_sex_count(r for r in rows if r.ikd),
        follow_up=follow_up,
        anomalies=anomalies,
        petugas=petugas or Signatory("Koordinator Tim"),
        kepala_sekolah=principal_of(school, info.name),
        device_id=device_id(session),
        printed_at=printed,
        sync=sync_status(session, [npsn]),
        visit=visit,
        team=visit_team(session, npsn, visit),
        counter=counter,
        original=original,
    )


def schools_of_day(session: Session, day: date) -> list[str]:
    """The NPSNs of a day: scheduled that day (school or assignment), or with an
    outcome recorded that day (local time)."""
    start, end = local_day_bounds(day)
    scheduled = set(session.scalars(select(School.npsn).where(School.visit_date == day)))
    scheduled |= set(
        session.scalars(select(Assignment.school_npsn).where(Assignment.visit_date == day))
    )
    worked = session.scalars(
        select(EventRow.school_npsn)
        .where(
            EventRow.occurred_at >= start,
            EventRow.occurred_at < end,
            EventRow.kind.in_([str(k) for k in OUTCOME_KINDS]),
            EventRow.school_npsn.is_not(None),
        )
        .distinct()
    )
    found = scheduled | {n for n in worked if n}
    present = set(session.scalars(select(School.npsn).where(School.npsn.in_(found))))
    return sorted(present)


def load_daily_report(
    session: Session,
    day: date,
    *,
    printed_at: datetime | None = None,
    koordinator: Signatory | None = None,
    counter: int | None = None,
) -> DailyReport:
    """Read the team's daily recap (every school of ``day``, with totals).

    Raises:
        LetterheadMissing: no letterhead is set.
    """
    kop = letterhead(session)
    printed = to_local(printed_at) if printed_at is not None else local_now()
    npsns = schools_of_day(session, day)
    start, end = local_day_bounds(day)
    rows: list[DailySchoolRow] = []
    schools = {s.npsn: s for s in session.scalars(select(School).where(School.npsn.in_(npsns)))}
    for npsn in npsns:
        school = schools[npsn]
        status_counts = dict(
            session.execute(
                select(func.coalesce(StudentState.status, Status.PENDING.value), func.count())
                .select_from(Student)
                .outerjoin(StudentState, StudentState.student_id == Student.id)
                .where(Student.school_npsn == npsn, Student.deleted.is_(False))
                .group_by(func.coalesce(StudentState.status, Status.PENDING.value))
            ).all()
        )
        by_status = {Status(str(k)): int(v) for k, v in status_counts.items()}
        roster = sum(by_status.values())
        ikd = session.scalar(
            select(func.count())
            .select_from(Student)
            .join(StudentState, StudentState.student_id == Student.id)
            .where(
                Student.school_npsn == npsn,
                Student.deleted.is_(False),
                StudentState.ikd_activated.is_(True),
            )
        )
        today = session.scalar(
            select(func.count())
            .select_from(Student)
            .join(StudentState, StudentState.student_id == Student.id)
            .where(
                Student.school_npsn == npsn,
                Student.deleted.is_(False),
                StudentState.decided_at >= start,
                StudentState.decided_at < end,
            )
        )
        rows.append(
            DailySchoolRow(
                npsn=npsn,
                name=school.name,
                kecamatan=school.kecamatan,
                target=school.target,
                roster=roster,
                by_status=by_status,
                ikd=int(ikd or 0),
                decided_today=int(today or 0),
            )
        )
    place = place_name(session)
    rows = [replace(r, name=school_display_name(schools[r.npsn], place)) for r in rows]
    rows.sort(key=lambda r: natural_key(r.name))
    if counter is None:
        counter = document_counter(session, rekap_harian_subject(day))
    return DailyReport(
        letterhead=kop,
        title="Rekapitulasi Harian Perekaman KTP-el Pemilih Pemula",
        number=daily_document_number(counter, region_code(session), day),
        day=day,
        place=place,
        rows=tuple(rows),
        totals=sum_rows(rows),
        koordinator=koordinator or Signatory("Koordinator Tim"),
        device_id=device_id(session),
        printed_at=printed,
        sync=sync_status(session, npsns),
    )


def sum_rows(rows: Sequence[DailySchoolRow]) -> DailySchoolRow:
    totals: Counter[Status] = Counter()
    for row in rows:
        totals.update(row.by_status)
    return DailySchoolRow(
        npsn="",
        name="Jumlah",
        kecamatan="",
        target=sum(r.target for r in rows),
        roster=sum(r.roster for r in rows),
        by_status=dict(totals),
        ikd=sum(r.ikd for r in rows),
        decided_today=sum(r.decided_today for r in rows),
    )


def school_students_for_export(session: Session, npsn: str) -> list[dict[str, Any]]:
    """The rows of a school's export: identity, class and outcome of every student.

    Raises:
        SchoolNotFound, SchoolPurged: as :func:`load_school_report`.
    """
    school = session.get(School, npsn)
    if school is None:
        raise SchoolNotFound(npsn)
    if school.purged_at is not None:
        raise SchoolPurged(npsn)
    result = session.execute(
        select(Student, StudentState)
        .outerjoin(StudentState, StudentState.student_id == Student.id)
        .where(Student.school_npsn == npsn, Student.deleted.is_(False))
    ).all()
    out: list[dict[str, Any]] = []
    for student, state in result:
        status = Status(state.status) if state is not None else Status.PENDING
        reason = state.reason if state is not None else None
        decided = state.decided_at if state is not None else None
        out.append(
            {
                "nisn": student.nisn or "",
                "nik": student.nik or "",
                "name": student.name,
                "sex": (student.sex or "").upper(),
                "birth_place": student.birth_place or "",
                "birth_date": student.birth_date,
                "class_name": student.class_name or "",
                "status": status,
                "status_label": STATUS_LABELS[status],
                "reason": reason_label(status, reason),
                "ikd": bool(state.ikd_activated) if state is not None else False,
                "decided_at": to_local(decided).replace(tzinfo=None) if decided else None,
                "operator": (state.decided_by_operator or "") if state is not None else "",
                "anomalies": state.anomaly_count if state is not None else 0,
            }
        )
    out.sort(key=lambda r: (class_sort_key(r["class_name"]), r["name"]))
    return out


__all__ = [
    "LOCAL_TZ",
    "AckStatus",
    "AnomalyItem",
    "ClassCount",
    "DailyReport",
    "DailySchoolRow",
    "FollowUpStudent",
    "IssuedNumber",
    "Letterhead",
    "OutcomeCount",
    "ReasonCount",
    "SchoolInfo",
    "SchoolNotFound",
    "SchoolPurged",
    "SchoolReport",
    "ServerReceipt",
    "SexCount",
    "Signatory",
    "TeamMember",
    "Visit",
    "load_daily_report",
    "load_school_report",
]
