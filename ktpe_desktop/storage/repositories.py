"""Read APIs for the UI, reports and sync: plain dataclasses, never live ORM objects.

Search (:func:`search_students`) takes what the operator types in "Cari nama,
NISN, atau NIK":

* digits only → a NISN prefix and a NIK prefix, as index range scans
  (``nisn >= q AND nisn < q'``), so leading zeros matter and no cast happens;
* anything else → name search: the query is folded with
  :func:`ktpe_desktop.core.namekeys.query_tokens` (spelling variants such as
  MOCH./MUHAMMAD meet on one key) and every token becomes a prefix term
  (``"tok"*``), all ANDed, on the FTS5 index ``student_fts``. Inside a school the
  school's NPSN is one more FTS term, so the engine intersects two doclists
  instead of filtering thousands of joined rows.

Name results are ranked by match quality (:mod:`ktpe_desktop.core.ranking`: exact
name, name starting with the query, a word starting with it, spelling variants,
the rest; ties by name) over the first :data:`RANK_WINDOW` matches in roster
order, then served a page at a time (``limit``/``offset``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Integer,
    Row,
    Select,
    Subquery,
    column,
    func,
    insert,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Status
from ktpe_desktop.core.namekeys import name_key, query_tokens
from ktpe_desktop.core.ranking import ranker
from ktpe_desktop.storage import ledger, outbox, roster_names
from ktpe_desktop.storage import models as m

# Name matches are ranked by match quality (core.ranking) over the first
# RANK_WINDOW matches in roster order: every match of a school, as a school has
# fewer students; across every school, a 2-letter query is ranked over a window.
RANK_WINDOW = 300
# Rows a search returns at once (the roster's first page; scrolling asks for more):
# a screen shows about 20. Each row costs a join back to the student and its state
# and a Python object, so 200 rows per keystroke doubled a search's p95 at 500,000
# students (issue 18).
PAGE_SIZE = 50
NISN_LENGTH = 10
NIK_LENGTH = 16
_TOKEN_SAFE = re.compile(r"[^0-9a-z]")


@dataclass(slots=True)
class StudentRow:
    """One line of the roster as the UI shows it (read-only by convention).

    Not ``frozen``: a frozen dataclass sets each field through
    ``object.__setattr__``, and building the 200 rows of a search page that way
    cost about as much CPU as the query itself (9x a plain slots dataclass,
    docs/performance.md). Nobody assigns to these rows.
    """

    id: str
    school_npsn: str
    nisn: str | None
    nik: str | None
    kk: str | None
    name: str
    sex: str | None
    birth_place: str | None
    birth_date: date | None
    class_name: str
    mother_name: str | None
    source: str
    status: Status
    reason: str | None
    ikd_activated: bool
    anomaly_count: int
    event_count: int
    decided_at: datetime | None
    decided_by_operator: str | None


@dataclass(frozen=True, slots=True)
class SchoolRow:
    npsn: str
    name: str
    kind: str
    status: str
    kecamatan: str
    address: str
    target: int
    visit_date: date | None
    purged_at: datetime | None
    student_count: int


@dataclass(frozen=True, slots=True)
class EventRowView:
    """One line of a student's history: what, who, when, on which laptop."""

    event_id: str
    device_id: str
    seq: int
    hlc: str
    kind: str
    student_id: str
    operator: str
    occurred_at: datetime
    payload: Mapping[str, Any]
    origin: str
    voided: bool


@dataclass(frozen=True, slots=True)
class AnomalyView:
    id: int
    student_id: str
    code: str
    event_ids: tuple[str, ...]
    resolved: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SchoolCounts:
    by_status: Mapping[str, int]
    by_sex: Mapping[str, int]
    by_status_and_sex: Mapping[tuple[str, str], int]
    ikd_activated: int
    total: int


