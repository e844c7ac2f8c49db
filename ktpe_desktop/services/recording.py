"""Recording outcomes: the one use case every check-off goes through.

Each call is ONE local transaction (``BEGIN IMMEDIATE``, WAL, ``synchronous=FULL``)
that writes the event (next ``seq`` of this device, chained to the head, HLC tick
persisted), its outbox row (``pending``), the student's derived state (the fold
over all its events, read back inside the same transaction), the anomaly rows
and, for corrections, voids and walk-ins, an audit row. When the call returns the
outcome is on disk; when it raises nothing of it is (and ``next_seq`` is
unchanged, so ``seq`` never has a gap).

The write runs on the hot path of :mod:`ktpe_desktop.storage.ledger`
(:class:`~ktpe_desktop.storage.ledger.WriteTxn`: prepared SQL on the driver
connection, no per-commit ORM session); an ORM session joins the same
transaction only for audit rows and detail events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import (
    DETAIL_FIELDS,
    OUTCOME_KINDS,
    Event,
    EventKind,
    FoldState,
    Status,
    validate_event_payload,
)
from ktpe_desktop.core.hlc import HybridClock
from ktpe_desktop.core.identifiers import parse_kk, parse_nik, parse_nisn
from ktpe_desktop.services.audit import audit
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.journal import EventJournal
from ktpe_desktop.storage.logs import get_logger
from ktpe_desktop.storage.store import Store

log = get_logger("recording")

_PAYLOAD_MESSAGES: Mapping[str, tuple[str, str]] = {
    "unknown_kind": ("Jenis hasil tidak dikenal.", "Unknown outcome kind."),
    "bad_reason": ("Alasan wajib dipilih dari daftar.", "Choose a reason from the list."),
    "missing_target": ("Peristiwa yang dibatalkan tidak disebut.", "No event to void given."),
    "missing_reason": ("Alasan pembatalan wajib diisi.", "A reason for the undo is required."),
    "missing_changes": ("Tidak ada data yang diubah.", "Nothing to correct."),
    "unknown_field": ("Kolom yang dikoreksi tidak dikenal.", "Unknown field to correct."),
    "missing_details": (
        "Nama dan sekolah siswa wajib diisi.",
        "The student's name and school are required.",
    ),
    "bad_note": ("Catatan terlalu panjang (maks. 500 huruf).", "Note too long (max. 500)."),
}


# Events written through the check-off journal (D43): the outcomes and the IKD
# activation, whose transaction is the event, its outbox row and the student's state.
_JOURNALED = frozenset([*OUTCOME_KINDS, EventKind.IKD_ACTIVATED])

_Head = tuple[int, str, str]  # the device's ledger head: (next_seq, head_hash, hlc_last)


class _WriteRequest(NamedTuple):
    """What :meth:`RecordingService._write` was asked to write, for each try."""

    kind: EventKind
    student_id: str
    operator: str
    payload: dict[str, Any]
    journal: EventJournal | None
    audit_action: m.AuditAction | None
    audit_subject: str | None
    audit_detail: dict[str, Any] | None
    require_student: bool
    school_npsn: str | None


class InvalidInput(KnownError):
    code = "invalid_input"


class DuplicateIdentifier(KnownError):
    """A typed NISN or NIK already belongs to another student on this laptop."""

    code = "duplicate_identifier"

    def __init__(self, field_name: str, student_id: str, name: str, class_name: str) -> None:
        label = "NISN" if field_name == "nisn" else "NIK"
        super().__init__(
            f"{label} ini milik {name} ({class_name or '—'}). Buka siswa itu, atau "
            "Koordinator menyimpan dengan alasan.",
            f"This {label} belongs to {name} ({class_name or '—'}). Open that student, "
            "or a lead saves it with a reason.",
        )
        self.field = field_name
        self.student_id = student_id
        self.name = name
        self.class_name = class_name


class UnknownStudent(KnownError):
    code = "unknown_student"

    def __init__(self, student_id: str) -> None:
        super().__init__(
            "Siswa tidak ditemukan di daftar laptop ini.",
            "The student is not in this laptop's roster.",
        )
        self.student_id = student_id


class UnknownEvent(KnownError):
    code = "unknown_event"

    def __init__(self) -> None:
        super().__init__("Peristiwa tidak ditemukan.", "The event was not found.")


@dataclass(frozen=True, slots=True)
class SavedEvent:
    """What the UI needs after a save (no live ORM object)."""

    event_id: str
    seq: int
    student_id: str
    kind: str
    hlc: str
    status: Status
    ikd_activated: bool
    anomalies: tuple[str, ...] = ()
    student: repo.StudentRow | None = None  # as it is after the write, same transaction


ApplyResult = ledger.ApplyResult


def _invalid(code: str) -> InvalidInput:
    msg, en = _PAYLOAD_MESSAGES.get(code, ("Data tidak valid.", "Invalid data."))
    return InvalidInput(msg, en, code=code)


class RecordingService:
    """Writes this laptop's events.

    Args:
        store: the unlocked store.
        clock: the device's HLC (default: the store's, restored from the database).
        now: the wall clock for ``occurred_at`` (tests inject it).
    """

    def __init__(
        self,
        store: Store,
        clock: HybridClock | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.clock = clock or store.clock
        self._now = now

    # ------------------------------------------------------------ public API

    def record_outcome(
        self,
        student_id: str,
        kind: EventKind | str,
        operator: str,
        *,
        reason: str | None = None,
        note: str | None = None,
    ) -> SavedEvent:
        """Record an outcome (recorded, already_recorded, absent, not_eligible, failed).

        Raises:
            InvalidInput: unknown kind, a missing/unknown reason, a bad note.
            UnknownStudent: the student is not in the local roster.
        """
        try:
            ek = EventKind(str(kind))
        except ValueError:
            raise _invalid("unknown_kind") from None
        if ek not in OUTCOME_KINDS:
            raise _invalid("unknown_kind")
        payload: dict[str, Any] = {}
        if reason is not None:
            payload["reason"] = reason
        if note:
            payload["note"] = note
        return self._write(ek, student_id, operator, payload)

    def activate_ikd(
        self, student_id: str, operator: str, *, note: str | None = None
    ) -> SavedEvent:
        """Record that the student activated the digital ID (IKD)."""
        return self._write(
            EventKind.IKD_ACTIVATED, student_id, operator, {"note": note} if note else {}
        )

    def void(self, event_id: str, reason: str, operator: str) -> SavedEvent:
        """Undo one earlier event (of any device) with a reason.

        Raises:
            UnknownEvent: no such event here.
            InvalidInput: no reason; the target is itself an undo or already undone.
        """
        if not reason or not reason.strip():
            raise _invalid("missing_reason")
        with self.store.session() as s:
            target = s.get(m.EventRow, event_id)
            if target is None:
                raise UnknownEvent()
            if target.kind == EventKind.VOIDED:
                raise InvalidInput(
                    "Pembatalan tidak dapat dibatalkan lagi.",
                    "An undo cannot itself be undone.",
                    code="void_of_void",
                )
            voids = s.scalars(
                select(m.EventRow).where(
                    m.EventRow.student_id == target.student_id,
                    m.EventRow.kind == EventKind.VOIDED.value,
                )
            )
            already = any(v.payload.get("target_event_id") == event_id for v in voids)
            if already:
                raise InvalidInput(
                    "Peristiwa ini sudah dibatalkan.",
                    "This event was already undone.",
                    code="already_voided",
                )
            student_id = target.student_id
            target_kind = target.kind
        payload = {"target_event_id": event_id, "reason": reason.strip()}
        return self._write(
            EventKind.VOIDED,
            student_id,
            operator,
            payload,
            audit_action=m.AuditAction.VOID,
            audit_subject=event_id,
            audit_detail={"student_id": student_id, "target_kind": target_kind},
            require_student=False,
        )

    def correct_details(
        self, student_id: str, changes: Mapping[str, Any], operator: str
    ) -> SavedEvent:
        """Correct a student's details (name, NIK, class …) through a ``details_corrected`` event."""
        clean = self._clean_details(changes, partial=True)
        if not clean:
            raise _invalid("missing_changes")
        return self._write(
            EventKind.DETAILS_CORRECTED,
            student_id,
            operator,
            {"changes": clean},
            audit_action=m.AuditAction.CORRECTION,
            audit_subject=student_id,
            audit_detail={"fields": sorted(clean)},
        )

    def add_walk_in(self, details: Mapping[str, Any], operator: str) -> str:
        """Add a student who is not on the roster; returns the new student id."""
        return self.add_student(details, operator).student_id

    def find_duplicate(
        self, details: Mapping[str, Any], exclude_id: str | None = None
    ) -> DuplicateIdentifier | None:
        """The other student who already has this NISN or NIK, as the error to show."""
        with self.store.session() as s:
            for field_name in ("nisn", "nik"):
                value = str(details.get(field_name) or "").strip()
                if not value:
                    continue
                column = m.Student.nisn if field_name == "nisn" else m.Student.nik
                stmt = select(m.Student.id, m.Student.name, m.Student.class_name).where(
                    column == value, m.Student.deleted.is_(False)
                )
                if exclude_id is not None:
                    stmt = stmt.where(m.Student.id != exclude_id)
                row = s.execute(stmt.limit(1)).first()
                if row is not None:
                    return DuplicateIdentifier(field_name, row.id, row.name, row.class_name or "")
        return None

    def add_student(
        self,
        details: Mapping[str, Any],
        operator: str,
        *,
        override_reason: str | None = None,
    ) -> SavedEvent:
        """Add a walk-in; the result carries the new student as saved.

        Raises:
            DuplicateIdentifier: the NISN or NIK belongs to another student, and no
                override reason was given (a lead's override becomes an anomaly).
        """
        clean = self._clean_details(details, partial=False)
        duplicate = self.find_duplicate(clean)
        if duplicate is not None:
            if not (override_reason or "").strip():
                raise duplicate
            clean["duplicate_of"] = duplicate.student_id
            clean["override_reason"] = str(override_reason).strip()[:500]
        student_id = f"w-{uuid.uuid4().hex}"
        return self._write(
            EventKind.STUDENT_ADDED,
            student_id,
            operator,
            clean,
            audit_action=m.AuditAction.STUDENT_ADDED,
            audit_subject=student_id,
            audit_detail={"school_npsn": clean["school_npsn"]},
            require_student=False,
            school_npsn=str(clean["school_npsn"]),
        )

    def recompute_state(self, session: Session, student_id: str) -> FoldState:
        """Refold one student's events into its state (inside the caller's transaction)."""
        return ledger.recompute_state(session, student_id)

    def apply_remote_events(
        self, session: Session | ledger.WriteTxn, events: Iterable[Event]
    ) -> ApplyResult:
        """Store events received from others (sync pull, hub) and refold touched students.

        ``ledger.apply_remote`` in the caller's transaction (an ORM session, or a
        background writer's :class:`~ktpe_desktop.storage.ledger.WriteTxn`): new ``event_id``s only
        (origin ``remote``), never the outbox; bad hashes and conflicts are skipped
        and reported; an event with an HLC beyond this laptop's clock plus the
        allowed skew is held back for review, never adopted.
        """
        return ledger.apply_remote(
            session, events, device_id=self.store.device_id, clock=self.clock
        )

    # ------------------------------------------------------------ internals

    def _clean_details(self, details: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
        unknown = [k for k in details if k not in DETAIL_FIELDS]
        if unknown:
            raise _invalid("unknown_field")
        clean: dict[str, Any] = {}
        for key, value in details.items():
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = value.strip()
            clean[key] = value
        checks = (("nik", parse_nik), ("kk", parse_kk), ("nisn", parse_nisn))
        for key, parse in checks:
            value = clean.get(key)
            if value:
                result = parse(str(value))
                if result.errors:
                    err = result.errors[0]
                    raise InvalidInput(err.message, err.message_en, code=err.code)
                if key != "nik":
                    clean[key] = result.value
        if "sex" in clean and clean["sex"] not in ("L", "P", None):
            raise InvalidInput(
                "Jenis kelamin harus L atau P.", "Sex must be L or P.", code="bad_sex"
            )
        if clean.get("birth_date"):
            try:
                date.fromisoformat(str(clean["birth_date"]))
            except ValueError:
                raise InvalidInput(
                    "Tanggal lahir tidak valid.", "Invalid birth date.", code="bad_birth_date"
                ) from None
        if not partial and (not str(clean.get("name", "")).strip() or not clean.get("school_npsn")):
            raise _invalid("missing_details")
        if "school_npsn" in clean:
            with self.store.session() as s:
                if s.get(m.School, str(clean["school_npsn"])) is None:
                    raise InvalidInput(
                        "Sekolah tidak ada di daftar laptop ini.",
                        "The school is not in this laptop's list.",
                        code="unknown_school",
                    )
        return clean

    def _write(
        self,
        kind: EventKind,
        student_id: str,
        operator: str,
        payload: dict[str, Any],
        *,
        audit_action: m.AuditAction | None = None,
        audit_subject: str | None = None,
        audit_detail: dict[str, Any] | None = None,
        require_student: bool = True,
        school_npsn: str | None = None,
    ) -> SavedEvent:
        code = validate_event_payload(kind.value, payload)
        if code is not None:
            raise _invalid(code)
        if not operator:
            raise InvalidInput("Petugas wajib diisi.", "The operator is required.", code="operator")
        # A check-off is durable at the journal's sync (D43): its transaction writes
        # nothing a replay of its event would not write again.
        journal = self.store.journal if kind in _JOURNALED and audit_action is None else None

        request = _WriteRequest(
            kind, student_id, operator, payload, journal,
            audit_action, audit_subject, audit_detail, require_student, school_npsn,
        )  # fmt: skip

        def once(head: _Head | None) -> tuple[SavedEvent, _Head | None]:
            return self._write_once(request, head)

        if journal is None:
            return once(None)[0]
        # The head the last check-off left: the record is built on it and written
        # before the transaction begins; if the head moved meanwhile (another
        # write), the check-off runs again on the head read in its transaction.
        head = self.store.check_off_head
        self.store.check_off_head = None
        try:
            saved, after = once(head)
        except ledger.StaleHead:
            saved, after = once(None)
        self.store.check_off_head = after
        return saved

    def _write_once(
        self, request: _WriteRequest, head: _Head | None
    ) -> tuple[SavedEvent, _Head | None]:
        """One try of :meth:`_write`: the saved event and the device's head it left
        (None when the event was not journaled)."""
        (
            kind, student_id, operator, payload, journal,
            audit_action, audit_subject, audit_detail, require_student, school_npsn,
        ) = request  # fmt: skip
        draft = ledger.Draft(kind, student_id, operator, payload, school_npsn, self._now())
        built: ledger.Built | None = None
        first: Callable[[], tuple[EventJournal, int]] | None = None
        if journal is not None and head is not None and school_npsn is None:

            def first() -> tuple[EventJournal, int]:
                """The check-off's fast path (D43): its event built on ``head`` and
                durable in the journal before the transaction begins."""
                nonlocal built
                built = ledger.build_local(
                    [draft], device_id=self.store.device_id, clock=self.clock, head=head
                )
                return journal, journal.append(built.rows)

        with (
            self.store.write_connection(journaled=journal is not None, first=first) as conn,
            ledger.WriteTxn(conn) as txn,
        ):
            txn.journal = journal
            shown: tuple[Any, ...] | None = None

            def read_student() -> str | None:
                """The student as the screen shows it (its school and ``deleted``
                too); the school its event is filed under."""
                nonlocal shown
                shown = repo.student_tuple_raw(txn.raw, student_id)
                txn.student_schools[student_id] = None if shown is None else shown[1]
                if shown is not None and not shown[-1]:
                    return str(shown[1])
                if require_student:
                    raise UnknownStudent(student_id)
                return ledger.state_school(txn, student_id)

            if journal is not None and school_npsn is None:
                # A check-off reads its student once its event is durable, so that
                # the journal's sync waits for no read; an unknown student rolls the
                # transaction back, which cuts the record off (D43).
                ev = self._append(txn, draft, read_student, built)
            else:
                if school_npsn is None:
                    school_npsn = read_student()
                ev = self._append(txn, replace(draft, school_npsn=school_npsn))
            state = ledger.recompute_state(txn, student_id)
            if audit_action is not None:
                audit(txn.session(), operator, audit_action, audit_subject, audit_detail)
            # What the screen shows next, before the commit: the row read above with
            # the state just written (the raw fold leaves the student row as it was);
            # read again when the ORM took part (details, audit rows).
            written = txn.states.get(student_id)
            if shown is not None and written is not None and not txn.used_session:
                row: repo.StudentRow | None = repo.row_with_state(shown, written)
            else:
                row = repo.get_student_raw(txn.raw, student_id)
        saved = SavedEvent(
            event_id=ev.event_id,
            seq=ev.seq,
            student_id=student_id,
            kind=ev.kind,
            hlc=ev.hlc,
            status=state.status,
            ikd_activated=state.ikd_activated,
            anomalies=tuple(a.code.value for a in state.anomalies),
            student=row,
        )
        return saved, txn.new_head if journal is not None else None

    def _append(
        self,
        txn: ledger.WriteTxn,
        draft: ledger.Draft,
        school_after: Callable[[], str | None] | None = None,
        built: ledger.Built | None = None,
    ) -> Event:
        """Append the event to this device's chain (``ledger.append_local``)."""
        (ev,) = ledger.append_local(
            txn,
            [draft],
            device_id=self.store.device_id,
            clock=self.clock,
            school_after=school_after,
            built=built,
        )
        return ev
