"""Per-student exports for the office's reconciliation (CSV and XLSX, streamed).

Memory stays flat whatever the scope (a school, a team, the campaign of a province):

* CSV on PostgreSQL: the database writes the CSV itself (``COPY (SELECT …) TO STDOUT``,
  every value formatted in SQL: labels, local times, corrections over the roster,
  formula guards) and the server passes its bytes on as they come (:func:`copy_csv`);
* CSV on SQLite, and XLSX: rows from a server-side cursor, formatted one by one in
  Python, leave as chunks (:func:`student_rows`, :func:`csv_stream`).

Both CSV paths give the same bytes (a test compares them). Lines end in LF, as COPY
writes them. Identifiers are text: NIK and NISN keep every digit.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from ktpe_desktop.core.paperwork import TIME_ZONES
from ktpe_desktop.reports.labels import STATUS_SHORT
from ktpe_server import models as m
from ktpe_server.office.xlsx_stream import stream_xlsx

# The same words as the laptop's export (ktpe_desktop.reports.export.EXPORT_WARNING).
EXPORT_WARNING = (
    "Berkas ekspor berisi data pribadi siswa (nama, NISN, NIK, tanggal lahir) yang "
    "dilindungi UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi. Simpan hanya "
    "di tempat yang aman, jangan dibagikan selain untuk keperluan dinas, dan hapus "
    "setelah tidak diperlukan. Setiap ekspor dicatat dalam log audit."
)
EXPORT_WARNING_EN = (
    "The export file holds students' personal data (names, NISN, NIK, dates of "
    "birth), protected by Law 27/2022 on Personal Data Protection. Keep it only in a "
    "safe place, share it only for official purposes, and delete it when it is no "
    "longer needed. Every export is recorded in the audit log."
)

CSV_DELIMITER = ";"  # what Excel expects under Indonesian regional settings
_FORMULA_CHARS = frozenset("=+-@\t\r")  # a cell starting so would be a formula
STATUS_LABEL = {str(k): v for k, v in STATUS_SHORT.items()}

# key, heading, text?
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("npsn", "NPSN", True),
    ("school", "Sekolah", True),
    ("class_name", "Kelas", True),
    ("nisn", "NISN", True),
    ("nik", "NIK", True),
    ("name", "Nama", True),
    ("sex", "L/P", True),
    ("birth_place", "Tempat Lahir", True),
    ("birth_date", "Tanggal Lahir", True),
    ("status", "Hasil", True),
    ("reason", "Alasan", True),
    ("ikd", "Aktivasi IKD", True),
    ("decided_at", "Waktu Dicatat", True),
    ("operator", "Petugas", True),
    ("student_id", "ID Siswa", True),
)
_DETAIL_KEYS = ("nisn", "nik", "name", "sex", "birth_place", "birth_date", "class_name")


@dataclass(frozen=True, slots=True)
class Scope:
    """What to export: ``campaign``, ``team`` (by id) or ``school`` (by NPSN)."""

    kind: str
    key: str = ""

    def label(self) -> str:
        return "kampanye" if self.kind == "campaign" else f"{self.kind}-{self.key}"


def _where(scope: Scope, npsn_col: Any) -> list[Any]:
    if scope.kind == "school":
        return [npsn_col == scope.key]
    if scope.kind == "team":
        schools = (
            select(m.Assignment.school_npsn)
            .where(m.Assignment.team_id == int(scope.key))
            .distinct()
            .scalar_subquery()
        )
        return [npsn_col.in_(schools)]
    return []


def _roster_query(scope: Scope) -> Any:
    st = m.StudentState
    return (
        select(
            m.Student.school_npsn,
            m.School.name,
            m.Student.class_name,
            m.Student.nisn,
            m.Student.nik,
            m.Student.name,
            m.Student.sex,
            m.Student.birth_place,
            m.Student.birth_date,
            st.status,
            st.reason,
            st.ikd_activated,
            st.decided_ms,
            st.decided_by_operator,
            m.Student.id,
            st.details,
        )
        .join(m.School, m.School.npsn == m.Student.school_npsn)
        .outerjoin(st, st.student_id == m.Student.id)
        .where(m.Student.deleted.is_(False), *_where(scope, m.Student.school_npsn))
        .order_by(m.Student.school_npsn, m.Student.id)
    )


def _walk_in_query(scope: Scope) -> Any:
    st = m.StudentState
    return (
        select(
            st.school_npsn,
            m.School.name,
            st.status,
            st.reason,
            st.ikd_activated,
            st.decided_ms,
            st.decided_by_operator,
            st.student_id,
            st.details,
        )
        .join(m.School, m.School.npsn == st.school_npsn)
        .outerjoin(m.Student, m.Student.id == st.student_id)
        .where(
            st.added_by_event_id.is_not(None),
            m.Student.id.is_(None),
            *_where(scope, st.school_npsn),
        )
        .order_by(st.school_npsn, st.student_id)
    )


def student_rows(engine: Engine, scope: Scope, time_zone: str) -> Iterator[list[Any]]:
    """Every student of the scope (roster, then walk-ins), as COLUMNS-ordered values."""
    offset = timedelta(minutes=TIME_ZONES.get(time_zone, 420))
    minutes: dict[int, str] = {}  # formatted once per minute: most rows share a few hours

    def when(ms: int | None) -> str:
        if ms is None:
            return ""
        minute = ms // 60_000
        text = minutes.get(minute)
        if text is None:
            if len(minutes) > 100_000:
                minutes.clear()
            local = datetime.fromtimestamp(minute * 60, UTC) + offset
            text = minutes[minute] = f"{local:%Y-%m-%d %H:%M} {time_zone}"
        return text

    with engine.connect() as conn:
        for r in _raw_rows(conn, _roster_query(scope)):
            (
                npsn,
                school,
                cls,
                nisn,
                nik,
                name,
                sex,
                bplace,
                bdate,
                status,
                reason,
                ikd,
                ms,
                op,
                sid,
                details,
            ) = r
            row = [
                npsn, school, cls, nisn, nik, name, sex, bplace,
                _iso(bdate),
                STATUS_LABEL.get(status or "pending", status), reason or "",
                "Ya" if ikd else "Tidak", when(ms), op or "", sid,
            ]  # fmt: skip
            if details and details != "{}":
                _overlay(row, details)
            yield row
        for r in _raw_rows(conn, _walk_in_query(scope)):
            npsn, school, status, reason, ikd, ms, op, sid, details = r
            row = [
                npsn, school, "", "", "", "", "", "", "",
                STATUS_LABEL.get(status or "pending", status), reason or "",
                "Ya" if ikd else "Tidak", when(ms), op or "", sid,
            ]  # fmt: skip
            _overlay(row, details or "{}")
            yield row


def _iso(value: Any) -> str:
    if not value:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]


def _raw_rows(conn: Connection, stmt: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of ``stmt`` straight from the driver's cursor, in constant memory.

    The export's rows need no ORM or type processing, and skipping SQLAlchemy's row
    layer roughly halves the cost per row. On PostgreSQL a named (server-side) cursor
    fetches 5,000 rows at a time; SQLite's cursor is lazy already. The statement's
    only parameters are a checked NPSN or team id, bound as SQL literals.
    """
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        cur = dbapi.cursor(name=f"ktpe_export_{uuid.uuid4().hex[:12]}")
        cur.itersize = 5000
    else:
        cur = dbapi.cursor()
    try:
        cur.execute(sql)
        yield from cur
    finally:
        cur.close()