@dataclass(frozen=True, slots=True)
class RosterStudent:
    """A student as the roster (sync pull / import) provides it."""

    id: str
    school_npsn: str
    name: str
    nisn: str | None = None
    nik: str | None = None
    kk: str | None = None
    sex: str | None = None
    birth_place: str | None = None
    birth_date: date | None = None
    class_name: str = ""
    mother_name: str | None = None
    nipd: str | None = None
    deleted: bool = False


# --------------------------------------------------------------------------- search


def _columns() -> tuple[Any, ...]:
    s, st = m.Student, m.StudentState
    return (
        s.id,
        s.school_npsn,
        s.nisn,
        s.nik,
        s.kk,
        s.name,
        s.sex,
        s.birth_place,
        s.birth_date,
        s.class_name,
        s.mother_name,
        s.source,
        st.status,
        st.reason,
        st.ikd_activated,
        st.anomaly_count,
        st.event_count,
        st.decided_at,
        st.decided_by_operator,
    )


def _row(r: Row[Any]) -> StudentRow:
    return StudentRow(
        id=r.id,
        school_npsn=r.school_npsn,
        nisn=r.nisn,
        nik=r.nik,
        kk=r.kk,
        name=r.name,
        sex=r.sex,
        birth_place=r.birth_place,
        birth_date=r.birth_date,
        class_name=r.class_name,
        mother_name=r.mother_name,
        source=str(r.source.value if hasattr(r.source, "value") else r.source),
        status=Status(r.status) if r.status is not None else Status.PENDING,
        reason=r.reason,
        ikd_activated=bool(r.ikd_activated),
        anomaly_count=int(r.anomaly_count or 0),
        event_count=int(r.event_count or 0),
        decided_at=r.decided_at,
        decided_by_operator=r.decided_by_operator,
    )


def _base() -> Select[Any]:
    return select(*_columns()).outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)


def _filters(
    stmt: Select[Any], school_npsn: str | None, class_name: str | None, status: Status | str | None
) -> Select[Any]:
    stmt = stmt.where(m.Student.deleted.is_(False))
    if school_npsn is not None:
        stmt = stmt.where(m.Student.school_npsn == school_npsn)
    if class_name is not None:
        stmt = stmt.where(m.Student.class_name == class_name)
    if status is not None:
        if Status(status) == Status.PENDING:
            stmt = stmt.where(
                (m.StudentState.status == Status.PENDING) | (m.StudentState.status.is_(None))
            )
        else:
            stmt = stmt.where(m.StudentState.status == Status(status))
    return stmt


