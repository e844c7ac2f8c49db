"""A laptop started offline has no schools: the import creates the school with the roster."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ktpe_desktop.services.import_service import ImportRefused, ImportService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from tests.unit.imports import corpus as C
from tests.unit.imports.conftest import TODAY

PASSWORD = "kata-sandi-uji-123"
REF_NPSN = "20533814"  # SMKN 2 MALANG, in the shipped reference list
OTHER_NPSN = "12345678"  # not in the reference list


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A brand-new laptop: no schools at all."""
    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    st = Store.create(tmp_path / "data", "koordinator", PASSWORD)
    yield st
    st.close()


@pytest.fixture
def service(store: Store) -> ImportService:
    return ImportService(
        store, now=lambda: datetime(2024, 9, 1, 8, tzinfo=UTC), today=lambda: TODAY
    )


def _count(store: Store, model: type[m.Base]) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _nothing_written(store: Store) -> None:
    assert _count(store, m.School) == 0
    assert _count(store, m.Student) == 0
    assert _count(store, m.EventRow) == 0
    assert _count(store, m.Outbox) == 0
    with store.session() as s:
        assert s.scalars(select(m.Device)).one().next_seq == 1
        actions = set(s.scalars(select(m.AuditLog.action)))
    assert m.AuditAction.IMPORT not in actions


def test_reference_school_is_created_with_the_import(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(12, seed=5))
    new = service.new_school(REF_NPSN)
    assert new is not None and new.source == "reference" and new.name == "SMKN 2 MALANG"
    preview, plan = service.preview(path, REF_NPSN)
    assert len(plan.new) == 12
    assert _count(store, m.School) == 0  # the preview writes nothing
    result = service.commit(preview, plan, REF_NPSN, "koordinator")
    assert result.school_created and result.added == 12
    with store.session() as s:
        school = s.get(m.School, REF_NPSN)
        assert school is not None
        assert (school.name, school.kind, school.status, school.kecamatan) == (
            "SMKN 2 MALANG", "SMK", "negeri", "Lowokwaru",
        )  # fmt: skip
        assert school.address and school.target == 12
        rows = list(s.scalars(select(m.AuditLog).where(m.AuditLog.action == m.AuditAction.IMPORT)))
        assert len(rows) == 1 and rows[0].subject == REF_NPSN
        assert rows[0].detail is not None and rows[0].detail["school_created"] == "reference"
        students = set(s.scalars(select(m.Student.school_npsn)))
    assert students == {REF_NPSN}
    assert service.new_school(REF_NPSN) is None  # on the laptop now

    # A second file for the same school: no new school, the target is kept.
    more = C.write_dapodik_xlsx(tmp_path / "b.xlsx", C.make_students(3, seed=99))
    preview, plan = service.preview(more, REF_NPSN)
    again = service.commit(preview, plan, REF_NPSN, "koordinator")
    assert not again.school_created and again.added == 3
    assert _count(store, m.School) == 1


