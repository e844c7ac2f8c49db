"""Header detection and mapping by name (never by position)."""

from __future__ import annotations

import pytest

from ktpe_desktop.imports.headers import field_for, find_header, normalize_header
from tests.unit.imports import corpus as C


@pytest.mark.parametrize(
    ("label", "field"),
    [("Nama", "name"), ("Nama Lengkap", "name"), ("NAMA PESERTA DIDIK", "name"),
     ("JK", "sex"), ("L/P", "sex"), ("Jenis Kelamin", "sex"), ("NISN", "nisn"), ("NIK", "nik"),
     ("Tempat Lahir", "birth_place"), ("Tanggal Lahir", "birth_date"),
     ("Tgl. Lahir", "birth_date"), ("Tanggal Lahir (dd/mm/yyyy)", "birth_date"),
     ("Rombel Saat Ini", "class_name"), ("Kelas", "class_name"), ("Rombel", "class_name"),
     ("No KK", "kk"), ("Nomor KK", "kk"), ("No. KK", "kk"), ("Nama Ibu Kandung", "mother_name"),
     ("Data Ibu / Nama", "mother_name"), ("NIPD", "nipd"), ("NISN*", "nisn"),
     ("Data Ayah / Nama", None), ("Data Ibu / NIK", None), ("Nomor KKS", None),
     ("Kecamatan", None), ("No", None), ("Nama Ayah", None)],
)  # fmt: skip
def test_synonyms(label: str, field: str | None) -> None:
    assert field_for(label) == field


def test_normalize_header() -> None:
    assert normalize_header("  Tgl.  Lahir ") == "tgl lahir"
    assert normalize_header("L/P") == "l p"
    assert normalize_header("Jarak Rumah ke Sekolah (KM)") == "jarak rumah ke sekolah"
    assert normalize_header("(KM)") == "km"


def _rows(*rows: list[object]) -> list[tuple[int, list[object]]]:
    return [(i + 1, list(r)) for i, r in enumerate(rows)]


def test_two_row_dapodik_header_is_qualified() -> None:
    top, below = C.dapodik_header()
    rows = [(i + 1, [t]) for i, t in enumerate(C.TITLE_ROWS)] + [(7, top), (8, below)]
    header = find_header(rows)
    assert header is not None
    assert (header.first_row, header.last_row) == (7, 8)
    labels = [c.label for c in header.columns]
    assert len(labels) == 66
    assert "Data Ibu / Nama" in labels and "Data Wali / NIK" in labels
    assert header.fields["mother_name"] == labels.index("Data Ibu / Nama")
    assert header.fields["nik"] == top.index("NIK")  # the student's, not a parent's


def test_rombel_as_third_column() -> None:
    top, below = C.dapodik_header(rombel_third=True)
    header = find_header([(1, top), (2, below)])
    assert header is not None and header.fields["class_name"] == 2


def test_single_row_header_below_titles() -> None:
    header = find_header(
        _rows(
            ["DAFTAR SISWA"],
            ["Kecamatan: Klojen"],
            [],
            ["No", "Nama Siswa", "NISN", "Kelas"],
            [1, "Budi", "0071234567"],
        )
    )
    assert header is not None and header.first_row == 4 and header.last_row == 4


def test_a_nameless_data_row_is_not_a_subheader() -> None:
    header = find_header(_rows(["Nama", "NISN", "Kelas"], [None, "0071234567", "XII"]))
    assert header is not None and header.last_row == 1


def test_no_header() -> None:
    assert find_header(_rows(["Daftar Peserta Didik"], ["a", "b", "c"], [1, 2, 3])) is None
    assert find_header(_rows(["Nama", "Alamat"])) is None  # a name alone is not a roster


def test_duplicate_meaning_keeps_the_first_column() -> None:
    header = find_header(_rows(["Nama", "NISN", "Rombel Saat Ini", "Kelas"]))
    assert header is not None
    assert header.fields["class_name"] == 2 and header.duplicates == ("Kelas",)