def _digit_bounds(prefix: str) -> tuple[str, str]:
    """``[prefix, next)`` so that ``col >= lo AND col < hi`` is a prefix match on an index."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def fts_query(query: str, school_npsn: str | None = None) -> str | None:
    """The FTS5 MATCH expression for a typed name query (None when nothing searchable)."""
    tokens = [_TOKEN_SAFE.sub("", t) for t in query_tokens(query)]
    tokens = [t for t in tokens if t]
    if not tokens:
        return None
    terms = [f'search_key:"{t}"*' for t in tokens]
    if school_npsn is not None:
        terms.insert(0, f'school_npsn:"{_TOKEN_SAFE.sub("", school_npsn)}"')
    return " AND ".join(terms)


def _fts_docs(match: str) -> Subquery:
    """The FTS5 matches as a subquery of document numbers (``rowid``)."""
    fts = text("SELECT rowid FROM student_fts WHERE student_fts MATCH :q ORDER BY rowid")
    return fts.bindparams(q=match).columns(column("rowid", Integer)).subquery("fts")


def _is_digits(query: str) -> bool:
    return bool(query) and query.isascii() and query.isdigit()


def search_students(
    session: Session,
    school_npsn: str | None,
    query: str,
    class_name: str | None = None,
    status: Status | str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> list[StudentRow]:
    """Students matching what the operator typed (see the module docstring).

    An empty query lists the school's (or everybody's) roster page by page.
    """
    q = query.strip()
    compact = re.sub(r"[\s.\-]", "", q)
    if _is_digits(compact):
        return _search_digits(session, school_npsn, compact, class_name, status, limit, offset)
    if not q:
        stmt = _filters(_base(), school_npsn, class_name, status)
        # The id last: two students of one class may share a name, and a page read
        # later (offset) must continue the same order.
        stmt = stmt.order_by(
            m.Student.school_npsn, m.Student.class_name, m.Student.name, m.Student.id
        )
        return [_row(r) for r in session.execute(stmt.limit(limit).offset(offset))]
    match = fts_query(q, school_npsn)
    if match is None:
        return []
    return _ranked_text_search(session, q, match, school_npsn, class_name, status, limit, offset)


def _ranked_text_search(
    session: Session,
    query: str,
    match: str,
    school_npsn: str | None,
    class_name: str | None,
    status: Status | str | None,
    limit: int,
    offset: int,
) -> list[StudentRow]:
    """Rank the first :data:`RANK_WINDOW` matches on (doc_no, name, search_key) only,
    then read the full rows of the requested page: the window costs three columns a
    row, and the stored search key spares folding every name again."""
    want = max(RANK_WINDOW, offset + limit)
    light = None
    if class_name is None and status is None:
        light = _window_from_memory(session, match, want)
    if light is None:
        light = _run_raw(
            session,
            _FTS_LIGHT_SQL if status is None else _FTS_LIGHT_STATUS_SQL,
            {"q": match},
            school_npsn,
            class_name,
            status,
            "ORDER BY f.rowid",
            want,
            0,
        )
    rank = ranker(query)
    ranks: dict[str, tuple[int, int]] = {}

    def key(t: Any) -> tuple[tuple[int, int], str, int]:
        name = t[1]
        r = ranks.get(name)
        if r is None:
            r = ranks[name] = rank(name, t[2] or None)
        return r, name, t[0]

    light.sort(key=key)
    page = [t[0] for t in light[offset : offset + limit]]
    if not page:
        return []
    # On the driver connection, inside the session's transaction: SQLAlchemy's result
    # object cost ~30-40 µs of the ~100 µs this read takes with its pages cached.
    raw: Any = session.connection().connection.driver_connection
    rows = raw.execute(_DOCS_SQL.format(marks=", ".join("?" * len(page))), page).fetchall()
    by_doc = {t[-1]: _row_from_tuple(t) for t in rows}
    return [by_doc[d] for d in page if d in by_doc]


def _window_from_memory(session: Session, match: str, want: int) -> list[Any] | None:
    """The ranking window's ``(doc_no, name, search_key)`` from the roster-names map
    (:mod:`~ktpe_desktop.storage.roster_names`): the FTS lookup alone, no row read.
    None when the map is not ready or not valid (the caller reads it from SQL).

    The school is a term of ``match``; filters by class or status are not in the
    map, so those searches use SQL."""
    conn = session.connection()
    fairy = conn.connection
    names = roster_names.for_connection(fairy, conn.engine.pool)
    if names is None:
        return None
    raw: Any = fairy.driver_connection
    docs: list[Any] = []
    limit = want
    while True:
        # Deleted students are still in the FTS index: ask again past them.
        cursor = raw.execute(_FTS_DOCS_SQL, (match, limit, len(docs)))
        got = [d for (d,) in cursor.fetchall()]
        docs += got
        light = names.window(docs, want)
        if light is None:
            roster_names.stale(conn.engine.pool)
            return None
        if len(light) >= want or len(got) < limit:
            # The first read took the snapshot: a roster write committed since the map
            # was taken is in it, not in the map.
            return light if roster_names.still_current(conn.engine.pool, names) else None
        limit = want - len(light)


# The FTS5 table drives the join (CROSS JOIN fixes the loop order) and yields rows
# in rowid order, so LIMIT stops the scan early instead of sorting every match.
_SELECT = (
    "SELECT s.id, s.school_npsn, s.nisn, s.nik, s.kk, s.name, s.sex, s.birth_place, "
    "s.birth_date, s.class_name, s.mother_name, s.source, st.status, st.reason, "
    "st.ikd_activated, st.anomaly_count, st.event_count, st.decided_at, "
    "st.decided_by_operator "
)
_FTS_SQL = (
    _SELECT + "FROM student_fts AS f CROSS JOIN student AS s ON s.doc_no = f.rowid "
    "LEFT JOIN student_state AS st ON st.student_id = s.id "
    "WHERE student_fts MATCH :q AND s.deleted = 0"
)
_FTS_LIGHT_SQL = (
    "SELECT s.doc_no, s.name, s.search_key FROM student_fts AS f CROSS JOIN student AS s "
    "ON s.doc_no = f.rowid WHERE student_fts MATCH :q AND s.deleted = 0"
)
_FTS_DOCS_SQL = (
    "SELECT rowid FROM student_fts WHERE student_fts MATCH ? ORDER BY rowid LIMIT ? OFFSET ?"
)
_FTS_LIGHT_STATUS_SQL = (
    "SELECT s.doc_no, s.name, s.search_key FROM student_fts AS f CROSS JOIN student AS s "
    "ON s.doc_no = f.rowid LEFT JOIN student_state AS st ON st.student_id = s.id "
    "WHERE student_fts MATCH :q AND s.deleted = 0"
)
_DOCS_SQL = (
    _SELECT + ", s.doc_no FROM student AS s LEFT JOIN student_state AS st "
    "ON st.student_id = s.id WHERE s.doc_no IN ({marks})"
)
_BY_ID_SQL = (
    _SELECT + "FROM student AS s LEFT JOIN student_state AS st ON st.student_id = s.id "
    "WHERE s.id = :id"
)
_RANGE_SQL = (
    _SELECT + "FROM student AS s LEFT JOIN student_state AS st ON st.student_id = s.id "
    "WHERE s.{col} >= :lo AND s.{col} < :hi AND s.deleted = 0"
)


def _run_raw(
    session: Session,
    sql: str,
    params: dict[str, Any],
    school_npsn: str | None,
    class_name: str | None,
    status: Status | str | None,
    order: str,
    limit: int,
    offset: int,
) -> list[Any]:
    params = dict(params)
    if school_npsn is not None:
        sql += " AND s.school_npsn = :school"
        params["school"] = school_npsn
    if class_name is not None:
        sql += " AND s.class_name = :class_name"
        params["class_name"] = class_name
    if status is not None:
        params["status"] = Status(status).value
        if Status(status) == Status.PENDING:
            sql += " AND (st.status = :status OR st.status IS NULL)"
        else:
            sql += " AND st.status = :status"
    sql += f" {order} LIMIT :limit OFFSET :offset"
    params["limit"] = int(limit)
    params["offset"] = int(offset)
    # Straight to the driver: SQLAlchemy's per-row result processing costs more than
    # the query itself here (search-as-you-type budget: 10 ms for 200 rows).
    cursor = session.connection().exec_driver_sql(sql, params)
    return list(cursor.fetchall())


def _run_text(
    session: Session,
    sql: str,
    params: dict[str, Any],
    school_npsn: str | None,
    class_name: str | None,
    status: Status | str | None,
    order: str,
    limit: int,
    offset: int,
) -> list[StudentRow]:
    rows = _run_raw(session, sql, params, school_npsn, class_name, status, order, limit, offset)
    return [_row_from_tuple(t) for t in rows]


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if isinstance(value, str) else None


_STATUSES = {s.value: s for s in Status}


def _row_from_tuple(t: Any) -> StudentRow:
    """A :class:`StudentRow` from a raw row in ``_SELECT``'s column order."""
    return StudentRow(
        id=t[0],
        school_npsn=t[1],
        nisn=t[2],
        nik=t[3],
        kk=t[4],
        name=t[5],
        sex=t[6],
        birth_place=t[7],
        birth_date=_date(t[8]),
        class_name=t[9],
        mother_name=t[10],
        source=t[11],
        status=_STATUSES.get(t[12], Status.PENDING),
        reason=t[13],
        ikd_activated=bool(t[14]),
        anomaly_count=int(t[15] or 0),
        event_count=int(t[16] or 0),
        decided_at=_time(t[17]),
        decided_by_operator=t[18],
    )


