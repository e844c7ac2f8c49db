"""What the routers share: the server state and the authentication dependencies.

* :class:`ServerState` -- database, ingest, rate limits; one per app
  (``app.state.ktpe``), reached in a route through :func:`get_state` / ``StateDep``.
* ``CallerDep`` -- the enrolled device behind a bearer token (401 otherwise;
  429 when its rate limit is spent).
* ``AdminDep`` -- the ``X-Admin-Token`` check of the admin API (403 otherwise).
* :func:`error_doc` -- the OpenAPI ``responses`` of a route from its error codes.

No ``from __future__ import annotations``: FastAPI reads these annotations.
"""

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, Row, Update, bindparam, select, update

from ktpe_desktop.core.versions import UNREPORTED_VERSION, is_valid_version
from ktpe_server import models as m
from ktpe_server import schemas as sc
from ktpe_server.config import Settings
from ktpe_server.db import session_factory
from ktpe_server.errors import ERROR_CODES, ApiError
from ktpe_server.ingest import Ingestor
from ktpe_server.office.device_reports import device_report
from ktpe_server.security import DbRateLimiter, token_hash

LAST_SEEN_EVERY = timedelta(seconds=60)

# The errors every authenticated route can answer.
AUTH_ERRORS = ("unauthorized", "rate_limited", "internal")


class ServerState:
    """What the request handlers share: database, ingest, rate limits."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = session_factory(engine)
        # For the routes that only read (the token lookup, the event pull): the same
        # sessions here; the school hub passes sessions whose transactions do not
        # take SQLite's write lock (its engine begins every other one IMMEDIATE).
        self.read_sessions = self.sessions
        self.ingestor = Ingestor(
            engine,
            self.sessions,
            max_clock_ahead_s=settings.max_clock_ahead_s,
            campaign_start=settings.campaign_start,
        )
        # In the database, so that the limits hold across worker processes.
        self.device_limits = DbRateLimiter(
            engine, "device", settings.rate_capacity, settings.rate_per_second
        )
        self.enroll_limits = DbRateLimiter(
            engine, "enroll", settings.enroll_rate_capacity, settings.enroll_rate_per_second
        )
        self.last_seen: dict[str, datetime] = {}
        self.last_report: dict[str, dict[str, Any]] = {}  # office/device_reports.py


async def get_state(request: Request) -> ServerState:
    """The app's state (async: FastAPI runs a plain ``def`` dependency in the threadpool,
    a thread hop per request for an attribute read)."""
    state: ServerState = request.app.state.ktpe
    return state


StateDep = Annotated[ServerState, Depends(get_state)]


@dataclass(frozen=True, slots=True)
class Caller:
    """The enrolled device a request comes from."""

    device_id: str
    team_id: int
    team_name: str


bearer = HTTPBearer(auto_error=False, description="The device token from /enrollments.")


def reported_version(value: str | None) -> str:
    """The app version a request reports (``X-KTPE-App-Version``).

    Laptops older than the header send none: they are the first release. A value
    that is not a version is treated the same (it cannot claim to be new enough).
    """
    if value and len(value) <= 64 and is_valid_version(value):
        return value
    return UNREPORTED_VERSION


# The caller's device by its token's digest (built once: per request it cost more
# CPU than its execution).
_CALLER = (
    select(m.Device.device_id, m.Device.team_id, m.Device.token_hash, m.Device.revoked, m.Team.name)
    .join(m.Team, m.Team.id == m.Device.team_id)
    .where(m.Device.token_hash == bindparam("digest"))
)
# device id, team id, token digest, revoked, team name
_CallerRow = Row[str, int, str, bool, str]


def _known_device(row: _CallerRow | None, digest: str) -> _CallerRow:
    """The token's device row (401 when unknown or revoked)."""
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked:
        raise ApiError(401, "unauthorized", "unknown or revoked device token")
    return row


