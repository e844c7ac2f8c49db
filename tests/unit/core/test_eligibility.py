"""Tests of ktpe_desktop.core.eligibility."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.core.eligibility import (
    CampaignRules,
    Eligibility,
    age_on,
    assess,
    date_reaching_age,
    may_record,
    votes_on_reference_date,
)

PILKADA = CampaignRules(reference_date=date(2024, 11, 27))


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2008, 11, 27), date(2024, 11, 27), 16),
        (date(2008, 11, 28), date(2024, 11, 27), 15),
        (date(2007, 11, 27), date(2024, 11, 27), 17),
        (date(2007, 11, 28), date(2024, 11, 27), 16),
        (date(2007, 1, 1), date(2006, 12, 31), -1),
        (date(2007, 1, 1), date(2007, 1, 1), 0),
        # 29 Feb birthdays: next year reached on 1 Mar in non-leap years.
        (date(2008, 2, 29), date(2024, 2, 29), 16),  # 2024 is a leap year
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2025, 2, 28), 16),
        (date(2008, 2, 29), date(2025, 3, 1), 17),
        (date(2004, 2, 29), date(2021, 2, 28), 16),
        (date(2004, 2, 29), date(2021, 3, 1), 17),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


@pytest.mark.parametrize(
    ("birth", "years", "expected"),
    [
        (date(2008, 5, 17), 16, date(2024, 5, 17)),
        (date(2008, 2, 29), 16, date(2024, 2, 29)),
        (date(2008, 2, 29), 17, date(2025, 3, 1)),
        (date(2008, 2, 29), 0, date(2008, 2, 29)),
    ],
)
def test_date_reaching_age(birth: date, years: int, expected: date) -> None:
    assert date_reaching_age(birth, years) == expected


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2090, 12, 31)),
    years=st.integers(min_value=0, max_value=100),
)
def test_reaching_age_is_the_first_day_of_that_age(birth: date, years: int) -> None:
    reached = date_reaching_age(birth, years)
    assert age_on(birth, reached) == years
    assert age_on(birth, reached - timedelta(days=1)) == years - 1


@given(
    birth=st.dates(min_value=date(1950, 1, 1), max_value=date(2020, 12, 31)),
    on=st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)),
)
def test_age_never_decreases(birth: date, on: date) -> None:
    assert age_on(birth, on + timedelta(days=1)) >= age_on(birth, on)


def test_recording_age_boundary() -> None:
    birth = date(2008, 11, 27)
    sixteenth = date(2024, 11, 27)
    assert not may_record(birth, PILKADA, sixteenth - timedelta(days=1))
    assert may_record(birth, PILKADA, sixteenth)
    assert may_record(birth, PILKADA, sixteenth - timedelta(days=1), married=True)


def test_recording_age_comes_from_the_rules() -> None:
    rules = CampaignRules(reference_date=date(2024, 11, 27), min_recording_age=17)
    assert not may_record(date(2008, 1, 1), rules, date(2024, 11, 1))
    assert may_record(date(2007, 1, 1), rules, date(2024, 11, 1))


def test_voting_on_reference_date() -> None:
    assert votes_on_reference_date(date(2007, 11, 27), PILKADA)
    assert not votes_on_reference_date(date(2007, 11, 28), PILKADA)
    assert votes_on_reference_date(date(2007, 11, 28), PILKADA, married=True)
    later = CampaignRules(reference_date=date(2024, 11, 28))
    assert votes_on_reference_date(date(2007, 11, 28), later)
    older = CampaignRules(reference_date=date(2024, 11, 27), voting_age=18)
    assert not votes_on_reference_date(date(2007, 11, 27), older)


def test_assess() -> None:
    leap = assess(date(2008, 2, 29), PILKADA, today=date(2024, 2, 28))
    # 16 on 29 Feb 2024, 17 only on 1 Mar 2025: not a voter on 27 Nov 2024.
    assert leap == Eligibility(
        age_today=15,
        may_record=False,
        votes=False,
        reaches_recording_age_on=date(2024, 2, 29),
        reaches_voting_age_on=date(2025, 3, 1),
    )

    grown = assess(date(2007, 6, 1), PILKADA, today=date(2024, 9, 2))
    assert grown == Eligibility(17, True, True, date(2023, 6, 1), date(2024, 6, 1))

    married = assess(date(2008, 12, 1), PILKADA, today=date(2024, 9, 2), married=True)
    assert married.may_record and married.votes and married.age_today == 15


def test_rules_reject_negative_ages() -> None:
    with pytest.raises(ValueError):
        CampaignRules(reference_date=date(2024, 11, 27), min_recording_age=-1)
