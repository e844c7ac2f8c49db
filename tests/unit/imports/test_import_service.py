"""ImportService against a real (encrypted) store: all or nothing, chained events."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ktpe_desktop.core.events import EventKind, verify_chain
from ktpe_desktop.imports import RosterFileError
from ktpe_desktop.services.import_service import (
    STUDENT_NAMESPACE,
    ImportRefused,
    ImportService,
    student_id_for,
)
from ktpe_desktop.storage import ledger, roster_names
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from tests.unit.imports import corpus as C
from tests.unit.imports.conftest import TODAY

NPSN = "20533660"
PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    st = Store.create(tmp_path / "data", "koordinator", PASSWORD)
    with st.transaction() as s:
        s.add(m.School(npsn=NPSN, name="SMAN 1 MALANG"))
        s.add(m.School(npsn="20533661", name="SMAN 10 MALANG"))
    yield st
    st.close()


@pytest.fixture
def service(store: Store) -> ImportService:
    return ImportService(
        store, now=lambda: datetime(2024, 9, 1, 8, tzinfo=UTC), today=lambda: TODAY
    )


def _events(store: Store) -> list[m.EventRow]:
    with store.session() as s:
        return list(s.scalars(select(m.EventRow).order_by(m.EventRow.seq)))


def _count(store: Store, model: type[m.Base]) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_import_then_reimport_updated_file(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    students = C.make_students(30, seed=21)
    first = C.write_dapodik_xlsx(tmp_path / "v1.xlsx", students, nisn_as_number=True)
    preview, plan = service.preview(first, NPSN)
    assert len(plan.new) == 30
    result = service.commit(preview, plan, NPSN, "koordinator")
    assert (result.added, result.changed, result.first_seq, result.last_seq) == (30, 0, 1, 30)

    events = _events(store)
    assert [e.kind for e in events] == [EventKind.STUDENT_ADDED.value] * 30
    assert verify_chain([ledger.event_from_row(e) for e in events]) is None
    assert _count(store, m.Outbox) == 30
    assert _count(store, m.Student) == 30
    with store.session() as s:
        state = s.get(m.StudentState, result.student_ids[0])
        assert state is not None and state.event_count == 1 and state.school_npsn == NPSN
        row = s.get(m.Student, result.student_ids[0])
        assert row is not None and row.nisn == students[0].nisn and row.search_key
        audit_rows = list(s.scalars(select(m.AuditLog)))
        assert any(a.action == m.AuditAction.IMPORT for a in audit_rows)
        folded = ledger.recompute_state(s, result.student_ids[0])
        assert folded.details["nik"] == students[0].nik

    # The updated file: two students changed class, one changed name, three left.
    updated = list(students[:27])
    updated[0] = C.with_changes(updated[0], class_name="XII IPA 9")
    updated[5] = C.with_changes(updated[5], class_name="XII IPS 9", name="Nama Baru")
    updated.append(C.make_students(31, seed=99)[-1])  # one new student
    second = C.write_dapodik_xlsx(tmp_path / "v2.xlsx", updated)
    preview, plan = service.preview(second, NPSN)
    s = plan.summary()
    assert (s["new"], s["changed"], s["unchanged"], s["missing"]) == (1, 2, 25, 3)
    # Each changed student lists the old and the new value of each changed field.
    line = next(
        ln for ln in plan.lines if ln.code == "student_changed" and "Nama Baru" in ln.message
    )
    assert f"Nama: '{students[5].name}' → 'Nama Baru'" in line.message
    assert f"Kelas (Rombel): '{students[5].class_name}' → 'XII IPS 9'" in line.message
    assert f"Class: '{students[5].class_name}' → 'XII IPS 9'" in line.message_en
    result = service.commit(preview, plan, NPSN, "koordinator")
    assert (result.added, result.changed) == (1, 2)
    events = _events(store)
    assert verify_chain([ledger.event_from_row(e) for e in events]) is None
    corrections = [e for e in events if e.kind == EventKind.DETAILS_CORRECTED.value]
    assert sorted(e.payload["changes"].get("class_name") for e in corrections) == [
        "XII IPA 9", "XII IPS 9"]  # fmt: skip
    assert _count(store, m.Student) == 31  # no duplicates, nobody deleted
    with store.session() as s:
        changed = s.scalars(select(m.Student).where(m.Student.nisn == students[5].nisn)).one()
        assert (changed.name, changed.class_name) == ("Nama Baru", "XII IPS 9")

    # Importing the same file again changes nothing.
    preview, plan = service.preview(second, NPSN)
    assert plan.is_empty and len(plan.unchanged) == 28


def test_held_back_rows_are_not_imported(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    students = C.make_students(5, seed=2)
    broken = [None] * 66
    broken[1] = "Tanpa Tanggal"
    broken[4] = "0071234567"
    path = C.write_dapodik_xlsx(tmp_path / "b.xlsx", students, extra_rows=[(2, broken)])
    preview, plan = service.preview(path, NPSN)
    assert [h.values["name"] for h in preview.held_back] == ["Tanpa Tanggal"]
    result = service.commit(preview, plan, NPSN, "koordinator")
    assert result.added == 5 and result.held_back == 1


def test_commit_is_all_or_nothing(
    tmp_path: Path, store: Store, service: ImportService, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(10, seed=4))
    preview, plan = service.preview(path, NPSN)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr("ktpe_desktop.services.import_service.audit", boom)
    with pytest.raises(OSError):
        service.commit(preview, plan, NPSN, "koordinator")
    assert _count(store, m.EventRow) == 0 and _count(store, m.Student) == 0
    assert _count(store, m.Outbox) == 0
    with store.session() as s:
        device = s.scalars(select(m.Device)).one()
        assert device.next_seq == 1
    monkeypatch.undo()
    result = service.commit(preview, plan, NPSN, "koordinator")
    assert result.first_seq == 1 and result.last_seq == 10


def test_stale_preview_is_refused(tmp_path: Path, store: Store, service: ImportService) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(4, seed=8))
    preview, plan = service.preview(path, NPSN)
    service.commit(preview, plan, NPSN, "koordinator")
    with pytest.raises(ImportRefused) as info:
        service.commit(preview, plan, NPSN, "koordinator")  # the same plan, twice
    assert info.value.code == "stale_preview"
    assert _count(store, m.Student) == 4


def test_unknown_school_and_bad_file(tmp_path: Path, service: ImportService) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(2, seed=8))
    with pytest.raises(ImportRefused) as info:
        service.preview(path, "12345678")
    assert info.value.code == "unknown_school"
    with pytest.raises(ImportRefused):
        service.preview(path, "123")
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(RosterFileError):
        service.preview(tmp_path / "x.xlsx", NPSN)


def test_duplicate_in_other_school_is_a_warning(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    students = C.make_students(3, seed=30)
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", students)
    preview, plan = service.preview(path, "20533661")
    service.commit(preview, plan, "20533661", "koordinator")
    preview, plan = service.preview(path, NPSN)
    assert len(plan.new) == 3
    assert [ln.code for ln in plan.lines] == ["duplicate_in_other_school"] * 3


def test_cli_dry_run_and_commit(
    tmp_path: Path,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ktpe_desktop.cli import main

    path = C.write_csv(tmp_path / "s.csv", C.make_students(6, seed=12))
    data_dir = str(store.data_dir)
    store.close()
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    report = tmp_path / "laporan.csv"
    args = ["import-roster", str(path), "--school", NPSN, "--data-dir", data_dir]
    assert main([*args, "--dry-run", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "6 baru" in out and "tidak ada yang disimpan" in out.lower()
    assert report.read_text(encoding="utf-8-sig").startswith("baris;kolom")
    assert main(args) == 0
    assert "Tersimpan: 6 siswa baru" in capsys.readouterr().out
    assert main([*args, "--quiet"]) == 0
    assert "Tidak ada yang perlu disimpan" in capsys.readouterr().out
    assert main(["import-roster", str(tmp_path / "nope.xlsx"), "--school", NPSN,
                 "--data-dir", data_dir]) == 2  # fmt: skip
    assert "tidak ditemukan" in capsys.readouterr().err
    reopened = Store.open(data_dir, "koordinator", PASSWORD)
    try:
        assert _count(reopened, m.Student) == 6
    finally:
        reopened.close()
    assert date.today()  # keep the import used


@pytest.mark.parametrize(
    ("nisn", "nik"), [("0071234567", None), (None, "3573011203070001"), ("9999999999", "x")]
)
def test_student_ids_are_the_uuid5_of_school_and_identifier(
    nisn: str | None, nik: str | None
) -> None:
    key = f"nisn:{nisn}" if nisn else f"nik:{nik}"
    expected = uuid.uuid5(STUDENT_NAMESPACE, f"20533660/{key}").hex
    assert student_id_for("20533660", nisn, nik) == f"i-{expected}"


def test_appended_payloads_are_what_a_re_read_gives(store: Store, service: ImportService) -> None:
    """The ledger keeps an import's payload (strings, sorted keys) as it is, and decodes
    any other payload from its own JSON text: either way equal to a re-read, key order too."""
    payloads = [
        {"a": "1", "b": "2"},  # kept as is
        {"b": "2", "a": "1"},  # unsorted: decoded
        {"a": 1, "b": [2]},  # not strings: decoded
        {"a": "x", "z": "y", "ü": "é"},
    ]
    with store.transaction() as s:
        written = ledger.append_local(
            s,
            [ledger.Draft(EventKind.ABSENT, "sid-1", "op", p, NPSN) for p in payloads],
            device_id=store.device_id,
            clock=service.recording.clock,
        )
    stored = {r.event_id: r.payload for r in _events(store)}
    for ev in written:
        assert list(ev.payload.items()) == list(stored[ev.event_id].items())


def test_a_bulk_import_tells_the_names_map_once_and_keeps_its_trigger(
    store: Store, service: ImportService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The roster-names map's per-row insert trigger is set aside for a bulk insert
    (storage.roster_names.inserts_in_bulk): the map is still dropped, and the trigger
    is back for the next writes."""
    monkeypatch.setattr(roster_names, "MIN_STUDENTS", 0)
    calls: list[None] = []
    real = roster_names._watch

    def watch(conn: Any, info: Any, names: Any) -> None:
        real(conn, info, names)
        conn.create_function(roster_names._FUNCTION, 0, lambda: calls.append(None))

    before = roster_names.ready(store.engine)
    assert before is not None and before.students == 0
    path = C.write_dapodik_xlsx(tmp_path / "big.xlsx", C.make_students(1200, seed=3))
    preview, plan = service.preview(path, NPSN)
    with monkeypatch.context() as patch:
        patch.setattr(roster_names, "_watch", watch)
        store.engine.dispose()  # fresh connections, whose written() is counted
        assert service.commit(preview, plan, NPSN, "koordinator").added == 1200
    assert len(calls) == 1  # once for 1,200 rows
    after = roster_names.ready(store.engine)
    assert after is not before and after is not None and after.students == 1200
    with store.transaction() as s:
        temp = s.connection().exec_driver_sql(
            "SELECT name FROM sqlite_temp_master WHERE type = 'trigger'"
        )
        assert "ktpe_roster_ai" in {r[0] for r in temp}
