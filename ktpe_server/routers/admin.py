"""The admin API (``X-Admin-Token``): enrolment codes and progress."""

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_server import schemas as sc
from ktpe_server.admin import AdminError, make_enroll_code, progress
from ktpe_server.deps import AdminDep, StateDep, error_doc
from ktpe_server.errors import ApiError, server_now

router = APIRouter(prefix=f"{API_PREFIX}/admin", tags=["admin"], dependencies=[AdminDep])


@router.post(
    "/enroll-codes",
    response_model=sc.EnrollCodeReply,
    responses=error_doc("forbidden", "invalid_body", "not_found"),
)
def admin_enroll_code(body: sc.EnrollCodeRequest, state: StateDep) -> dict[str, Any]:
    """Issue a one-time enrolment code for a team (admin token)."""
    try:
        code = make_enroll_code(state.engine, body.team, body.ttl_hours)
    except AdminError as exc:
        raise ApiError(404, "not_found", exc.message_en) from None
    return {
        "code": code,
        "team": body.team,
        "ttl_hours": body.ttl_hours,
        "server_time": server_now(),
    }


@router.get("/progress", response_model=sc.ProgressReply, responses=error_doc("forbidden"))
def admin_progress(state: StateDep) -> dict[str, Any]:
    """Per school: target, recorded, remaining, anomalies (admin token)."""
    return {
        "schools": [asdict(p) for p in progress(state.engine)],
        "server_time": server_now(),
    }
