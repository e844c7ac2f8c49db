"""The audit log helper: every login, export, print and correction leaves a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.models import AuditAction


def audit(
    session: Session,
    actor: str,
    action: AuditAction | str,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit row in the caller's transaction.

    Keep ``detail`` minimal (ids, counts, field names — never the personal values):
    the log is encrypted with the database, but it is read by more people.
    """
    session.add(m.AuditLog(actor=actor, action=AuditAction(action), subject=subject, detail=detail))


__all__ = ["AuditAction", "audit"]