def test_unknown_school_with_a_name_is_created(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    path = C.write_csv(tmp_path / "s.csv", C.make_students(4, seed=6))
    preview, plan = service.preview(path, OTHER_NPSN, school_name="  SMA Harapan   Bangsa ")
    result = service.commit(
        preview, plan, OTHER_NPSN, "koordinator", school_name="  SMA Harapan   Bangsa "
    )
    assert result.school_created
    with store.session() as s:
        school = s.get(m.School, OTHER_NPSN)
        assert school is not None and school.name == "SMA Harapan Bangsa"
        assert school.target == 4 and school.kind == ""
        detail = s.scalars(select(m.AuditLog.detail)).all()
    assert any(d and d.get("school_created") == "manual" for d in detail)


def test_reference_values_win_over_a_typed_name(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    path = C.write_csv(tmp_path / "s.csv", C.make_students(2, seed=7))
    preview, plan = service.preview(path, REF_NPSN, school_name="ketik salah")
    service.commit(preview, plan, REF_NPSN, "koordinator", school_name="ketik salah")
    with store.session() as s:
        school = s.get(m.School, REF_NPSN)
        assert school is not None and school.name == "SMKN 2 MALANG"


def test_unknown_school_without_a_name_is_refused(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(3, seed=8))
    with pytest.raises(ImportRefused) as info:
        service.preview(path, OTHER_NPSN)
    assert info.value.code == "unknown_school"
    assert "NPSN 12345678" in info.value.message
    with pytest.raises(ImportRefused) as info:
        service.new_school(OTHER_NPSN, "   ")
    assert info.value.code == "unknown_school"
    # A plan made for a named school cannot be committed without the name.
    preview, plan = service.preview(path, OTHER_NPSN, school_name="SMA X")
    with pytest.raises(ImportRefused) as info:
        service.commit(preview, plan, OTHER_NPSN, "koordinator")
    assert info.value.code == "unknown_school"
    _nothing_written(store)


@pytest.mark.parametrize("npsn", ["123", "2053366A", "", "205336601"])
def test_invalid_npsn_is_refused(
    tmp_path: Path, store: Store, service: ImportService, npsn: str
) -> None:
    path = C.write_csv(tmp_path / "s.csv", C.make_students(2, seed=9))
    with pytest.raises(ImportRefused) as info:
        service.preview(path, npsn, school_name="SMA X")
    assert info.value.code.startswith("npsn")
    with pytest.raises(ImportRefused):
        service.new_school(npsn, "SMA X")
    _nothing_written(store)


def test_a_failing_import_leaves_no_school(
    tmp_path: Path, store: Store, service: ImportService, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = C.write_dapodik_xlsx(tmp_path / "a.xlsx", C.make_students(10, seed=4))
    preview, plan = service.preview(path, REF_NPSN)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr("ktpe_desktop.services.import_service.audit", boom)
    with pytest.raises(OSError):
        service.commit(preview, plan, REF_NPSN, "koordinator")
    _nothing_written(store)
    monkeypatch.undo()
    result = service.commit(preview, plan, REF_NPSN, "koordinator")
    assert result.school_created and (result.first_seq, result.last_seq) == (1, 10)
    assert _count(store, m.School) == 1


def test_a_file_without_new_students_creates_no_school(
    tmp_path: Path, store: Store, service: ImportService
) -> None:
    broken: list[object] = [None] * 66
    broken[1] = "Tanpa Tanggal"
    broken[4] = "0071234567"
    path = C.write_dapodik_xlsx(tmp_path / "b.xlsx", [], extra_rows=[(0, broken)])
    preview, plan = service.preview(path, REF_NPSN)
    assert plan.is_empty
    with pytest.raises(ImportRefused) as info:
        service.commit(preview, plan, REF_NPSN, "koordinator")
    assert info.value.code == "no_new_students"
    _nothing_written(store)


def test_cli_offline_laptop(
    tmp_path: Path,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ktpe_desktop.cli import main

    path = C.write_csv(tmp_path / "s.csv", C.make_students(5, seed=12))
    data_dir = str(store.data_dir)
    store.close()
    monkeypatch.setenv("KTPE_PASSWORD", PASSWORD)
    base = ["import-roster", str(path), "--data-dir", data_dir]

    assert main([*base, "--school", "2053"]) == 2
    err = capsys.readouterr().err
    assert "Kesalahan:" in err and "NPSN" in err

    assert main([*base, "--school", OTHER_NPSN]) == 2
    err = capsys.readouterr().err
    assert "tidak ada di laptop ini" in err and "--school-name" in err

    assert main([*base, "--school", REF_NPSN, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "SMKN 2 MALANG" in out and "akan ditambahkan" in out

    assert main([*base, "--school", REF_NPSN, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Sekolah SMKN 2 MALANG ditambahkan." in out and "Tersimpan: 5 siswa baru" in out

    other = C.write_csv(tmp_path / "t.csv", C.make_students(2, seed=13))
    args = ["import-roster", str(other), "--data-dir", data_dir, "--school", OTHER_NPSN]
    assert main([*args, "--school-name", "SMA Harapan Bangsa", "--quiet"]) == 0
    assert "Sekolah SMA Harapan Bangsa ditambahkan." in capsys.readouterr().out

    reopened = Store.open(data_dir, "koordinator", PASSWORD)
    try:
        with reopened.session() as s:
            names = {sc.npsn: (sc.name, sc.target) for sc in s.scalars(select(m.School))}
        assert names == {REF_NPSN: ("SMKN 2 MALANG", 5), OTHER_NPSN: ("SMA Harapan Bangsa", 2)}
        assert _count(reopened, m.Student) == 7
    finally:
        reopened.close()
