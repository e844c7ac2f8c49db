"""Merge rules: NISN first, then NIK; changes listed; nothing deleted."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.core.identifiers import Sex
from ktpe_desktop.imports import ExistingStudent, RosterPreview, RosterRow, compare_with_roster

NPSN = "20533660"


def _row(n: int, nisn: str | None, nik: str | None, **kw: object) -> RosterRow:
    base: dict[str, object] = dict(
        row_number=n,
        name=f"Siswa {n}",
        nisn=nisn,
        nik=nik,
        sex=Sex.MALE,
        birth_date=date(2007, 3, 12),
        class_name="XII",
    )
    base.update(kw)
    return RosterRow(**base)  # type: ignore[arg-type]


def _student(sid: str, nisn: str | None, nik: str | None, **kw: object) -> ExistingStudent:
    base: dict[str, object] = dict(student_id=sid, school_npsn=NPSN, name=f"Siswa {sid}",
                                   nisn=nisn, nik=nik, sex="L", birth_date=date(2007, 3, 12),
                                   class_name="XII")  # fmt: skip
    base.update(kw)
    return ExistingStudent(**base)  # type: ignore[arg-type]


def test_new_changed_unchanged_missing() -> None:
    preview = RosterPreview(rows=[
        _row(2, "0000000001", None, name="Siswa a"),
        _row(3, "0000000002", None, name="Siswa b", class_name="XII IPA 1"),
        _row(4, "0000000099", "3573011203070001", name="Siswa c"),
        _row(5, "0000000005", None),
    ])  # fmt: skip
    existing = [
        _student("a", "0000000001", None),
        _student("b", "0000000002", None),
        _student("c", "0000000003", "3573011203070001"),
        _student("d", "0000000004", None),
    ]
    plan = compare_with_roster(preview, existing, school_npsn=NPSN)
    assert [r.row_number for r in plan.new] == [5]
    assert [(r.row_number, s.student_id) for r, s in plan.unchanged] == [(2, "a")]
    changes = {c.student.student_id: c for c in plan.changed}
    assert changes["b"].payload() == {"changes": {"class_name": "XII IPA 1"}}
    assert changes["b"].matched_by == "nisn"
    assert changes["c"].matched_by == "nik"
    assert changes["c"].payload() == {"changes": {"nisn": "0000000099"}}
    assert any(ln.code == "nisn_changed" for ln in plan.lines)
    assert [s.student_id for s in plan.missing] == ["d"]
    assert any(ln.code == "missing_from_file" for ln in plan.lines)


def test_empty_cells_never_erase() -> None:
    preview = RosterPreview(
        rows=[_row(2, "0000000001", None, name="Siswa a", mother_name=None, class_name=None)]
    )
    existing = [_student("a", "0000000001", "3573011203070001", mother_name="Ibu")]
    plan = compare_with_roster(preview, existing)
    assert plan.changed == [] and len(plan.unchanged) == 1


def test_conflicts_and_duplicates_are_skipped_not_applied() -> None:
    preview = RosterPreview(rows=[
        _row(2, "0000000001", "3573011203070002"),  # NISN -> a, NIK -> b: conflict
        _row(3, "0000000003", None),  # new
        _row(4, "0000000003", None),  # same NISN again in the file
        _row(5, "0000000007", None),  # -> c by NISN
        _row(6, "0000000009", "3573011203070007"),  # -> c again, by NIK
    ])  # fmt: skip
    existing = [
        _student("a", "0000000001", None),
        _student("b", None, "3573011203070002"),
        _student("c", "0000000007", "3573011203070007"),
    ]
    plan = compare_with_roster(preview, existing, school_npsn=NPSN)
    assert {s.row.row_number: s.code for s in plan.skipped} == {
        2: "conflict_nisn_nik", 4: "duplicate_nisn_in_file", 6: "matched_twice"}  # fmt: skip
    assert [r.row_number for r in plan.new] == [3]


def test_other_schools_only_warn() -> None:
    preview = RosterPreview(rows=[_row(2, "0000000001", None)])
    other = _student("x", "0000000001", None, school_npsn="20533661")
    plan = compare_with_roster(preview, [other], school_npsn=NPSN)
    assert [r.row_number for r in plan.new] == [2]
    assert [ln.code for ln in plan.lines] == ["duplicate_in_other_school"]
    assert plan.missing == []


@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            f: st.text(max_size=5)
            for f in ("nisn", "nik", "kk", "birth_place", "class_name", "mother_name", "nipd")
        }
        | {"sex": st.sampled_from(Sex), "birth_date": st.dates()},
    ),
    name=st.text(min_size=1, max_size=5),
)
def test_added_payload_is_the_details_with_the_school_sorted_without_empties(
    values: dict[str, Any], name: str
) -> None:
    row = RosterRow(row_number=2, name=name, **values)
    details = row.details() | {"school_npsn": "20533660"}
    expected = {k: details[k] for k in sorted(details) if details[k] is not None}
    payload = row.added_payload("20533660")
    assert list(payload.items()) == list(expected.items())
