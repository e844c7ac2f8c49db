"""What the papers need besides the records: the letterhead, the signers' names and NIPs.

The UI and the CLI call :class:`PaperSettings`:

* the **letterhead** (kop surat): a laptop with campaign settings has the office's;
  one started offline asks the lead for it at the first import, prefilled with
  :func:`~ktpe_desktop.core.letterhead.default_letterhead` (Kota Malang);
* the **team lead's** display name and NIP (PIHAK PERTAMA), never the login name;
* the **principal** of a school (PIHAK KEDUA): name and NIP (none for most private
  schools), from the roster pull or typed in by the lead.

Each change is audited (field names only: names and NIPs of officials are not
students' personal data, but the log stays minimal anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.identifiers import parse_nip
from ktpe_desktop.core.letterhead import Letterhead, default_letterhead
from ktpe_desktop.reports import data as rdata
from ktpe_desktop.services.audit import audit
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.keyslots import UserRole, normalize_username
from ktpe_desktop.storage.store import Store


class InvalidNip(KnownError):
    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message, message_en, code="bad_nip")


def clean_nip(text: str | None) -> str | None:
    """An 18-digit NIP (spaces and dots dropped), ``None`` for an empty one.

    Raises:
        InvalidNip: not 18 digits.
    """
    if text is None or not text.strip():
        return None
    result = parse_nip(text)
    if not result.ok or result.value is None:
        finding = result.errors[0]
        raise InvalidNip(finding.message, finding.message_en)
    return result.value


def clean_name(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass(frozen=True, slots=True)
class Signer:
    username: str
    display_name: str  # "" when the user has none of their own
    nip: str


@dataclass(frozen=True, slots=True)
class Principal:
    npsn: str
    name: str
    nip: str


class PaperSettings:
    """The letterhead and the signers of the unlocked store's papers."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------ letterhead

    def letterhead(self) -> Letterhead:
        """The letterhead as stored (may be incomplete: see :meth:`needs_letterhead`)."""
        with self.store.session() as s:
            return rdata.stored_letterhead(s)

    def needs_letterhead(self) -> bool:
        """True when no complete letterhead is set (the papers cannot be printed)."""
        return not self.letterhead().complete

    def letterhead_prefill(self) -> Letterhead:
        """What the letterhead dialog shows: the stored one, else Kota Malang's."""
        stored = self.letterhead()
        return stored if stored.complete else default_letterhead()

    def set_letterhead(self, letterhead: Letterhead) -> Letterhead:
        """Keep the letterhead typed in by the lead.

        Raises:
            LetterheadMissing: a line is empty.
        """
        with self.store.transaction() as s:
            kept = rdata.save_letterhead(s, letterhead)
            audit(s, self.store.username, m.AuditAction.SETTINGS, "letterhead")
        return kept

    # ------------------------------------------------------------ signers

    def signer(self, username: str | None = None) -> Signer:
        name = normalize_username(username or self.store.username)
        with self.store.session() as s:
            user = s.get(m.LocalUser, name)
            if user is None:
                return Signer(name, "", "")
            return Signer(name, rdata.signer_name(user), user.nip or "")

    def set_signer(
        self, username: str | None = None, *, display_name: str | None, nip: str | None
    ) -> Signer:
        """Set a local user's display name and NIP (``None`` keeps a field as it is).

        A user changes their own; a lead may change anyone's.

        Raises:
            InvalidNip: not 18 digits.
            KnownError: no such user, or an operator changing someone else.
        """
        name = normalize_username(username or self.store.username)
        if name != self.store.username and self.store.role != UserRole.LEAD:
            raise KnownError(
                "Hanya koordinator yang dapat mengubah data pengguna lain.",
                "Only a lead can change another user's details.",
                code="permission_denied",
            )
        nip_value = clean_nip(nip) if nip is not None else None
        changed: list[str] = []
        with self.store.transaction() as s:
            user = s.get(m.LocalUser, name)
            if user is None:
                raise KnownError(
                    f"Pengguna {name!r} tidak ada di perangkat ini.",
                    f"No user {name!r} on this device.",
                    code="no_such_user",
                )
            if display_name is not None:
                user.display_name = clean_name(display_name) or name
                changed.append("display_name")
            if nip is not None:
                user.nip = nip_value
                changed.append("nip")
            audit(
                s, self.store.username, m.AuditAction.SETTINGS, f"user:{name}", {"fields": changed}
            )
            return Signer(name, rdata.signer_name(user), user.nip or "")

    # ------------------------------------------------------------ principals

    def principal(self, npsn: str) -> Principal:
        with self.store.session() as s:
            school = s.get(m.School, npsn)
            if school is None:
                raise rdata.SchoolNotFound(npsn)
            return Principal(npsn, school.principal_name or "", school.principal_nip or "")

    def set_principal(self, npsn: str, *, name: str, nip: str | None) -> Principal:
        """Set the head of a school (PIHAK KEDUA); an empty NIP means none.

        Raises:
            SchoolNotFound, InvalidNip.
        """
        nip_value = clean_nip(nip)
        with self.store.transaction() as s:
            school = s.get(m.School, npsn)
            if school is None:
                raise rdata.SchoolNotFound(npsn)
            school.principal_name = clean_name(name) or None
            school.principal_nip = nip_value
            audit(s, self.store.username, m.AuditAction.SETTINGS, f"principal:{npsn}")
            return Principal(npsn, school.principal_name or "", school.principal_nip or "")


__all__ = ["InvalidNip", "PaperSettings", "Principal", "Signer", "clean_nip"]
