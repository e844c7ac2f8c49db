"""Checks of what a user types: passwords and a student's identifiers (pure, no I/O).

The walk-in and correction forms call :func:`check_details` as the user types;
errors block saving, warnings are shown and saved with the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ktpe_desktop.core import identifiers as ids
from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.passwords import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from ktpe_desktop.core.passwords import password_strength as password_strength


@dataclass(frozen=True, slots=True)
class Finding:
    """A warning or error about a typed identifier (from core.identifiers)."""

    field: str
    severity: str  # "error" | "warning"
    message: str
    message_en: str


@dataclass(frozen=True, slots=True)
class DetailsCheck:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")


#: A NISN's and a NIK's length: an all-digit password of these is refused (check_password).
CARD_NUMBER_LENGTHS = (ids.NISN_LENGTH, ids.NIK_LENGTH)


def check_password(password: str) -> None:
    """A new password: long enough, and not a card's number.

    A password of exactly 10 or 16 digits (a NISN's or a NIK's length) typed fast
    (a password manager's auto-type, keys queued while the screen is busy) is taken by
    the login page for a student card scanned at a locked laptop and cleared
    (ui.login), so it is refused here, where it is chosen.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise KnownError(
            f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.",
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
            code="weak_password",
        )
    if password.isascii() and password.isdigit() and len(password) in CARD_NUMBER_LENGTHS:
        raise KnownError(
            "Kata sandi tidak boleh hanya 10 atau 16 angka: layar masuk menganggap angka "
            "sepanjang NISN atau NIK sebagai kartu siswa yang dipindai.",
            "The password cannot be only 10 or 16 digits: the login page takes a number "
            "as long as a NISN or a NIK for a scanned student card.",
            code="weak_password",
        )


def check_details(details: Mapping[str, Any], today: date | None = None) -> DetailsCheck:
    findings: list[Finding] = []

    def add(field_name: str, items: Sequence[ids.Finding]) -> None:
        for f in items:
            findings.append(Finding(field_name, f.severity.value, f.message, f.message_en))

    birth = details.get("birth_date")
    birth_date = birth if isinstance(birth, date) else None
    sex_raw = details.get("sex")
    sex = ids.Sex(sex_raw) if sex_raw in ("L", "P") else None
    nik = str(details.get("nik") or "").strip()
    if nik:
        add("nik", ids.parse_nik(nik, birth_date=birth_date, sex=sex, today=today).findings)
    kk = str(details.get("kk") or "").strip()
    if kk:
        add("kk", ids.parse_kk(kk).findings)
        if nik:
            add("kk", ids.check_nik_vs_kk(nik, kk))
    nisn = str(details.get("nisn") or "").strip()
    if nisn:
        add("nisn", ids.parse_nisn(nisn).findings)
    if not str(details.get("name") or "").strip():
        findings.append(Finding("name", "error", "Nama wajib diisi.", "The name is required."))
    return DetailsCheck(tuple(findings))