def _search_digits(
    session: Session,
    school_npsn: str | None,
    digits: str,
    class_name: str | None,
    status: Status | str | None,
    limit: int,
    offset: int,
) -> list[StudentRow]:
    found: dict[str, StudentRow] = {}
    want = limit + offset
    for col, width in (("nisn", NISN_LENGTH), ("nik", NIK_LENGTH)):
        if len(digits) > width:
            continue
        lo, hi = _digit_bounds(digits)
        sql = _RANGE_SQL.format(col=col)
        order = f"ORDER BY s.{col}, s.id"  # the id: a number held twice keeps its order
        for r in _run_text(
            session, sql, {"lo": lo, "hi": hi}, school_npsn, class_name, status, order, want, 0
        ):
            found.setdefault(r.id, r)
    ordered = sorted(found.values(), key=lambda r: (r.nisn or "", r.nik or "", r.id))
    return ordered[offset : offset + limit]


def count_students(
    session: Session,
    school_npsn: str | None,
    query: str = "",
    class_name: str | None = None,
    status: Status | str | None = None,
) -> int:
    """How many students :func:`search_students` would page through."""
    q = query.strip()
    compact = re.sub(r"[\s.\-]", "", q)
    base = select(func.count(m.Student.id)).outerjoin(
        m.StudentState, m.StudentState.student_id == m.Student.id
    )
    if _is_digits(compact):
        ids: set[str] = set()
        for col, width in ((m.Student.nisn, NISN_LENGTH), (m.Student.nik, NIK_LENGTH)):
            if len(compact) > width:
                continue
            lo, hi = _digit_bounds(compact)
            stmt = select(m.Student.id).outerjoin(
                m.StudentState, m.StudentState.student_id == m.Student.id
            )
            stmt = _filters(stmt, school_npsn, class_name, status).where(col >= lo, col < hi)
            ids.update(session.scalars(stmt))
        return len(ids)
    if not q:
        return int(session.scalar(_filters(base, school_npsn, class_name, status)) or 0)
    match = fts_query(q, school_npsn)
    if match is None:
        return 0
    docs = _fts_docs(match)
    stmt = _filters(
        base.join(docs, docs.c.rowid == m.Student.doc_no), school_npsn, class_name, status
    )
    return int(session.scalar(stmt) or 0)


