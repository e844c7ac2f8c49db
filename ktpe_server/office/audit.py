"""The server's audit log: who changed what, when, from which address.

One row per change made from the console or the office commands; ``detail`` holds
ids, counts and setting values, never a student's personal data.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ktpe_server import models as m

log = logging.getLogger("ktpe.server.audit")

CLI_ADDRESS = "cli"


def audit(
    s: Session, actor: str, address: str, action: str, target: str = "", **detail: Any
) -> None:
    """Add an audit row to the session's transaction (it commits with the change)."""
    s.add(
        m.AuditLog(
            at=datetime.now(UTC),
            actor=actor[:64],
            address=address[:64],
            action=action[:64],
            target=target[:200],
            detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
        )
    )
    log.info("audit: %s %s %s from %s", actor, action, target, address)
