"""``POST /api/v1/enrollments``: a one-time enrolment code for a device token."""

import json
import logging
from datetime import UTC, datetime
from typing import Any, cast

from fastapi import APIRouter, Request
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_desktop.core.signing import is_public_key
from ktpe_server import models as m
from ktpe_server import schemas as sc
from ktpe_server.deps import StateDep, error_doc
from ktpe_server.errors import ApiError, server_now
from ktpe_server.security import new_token, normalize_code, token_hash

log = logging.getLogger("ktpe.server.api")

OUTDATED = (
    "Versi aplikasi laptop ini terlalu lama untuk server ini; perbarui aplikasi KTP-el "
    "Jemput Bola lalu coba lagi. / This laptop's app is too old for this server; update "
    "the app and try again."
)

router = APIRouter(prefix=API_PREFIX, tags=["sync"])


@router.post(
    "/enrollments",
    response_model=sc.EnrollmentReply,
    responses=error_doc(
        "invalid_json",
        "invalid_body",
        "enrollment_code_invalid",
        "enrollment_code_used",
        "enrollment_code_expired",
        "device_conflict",
        "device_bound",
        "replaced_device_unknown",
        "protocol_outdated",
        "rate_limited",
    ),
)
def enroll(body: sc.EnrollmentRequest, request: Request, state: StateDep) -> dict[str, Any]:
    """Trade a one-time enrolment code for a device token."""
    client = request.client.host if request.client else "?"
    wait = state.enroll_limits.take(client)
    if wait:
        raise ApiError(
            429, "rate_limited", "too many enrolment attempts", {"Retry-After": str(int(wait))}
        )
    device_id = body.device_id.lower()
    digest = token_hash(normalize_code(body.code))
    now = datetime.now(UTC)
    token = new_token()
    if not body.public_key:
        raise ApiError(426, "protocol_outdated", OUTDATED)
    if not is_public_key(body.public_key):
        raise ApiError(422, "invalid_body", "public_key: not an Ed25519 public key (base64url)")
    with state.sessions() as s, s.begin():
        code = s.get(m.EnrollmentCode, digest)
        if code is None:
            raise ApiError(403, "enrollment_code_invalid", "unknown enrolment code")
        # A code works once, ever: a lost reply means asking the office for a new code.
        if code.used_at is not None:
            raise ApiError(403, "enrollment_code_used", "the enrolment code was already used")
        if code.expires_at <= now:
            raise ApiError(403, "enrollment_code_expired", "the enrolment code has expired")
        device = s.get(m.Device, device_id)
        if device is not None and device.team_id != code.team_id:
            raise ApiError(409, "device_conflict", "this device_id belongs to another team")
        if body.replaces is not None:
            _check_replaced(s, body.replaces, device_id, code.team_id)
        if device is not None:
            # A device_id is bound to its first enrolment (and key) for life: a
            # re-enrolled or salvaged laptop enrols as a new device.
            raise ApiError(409, "device_bound", "this device_id is already enrolled")
        taken = s.execute(
            update(m.EnrollmentCode)
            .where(m.EnrollmentCode.code_hash == digest, m.EnrollmentCode.used_at.is_(None))
            .values(used_at=now, used_by_device=device_id)
        )
        if cast(CursorResult[Any], taken).rowcount != 1:
            raise ApiError(403, "enrollment_code_used", "the enrolment code was already used")
        device = m.Device(
            device_id=device_id,
            team_id=code.team_id,
            created_at=now,
            contiguous_seq=0,
            name=body.device_name,
            app_version=body.app_version,
            token_hash=token_hash(token),
            revoked=False,
            last_seen=now,
            public_key=body.public_key,
        )
        s.add(device)
        if body.replaces is not None:
            _note_replaced(s, body.replaces, device_id, code.team_id, now)
        team = s.get(m.Team, code.team_id)
        campaign_id = s.scalar(select(m.Campaign.id).order_by(m.Campaign.change_seq.desc()))
        assert team is not None
        team_ref = {"id": team.id, "name": team.name}
    log.info("device %s enrolled in team %s", device_id, team_ref["id"])
    return {
        "device_id": device_id,
        "token": token,
        "team": team_ref,
        "campaign_id": campaign_id,
        "server_time": server_now(),
    }


def _check_replaced(s: Session, old: sc.ReplacedDevice, device_id: str, team_id: int) -> None:
    """The device a re-enrolling laptop replaces must be another device of the team."""
    previous = s.get(m.Device, old.device_id.lower())
    if previous is None or previous.team_id != team_id or previous.device_id == device_id:
        raise ApiError(
            422,
            "replaced_device_unknown",
            "replaces.device_id is not another device of the enrolment code's team",
        )


def _note_replaced(
    s: Session, old: sc.ReplacedDevice, device_id: str, team_id: int, now: datetime
) -> None:
    """Keep what the laptop lost of its old device: an anomaly for the office."""
    previous = s.get(m.Device, old.device_id.lower())
    assert previous is not None  # _check_replaced
    gone = sorted((int(a), int(b)) for a, b in old.gone if 1 <= a <= b)
    loss = m.DeviceLoss(
        device_id=previous.device_id,
        new_device_id=device_id,
        team_id=team_id,
        held_seq=previous.contiguous_seq,
        last_seq=max(old.last_seq, max((b for _, b in gone), default=0)),
        gone=json.dumps(gone),
        reissued=old.reissued,
        reported_at=now,
        note="",
    )
    s.add(loss)
    lost_here = loss.lost_here()
    log.log(
        logging.WARNING if lost_here else logging.INFO,
        "device %s replaced by %s: server holds seq 1-%d, %d seqs lost for good",
        previous.device_id,
        device_id,
        previous.contiguous_seq,
        sum(b - a + 1 for a, b in lost_here),
    )