def get_student(session: Session | Connection, student_id: str) -> StudentRow | None:
    """One student's row, by id (also read inside a check-off's write transaction).

    Straight to the driver, as the search: through the ORM (statement compiled,
    cache key, result processing) this read was a quarter of a check-off's CPU.
    """
    conn = session.connection() if isinstance(session, Session) else session
    t = conn.exec_driver_sql(_BY_ID_SQL, {"id": student_id}).first()
    return _row_from_tuple(t) if t is not None else None


def school_event_students(npsns: Iterable[str]) -> CompoundSelect:
    """The ids of every student with an event that may be filed under these schools:
    the schools' roster students and the pairs of ``event_school`` (students moved,
    deleted or not in the roster; models.EventSchool). ``event.school_npsn`` has no
    index (migration 0010): a school's events are
    ``EventRow.student_id.in_(school_event_students(npsns))`` (``ix_event_student_id``)
    *and* ``EventRow.school_npsn.in_(npsns)``, exactly the rows the index gave."""
    schools = list(npsns)
    return union_all(
        select(m.Student.id).where(m.Student.school_npsn.in_(schools)),
        select(m.EventSchool.student_id).where(m.EventSchool.school_npsn.in_(schools)),
    )


# A check-off's first read: the row as the screen shows it, and ``deleted``.
_CHECKOFF_SQL = (
    _SELECT + ", s.deleted FROM student AS s LEFT JOIN student_state AS st "
    "ON st.student_id = s.id WHERE s.id = ?"
)


