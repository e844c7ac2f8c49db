"""``GET /api/v1/health``: liveness, database, server clock, versions (no token)."""

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ktpe_desktop.core.protocol import API_PREFIX, PROTOCOL_VERSION
from ktpe_server import __version__
from ktpe_server import schemas as sc
from ktpe_server.deps import StateDep
from ktpe_server.errors import server_now

router = APIRouter(prefix=API_PREFIX, tags=["meta"])
log = logging.getLogger("ktpe.server.api")


@router.get(
    "/health",
    response_model=sc.Health,
    responses={503: {"model": sc.Health, "description": "The database does not answer."}},
)
def health(state: StateDep) -> Any:
    """Liveness, the database, the server clock and the app versions; no token needed.

    ``200`` with ``status: ok`` when the database answers a query, else ``503`` with
    ``status: unavailable`` (a load balancer or monitoring takes the server out).
    ``min_app_version`` / ``latest_app_version`` / ``download_url`` are the update
    advice every laptop follows (docs/sync-protocol.md, "Versions").
    """
    database = "ok"
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        database = "unavailable"
        log.error("health: database unavailable (%s)", type(exc).__name__)
    settings = state.settings
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "server_time": server_now(),
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
        "database": database,
        "min_app_version": settings.min_app_version,
        "latest_app_version": settings.latest_app_version,
        "download_url": settings.download_url,
    }
    if database != "ok":
        return JSONResponse(body, status_code=503)
    return body