_INDEX = {key: i for i, (key, _h, _t) in enumerate(COLUMNS)}


def _overlay(row: list[Any], details: str) -> None:
    """Corrections and walk-in details (from events) over the roster's values."""
    try:
        data = json.loads(details)
    except ValueError:
        return
    if not isinstance(data, dict):
        return
    for key in _DETAIL_KEYS:
        value = data.get(key)
        if value not in (None, ""):
            row[_INDEX[key]] = str(value)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text and text[0] in _FORMULA_CHARS else text


def _csv_header() -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\n").writerow(
        [h for _k, h, _t in COLUMNS]
    )
    return out.getvalue().encode("utf-8")


# ------------------------------------------------------------------ PostgreSQL COPY

# The codes of the characters that would start a formula in a spreadsheet (= + - @,
# tab, CR): a cell starting with one gets a quote first, as _csv_text does.
_PG_FORMULA = "(61, 43, 45, 64, 9, 13)"


def _pg_text(expr: str) -> str:
    """A text cell as csv_stream writes it: empty for NULL or '', a quote before a
    formula's first character (``ascii`` reads it without making a string)."""
    return f"CASE WHEN ascii({expr}) IN {_PG_FORMULA} THEN chr(39) || {expr} ELSE NULLIF({expr}, '') END"


