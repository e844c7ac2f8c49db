"""``GET /api/v1/health``: liveness, server clock, versions (no token)."""

from typing import Any

from fastapi import APIRouter

from ktpe_desktop.core.protocol import API_PREFIX, PROTOCOL_VERSION
from ktpe_server import __version__
from ktpe_server import schemas as sc
from ktpe_server.errors import server_now

router = APIRouter(prefix=API_PREFIX, tags=["meta"])


@router.get("/health", response_model=sc.Health)
def health() -> dict[str, Any]:
    """Liveness and server clock; no token needed."""
    return {
        "status": "ok",
        "server_time": server_now(),
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
    }
