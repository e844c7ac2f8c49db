"""Tests of ktpe_desktop.core.demo (the demo campaign generator)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from itertools import islice

import pytest

from ktpe_desktop.core import regions
from ktpe_desktop.core.demo import (
    KOTA_MALANG_DISTRICTS,
    DemoCampaign,
    DemoSchool,
    DemoStudent,
    demo_schools,
    generate_demo,
    iter_demo_students,
)
from ktpe_desktop.core.eligibility import CampaignRules, age_on
from ktpe_desktop.core.identifiers import Sex, parse_kk, parse_nik, parse_nisn, parse_npsn

Demo = tuple[DemoCampaign, list[DemoSchool], list[DemoStudent]]


@pytest.fixture(scope="module")
def demo() -> Demo:
    return generate_demo()


def test_same_seed_same_output(demo: Demo) -> None:
    assert generate_demo() == demo
    other = generate_demo(seed=7, students=300)
    assert other != generate_demo(seed=8, students=300)
    assert other == generate_demo(seed=7, students=300)


def test_campaign_defaults(demo: Demo) -> None:
    campaign, _, _ = demo
    assert (campaign.reference_date.month, campaign.reference_date.day) == (11, 27)
    assert (campaign.reference_date - date.today()).days >= 30  # always ahead in the demo
    assert (campaign.min_recording_age, campaign.voting_age) == (16, 17)
    assert campaign.region_code == "35.73"
    assert campaign.id and campaign.id != generate_demo(seed=1, students=10)[0].id


def test_schools(demo: Demo) -> None:
    _, schools, students = demo
    assert len(schools) == 51
    assert len({s.npsn for s in schools}) == 51
    assert sum(s.status == "negeri" for s in schools) == 23
    assert sum(s.status == "swasta" for s in schools) == 28
    assert [s.npsn for s in schools] == sorted(s.npsn for s in schools)
    assert sum(s.target for s in schools) == 4586
    for school in schools:
        assert parse_npsn(school.npsn).ok
        assert school.kind in {"SMA", "SMK"}
        assert school.kecamatan in KOTA_MALANG_DISTRICTS
        assert -8.1 < school.lat < -7.9 and 112.5 < school.lon < 112.7
        assert "  " not in school.address
    negeri = [s.target for s in schools if s.status == "negeri"]
    swasta = [s.target for s in schools if s.status == "swasta"]
    assert sum(negeri) / len(negeri) > 2 * sum(swasta) / len(swasta)
    per_school = Counter(st.school_npsn for st in students)
    assert per_school == {s.npsn: s.target for s in schools}


def test_totals_and_uniqueness(demo: Demo) -> None:
    _, _, students = demo
    assert len(students) == 4586
    assert len({s.id for s in students}) == 4586
    assert len({s.nik for s in students}) == 4586
    assert len({s.nisn for s in students}) == 4586
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", s.id) for s in students)


def test_planted_shares(demo: Demo) -> None:
    _, _, students = demo
    counts = Counter(s.planted for s in students)
    n = len(students)
    assert 0.03 <= counts["already_recorded"] / n <= 0.05
    assert 0.012 <= counts["under_age"] / n <= 0.028
    assert 0.008 <= counts["nik_mismatch"] / n <= 0.022
    assert set(counts) == {None, "already_recorded", "under_age", "nik_mismatch"}


def test_identifiers_are_consistent(demo: Demo) -> None:
    campaign, _, students = demo
    today = campaign.reference_date
    for s in students:
        nik = parse_nik(s.nik, birth_date=s.birth_date, sex=s.sex, today=today)
        assert nik.ok, (s, nik.errors)
        warning_codes = {f.code for f in nik.warnings}
        if s.planted == "nik_mismatch":
            assert warning_codes == {"nik_birth_date_mismatch"}, s
        else:
            assert warning_codes == set(), s
        kk = parse_kk(s.kk)
        assert kk.ok and not kk.warnings, s
        assert s.kk != s.nik
        assert parse_nisn(s.nisn).ok
        assert s.nisn.startswith(f"{s.birth_date.year % 1000:03d}")


def test_regions_and_leading_zeros(demo: Demo) -> None:
    _, _, students = demo
    n = len(students)
    malang = sum(s.nik.startswith("3573") for s in students) / n
    assert 0.80 <= malang <= 0.90
    jatim_elsewhere = sum(s.nik.startswith("35") and not s.nik.startswith("3573") for s in students)
    assert 0.08 <= jatim_elsewhere / n <= 0.16
    assert any(not s.nik.startswith("35") for s in students)
    # NISN = birth-year code + 7 digits: leading zeros (the cohort moves with the voting day)
    assert sum(s.nisn.startswith("0") for s in students) / n > 0.9
    assert any(s.nisn.startswith("00") for s in students)


def test_ages_and_birth_dates(demo: Demo) -> None:
    campaign, _, students = demo
    rules = CampaignRules(campaign.reference_date)
    for s in students:
        age = age_on(s.birth_date, rules.reference_date)
        if s.planted == "under_age":
            shift = campaign.reference_date.year - 2024
            assert s.birth_date.year == 2009 + shift and age < rules.min_recording_age
        else:
            assert 16 <= age <= 19, s
    shift = campaign.reference_date.year - 2024
    years = Counter(s.birth_date.year - shift for s in students)
    assert (years[2006] + years[2007] + years[2008]) / len(students) > 0.9


def test_names_look_like_dapodik(demo: Demo) -> None:
    _, _, students = demo
    names = [s.name for s in students]
    assert all(n == n.upper() and "  " not in n for n in names)
    joined = "\n".join(names)
    for form in ("MOCH. ", "MUHAMMAD ", "ACHMAD ", "SITI ", "ST. ", "NUR ", "'"):
        assert form in joined, form
    assert any(w.startswith(("SOE", "DJ", "TJ")) for n in names for w in n.split())
    assert all(s.mother_name and s.mother_name == s.mother_name.upper() for s in students)
    female_first = Counter(s.name.split()[0] for s in students if s.sex is Sex.FEMALE)
    male_first = Counter(s.name.split()[0] for s in students if s.sex is Sex.MALE)
    assert "SITI" in female_first and "SITI" not in male_first
    assert "MUHAMMAD" in male_first and "MUHAMMAD" not in female_first
    assert 0.4 < sum(s.sex is Sex.MALE for s in students) / len(students) < 0.6


def test_classes(demo: Demo) -> None:
    _, schools, students = demo
    kind = {s.npsn: s.kind for s in schools}
    for s in students:
        assert re.fullmatch(r"XII [A-Z]+ \d", s.class_name), s.class_name
        major = s.class_name.split()[1]
        if kind[s.school_npsn] == "SMK":
            assert major not in {"IPA", "MIPA", "IPS", "BAHASA"}
        else:
            assert major in {"IPA", "MIPA", "IPS", "BAHASA"}


def test_birth_places(demo: Demo) -> None:
    _, _, students = demo
    places = Counter(s.birth_place for s in students)
    assert places.most_common(1)[0][0] == "MALANG"
    assert all(p == p.upper() and p for p in places)


def test_kota_malang_districts_agree_with_the_region_table() -> None:
    table = {r.name: r.code for r in regions.districts_of("35.73")}
    assert table == dict(KOTA_MALANG_DISTRICTS)


def test_streaming_is_lazy_and_totals_any_size() -> None:
    stream = iter_demo_students(seed=5, students=10_000_000)
    first = list(islice(stream, 5))  # must not build ten million students first
    assert len(first) == 5
    schools = demo_schools(seed=5, students=120)
    students = list(iter_demo_students(5, 120, schools))
    assert len(students) == 120
    # Schools whose targets do not add up are rescaled to the requested total.
    assert len(list(iter_demo_students(5, 77, schools))) == 77
    assert generate_demo(seed=3, students=0)[2] == []