def student_tuple_raw(raw: Any, student_id: str) -> tuple[Any, ...] | None:
    """A check-off's read of its student on the writer connection: ``_SELECT``'s
    columns and then ``deleted`` (the raw row, for :func:`row_with_state`)."""
    row = raw.execute(_CHECKOFF_SQL, (student_id,)).fetchone()
    return None if row is None else tuple(row)


def row_with_state(t: tuple[Any, ...], state: tuple[Any, ...]) -> StudentRow:
    """The :class:`StudentRow` of a :func:`student_tuple_raw` row once its
    ``student_state`` columns are ``state`` (status, reason, ikd_activated,
    anomaly_count, event_count, decided_at text, decided_by_operator: the order of
    ``_SELECT``'s ``st.`` columns), as a re-read after the write would give it."""
    return _row_from_tuple(t[:12] + state)


def get_student_raw(raw: Any, student_id: str) -> StudentRow | None:
    """:func:`get_student` on a DB-API connection (the check-off's writer, inside its
    transaction): without SQLAlchemy's execution context and result object, which
    were two thirds of this read's cost."""
    t = raw.execute(_BY_ID_SQL, {"id": student_id}).fetchone()
    return _row_from_tuple(t) if t is not None else None


def find_by_exact_identifier(session: Session, digits: str) -> StudentRow | None:
    """The student with this full NISN (10 digits) or NIK (16 digits): the scanner path."""
    digits = re.sub(r"\s", "", digits)
    if not _is_digits(digits):
        return None
    if len(digits) == NISN_LENGTH:
        sql = _EXACT_NISN_SQL
    elif len(digits) == NIK_LENGTH:
        sql = _EXACT_NIK_SQL
    else:
        return None
    # Straight to the driver, as the search: this runs on the UI thread at every scan,
    # and compiling the ORM statement cost more than the indexed lookup.
    t = session.connection().exec_driver_sql(sql, {"v": digits}).first()
    return _row_from_tuple(t) if t is not None else None


_EXACT_NISN_SQL = (
    _SELECT + "FROM student AS s LEFT JOIN student_state AS st ON st.student_id = s.id "
    "WHERE s.nisn = :v AND s.deleted = 0 LIMIT 1"
)
_EXACT_NIK_SQL = _EXACT_NISN_SQL.replace("s.nisn = :v", "s.nik = :v")


# --------------------------------------------------------------------------- schools


def list_schools(
    session: Session, *, include_purged: bool = True, counted: bool = True
) -> list[SchoolRow]:
    """Every school; ``counted=False`` leaves ``student_count`` at 0 (no count of every
    student: 0.76 s of CPU at 500,000; Workspace.schools counts each school it lists)."""
    counts: dict[str, int] = {}
    if counted:
        counts = dict(
            session.execute(
                select(m.Student.school_npsn, func.count())
                .where(m.Student.deleted.is_(False))
                .group_by(m.Student.school_npsn)
            ).all()
        )
    stmt = select(m.School).order_by(m.School.name)
    if not include_purged:
        stmt = stmt.where(m.School.purged_at.is_(None))
    return [
        SchoolRow(
            npsn=s.npsn,
            name=s.name,
            kind=s.kind,
            status=s.status,
            kecamatan=s.kecamatan,
            address=s.address,
            target=s.target,
            visit_date=s.visit_date,
            purged_at=s.purged_at,
            student_count=int(counts.get(s.npsn, 0)),
        )
        for s in session.scalars(stmt)
    ]


def list_classes(session: Session, school_npsn: str) -> list[str]:
    stmt = (
        select(m.Student.class_name)
        .where(m.Student.school_npsn == school_npsn, m.Student.deleted.is_(False))
        .distinct()
        .order_by(m.Student.class_name)
    )
    return list(session.scalars(stmt))


