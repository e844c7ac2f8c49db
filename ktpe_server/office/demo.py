"""The demo's office admin (``make run``): created once, shown on the sign-in page."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ktpe_server import models as m
from ktpe_server.office.accounts import Role, add_user

DEMO_ADMIN = "admin"
DEMO_ADMIN_PASSWORD = "demo-admin-2024"


def ensure_demo_admin(engine: Engine) -> tuple[str, str]:
    """Create the demo admin when the server has no office account; returns its login."""
    with Session(engine) as s:
        exists = s.scalar(select(m.OfficeUser.id).limit(1)) is not None
    if not exists:
        add_user(
            engine,
            DEMO_ADMIN,
            DEMO_ADMIN_PASSWORD,
            Role.ADMIN,
            "Admin Demo",
            actor="demo",
            address="local",
        )
    return DEMO_ADMIN, DEMO_ADMIN_PASSWORD