def _last_seen(state: ServerState, request: Request, device_id: str) -> dict[str, Any] | None:
    """The device row's last-seen values to write now, or None (written at most every
    ``LAST_SEEN_EVERY``, or when what the laptop reports about itself changed)."""
    now = datetime.now(UTC)
    seen = state.last_seen.get(device_id)
    # What the laptop reports about itself (office console, devices page).
    report = device_report(request.headers, now)
    skew = report.pop("clock_skew_ms", None)
    changed = bool(report) and state.last_report.get(device_id) != report
    if not (seen is None or now - seen > LAST_SEEN_EVERY or changed):
        return None
    state.last_seen[device_id] = now
    state.last_report[device_id] = dict(report)
    if skew is not None:
        report["clock_skew_ms"] = skew
    return {"last_seen": now, **report}


def _seen_update(device_id: str, values: dict[str, Any]) -> Update:
    return update(m.Device).where(m.Device.device_id == device_id).values(**values)


def caller(
    state: StateDep,
    request: Request,
    cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    app_version: Annotated[
        str | None,
        Header(
            alias="X-KTPE-App-Version",
            description="The laptop's app version, reported on every request.",
        ),
    ] = None,
) -> Caller:
    """The device of the bearer token (401 unknown/revoked, 429 rate limited,
    426 when its app is older than the server's minimum version)."""
    if cred is None or not cred.credentials or len(cred.credentials) > 200:
        raise ApiError(401, "unauthorized", "a device token is required")
    version = reported_version(app_version)
    digest = token_hash(cred.credentials)
    limits = state.device_limits
    if isinstance(limits, DbRateLimiter):
        # One transaction for the token, the rate bucket and the last-seen time: a pool
        # checkout and a commit per request instead of three (SQLite: the one writer's
        # lock taken once).
        with state.engine.begin() as conn:
            row = _known_device(conn.execute(_CALLER, {"digest": digest}).first(), digest)
            wait = limits.take_on(conn, row.device_id)
            seen = None if wait else _last_seen(state, request, row.device_id)
            if seen is not None:
                conn.execute(_seen_update(row.device_id, seen))
    else:
        # Rate buckets in memory (the school hub, one process): the token is read
        # without the write lock (``read_sessions``), and only a last-seen time due
        # writes.
        with state.read_sessions() as s:
            found = s.connection().execute(_CALLER, {"digest": digest}).first()
        row = _known_device(found, digest)
        wait = limits.take(row.device_id)
        seen = None if wait else _last_seen(state, request, row.device_id)
        if seen is not None:
            with state.sessions() as s:
                s.execute(_seen_update(row.device_id, seen))
                s.commit()
    if wait:  # the spent token is committed
        raise ApiError(429, "rate_limited", "too many requests", {"Retry-After": str(int(wait))})
    advice = state.settings.update_advice()
    if advice.too_old(version):  # after the version is recorded: the office sees it
        where = f"; download it from {advice.download_url}" if advice.download_url else ""
        raise ApiError(
            426,
            "app_too_old",
            f"app version {version} is older than the minimum {advice.minimum}{where}",
        )
    return Caller(row.device_id, int(row.team_id), row.name)


CallerDep = Annotated[Caller, Depends(caller)]

admin_key = APIKeyHeader(
    name="X-Admin-Token", auto_error=False, description="The server's KTPE_ADMIN_TOKEN."
)


def admin(state: StateDep, token: Annotated[str | None, Depends(admin_key)]) -> None:
    """The admin API's token check (403 when off or wrong)."""
    expected = state.settings.admin_token
    if not expected:
        raise ApiError(403, "forbidden", "the admin API is off (no KTPE_ADMIN_TOKEN)")
    if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(403, "forbidden", "wrong admin token")


AdminDep = Depends(admin)


def error_doc(*codes: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that can answer these error codes."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status, text = ERROR_CODES[code]
        entry = out.setdefault(status, {"model": sc.ErrorReply, "description": ""})
        entry["description"] = (entry["description"] + f" `{code}`: {text}").strip()
    return out
