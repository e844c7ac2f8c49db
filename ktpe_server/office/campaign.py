"""The campaign's set-up: read, check and save it (console page and ``ktpe-server campaign``).

Saving takes a value of the ``roster`` counter, so every laptop receives the change
with its next roster pull. A server has one current campaign: the one saved last.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.paperwork import (
    DEFAULT_BA_PATTERN,
    TIME_ZONES,
    PatternError,
    check_ba_pattern,
)
from ktpe_server import models as m
from ktpe_server.db import ROSTER_COUNTER, bump_counter
from ktpe_server.office.audit import audit

MAX_LETTERHEAD_LINES = 5


class CampaignError(KnownError):
    """The set-up cannot be saved as given; ``field`` names the form field."""

    def __init__(self, field: str, message: str, message_en: str) -> None:
        super().__init__(message, message_en, code=f"bad_{field}")
        self.field = field


@dataclass(frozen=True, slots=True)
class CampaignSetup:
    """Every setting of the campaign, as the console shows it."""

    id: str = ""
    name: str = ""
    government_name: str = ""
    office_name: str = ""
    letterhead: tuple[str, ...] = ()
    office_address: str = ""
    region_code: str = ""
    head_name: str = ""
    head_nip: str = ""
    reference_date: date | None = None  # voting day
    min_recording_age: int = 16
    voting_age: int = 17
    time_zone: str = "WIB"
    retention_days: int = 30
    ba_number_pattern: str = DEFAULT_BA_PATTERN

    def as_audit(self) -> dict[str, Any]:
        out = asdict(self)
        out["reference_date"] = self.reference_date.isoformat() if self.reference_date else None
        return out


FIELD_NAMES = tuple(f.name for f in fields(CampaignSetup))


def current(s: Session) -> m.Campaign | None:
    return s.scalars(select(m.Campaign).order_by(m.Campaign.change_seq.desc()).limit(1)).first()


def load(engine: Engine) -> CampaignSetup | None:
    """The current campaign, or None when the server has none yet."""
    with Session(engine) as s:
        row = current(s)
        return None if row is None else _from_row(row)


def _from_row(row: m.Campaign) -> CampaignSetup:
    return CampaignSetup(
        id=row.id,
        name=row.name,
        government_name=row.government_name,
        office_name=row.office_name,
        letterhead=tuple(line for line in (row.letterhead or "").split("\n") if line.strip()),
        office_address=row.office_address,
        region_code=row.region_code,
        head_name=row.head_name or "",
        head_nip=row.head_nip or "",
        reference_date=row.reference_date,
        min_recording_age=row.min_recording_age,
        voting_age=row.voting_age,
        time_zone=row.time_zone or "WIB",
        retention_days=row.retention_days,
        ba_number_pattern=row.ba_number_pattern or DEFAULT_BA_PATTERN,
    )


def _int(field: str, value: Any, low: int, high: int, label: tuple[str, str]) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise CampaignError(
            field, f"{label[0]}: isi dengan angka.", f"{label[1]}: enter a number."
        ) from None
    if not low <= n <= high:
        raise CampaignError(
            field,
            f"{label[0]} harus antara {low} dan {high}.",
            f"{label[1]} must be between {low} and {high}.",
        )
    return n


def check(values: dict[str, Any], base: CampaignSetup | None = None) -> CampaignSetup:
    """Validate raw values (text from a form or a command line) over ``base``.

    Raises:
        CampaignError: the first problem, with the field it concerns.
    """
    setup = base or CampaignSetup()
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        if raw is None or key not in FIELD_NAMES or key == "id":
            continue
        if key == "letterhead":
            lines = raw if isinstance(raw, (list, tuple)) else str(raw).splitlines()
            lines = [str(line).strip() for line in lines if str(line).strip()]
            if len(lines) > MAX_LETTERHEAD_LINES or any(len(x) > 120 for x in lines):
                raise CampaignError(
                    key,
                    f"Kop surat: paling banyak {MAX_LETTERHEAD_LINES} baris, 120 karakter per baris.",
                    f"Letterhead: at most {MAX_LETTERHEAD_LINES} lines of 120 characters.",
                )
            changes[key] = tuple(lines)
        elif key == "reference_date":
            try:
                changes[key] = (
                    raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
                )
            except ValueError:
                raise CampaignError(
                    key,
                    "Hari pemungutan suara: tanggal tidak valid (TTTT-BB-HH).",
                    "Voting day: not a valid date (YYYY-MM-DD).",
                ) from None
        elif key == "min_recording_age":
            changes[key] = _int(
                key, raw, 10, 30, ("Umur minimal perekaman", "Minimum recording age")
            )
        elif key == "voting_age":
            changes[key] = _int(key, raw, 10, 30, ("Umur pemilih", "Voting age"))
        elif key == "retention_days":
            changes[key] = _int(key, raw, 1, 3650, ("Masa simpan (hari)", "Retention (days)"))
        elif key == "time_zone":
            tz = str(raw).strip().upper()
            if tz not in TIME_ZONES:
                raise CampaignError(
                    key,
                    "Zona waktu harus WIB, WITA atau WIT.",
                    "Time zone must be WIB, WITA or WIT.",
                )
            changes[key] = tz
        elif key == "head_nip":
            nip = "".join(str(raw).split())
            if nip and not re.fullmatch(r"\d{18}", nip):
                raise CampaignError(key, "NIP harus 18 digit.", "NIP must be 18 digits.")
            changes[key] = nip
        elif key == "ba_number_pattern":
            pattern = str(raw).strip() or DEFAULT_BA_PATTERN
            try:
                check_ba_pattern(pattern)
            except PatternError as exc:
                raise CampaignError(
                    key,
                    f"Pola nomor Berita Acara tidak dapat dipakai: {exc}",
                    f"The Berita Acara number pattern cannot be used: {exc}",
                ) from None
            changes[key] = pattern
        else:
            text = " ".join(str(raw).split())
            if len(text) > 200:
                raise CampaignError(
                    key, "Isian terlalu panjang (maks. 200).", "Too long (max. 200)."
                )
            changes[key] = text
    setup = replace(setup, **changes)
    if not setup.name:
        raise CampaignError("name", "Nama kampanye wajib diisi.", "The campaign name is required.")
    if setup.reference_date is None:
        raise CampaignError(
            "reference_date",
            "Hari pemungutan suara wajib diisi.",
            "The voting day is required.",
        )
    if setup.min_recording_age > setup.voting_age:
        raise CampaignError(
            "min_recording_age",
            "Umur minimal perekaman tidak boleh melebihi umur pemilih.",
            "The minimum recording age cannot exceed the voting age.",
        )
    return setup


def _new_id(name: str, day: date) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "kampanye"
    return f"{slug}-{day.year}"


def save(engine: Engine, values: dict[str, Any], *, actor: str, address: str) -> CampaignSetup:
    """Check and save the campaign set-up (creating it the first time); audited."""
    with Session(engine) as s, s.begin():
        row = current(s)
        before = None if row is None else _from_row(row)
        setup = check(values, before)
        if row is None:
            assert setup.reference_date is not None
            row = m.Campaign(id=_new_id(setup.name, setup.reference_date))
            s.add(row)
        for key in FIELD_NAMES:
            if key == "id":
                continue
            value = getattr(setup, key)
            if key == "letterhead":
                value = "\n".join(value)
            elif key == "head_nip":
                value = value or None
            setattr(row, key, value)
        row.change_seq = bump_counter(s, ROSTER_COUNTER)
        setup = replace(setup, id=row.id)
        changed = {
            k: v
            for k, v in setup.as_audit().items()
            if before is None or before.as_audit().get(k) != v
        }
        audit(s, actor, address, "campaign.set", row.id, changed=changed)
        return setup


def has_campaign(s: Session) -> bool:
    return s.scalar(select(m.Campaign.id).limit(1)) is not None
