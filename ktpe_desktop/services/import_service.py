"""Importing a roster file: preview, then an all-or-nothing commit.

:meth:`ImportService.preview` reads the file (``ktpe_desktop.imports``) and
compares it with the school's roster held on this laptop. :meth:`ImportService.commit`
writes the plan in ONE transaction: a ``student_added`` event per new student and a
``details_corrected`` event per changed one, each with the device's next ``seq``,
chained to the head, with its outbox row; the student rows (and their FTS entries,
by trigger), their derived state and one audit row. Nothing is deleted. If anything
fails, nothing of the import is written and ``seq`` has no gap.

The events are appended as one batch by ``ledger.append_local`` (the one owner of
the device chain: next ``seq``, head hash, HLC, outbox row) and the student rows
are written with one DB-API ``executemany`` per table (values encoded by the
models' own column types, see :func:`_insert_rows`) rather than one
:meth:`RecordingService.correct_details` call each: 10,000 new students commit in
about half a second instead of a minute. A brand-new student's
state is written directly (pending, one event): folding a single ``student_added``
cannot give anything else. Corrections are refolded with ``ledger.recompute_state``.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import operator
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, insert
from sqlalchemy.orm import Session

from ktpe_desktop.core.collector import collector_paused
from ktpe_desktop.core.eligibility import CampaignRules
from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import (
    EventKind,
    Status,
    validate_event_payload,
)
from ktpe_desktop.core.identifiers import parse_npsn
from ktpe_desktop.core.namekeys import name_key
from ktpe_desktop.core.schools import find_reference_school
from ktpe_desktop.imports import (
    ExistingStudent,
    MergePlan,
    RosterPreview,
    compare_with_roster,
    read_roster,
)
from ktpe_desktop.imports.scan_worker import ScanWorker
from ktpe_desktop.services.audit import audit
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import ledger, roster_names
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store

__all__ = ["ImportRefused", "ImportResult", "ImportService", "NewSchool", "student_id_for"]

log = logging.getLogger("ktpe.imports")

STUDENT_NAMESPACE = uuid.UUID("8d7f6a02-3c1e-4f0b-9b7e-2a5c1d4e6f10")
_IN_CHUNK = 500  # identifiers per IN (...) query


class ImportRefused(KnownError):
    """The import cannot go ahead (unknown school, roster changed since the preview …)."""

    code = "import_refused"


@dataclass(frozen=True, slots=True)
class NewSchool:
    """A school an import creates on this laptop (it was not there yet).

    Attributes:
        source: ``"reference"`` (from the public school list) or ``"manual"``
            (the name the user typed).
    """

    npsn: str
    name: str
    kind: str = ""
    status: str = ""
    kecamatan: str = ""
    address: str = ""
    source: str = "manual"

    def row(self, *, target: int) -> m.School:
        return m.School(
            npsn=self.npsn,
            name=self.name,
            kind=self.kind,
            status=self.status,
            kecamatan=self.kecamatan,
            address=self.address,
            target=target,
        )


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What a commit wrote."""

    school_npsn: str
    added: int
    changed: int
    unchanged: int
    missing: int
    held_back: int
    skipped: int
    first_seq: int | None
    last_seq: int | None
    student_ids: tuple[str, ...] = ()
    school_created: bool = False

    @property
    def events(self) -> int:
        return self.added + self.changed


_STUDENT_NAMESPACE_BYTES = STUDENT_NAMESPACE.bytes


