"""Server settings: one frozen dataclass, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DB_URL = "sqlite:///ktpe-server.db"


def db_url_from(value: str | None) -> str:
    """The database URL from ``--db``, ``KTPE_SERVER_DB`` or the default.

    A bare path (no ``://``) means a SQLite file.
    """
    url = value or os.environ.get("KTPE_SERVER_DB") or DEFAULT_DB_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True, slots=True)
class Settings:
    """What a running server needs to know.

    Args:
        db_url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://…``).
        admin_token: enables ``/api/v1/admin/…`` when set (env ``KTPE_ADMIN_TOKEN``).
        rate_capacity: token-bucket size per device (requests).
        rate_per_second: token-bucket refill per device.
        enroll_rate_capacity: bucket size per client address for enrolment attempts.
        enroll_rate_per_second: refill of that bucket.
        office_demo_hint: demo mode only: the demo admin shown on the sign-in page.
    """

    db_url: str = DEFAULT_DB_URL
    admin_token: str | None = field(default=None, repr=False)
    rate_capacity: float = 120.0
    rate_per_second: float = 20.0
    enroll_rate_capacity: float = 10.0
    enroll_rate_per_second: float = 0.2
    # The demo admin's (user name, password), shown on the console's sign-in page.
    office_demo_hint: tuple[str, str] | None = None

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        def num(name: str, default: float) -> float:
            raw = os.environ.get(name)
            return float(raw) if raw else default

        return cls(
            db_url=db_url_from(db_url),
            admin_token=os.environ.get("KTPE_ADMIN_TOKEN") or None,
            rate_capacity=num("KTPE_RATE_CAPACITY", 120.0),
            rate_per_second=num("KTPE_RATE_PER_SECOND", 20.0),
            enroll_rate_capacity=num("KTPE_ENROLL_RATE_CAPACITY", 10.0),
            enroll_rate_per_second=num("KTPE_ENROLL_RATE_PER_SECOND", 0.2),
        )
