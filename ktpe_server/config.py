"""Server settings: one frozen dataclass, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date

from ktpe_desktop.core.protocol import DEFAULT_MAX_CLOCK_AHEAD_SECONDS
from ktpe_desktop.core.versions import UpdateAdvice, is_valid_version
from ktpe_server import __version__

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
        min_app_version: laptops below it are refused with ``426 app_too_old``
            (env ``KTPE_MIN_APP_VERSION``; none by default).
        latest_app_version: the newest app release, so that laptops show "versi
            baru tersedia" (env ``KTPE_LATEST_APP_VERSION``; default: this server's).
        download_url: where the installer of the latest version is (env
            ``KTPE_DOWNLOAD_URL``), shown to the user with both messages.
        max_clock_ahead_s: events whose HLC or ``occurred_at`` lie further than this
            ahead of the server's clock are refused (``clock_ahead``); env
            ``KTPE_MAX_CLOCK_AHEAD_S``, default 600 (10 minutes).
        campaign_start: events before this day (UTC) are refused (``before_campaign``);
            env ``KTPE_CAMPAIGN_START`` (ISO date). None: one year before the
            campaign's reference date, or 2020-01-01 when there is no campaign.
    """

    db_url: str = DEFAULT_DB_URL
    admin_token: str | None = field(default=None, repr=False)
    rate_capacity: float = 120.0
    rate_per_second: float = 20.0
    enroll_rate_capacity: float = 10.0
    enroll_rate_per_second: float = 0.2
    # The demo admin's (user name, password), shown on the console's sign-in page.
    office_demo_hint: tuple[str, str] | None = None
    min_app_version: str | None = None
    latest_app_version: str | None = __version__
    download_url: str | None = None

    def __post_init__(self) -> None:
        for name in ("min_app_version", "latest_app_version"):
            value = getattr(self, name)
            if value and not is_valid_version(value):
                raise ValueError(f"{name}: not a version: {value!r}")

    def update_advice(self) -> UpdateAdvice:
        return UpdateAdvice(self.min_app_version, self.latest_app_version, self.download_url)

    max_clock_ahead_s: float = float(DEFAULT_MAX_CLOCK_AHEAD_SECONDS)
    campaign_start: date | None = None

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        def num(name: str, default: float) -> float:
            raw = os.environ.get(name)
            return float(raw) if raw else default

        start = os.environ.get("KTPE_CAMPAIGN_START", "").strip()
        return cls(
            db_url=db_url_from(db_url),
            admin_token=os.environ.get("KTPE_ADMIN_TOKEN") or None,
            rate_capacity=num("KTPE_RATE_CAPACITY", 120.0),
            rate_per_second=num("KTPE_RATE_PER_SECOND", 20.0),
            enroll_rate_capacity=num("KTPE_ENROLL_RATE_CAPACITY", 10.0),
            enroll_rate_per_second=num("KTPE_ENROLL_RATE_PER_SECOND", 0.2),
            min_app_version=os.environ.get("KTPE_MIN_APP_VERSION") or None,
            latest_app_version=os.environ.get("KTPE_LATEST_APP_VERSION") or __version__,
            download_url=os.environ.get("KTPE_DOWNLOAD_URL") or None,
            max_clock_ahead_s=num("KTPE_MAX_CLOCK_AHEAD_S", float(DEFAULT_MAX_CLOCK_AHEAD_SECONDS)),
            campaign_start=date.fromisoformat(start) if start else None,
        )
