"""Who may be recorded today and who votes on the campaign's reference date.

Recording (perekaman) of the KTP-el is allowed from ``min_recording_age``; a voter
must have reached ``voting_age`` or be (or have been) married on the reference
date (voting day). Both ages and the date are settings of the campaign, carried by
:class:`CampaignRules`; this module holds no other constants.

Birthdays on 29 February: in a year without 29 February the person completes the
year on **1 March**, as Indonesian civil registration counts a full year to have
passed only once the day after 28 February is reached. For example a child born
on 29 Feb 2008 turns 16 on 29 Feb 2024 (a leap year) but 17 only on 1 Mar 2025.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "CampaignRules",
    "Eligibility",
    "age_on",
    "assess",
    "date_reaching_age",
    "may_record",
    "votes_on_reference_date",
]


@dataclass(frozen=True, slots=True)
class CampaignRules:
    """The age rules of one campaign.

    Attributes:
        reference_date: voting day; the voting age is judged on this date.
        min_recording_age: completed years needed to be recorded.
        voting_age: completed years needed to vote (unless married).
    """

    reference_date: date
    min_recording_age: int = 16
    voting_age: int = 17

    def __post_init__(self) -> None:
        if self.min_recording_age < 0 or self.voting_age < 0:
            raise ValueError("ages must not be negative")


def date_reaching_age(birth: date, years: int) -> date:
    """The day on which someone born on ``birth`` completes ``years`` years.

    A 29 February birthday falls on 1 March in years that have no 29 February.
    """
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 Feb in a non-leap year
        return date(birth.year + years, 3, 1)


def age_on(birth: date, on: date) -> int:
    """Completed years of age on the date ``on`` (negative if ``on`` is before ``birth``).

    Someone born on 29 February completes a year on 1 March in non-leap years.
    """
    years = on.year - birth.year
    if on < date_reaching_age(birth, years):
        years -= 1
    return years


def may_record(birth: date, rules: CampaignRules, on: date, *, married: bool = False) -> bool:
    """True when the KTP-el of someone born on ``birth`` may be recorded on ``on``.

    A married (or once married) person is an adult under the Adminduk law and may be
    recorded at any age.
    """
    return married or age_on(birth, on) >= rules.min_recording_age


def votes_on_reference_date(birth: date, rules: CampaignRules, married: bool = False) -> bool:
    """True when the person may vote on the campaign's reference date."""
    return married or age_on(birth, rules.reference_date) >= rules.voting_age


@dataclass(frozen=True, slots=True)
class Eligibility:
    """What the rules say about one student on one day.

    Attributes:
        age_today: completed years on the day assessed.
        may_record: recording is allowed on that day.
        votes: the student will vote on the reference date.
        reaches_recording_age_on: the day the minimum recording age is reached.
        reaches_voting_age_on: the day the voting age is reached.
    """

    age_today: int
    may_record: bool
    votes: bool
    reaches_recording_age_on: date
    reaches_voting_age_on: date


def assess(birth: date, rules: CampaignRules, today: date, married: bool = False) -> Eligibility:
    """Apply the campaign's rules to one birth date on ``today``."""
    return Eligibility(
        age_today=age_on(birth, today),
        may_record=may_record(birth, rules, today, married=married),
        votes=votes_on_reference_date(birth, rules, married),
        reaches_recording_age_on=date_reaching_age(birth, rules.min_recording_age),
        reaches_voting_age_on=date_reaching_age(birth, rules.voting_age),
    )
