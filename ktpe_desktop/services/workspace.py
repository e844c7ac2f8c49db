"""The one object the desktop UI holds: a thin facade over storage and services.

The UI never sees a SQLAlchemy session, a ``requests`` call or an ORM object:
every method here opens its own session (through the storage and service
layers), does one thing and returns plain frozen dataclasses or ids. Methods are
safe to call from any thread; the UI calls writes on its single writer thread
(``ui/ops.py``) and may call the small, fast reads (search) directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.checks import (
    MIN_PASSWORD_LENGTH,
    DetailsCheck,
    check_details,
    check_password,
    password_strength,
)
from ktpe_desktop.core.eligibility import CampaignRules
from ktpe_desktop.core.events import OUTCOME_KINDS, EventKind, Status
from ktpe_desktop.services import login
from ktpe_desktop.services.audit import audit
from ktpe_desktop.services.changes import ChangeHub, What, round_changes
from ktpe_desktop.services.recording import DuplicateIdentifier, RecordingService, SavedEvent
from ktpe_desktop.services.session import open_store
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.services.views import (
    AnomalyItem,
    CampaignInfo,
    HistoryItem,
    QuarantineItem,
    SavedChange,
    SchoolProgress,
    StudentItem,
    SyncRound,
    SyncSnapshot,
    UserInfo,
)
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.errors import PermissionDenied
from ktpe_desktop.storage.keyslots import KeySlots, UserRole, normalize_username
from ktpe_desktop.storage.store import KEYSLOTS_FILE, Store

#: Rows in one page of a search (the roster shows one page and asks for the next).
SEARCH_PAGE_SIZE = repo.PAGE_SIZE

if TYPE_CHECKING:  # imported on first use: hub mode pulls in uvicorn and zeroconf
    from ktpe_desktop.services.hub_service import HubService

__all__ = ["MIN_PASSWORD_LENGTH", "Workspace", "check_password", "password_strength"]


def _student_item(row: repo.StudentRow) -> StudentItem:
    return StudentItem(
        id=row.id,
        name=row.name,
        nisn=row.nisn,
        nik=row.nik,
        sex=row.sex,
        birth_date=row.birth_date,
        class_name=row.class_name,
        status=str(row.status),
        reason=row.reason,
        ikd_activated=row.ikd_activated,
        school_npsn=row.school_npsn,
        walk_in=row.source == m.StudentSource.LOCAL.value,
        kk=row.kk,
        birth_place=row.birth_place,
        mother_name=row.mother_name,
        anomaly_count=row.anomaly_count,
    )


def _status_or_none(status: str | None) -> Status | None:
    return Status(status) if status else None


class Workspace:
    """An unlocked data folder, as the UI sees it.

    Build it with :meth:`create` (first run) or :meth:`open` (login). Every method
    opens and closes its own session; nothing returned is tied to a session.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._recording = RecordingService(store)
        self._display_names: dict[str, str] = {}
        self._sync: SyncService | None = None
        self._hub: HubService | None = None
        self.changes = ChangeHub()

    # ------------------------------------------------------------ folder, users

    @staticmethod
    def exists(data_dir: Path) -> bool:
        """True when the folder already holds a local database and its key slots."""
        return login.folder_exists(data_dir)

    @staticmethod
    def users(data_dir: Path) -> list[UserInfo]:
        """The local users (from the key slots: readable without unlocking)."""
        return login.local_users(data_dir)

    @staticmethod
    def seconds_to_wait(data_dir: Path, username: str) -> float:
        return KeySlots(data_dir / KEYSLOTS_FILE).seconds_to_wait(username)

    @staticmethod
    def configure_logging(data_dir: Path) -> None:
        """The rotating log under ``<data_dir>/logs`` (digits redacted)."""
        login.configure_logging(data_dir)

    @classmethod
    def create(
        cls, data_dir: Path, username: str, password: str, display_name: str | None = None
    ) -> Workspace:
        """First run: a new data folder whose first user is a Koordinator."""
        check_password(password)
        return cls(
            Store.create(
                data_dir, username, password, role=UserRole.LEAD, display_name=display_name
            )
        )

    @classmethod
    def open(
        cls, data_dir: Path, username: str, password: str, *, key: bytes | None = None
    ) -> Workspace:
        """Unlock the data folder as ``username``.

        ``key``: the slot already unlocked with ``password`` (``login.unlock_key``).
        A large database's ``quick_check`` is left for :meth:`check_deferred`.

        Raises:
            WrongPassword: with the seconds to wait before the next attempt.
        """
        return cls(open_store(data_dir, username, password, check="auto", key=key))

    @property
    def check_pending(self) -> bool:
        """The opening left the database's ``quick_check`` for later (a large database)."""
        return self._store.check_pending

    def check_deferred(self) -> bool:
        """Run the check the opening left for later (:meth:`Store.check_deferred`).

        Raises:
            DatabaseCorrupt: the database is damaged (the message of the check at open).
        """
        return self._store.check_deferred()

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()
        if self._sync is not None:
            self._sync.close()
        self._store.close()

    @property
    def data_dir(self) -> Path:
        return self._store.data_dir

    @property
    def device_id(self) -> str:
        return self._store.device_id

    @property
    def store(self) -> Store:
        """For the other services (sync, reports) that the app wires up; not for widgets."""
        return self._store

    @property
    def user(self) -> UserInfo:
        name = self._store.username
        return UserInfo(name, UserRole(self._store.role).value, self._display_name(name))

    def _display_name(self, username: str) -> str:
        if username not in self._display_names:
            with self._store.session() as s:
                row = s.get(m.LocalUser, username)
                self._display_names[username] = row.display_name if row else username
        return self._display_names[username]

    def unlock(self, username: str, password: str) -> UserInfo:
        """Unlock after an idle lock, or switch operator, without closing the database.

        The password is checked against the user's key slot (with its growing delay
        after wrong passwords); the audit log records who unlocked.
        """
        username = normalize_username(username)
        slots = self._store.keyslots
        slots.unlock(username, password)  # raises WrongPassword / UnknownUser
        role = slots.role_of(username)
        previous = self._store.username
        self._store.username = username
        self._store.role = role
        with self._store.transaction() as s:
            audit(
                s,
                username,
                m.AuditAction.UNLOCK if previous == username else m.AuditAction.LOGIN,
                None,
                {"switched_from": previous} if previous != username else None,
            )
        return self.user

    def record_lock(self) -> None:
        with self._store.transaction() as s:
            audit(s, self._store.username, m.AuditAction.LOCK)

    def add_user(
        self, username: str, password: str, *, role: str = "operator", display_name: str = ""
    ) -> UserInfo:
        check_password(password)
        self._store.add_user(username, password, role=role, display_name=display_name or None)
        return UserInfo(normalize_username(username), role, display_name)

    def change_password(self, old_password: str, new_password: str) -> None:
        check_password(new_password)
        self._store.change_password(old_password, new_password)

    # ------------------------------------------------------------ campaign, schools

    def campaign(self) -> CampaignInfo | None:
        with self._store.session() as s:
            row = s.scalars(select(m.Campaign).limit(1)).first()
            if row is None:
                return None
            return CampaignInfo(row.name, row.reference_date, row.min_recording_age, row.voting_age)

    def rules(self) -> CampaignRules | None:
        info = self.campaign()
        if info is None or info.reference_date is None:
            return None
        return CampaignRules(info.reference_date, info.min_recording_age, info.voting_age)

    def schools(self, day: date | None = None) -> list[SchoolProgress]:
        """Schools with their progress: the ones visited on ``day``, or all when None."""
        with self._store.session() as s:
            rows = repo.list_schools(s, include_purged=False, counted=False)  # _progress counts
            if day is not None:
                planned = set(
                    s.scalars(
                        select(m.Assignment.school_npsn).where(m.Assignment.visit_date == day)
                    )
                )
                rows = [r for r in rows if r.npsn in planned or r.visit_date == day]
            return [self._progress(s, r) for r in rows]

    def planned_school(self, npsn: str, day: date | None) -> SchoolProgress | None:
        """``npsn``'s progress when :meth:`schools` (``day``) would list it, else None.

        The start reopens the last school with this (one school's counts) before the
        whole list, which counts every school's students (issue 18).
        """
        with self._store.session() as s:
            row = s.get(m.School, npsn)
            if row is None or row.purged_at is not None:
                return None
            if day is not None and row.visit_date != day:
                planned = s.scalar(
                    select(m.Assignment.school_npsn)
                    .where(m.Assignment.school_npsn == npsn, m.Assignment.visit_date == day)
                    .limit(1)
                )
                if planned is None:
                    return None
        return self.school(npsn)

    def school(self, npsn: str) -> SchoolProgress | None:
        """One school's progress (cheap: only that school's students are counted)."""
        with self._store.session() as s:
            row = s.get(m.School, npsn)
            if row is None:
                return None
            info = repo.SchoolRow(
                npsn=row.npsn,
                name=row.name,
                kind=row.kind,
                status=row.status,
                kecamatan=row.kecamatan,
                address=row.address,
                target=row.target,
                visit_date=row.visit_date,
                purged_at=row.purged_at,
                student_count=0,
            )
            return self._progress(s, info)

    @staticmethod
    def _progress(s: Session, r: repo.SchoolRow) -> SchoolProgress:
        c = repo.school_counts(s, r.npsn)
        by = c.by_status
        return SchoolProgress(
            npsn=r.npsn,
            name=r.name,
            kecamatan=r.kecamatan,
            visit_date=r.visit_date,
            target=r.target,
            total=c.total,
            recorded=by.get(Status.RECORDED.value, 0),
            already_recorded=by.get(Status.ALREADY_RECORDED.value, 0),
            absent=by.get(Status.ABSENT.value, 0),
            not_eligible=by.get(Status.NOT_ELIGIBLE.value, 0),
            failed=by.get(Status.FAILED.value, 0),
            pending=by.get(Status.PENDING.value, 0),
        )

    def classes(self, npsn: str) -> list[str]:
        with self._store.session() as s:
            return [c for c in repo.list_classes(s, npsn) if c]

    # ------------------------------------------------------------ roster

    def search(
        self,
        npsn: str | None,
        query: str,
        *,
        class_name: str | None = None,
        status: str | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[StudentItem]:
        """One page of students matching the typed name (any spelling), NISN or NIK prefix."""
        with self._store.session() as s:
            rows = repo.search_students(
                s, npsn, query, class_name or None, _status_or_none(status), limit, offset
            )
            return [_student_item(r) for r in rows]

    def count(
        self,
        npsn: str | None,
        query: str,
        *,
        class_name: str | None = None,
        status: str | None = None,
    ) -> int:
        with self._store.session() as s:
            return repo.count_students(s, npsn, query, class_name or None, _status_or_none(status))

    def find_exact(self, identifier: str) -> StudentItem | None:
        """The student with this full NISN (10 digits) or NIK (16 digits): the scanner."""
        with self._store.session() as s:
            row = repo.find_by_exact_identifier(s, identifier)
            return _student_item(row) if row is not None else None

    def student(self, student_id: str) -> StudentItem | None:
        with self._store.session() as s:
            row = repo.get_student(s, student_id)
            return _student_item(row) if row is not None else None

    def reveal_nik(self, student_id: str) -> str:
        """The full NIK, for a Koordinator only; the reveal is audited."""
        if UserRole(self._store.role) != UserRole.LEAD:
            raise PermissionDenied("melihat NIK lengkap")
        with self._store.transaction() as s:
            student = s.get(m.Student, student_id)
            audit(s, self._store.username, m.AuditAction.EXPORT, student_id, {"nik_reveal": True})
            return student.nik or "" if student is not None else ""

    # ------------------------------------------------------------ writes

    def _saved(self, saved: SavedEvent, what: tuple[What, ...]) -> SavedChange:
        """The view of a committed write, and its ``changed`` notification."""
        item = _student_item(saved.student) if saved.student is not None else None
        result = SavedChange(
            saved.event_id,
            saved.student_id,
            saved.kind,
            item.name if item else "",
            str(saved.status),
            item,
        )
        self.changes.emit([saved.student_id], (*what, What.OUTBOX), [item] if item else [])
        return result

    def record_outcome(
        self,
        student_id: str,
        kind: str,
        *,
        reason: str | None = None,
        note: str | None = None,
    ) -> SavedChange:
        """Write an outcome; durable on disk when this returns.

        The result carries the student as the same transaction left it, so the
        screen needs no second read.
        """
        if kind == EventKind.IKD_ACTIVATED:
            saved = self._recording.activate_ikd(student_id, self._store.username, note=note)
        else:
            saved = self._recording.record_outcome(
                student_id, kind, self._store.username, reason=reason, note=note or None
            )
        return self._saved(saved, (What.OUTCOME,))

    def add_walk_in(
        self, details: Mapping[str, Any], *, override_reason: str | None = None
    ) -> StudentItem:
        """Add a walk-in.

        Raises:
            DuplicateIdentifier: its NISN/NIK belongs to another student (a lead may
                save anyway with ``override_reason``; that becomes an anomaly).
        """
        if override_reason and UserRole(self._store.role) != UserRole.LEAD:
            raise PermissionDenied("menyimpan siswa dengan NISN/NIK yang sudah dipakai")
        saved = self._recording.add_student(
            {k: v for k, v in details.items() if v not in (None, "")},
            self._store.username,
            override_reason=override_reason,
        )
        change = self._saved(saved, (What.STUDENT_ADDED,))
        assert change.student is not None
        return change.student

    def duplicate_of(
        self, details: Mapping[str, Any], exclude_id: str | None = None
    ) -> DuplicateIdentifier | None:
        """The other student holding this NISN/NIK (the forms check as the user types)."""
        return self._recording.find_duplicate(details, exclude_id)

    def correct(self, student_id: str, changes: Mapping[str, Any]) -> SavedChange:
        if UserRole(self._store.role) != UserRole.LEAD:
            raise PermissionDenied("mengoreksi data siswa")
        duplicate = self._recording.find_duplicate(changes, exclude_id=student_id)
        if duplicate is not None:  # a correction may not take another student's NISN/NIK
            raise duplicate
        saved = self._recording.correct_details(student_id, changes, self._store.username)
        return self._saved(saved, (What.DETAILS,))

    def void(self, event_id: str, reason: str) -> SavedChange:
        saved = self._recording.void(event_id, reason, self._store.username)
        return self._saved(saved, (What.OUTCOME, What.DETAILS))

    def notify_changed(
        self, student_ids: Sequence[str], what: Sequence[What], students: Sequence[StudentItem] = ()
    ) -> None:
        """Announce a write made outside this facade (the sync adapter's rounds)."""
        self.changes.emit(student_ids, what, students)

    def last_own_outcome(self) -> HistoryItem | None:
        """This user's latest outcome on this laptop that is not undone yet (for Ctrl+Z)."""
        outcome_kinds = [k.value for k in OUTCOME_KINDS] + [EventKind.IKD_ACTIVATED.value]
        with self._store.session() as s:
            rows = s.scalars(
                select(m.EventRow)
                .where(
                    m.EventRow.device_id == self._store.device_id,
                    m.EventRow.operator == self._store.username,
                    m.EventRow.kind.in_(outcome_kinds),
                )
                .order_by(m.EventRow.seq.desc())
                .limit(20)
            ).all()
            for row in rows:
                for item in self._history(s, row.student_id):
                    if item.event_id == row.event_id and item.voided_by is None:
                        return item
        return None

    # ------------------------------------------------------------ history, anomalies

    def history(self, student_id: str) -> list[HistoryItem]:
        with self._store.session() as s:
            return self._history(s, student_id)

    def _history(self, s: Session, student_id: str) -> list[HistoryItem]:
        events = repo.student_events(s, student_id)
        voided_by = {
            str(e.payload.get("target_event_id")): e.event_id for e in events if e.kind == "voided"
        }
        out = []
        for e in events:
            payload = e.payload
            changes = payload.get("changes") if e.kind == EventKind.DETAILS_CORRECTED else None
            out.append(
                HistoryItem(
                    event_id=e.event_id,
                    kind=e.kind,
                    occurred_at=e.occurred_at,
                    operator=e.operator,
                    device_id=e.device_id,
                    this_device=e.device_id == self._store.device_id,
                    reason=_opt_str(payload.get("reason")),
                    note=_opt_str(payload.get("note")),
                    target_event_id=_opt_str(payload.get("target_event_id")),
                    voided_by=voided_by.get(e.event_id),
                    changes=tuple(sorted(changes)) if isinstance(changes, Mapping) else (),
                    seq=e.seq,
                    student_id=e.student_id,
                )
            )
        return out

    def anomalies(self, npsn: str | None = None) -> list[AnomalyItem]:
        with self._store.session() as s:
            rows = repo.list_anomalies(s, school_npsn=npsn)
            names = self._names(s, {a.student_id for a in rows})
            return [
                AnomalyItem(
                    a.id,
                    a.student_id,
                    names.get(a.student_id, ""),
                    "",
                    a.code,
                    a.event_ids,
                    a.created_at,
                    a.resolved,
                )
                for a in rows
            ]

    @staticmethod
    def _names(s: Session, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = s.execute(select(m.Student.id, m.Student.name).where(m.Student.id.in_(ids)))
        return {r.id: r.name for r in rows}

    # ------------------------------------------------------------ sync state

    @property
    def sync(self) -> SyncService:
        """The sync use cases of this store (the app's sync adapter drives them)."""
        if self._sync is None:
            self._sync = SyncService(self._store)
        return self._sync

    @property
    def hub(self) -> HubService:
        """The school hub: hub mode, joining, the background link (issue 14)."""
        if self._hub is None:
            from ktpe_desktop.services.hub_service import HubService

            self._hub = HubService(self._store, self._recording)
        return self._hub

    def other_station_outcome(self, student_id: str) -> Any:
        """Another station's outcome for the student (an ``OtherStationOutcome``), or None."""
        from ktpe_desktop.hub.notice import other_station_outcome

        return other_station_outcome(self._store, student_id)

    def enrol(self, url: str, code: str, ca_file: str | None = None) -> SyncSnapshot:
        """Enrol this laptop with a server (one-time code from the admin)."""
        self.sync.enrol(url, code, ca_file or None)
        return self.sync_snapshot()

    def enrol_as_new_device(self, url: str, code: str, ca_file: str | None = None) -> list[str]:
        """Re-enrol as a NEW device after a recovery lost events for good (issue 17):
        the unsent outcomes are re-issued by the new device. Returns the report lines."""
        _enrolment, replaced = self.sync.enrol_as_new_device(url, code, ca_file or None)
        return replaced.lines()

    def run_sync_round(self) -> SyncRound:
        """One sync round; never raises for network trouble (it is in the result)."""
        summary = self.sync.run_round()
        self.changes.emit((), round_changes(summary.pulled_students, summary.pulled_events))
        return SyncRound(
            snapshot=self.sync_snapshot(),
            error=summary.error or "",
            error_en=summary.error_en or "",
            error_code=summary.error_code or "",
            pushed=summary.pushed,
            acked=summary.acked,
            pulled_students=summary.pulled_students,
            pulled_events=summary.pulled_events,
        )

    def quarantined(self) -> list[QuarantineItem]:
        """Local events the server refused (they stay here; the admin is told)."""
        items = self.sync.quarantined()
        with self._store.session() as s:
            names = self._names(s, {q.student_id for q in items})
        return [
            QuarantineItem(
                event_id=q.event_id,
                kind=q.kind,
                student_name=names.get(q.student_id, ""),
                occurred_at=q.occurred_at,
                attempts=q.attempts,
                last_error=" — ".join(p for p in (q.code, q.message) if p),
                code=q.code or "",
            )
            for q in items
        ]

    def retry_quarantined(self, event_ids: Sequence[str] | None = None) -> int:
        """Put quarantined events back in the queue (after the admin fixed the cause)."""
        n = self.sync.retry_quarantined(list(event_ids) if event_ids is not None else None)
        self.changes.emit((), (What.OUTBOX,))
        return n

    def export_quarantined(self, path: Path) -> int:
        """A CSV of the refused events for the admin (ids, kinds, reasons; no personal data)."""
        n = self.sync.export_quarantined_csv(path)
        with self._store.transaction() as s:
            audit(s, self._store.username, m.AuditAction.EXPORT, "quarantine", {"rows": n})
        return n

    def sync_snapshot(self) -> SyncSnapshot:
        st = self.sync.status()
        last_dt: datetime | None = None
        if st.last_success:
            try:
                last_dt = datetime.fromisoformat(st.last_success)
            except ValueError:
                last_dt = None
        return SyncSnapshot(
            enrolled=st.enrolled,
            server_url=st.server_url or "",
            pending=st.counts.unsent,
            acked=st.counts.acked,
            quarantined=st.counts.quarantined,
            last_success=last_dt,
            last_error=st.last_error or "",
            needs_enrolment=st.needs_enrolment,
        )

    # ------------------------------------------------------------ imports, reports

    def import_service(self, scanner: Any = None) -> Any:
        """The roster import use cases (preview, commit) for the import dialog
        (``scanner``: its started ``imports.scan_worker.ScanWorker``, D48)."""
        from ktpe_desktop.services.import_service import ImportService

        return _NotifyingImport(ImportService(self._store, scanner=scanner), self.changes)

    def report_service(self) -> Any:
        """Berita Acara, daily summary and exports (PDF/XLSX written by the service)."""
        from ktpe_desktop.services.report_service import ReportService

        return ReportService(self._store)

    # ------------------------------------------------------------ checks (pure)

    @staticmethod
    def check_details(details: Mapping[str, Any], today: date | None = None) -> DetailsCheck:
        """Check typed identifiers as the walk-in/correction forms fill in."""
        return check_details(details, today)


class _NotifyingImport:
    """The import service, announcing each committed import as a roster change."""

    def __init__(self, service: Any, changes: ChangeHub) -> None:
        self._service = service
        self._changes = changes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        result = self._service.commit(*args, **kwargs)
        self._changes.emit((), (What.ROSTER, What.SCHOOLS))
        return result


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