# The decisions whose local time (any zone: +-14 h) falls in 1970-9999.
_FAST_MS_FIRST = 14 * 3_600_000
_FAST_MS_LAST = 253_402_300_800_000 - 14 * 3_600_000 - 1  # 10000-01-01T00:00Z less 14 h


def _pg_state_columns(time_zone: str) -> list[str]:
    """Outcome label, reason, IKD, local time of the decision, operator."""
    labels = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STATUS_LABEL.items() if "'" not in k + v)
    offset = int(TIME_ZONES.get(time_zone, 420))
    zone = time_zone if time_zone.isalpha() else "WIB"
    # The minute's local time as a timestamp's own text (DateStyle ISO:
    # "YYYY-MM-DD HH:MI:SS") cut to the minute: a fifth of to_char's CPU (with
    # to_timestamp, a time zone and make_interval, ~1 s of a million-row export).
    # Years 1970-9999 only (four digits, AD); any other instant (a clock gone wild)
    # takes to_char's way, which writes what the Python path writes.
    local = (
        "left(CAST(TIMESTAMP '1970-01-01' + ((st.decided_ms / 60000) + "
        f"{offset}) * INTERVAL '1 minute' AS text), 16) || ' {zone}'"
    )
    slow = (
        "to_char(to_timestamp((st.decided_ms / 60000) * 60) AT TIME ZONE 'UTC'"
        f" + make_interval(mins => {offset}), 'YYYY-MM-DD HH24:MI') || ' {zone}'"
    )
    return [
        f"CASE COALESCE(st.status, 'pending') {labels} ELSE st.status END",
        _pg_text("st.reason"),
        "CASE WHEN st.ikd_activated THEN 'Ya' ELSE 'Tidak' END",
        f"CASE WHEN st.decided_ms BETWEEN {_FAST_MS_FIRST} AND {_FAST_MS_LAST} THEN {local}"
        f" WHEN st.decided_ms IS NOT NULL THEN {slow} END",
        _pg_text("st.decided_by_operator"),
    ]


def _pg_scope(scope: Scope, npsn_col: str) -> str:
    """The scope's condition; its only value is checked here and written as a literal."""
    if scope.kind == "school":
        if not (len(scope.key) == 8 and scope.key.isdigit()):
            raise ValueError("not an NPSN")
        return f" AND {npsn_col} = '{scope.key}'"
    if scope.kind == "team":
        team = int(scope.key)
        return (
            f" AND {npsn_col} IN (SELECT DISTINCT school_npsn FROM assignment"
            f" WHERE team_id = {team})"
        )
    return ""


# The state's details (corrections, a walk-in's data: a JSON object the server writes,
# '{}' when none) parsed once per row, then each detail over the roster's value.
# PostgreSQL pulls these subqueries up into the select list: each detail column's
# expression is written out where it is used (three times by ``_pg_text``), so they
# are kept short. NULL details (no state row) and '{}' (no correction) give no JSON,
# and ``NULL ->> key`` falls back to the roster's value.
_PG_DETAILS = "CROSS JOIN LATERAL (SELECT CAST(NULLIF(st.details, '{}') AS jsonb) AS d) AS dj"


def _pg_details(roster: dict[str, str]) -> str:
    """``CROSS JOIN LATERAL`` of the detail columns (``x.<key>``)."""
    cols = ", ".join(
        f"COALESCE(NULLIF(dj.d ->> '{key}', ''), {fallback}) AS {key}"
        for key, fallback in roster.items()
    )
    return f"{_PG_DETAILS} CROSS JOIN LATERAL (SELECT {cols}) AS x"