def school_counts(session: Session, npsn: str) -> SchoolCounts:
    """Students of a school by status, by sex and by both (roster students only)."""
    status_col = func.coalesce(m.StudentState.status, Status.PENDING.value)
    stmt = (
        select(status_col, m.Student.sex, func.count(), func.sum(m.StudentState.ikd_activated))
        .select_from(m.Student)
        .outerjoin(m.StudentState, m.StudentState.student_id == m.Student.id)
        .where(m.Student.school_npsn == npsn, m.Student.deleted.is_(False))
        .group_by(status_col, m.Student.sex)
    )
    by_status: dict[str, int] = {s.value: 0 for s in Status}
    by_sex: dict[str, int] = {}
    both: dict[tuple[str, str], int] = {}
    ikd = 0
    total = 0
    for status_value, sex_value, count, ikd_sum in session.execute(stmt):
        status = str(getattr(status_value, "value", status_value))
        sex = sex_value or "?"
        by_status[status] = by_status.get(status, 0) + count
        by_sex[sex] = by_sex.get(sex, 0) + count
        both[(status, sex)] = count
        ikd += int(ikd_sum or 0)
        total += count
    return SchoolCounts(by_status, by_sex, both, ikd, total)


# --------------------------------------------------------------------------- events


def student_events(session: Session, student_id: str) -> list[EventRowView]:
    """A student's history in the order every replica agrees on (HLC, device, id)."""
    rows = session.scalars(
        select(m.EventRow)
        .where(m.EventRow.student_id == student_id)
        .order_by(m.EventRow.hlc, m.EventRow.device_id, m.EventRow.event_id)
    ).all()
    voided = {
        str(r.payload.get("target_event_id"))
        for r in rows
        if r.kind == "voided" and isinstance(r.payload, dict)
    }
    return [
        EventRowView(
            event_id=r.event_id,
            device_id=r.device_id,
            seq=r.seq,
            hlc=r.hlc,
            kind=r.kind,
            student_id=r.student_id,
            operator=r.operator,
            occurred_at=r.occurred_at,
            payload=dict(r.payload or {}),
            origin=r.origin.value,
            voided=r.event_id in voided,
        )
        for r in rows
    ]


def list_anomalies(
    session: Session, *, school_npsn: str | None = None, include_resolved: bool = False
) -> list[AnomalyView]:
    stmt = select(m.AnomalyRow).order_by(m.AnomalyRow.created_at, m.AnomalyRow.id)
    if not include_resolved:
        stmt = stmt.where(m.AnomalyRow.resolved.is_(False))
    if school_npsn is not None:
        stmt = stmt.join(m.StudentState, m.StudentState.student_id == m.AnomalyRow.student_id)
        stmt = stmt.where(m.StudentState.school_npsn == school_npsn)
    return [
        AnomalyView(
            id=a.id,
            student_id=a.student_id,
            code=a.code,
            event_ids=tuple(a.event_ids),
            resolved=a.resolved,
            created_at=a.created_at,
        )
        for a in session.scalars(stmt)
    ]


def outbox_counts(session: Session) -> dict[str, int]:
    """Outbox rows per status (``storage.outbox.counts`` as a dict)."""
    c = outbox.counts(session)
    return {
        m.OutboxStatus.PENDING.value: c.pending,
        m.OutboxStatus.IN_FLIGHT.value: c.in_flight,
        m.OutboxStatus.ACKED.value: c.acked,
        m.OutboxStatus.QUARANTINED.value: c.quarantined,
    }


def device_head(session: Session) -> tuple[str, int, str]:
    """(device_id, last written seq, chain head hash) of this laptop."""
    device = session.scalars(select(m.Device)).one()
    return device.device_id, device.next_seq - 1, device.head_hash


# --------------------------------------------------------------------------- roster