def student_id_for(school_npsn: str, nisn: str | None, nik: str | None) -> str:
    """A deterministic id for an imported student.

    Two laptops importing the same file give their students the same ids, so the
    server sees one student with two ``student_added`` events, not two students.
    ``"i-" + uuid.uuid5(STUDENT_NAMESPACE, f"{school_npsn}/{key}").hex``, computed
    without the UUID object (SHA-1 of namespace + name, version and variant bits set).
    """
    key = f"nisn:{nisn}" if nisn else f"nik:{nik}"
    digest = bytearray(
        hashlib.sha1(
            _STUDENT_NAMESPACE_BYTES + f"{school_npsn}/{key}".encode(), usedforsecurity=False
        ).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return f"i-{digest.hex()}"


def _existing(row: Sequence[Any]) -> ExistingStudent:
    """An ``_SQL_EXISTING`` row (the ORM's decoding: the birth date as a date)."""
    birth = row[8]
    return ExistingStudent(
        student_id=row[0],
        school_npsn=row[1],
        name=row[2],
        nisn=row[3],
        nik=row[4],
        kk=row[5],
        sex=row[6],
        birth_place=row[7],
        birth_date=date.fromisoformat(birth) if birth else None,
        class_name=row[9] or None,
        mother_name=row[10],
        nipd=row[11],
    )


# The roster lookups go to the driver with "?" lists: SQLAlchemy's expanding IN
# re-renders its statement for every chunk of 500 values (two lookups per preview
# and per commit, ~40 chunks each on a 10,000-row file).
_SQL_EXISTING = (
    "SELECT id, school_npsn, name, nisn, nik, kk, sex, birth_place, birth_date, "
    "class_name, mother_name, nipd FROM student WHERE "
)
_SQL_OWN = _SQL_EXISTING + "school_npsn = ? AND deleted IS 0"
_SQL_OTHERS = _SQL_EXISTING + "school_npsn != ? AND deleted IS 0 AND {column} IN ({marks})"
_SQL_TAKEN = (
    "SELECT id FROM student WHERE id IN ({marks}) "
    "UNION SELECT student_id FROM event WHERE student_id IN ({marks})"
)


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _table(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


_SERVER = m.StudentSource.SERVER
_STUDENT_COLUMNS = (
    "id", "school_npsn", "name", "nisn", "nik", "kk", "sex", "birth_place", "birth_date",
    "class_name", "mother_name", "nipd", "source", "doc_no", "search_key", "deleted",
    "updated_at", "roster_details",
)  # fmt: skip
# An imported student has no roster values of its own: its student_added event gives
# them (as on every other laptop, which makes the row from that event), so that an
# undone correction falls back to the event's values (docs/decisions.md D12).
_NO_ROSTER_VALUES: dict[str, Any] = {}
_STATE_COLUMNS = (
    "student_id", "school_npsn", "status", "reason", "deciding_event_id", "decided_at",
    "decided_by_device", "decided_by_operator", "ikd_activated", "anomaly_count",
    "event_count", "last_hlc",
)  # fmt: skip


_BULK_FTS_MIN = 1000  # below this, the FTS insert trigger is as fast


def _insert_students(
    conn: Connection, rows: list[tuple[Any, ...]], first_doc_no: int, last_doc_no: int
) -> None:
    """Insert new student rows (``_STUDENT_COLUMNS`` order) and their FTS entries.

    A large batch goes in with the FTS insert trigger (``student_fts_ai``) dropped,
    then the same entries the trigger would have made (``rowid = doc_no``,
    ``search_key``, ``school_npsn``, in ``doc_no`` order) are added with one
    ``INSERT … SELECT`` and the trigger is created again from its stored text: one
    FTS statement instead of 10,000 trigger runs, and only the new rows are indexed
    (``repositories.deferred_fts`` rebuilds the whole index, right for a first load).
    All of it is in the import's transaction, so a failure or a crash leaves the
    trigger in place. Done only when the trigger is the one this code knows
    (``models.FTS_INSERT_TRIGGER``); anything else keeps the trigger path.
    """
    table = _table(m.Student)
    trigger: str | None = None
    if len(rows) >= _BULK_FTS_MIN:
        trigger = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'student_fts_ai'"
        ).scalar()
    if trigger != m.FTS_INSERT_TRIGGER:
        _insert_rows(conn, table, _STUDENT_COLUMNS, rows)
        return
    conn.exec_driver_sql("DROP TRIGGER student_fts_ai")
    with roster_names.inserts_in_bulk(conn.connection.driver_connection):
        _insert_rows(conn, table, _STUDENT_COLUMNS, rows)
    conn.exec_driver_sql(
        "INSERT INTO student_fts(rowid, search_key, school_npsn) "
        "SELECT doc_no, search_key, school_npsn FROM student "
        "WHERE doc_no BETWEEN ? AND ? ORDER BY doc_no",
        (first_doc_no, last_doc_no),
    )
    conn.exec_driver_sql(trigger)


def _insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """``INSERT`` ``rows`` (tuples in ``columns`` order) with one DB-API ``executemany``.

    Writes what ``conn.execute(insert(table), [dict(zip(columns, r)) for r in rows])``
    writes: the same statement, and every value goes through its column type's own
    bind processor for this dialect (UtcDateTime, JsonText, Enum, Date, Boolean …);
    a processor runs once for a value every row shares (the school, the time, an
    enum). Skipped is only Core's per-row parameter bookkeeping. Falls back to that
    Core statement when a column left out has a Python-side default (which Core
    would fill in) or the driver does not take ``?`` parameters.
    """
    if not rows:
        return
    dialect = conn.dialect
    given = set(columns)
    if dialect.paramstyle != "qmark" or any(
        c.default is not None for c in table.columns if c.key not in given
    ):
        conn.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    quote = dialect.identifier_preparer.quote
    targets = [table.c[name] for name in columns]
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    marks: list[str] = []
    for index, column in enumerate(targets):
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        cells = values[index]
        first = cells[0]
        # One object in every row (the school, the time, an enum): encode it once. The
        # identity test stops at the first other object (a set of 10,000 ids per
        # column was ~20 ms of a 10,000-student commit).
        if all(map(operator.is_, cells, itertools.repeat(first))):
            value = process(first) if process is not None else first
            if value is None:
                # NULL in the statement: the driver's bind of None goes through its
                # adapter lookup (~1 µs a value; the new states' five empty columns).
                marks.append("NULL")
                values[index] = ()
                continue
            values[index] = [value] * len(cells)
        elif process is not None:
            values[index] = list(map(process, cells))
        marks.append("?")
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(c.name) for c in targets)}) "
        f"VALUES ({', '.join(marks)})"
    )
    conn.exec_driver_sql(sql, list(zip(*(v for v in values if v), strict=True)))