def _pg_copy_queries(scope: Scope, time_zone: str) -> list[str]:
    """The roster's students, then the walk-ins: each a ``COPY … TO STDOUT`` in CSV.

    The transaction runs with DateStyle ISO, so a date's text is ``YYYY-MM-DD``.
    """
    state = _pg_state_columns(time_zone)
    keys = ("class_name", "nisn", "nik", "name", "sex", "birth_place", "birth_date")
    detail_cols = [_pg_text(f"x.{k}") for k in keys]  # COLUMNS order, after the school
    roster = {k: f"s.{k}" for k in keys}
    roster["birth_date"] = "CAST(s.birth_date AS text)"
    first = (
        f"SELECT {_pg_text('s.school_npsn')}, {_pg_text('sc.name')}, "
        f"{', '.join(detail_cols)}, {', '.join(state)}, {_pg_text('s.id')}"
        " FROM student AS s JOIN school AS sc ON sc.npsn = s.school_npsn"
        f" LEFT JOIN student_state AS st ON st.student_id = s.id {_pg_details(roster)}"
        f" WHERE s.deleted IS false{_pg_scope(scope, 's.school_npsn')}"
        " ORDER BY s.school_npsn, s.id"
    )
    second = (
        f"SELECT {_pg_text('st.school_npsn')}, {_pg_text('sc.name')}, "
        f"{', '.join(detail_cols)}, {', '.join(state)}, {_pg_text('st.student_id')}"
        " FROM student_state AS st JOIN school AS sc ON sc.npsn = st.school_npsn"
        " LEFT JOIN student AS s ON s.id = st.student_id"
        f" {_pg_details(dict.fromkeys(keys, 'CAST(NULL AS text)'))}"
        " WHERE st.added_by_event_id IS NOT NULL AND s.id IS NULL"
        f"{_pg_scope(scope, 'st.school_npsn')} ORDER BY st.school_npsn, st.student_id"
    )
    return [
        f"COPY ({q}) TO STDOUT WITH (FORMAT csv, DELIMITER '{CSV_DELIMITER}')"
        for q in (first, second)
    ]


def pg_copy_settings(conn: Any) -> None:
    """The export transaction's settings (``SET LOCAL``, inside its transaction).

    * DateStyle ISO: dates and the decision's local time as ``YYYY-MM-DD``.
    * No JIT: compiling this query costs more than it saves on a million rows.
    * No parallel workers: with two, the 500-byte rows went through a Gather Merge
      that cost more than the workers saved; a million-row export took 88,000-101,000
      rows/s with them and 111,000-135,000 without (two cores, session 9), and the
      workers no longer take the cores the ingest and the console's pages need.
    """
    conn.exec_driver_sql("SET LOCAL DateStyle = 'ISO'")
    conn.exec_driver_sql("SET LOCAL jit = off")
    conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


def copy_csv(
    engine: Engine, scope: Scope, time_zone: str, counter: _Counter | None = None
) -> Iterator[bytes]:
    """The CSV export on PostgreSQL, written by the database (``COPY … TO STDOUT``).

    The bytes are passed on in the chunks psycopg reads, never held whole; the header
    (with the BOM Excel needs) comes first. One repeatable-read transaction sees the
    roster and the walk-ins at the same instant.
    """
    yield _csv_header()
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        with conn.begin():
            pg_copy_settings(conn)
            for sql in _pg_copy_queries(scope, time_zone):
                with dbapi.cursor() as cur:
                    with cur.copy(sql) as copy:
                        for data in copy:
                            yield bytes(data)
                    if counter is not None:
                        counter.rows += max(0, cur.rowcount)


class _Counter:
    def __init__(self) -> None:
        self.rows = 0


def csv_stream(rows: Iterator[Sequence[Any]], counter: _Counter | None = None) -> Iterator[bytes]:
    """UTF-8 with BOM, ``;``-separated, in chunks of about 256 KB."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\n")
    out.write("\ufeff")
    writer.writerow([h for _k, h, _t in COLUMNS])
    text = _csv_text
    for row in rows:
        writer.writerow([text(v) for v in row])
        if counter is not None:
            counter.rows += 1
        if out.tell() > 256 * 1024:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def xlsx_stream(rows: Iterator[Sequence[Any]], counter: _Counter | None = None) -> Iterator[bytes]:
    def counted() -> Iterator[Sequence[Any]]:
        for row in rows:
            if counter is not None:
                counter.rows += 1
            yield row

    return stream_xlsx([h for _k, h, _t in COLUMNS], [t for _k, _h, t in COLUMNS], counted())
