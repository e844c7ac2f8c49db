"""The public school reference shipped in the package (core/schools.py)."""

from __future__ import annotations

from ktpe_desktop.core.demo import demo_schools
from ktpe_desktop.core.schools import (
    find_reference_school,
    reference_schools,
    search_reference_schools,
)


def test_reference_list_is_the_shipped_file() -> None:
    schools = reference_schools()
    assert len(schools) == 101
    assert len({s.npsn for s in schools}) == len(schools)
    assert all(len(s.npsn) == 8 and s.npsn.isdigit() for s in schools)
    names = [s.name for s in schools]
    assert names.index("SMKN 2 MALANG") < names.index("SMKN 10 MALANG")  # numbers by value
    sman1 = find_reference_school(" 20533660 ")
    assert sman1 is not None
    assert (sman1.name, sman1.kind, sman1.status, sman1.kecamatan) == (
        "SMAN 1", "SMA", "negeri", "Klojen",
    )  # fmt: skip
    assert sman1.address == "JL. TUGU UTARA 1"  # double spaces tidied
    assert sman1.lat is not None and sman1.lon is not None
    assert sman1.label == "SMAN 1 (20533660)"
    assert find_reference_school("12345678") is None
    assert find_reference_school("") is None


def test_search_by_name_words_or_npsn_prefix() -> None:
    assert [s.npsn for s in search_reference_schools("smkn 2")] == ["20533814"]
    assert {s.name for s in search_reference_schools("katolik")} >= {"SMAS KATOLIK FRATERAN"}
    assert all(s.npsn.startswith("205336") for s in search_reference_schools("205336"))
    assert len(search_reference_schools("  ")) == len(reference_schools())
    assert search_reference_schools("tidak ada sekolah ini") == []


def test_demo_schools_still_come_from_the_same_file() -> None:
    by_npsn = {s.npsn: s for s in reference_schools()}
    for demo in demo_schools():
        ref = by_npsn[demo.npsn]
        assert (demo.name, demo.kind, demo.kecamatan) == (ref.name, ref.kind, ref.kecamatan)
