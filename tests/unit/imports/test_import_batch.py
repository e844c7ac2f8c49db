"""The import's batch writing stores exactly what the slower, generic paths store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text

from ktpe_desktop.services import import_service as I
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from tests.unit.imports import corpus as C
from tests.unit.imports.conftest import TODAY

NPSN = "20533660"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    st = Store.create(tmp_path / "data", "koordinator", "kata-sandi-uji-123")
    with st.transaction() as s:
        s.add(m.School(npsn=NPSN, name="SMAN 1 MALANG"))
    yield st
    st.close()


def _raw(store: Store, table: str, key: str) -> dict[Any, dict[str, Any]]:
    """The stored values (as SQLite holds them), by ``key``."""
    columns = "rowid, *" if table == "student_fts" else "*"
    with store.session() as s:
        result = s.connection().execute(text(f"SELECT {columns} FROM {table}"))
        names = list(result.keys())
        return {r[names.index(key)]: dict(zip(names, r, strict=True)) for r in result}


def _but(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def test_new_students_state_is_the_fold(tmp_path: Path, store: Store) -> None:
    """The state written without folding equals ledger.recompute_state's."""
    service = I.ImportService(
        store, now=lambda: datetime(2024, 9, 1, 8, 0, 0, 123456, tzinfo=UTC), today=lambda: TODAY
    )
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(40, seed=3))
    preview, plan = service.preview(path, NPSN)
    result = service.commit(preview, plan, NPSN, "koordinator")
    assert result.added == 40
    states, students = _raw(store, "student_state", "student_id"), _raw(store, "student", "id")
    fts = _raw(store, "student_fts", "rowid")
    with store.transaction() as s:
        for student_id in result.student_ids:
            folded = ledger.recompute_state(s, student_id)
            assert folded.event_count == 1 and not folded.anomalies
    assert _raw(store, "student_state", "student_id") == states
    assert _raw(store, "student", "id") == students
    assert _raw(store, "student_fts", "rowid") == fts


_EVENT_COLUMNS = (
    "event_id", "device_id", "seq", "hlc", "prev_hash", "hash", "kind", "student_id",
    "school_npsn", "operator", "occurred_at", "payload", "origin", "received_at",
)  # fmt: skip


def test_insert_rows_writes_what_core_writes(store: Store) -> None:
    when = datetime(2024, 9, 1, 15, 30, 1, 234567, tzinfo=timezone(timedelta(hours=7)))
    shared = {"school_npsn": NPSN, "n": [1, 2.5, None, True], "s": 'Zoé \u2028 "q"'}

    def row(event_id: str, seq: int, payload: dict[str, Any]) -> tuple[Any, ...]:
        return (event_id, "dev", seq, "h", "p" * 64, "x" * 64, "student_added", "st",
                NPSN, "op", when, payload, m.EventOrigin.LOCAL, when)  # fmt: skip

    fast = [row(f"fast-{i}", i, shared if i % 2 else {"i": i}) for i in range(1, 5)]
    slow = [row(f"slow-{i}", 100 + i, shared if i % 2 else {"i": i}) for i in range(1, 5)]
    with store.transaction() as s:
        conn = s.connection()
        I._insert_rows(conn, I._table(m.EventRow), _EVENT_COLUMNS, fast)
        conn.execute(
            insert(I._table(m.EventRow)),
            [dict(zip(_EVENT_COLUMNS, r, strict=True)) for r in slow],
        )
        conn.execute(
            insert(I._table(m.Student)),
            [{"id": "slow", "school_npsn": NPSN, "name": "A", "doc_no": 1, "birth_date":
              date(2007, 3, 12), "source": m.StudentSource.SERVER, "deleted": False,
              "class_name": "", "search_key": "a", "updated_at": when}],
        )  # fmt: skip
        I._insert_rows(
            conn,
            I._table(m.Student),
            ("id", "school_npsn", "name", "doc_no", "birth_date", "source", "deleted",
             "class_name", "search_key", "updated_at"),
            [("fast", NPSN, "A", 2, date(2007, 3, 12), m.StudentSource.SERVER, False, "", "a",
              when)],
        )  # fmt: skip
    events = _raw(store, "event", "event_id")
    for i in range(1, 5):
        fast_row, slow_row = events[f"fast-{i}"], events[f"slow-{i}"]
        assert _but(fast_row, "event_id", "seq") == _but(slow_row, "event_id", "seq")
        assert isinstance(fast_row["payload"], str) and fast_row["payload"].startswith("{")
    students = _raw(store, "student", "id")
    assert _but(students["fast"], "id", "doc_no") == _but(students["slow"], "id", "doc_no")
    assert students["fast"]["birth_date"] == "2007-03-12"


def test_bulk_fts_entries_equal_the_trigger_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New students indexed in one statement are found exactly as the trigger indexes them."""
    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(120, seed=8))
    found: dict[int, list[list[Any]]] = {}
    for minimum in (10**9, 1):  # the trigger path, then the bulk path
        monkeypatch.setattr(I, "_BULK_FTS_MIN", minimum)
        st = Store.create(tmp_path / f"data-{minimum}", "koordinator", "kata-sandi-uji-123")
        try:
            with st.transaction() as s:
                s.add(m.School(npsn=NPSN, name="SMAN 1 MALANG"))
            service = I.ImportService(st, today=lambda: TODAY)
            preview, plan = service.preview(path, NPSN)
            service.commit(preview, plan, NPSN, "koordinator")
            with st.transaction() as s:
                conn = s.connection()
                conn.exec_driver_sql(
                    "INSERT INTO student_fts(student_fts, rank) VALUES ('integrity-check', 1)"
                )
                trigger = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'student_fts_ai'"
                ).scalar()
                assert trigger == m.FTS_INSERT_TRIGGER
                found[minimum] = [
                    [tuple(r) for r in conn.exec_driver_sql(
                        "SELECT rowid, search_key FROM student_fts WHERE student_fts MATCH ? "
                        "ORDER BY rowid", (query,)
                    )]
                    for query in ("a*", "s*", "nur*", f'school_npsn:"{NPSN}"', "xyz*")
                ]  # fmt: skip
        finally:
            st.close()
    assert found[1] == found[10**9]
    assert len(found[1][3]) == 120 and found[1][0]