def upsert_students_from_roster(
    session: Session, students: Iterable[RosterStudent], *, source: m.StudentSource | None = None
) -> tuple[int, int]:
    """Insert or update roster students in the caller's transaction.

    The FTS index follows through its triggers (same transaction). The roster's
    values are kept in ``roster_details``; students with walk-in/correction events
    are refolded, so their row shows the corrected details on top of the roster's
    (local work wins, and an undone correction falls back to these values).
    A new student gets a pending ``student_state`` row unless events already exist.

    Returns:
        (inserted, updated).
    """
    inserted = updated = 0
    doc_no = ledger.next_doc_no(session)
    refold: list[str] = []
    now = datetime.now(UTC)
    for st in students:
        row = session.get(m.Student, st.id)
        values: dict[str, Any] = {
            "school_npsn": st.school_npsn,
            "nisn": st.nisn or None,
            "nik": st.nik or None,
            "kk": st.kk or None,
            "name": st.name,
            "sex": st.sex or None,
            "birth_place": st.birth_place or None,
            "birth_date": st.birth_date,
            "class_name": st.class_name or "",
            "mother_name": st.mother_name or None,
            "nipd": st.nipd or None,
            "deleted": st.deleted,
            "search_key": name_key(st.name),
        }
        values["roster_details"] = ledger.roster_values(values)
        ledger.ensure_school(session, st.school_npsn)
        if row is None:
            row = m.Student(
                id=st.id,
                doc_no=doc_no,
                source=source or m.StudentSource.SERVER,
                updated_at=now,
                **values,
            )
            doc_no += 1
            session.add(row)
            inserted += 1
        else:
            changed = False
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
                    changed = True
            if changed:
                row.updated_at = now
                updated += 1
        state = session.get(m.StudentState, st.id)
        if state is None:
            session.add(m.StudentState(student_id=st.id, school_npsn=st.school_npsn))
        else:
            state.school_npsn = st.school_npsn
            if state.event_count:
                refold.append(st.id)
    session.flush()
    for sid in refold:
        ledger.recompute_state(session, sid)
    return inserted, updated


@contextmanager
def deferred_fts(session: Session) -> Iterator[None]:
    """Inside the caller's transaction: drop the FTS insert trigger, rebuild at the end.

    For bulk loads only. Being in one transaction with the inserts, a crash leaves
    either the old state (trigger in place) or the new one (index rebuilt).
    """
    session.execute(text("DROP TRIGGER IF EXISTS student_fts_ai"))
    yield
    session.execute(text(m.FTS_INSERT_TRIGGER))
    session.execute(text("INSERT INTO student_fts(student_fts) VALUES ('rebuild')"))


def bulk_insert_students(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Fast insert of new students (demo loader, first roster download).

    ``rows`` are plain dicts with the :class:`~ktpe_desktop.storage.models.Student`
    columns but ``doc_no``/``search_key``/``roster_details``/``updated_at`` (computed
    here: the given values are the roster's). Uses Core ``executemany``; every
    student also gets a pending state row.
    """
    if not rows:
        return 0
    doc_no = ledger.next_doc_no(session)
    now = datetime.now(UTC)
    students = []
    states = []
    for i, r in enumerate(rows):
        student = {
            "nisn": None,
            "nik": None,
            "kk": None,
            "sex": None,
            "birth_place": None,
            "birth_date": None,
            "class_name": "",
            "mother_name": None,
            "nipd": None,
            **r,
            "doc_no": doc_no + i,
            "search_key": name_key(str(r["name"])),
            "roster_details": ledger.roster_values(r),
            "source": r.get("source", m.StudentSource.SERVER),
            "deleted": False,
            "updated_at": now,
        }
        students.append(student)
        states.append(
            {
                "student_id": r["id"],
                "school_npsn": r["school_npsn"],
                "status": Status.PENDING,
                "ikd_activated": False,
                "anomaly_count": 0,
                "event_count": 0,
            }
        )
    session.execute(insert(m.Student), students)
    session.execute(insert(m.StudentState), states)
    return len(rows)
