"""The kop surat (letterhead) of the office's papers, and the one shipped for Kota Malang.

A Berita Acara is never printed without a letterhead. A laptop enrolled with the
office gets it from the campaign (roster pull); a laptop started offline asks the
lead for it at the first import, prefilled with :func:`default_letterhead` (the
shipped ``core/data/letterhead_kota_malang.json``), editable. Qt-free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from ktpe_desktop.core.eligibility import CampaignRules
from ktpe_desktop.core.errors import KnownError

_DEFAULT_FILE = "letterhead_kota_malang.json"


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The kop surat: the government, the office and its address."""

    government_name: str
    office_name: str
    office_address: str

    @property
    def complete(self) -> bool:
        """All three lines are there (a paper is never printed with an empty kop)."""
        return all(v.strip() for v in (self.government_name, self.office_name, self.office_address))

    def cleaned(self) -> Letterhead:
        return Letterhead(*(" ".join(v.split()) for v in self.lines()))

    def lines(self) -> tuple[str, str, str]:
        return (self.government_name, self.office_name, self.office_address)


@cache
def _default_data() -> dict[str, str]:
    raw = resources.files("ktpe_desktop.core").joinpath("data", _DEFAULT_FILE).read_text("utf-8")
    data = json.loads(raw)
    return {str(k): str(v) for k, v in data.items()}


def default_rules() -> CampaignRules:
    """The shipped campaign's rules (Pilkada Kota Malang: voting day 27-11-2024, 16/17),
    for a laptop that has no campaign from the office yet."""
    data = _default_data()
    return CampaignRules(
        date.fromisoformat(data["reference_date"]),
        int(data["min_recording_age"]),
        int(data["voting_age"]),
    )


def default_letterhead() -> Letterhead:
    """Kota Malang's Dispendukcapil, as shipped (the prefill of the letterhead dialog)."""
    data = _default_data()
    return Letterhead(data["government_name"], data["office_name"], data["office_address"])


def default_region_code() -> str:
    return _default_data()["region_code"]


class LetterheadMissing(KnownError):
    """A paper was asked for on a laptop that has no letterhead yet."""

    def __init__(self) -> None:
        super().__init__(
            "Kop surat belum diisi, jadi Berita Acara tidak dapat dicetak. Isi kop surat "
            "(nama pemerintah daerah, nama dinas, alamat) di Pengaturan > Kop Surat, atau "
            "dengan perintah `ktpe-desktop letterhead set`.",
            "The letterhead is not set, so the Berita Acara cannot be printed. Fill it in "
            "(government, office, address) under Settings > Letterhead, or with "
            "`ktpe-desktop letterhead set`.",
            code="letterhead_missing",
        )


def check_letterhead(letterhead: Letterhead) -> Letterhead:
    """The letterhead, tidied; refused when a line is empty.

    Raises:
        LetterheadMissing: a line is empty.
    """
    tidy = letterhead.cleaned()
    if not tidy.complete:
        raise LetterheadMissing()
    return tidy


__all__ = [
    "Letterhead",
    "LetterheadMissing",
    "check_letterhead",
    "default_letterhead",
    "default_region_code",
    "default_rules",
]