class ImportService:
    """Roster imports on this laptop.

    Args:
        store: the unlocked store.
        recording: the recording service whose chaining helper the corrections use
            (default: one on ``store``).
        now: the wall clock for ``occurred_at`` (tests inject it).
        today: the date for the file's plausibility checks (tests inject it).
    """

    def __init__(
        self,
        store: Store,
        recording: RecordingService | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        today: Callable[[], date] = date.today,
        scanner: ScanWorker | None = None,
    ) -> None:
        self.store = store
        self.recording = recording or RecordingService(store, now=now)
        self._now = now
        self._today = today
        #: The import dialog's scan worker (D48): previews scan XLSX sheets there.
        self.scanner = scanner

    # ------------------------------------------------------------ preview

    def preview(
        self, path: Path | str, school_npsn: str, *, school_name: str | None = None
    ) -> tuple[RosterPreview, MergePlan]:
        """Read ``path`` and plan its merge into the school's roster; writes nothing.

        ``school_name`` is for a school not on this laptop yet (see :meth:`new_school`):
        the preview then plans against an empty roster, and the commit creates it.

        Raises:
            RosterFileError: the file cannot be read.
            ImportRefused: an invalid NPSN, or a school unknown on this laptop, not in
                the reference list and without a name.
        """
        npsn, _ = self._resolve_school(school_npsn, school_name)
        with collector_paused():
            preview = read_roster(
                path, today=self._today(), rules=self.campaign_rules(), scanner=self.scanner
            )
            with self.store.session() as s:
                plan = self._plan(s, preview, npsn)
        return preview, plan

    def campaign_rules(self) -> CampaignRules:
        """The campaign's ages and voting day (the shipped ones before a campaign arrives)."""
        from sqlalchemy import select

        from ktpe_desktop.core.letterhead import default_rules
        from ktpe_desktop.storage import models as m

        with self.store.session() as s:
            campaign = s.scalars(select(m.Campaign).limit(1)).first()
            if campaign is None:
                return default_rules()
            return CampaignRules(
                campaign.reference_date, campaign.min_recording_age, campaign.voting_age
            )

    def new_school(self, school_npsn: str, school_name: str | None = None) -> NewSchool | None:
        """The school a commit would create for ``school_npsn``, or None if it is on the laptop.

        A school not on this laptop (a laptop started offline has none) is accepted when
        its NPSN is valid and either it is in the public reference
        (:func:`~ktpe_desktop.core.schools.find_reference_school`: name, kind, status,
        kecamatan and address come from there) or ``school_name`` is given.

        Raises:
            ImportRefused: an invalid NPSN (``npsn_*`` codes), or an unknown school
                without a name (``unknown_school``).
        """
        return self._resolve_school(school_npsn, school_name)[1]

    def _resolve_school(
        self, school_npsn: str, school_name: str | None
    ) -> tuple[str, NewSchool | None]:
        result = parse_npsn(school_npsn)
        if result.value is None:
            err = result.errors[0]
            raise ImportRefused(err.message, err.message_en, code=err.code)
        npsn = result.value
        with self.store.session() as s:
            if s.get(m.School, npsn) is not None:
                return npsn, None
        ref = find_reference_school(npsn)
        if ref is not None:
            return npsn, NewSchool(
                npsn=npsn,
                name=ref.name,
                kind=ref.kind,
                status=ref.status,
                kecamatan=ref.kecamatan,
                address=ref.address,
                source="reference",
            )
        name = " ".join((school_name or "").split())
        if name:
            return npsn, NewSchool(npsn=npsn, name=name[:255], source="manual")
        raise ImportRefused(
            f"Sekolah dengan NPSN {npsn} tidak ada di laptop ini dan tidak ada di daftar "
            "sekolah Kota Malang. Isi nama sekolahnya, atau unduh daftar sekolah dulu "
            "(Sinkronkan).",
            f"No school with NPSN {npsn} on this laptop nor in the Kota Malang school list. "
            "Give the school's name, or download the schools first (Sync).",
            code="unknown_school",
        )

    def existing_students(
        self, s: Session, school_npsn: str, preview: RosterPreview
    ) -> list[ExistingStudent]:
        """The school's students, plus other schools' students sharing a NISN/NIK with the file."""
        conn = s.connection()
        found = [_existing(r) for r in conn.exec_driver_sql(_SQL_OWN, (school_npsn,))]
        nisns = sorted({r.nisn for r in preview.rows if r.nisn})
        niks = sorted({r.nik for r in preview.rows if r.nik})
        seen: set[str] = set()
        for column, values in (("nisn", nisns), ("nik", niks)):
            for chunk in _chunks(values):
                sql = _SQL_OTHERS.format(column=column, marks=_marks(len(chunk)))
                for r in conn.exec_driver_sql(sql, (school_npsn, *chunk)):
                    if r[0] not in seen:
                        seen.add(r[0])
                        found.append(_existing(r))
        return found

    def _plan(self, s: Session, preview: RosterPreview, school_npsn: str) -> MergePlan:
        existing = self.existing_students(s, school_npsn, preview)
        return compare_with_roster(preview, existing, school_npsn=school_npsn)

    # ------------------------------------------------------------ commit

    def commit(
        self,
        preview: RosterPreview,
        plan: MergePlan,
        school_npsn: str,
        operator: str,
        *,
        school_name: str | None = None,
    ) -> ImportResult:
        """Apply ``plan`` in one transaction (all or nothing).

        The plan is computed again inside the write transaction; if the roster
        changed since the preview (a sync, another import), the commit is refused
        so that the user confirms what is really written.

        A school not on this laptop (see :meth:`new_school`) is created in the same
        transaction, with a target of the number of students added: a refused or
        failed import leaves no school behind.

        Raises:
            ImportRefused: invalid NPSN, unknown school without a name, empty
                operator, a stale plan, or nothing to import for a new school.
        """
        npsn, new_school = self._resolve_school(school_npsn, school_name)
        if not operator:
            raise ImportRefused(
                "Petugas wajib diisi.", "The operator is required.", code="operator"
            )
        # The collector off: the commit allocates some 300,000 objects, none garbage.
        with collector_paused(), self.store.transaction() as s:
            if new_school is not None and s.get(m.School, npsn) is not None:
                new_school = None  # created meanwhile (a sync): import into it
            fresh = self._plan(s, preview, npsn)
            if _signature(fresh) != _signature(plan):
                raise ImportRefused(
                    "Daftar siswa berubah sejak pratinjau (sinkronisasi atau impor lain). "
                    "Buka pratinjau lagi, lalu impor.",
                    "The roster changed since the preview (a sync or another import). "
                    "Preview again, then import.",
                    code="stale_preview",
                )
            if new_school is not None:
                if not fresh.new:
                    raise ImportRefused(
                        f"Berkas ini tidak berisi siswa baru untuk {new_school.name}; "
                        "sekolah tidak ditambahkan.",
                        f"This file has no new students for {new_school.name}; "
                        "the school was not added.",
                        code="no_new_students",
                    )
                s.add(new_school.row(target=len(fresh.new)))
                s.flush()
            first_seq, ids = self._add_students(s, fresh, npsn, operator)
            last_seq = self._correct_students(s, fresh, operator)
            device = s.get(m.Device, self.store.device_id)
            assert device is not None
            written_last = device.next_seq - 1 if (fresh.new or fresh.changed) else None
            audit(
                s,
                operator,
                m.AuditAction.IMPORT,
                npsn,
                {
                    "kind": preview.file_kind,
                    "added": len(fresh.new),
                    "changed": len(fresh.changed),
                    "held_back": len(preview.held_back),
                    "skipped": len(fresh.skipped),
                    "missing": len(fresh.missing),
                    **({"school_created": new_school.source} if new_school else {}),
                },
            )
        if first_seq is None and last_seq is not None:
            first_seq = last_seq - len(fresh.changed) + 1
        log.info(
            "roster imported: school=%s added=%d changed=%d held=%d",
            npsn,
            len(fresh.new),
            len(fresh.changed),
            len(preview.held_back),
        )
        return ImportResult(
            school_npsn=npsn,
            added=len(fresh.new),
            changed=len(fresh.changed),
            unchanged=len(fresh.unchanged),
            missing=len(fresh.missing),
            held_back=len(preview.held_back),
            skipped=len(fresh.skipped),
            first_seq=first_seq,
            last_seq=written_last,
            student_ids=tuple(ids),
            school_created=new_school is not None,
        )

    def _add_students(
        self, s: Session, plan: MergePlan, npsn: str, operator: str
    ) -> tuple[int | None, list[str]]:
        """Batch-write the ``student_added`` events, outbox rows, students and states."""
        if not plan.new:
            return None, []
        wanted_ids = [student_id_for(npsn, r.nisn, r.nik) for r in plan.new]
        taken: set[str] = set()
        conn = s.connection()
        for chunk in _chunks(wanted_ids):
            sql = _SQL_TAKEN.format(marks=_marks(len(chunk)))
            taken.update(r[0] for r in conn.exec_driver_sql(sql, (*chunk, *chunk)))
        doc_no = first_doc_no = ledger.next_doc_no(s)
        occurred = self._now()
        drafts: list[ledger.Draft] = []
        ids: list[str] = []
        added = EventKind.STUDENT_ADDED
        for row, student_id in zip(plan.new, wanted_ids, strict=True):
            if student_id in taken:  # a student deleted or re-identified earlier
                student_id = f"i-{uuid.uuid4().hex}"
            taken.add(student_id)
            # Keys in sorted order, as the event's JSON text stores them: the ledger then
            # keeps this payload as it would read it back (no decode of its own text).
            payload = row.added_payload(npsn)
            code = validate_event_payload(added.value, payload)
            if code is not None:  # pragma: no cover - read_roster guarantees a name
                raise ImportRefused(
                    f"Baris {row.row_number}: data tidak valid ({code}).",
                    f"Row {row.row_number}: invalid data ({code}).",
                    code=code,
                )
            drafts.append(ledger.Draft(added, student_id, operator, payload, npsn, occurred))
            ids.append(student_id)
        students: list[tuple[Any, ...]] = []
        for row, student_id in zip(plan.new, ids, strict=True):
            students.append(
                (student_id, npsn, row.name, row.nisn, row.nik, row.kk,
                 row.sex.value if row.sex else None, row.birth_place, row.birth_date,
                 row.class_name or "", row.mother_name, row.nipd, _SERVER, doc_no,
                 name_key(row.name), False, occurred, _NO_ROSTER_VALUES)
            )  # fmt: skip
            doc_no += 1
        # One DB-API executemany per table: the ORM's per-row bookkeeping, and even
        # Core's per-row parameter processing, would double the commit time of a
        # 10,000-row file. The FTS index gets the new rows in one statement. The
        # students go in before their events: an event filed under a school its
        # student's row names adds nothing to ``event_school`` (migration 0010).
        conn = s.connection()
        _insert_students(conn, students, first_doc_no, doc_no - 1)
        written = ledger.append_local(
            s,
            drafts,
            device_id=self.store.device_id,
            clock=self.recording.clock,
            now=occurred,
            students_at_school=True,
        )
        states: list[tuple[Any, ...]] = []
        for student_id, ev in zip(ids, written, strict=True):
            # The state of a brand-new student is known without folding: its one
            # event is this student_added, so fold_status gives pending, no decision,
            # no IKD, no anomaly, one event, last_hlc = this event's (test_import_service
            # checks this against ledger.recompute_state).
            states.append(
                (student_id, npsn, Status.PENDING, None, None, None, None, None, False, 0, 1,
                 ev.hlc)
            )  # fmt: skip
        _insert_rows(conn, _table(m.StudentState), _STATE_COLUMNS, states)
        s.flush()
        return written[0].seq, ids

    def _correct_students(self, s: Session, plan: MergePlan, operator: str) -> int | None:
        """One ``details_corrected`` event per changed student, then its refold.

        Appended with ``ledger.append_local`` (as every local event); then each
        student's state and row follow from ``ledger.recompute_state`` over all its
        events.
        """
        if not plan.changed:
            return None
        drafts = [
            ledger.Draft(
                EventKind.DETAILS_CORRECTED,
                change.student.student_id,
                operator,
                change.payload(),
                change.student.school_npsn,
                self._now(),
            )
            for change in plan.changed
        ]
        written = ledger.append_local(
            s, drafts, device_id=self.store.device_id, clock=self.recording.clock
        )
        for change in plan.changed:
            ledger.recompute_state(s, change.student.student_id)
        return written[-1].seq


def _signature(plan: MergePlan) -> tuple[object, ...]:
    return (
        tuple(r.row_number for r in plan.new),
        tuple((c.row.row_number, c.student.student_id, c.changes) for c in plan.changed),
        tuple(sorted(st.student_id for st in plan.missing)),
    )
