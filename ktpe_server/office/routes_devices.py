"""Devices: every laptop with what it reported, revocation, and enrolment codes (text + QR)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ktpe_server import admin
from ktpe_server import models as m
from ktpe_server.office import campaign
from ktpe_server.office.audit import audit
from ktpe_server.office.web import (
    AdminDep,
    AdminForm,
    StaffDep,
    client_address,
    done_message,
    form_text,
    lang_of,
    paginate,
    redirect,
    render,
    state,
)

router = APIRouter()
MAX_TTL_HOURS = 24 * 14


@dataclass(frozen=True, slots=True)
class DeviceRow:
    device_id: str
    team: str
    name: str
    app_version: str
    revoked: bool
    created_at: datetime
    last_seen: datetime | None
    contiguous_seq: int
    unsent: int | None
    quarantined: int | None
    clock_skew_ms: int | None
    refused: int


def device_rows(s: Session) -> list[DeviceRow]:
    refused = dict(
        s.execute(
            select(m.EventRow.device_id, func.count())
            .where(m.EventRow.state != "accepted")
            .group_by(m.EventRow.device_id)
        ).all()
    )
    out = []
    for d, team in s.execute(
        select(m.Device, m.Team.name)
        .join(m.Team, m.Team.id == m.Device.team_id)
        .order_by(m.Device.revoked, m.Team.name, m.Device.name)
    ):
        out.append(
            DeviceRow(
                d.device_id,
                team,
                d.name,
                d.app_version,
                d.revoked,
                d.created_at,
                d.last_seen,
                d.contiguous_seq,
                d.reported_unsent,
                d.reported_quarantined,
                d.clock_skew_ms,
                int(refused.get(d.device_id, 0)),
            )
        )
    return out


def _tz(request: Request) -> None:
    setup = campaign.load(state(request).engine)
    request.state.time_zone = setup.time_zone if setup else "WIB"


@router.get("/devices")
def devices_page(request: Request, staff: StaffDep) -> Response:
    _tz(request)
    with Session(state(request).engine) as s:
        rows = device_rows(s)
        teams = list(s.scalars(select(m.Team.name).order_by(m.Team.name)))
    return render(
        request,
        "devices.html",
        staff,
        rows=paginate(request, rows),
        teams=teams,
        now=datetime.now(UTC),
        has_campaign=campaign.load(state(request).engine) is not None,
        done=done_message(request),
        error="",
    )


@router.get("/devices/{device_id}/revoke")
def revoke_confirm(request: Request, device_id: str, staff: AdminDep) -> Response:
    _tz(request)
    with Session(state(request).engine) as s:
        row = next((r for r in device_rows(s) if r.device_id == device_id), None)
    if row is None:
        return render(request, "error.html", staff, 404, kind="missing")
    return render(request, "device_revoke.html", staff, row=row)


@router.post("/devices/{device_id}/revoke")
def revoke(request: Request, device_id: str, staff: AdminDep, form: AdminForm) -> Response:
    if form_text(form, "confirm") != device_id:
        return redirect(f"/devices/{device_id}/revoke")
    now = datetime.now(UTC)
    with Session(state(request).engine) as s, s.begin():
        dev = s.get(m.Device, device_id)
        if dev is None:
            return render(request, "error.html", staff, 404, kind="missing")
        s.execute(
            update(m.Device)
            .where(m.Device.device_id == device_id)
            .values(revoked=True, revoked_at=now)
        )
        audit(
            s,
            staff.username,
            client_address(request),
            "device.revoke",
            device_id,
            name=dev.name,
            team_id=dev.team_id,
            reason=form_text(form, "reason")[:200],
        )
    return redirect("/devices", done="device_revoked")


def qr_svg(text: str) -> Markup:
    """The enrolment code as a QR code (SVG, inline; a USB scanner types its text)."""
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        buf,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=6,
        border=4,
        nl=False,
        svgclass="qrcode",
        title=text,
    )
    return Markup(buf.getvalue().decode("utf-8"))


@router.post("/devices/enrol")
def enrolment_code(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    team = form_text(form, "team")
    try:
        ttl = float(form_text(form, "ttl_hours", "24") or "24")
    except ValueError:
        ttl = 24.0
    ttl = min(max(ttl, 0.25), MAX_TTL_HOURS)
    engine = state(request).engine
    try:
        code = admin.make_enroll_code(engine, team, ttl)
    except admin.AdminError as exc:
        _tz(request)
        with Session(engine) as s:
            rows = device_rows(s)
            teams = list(s.scalars(select(m.Team.name).order_by(m.Team.name)))
        return render(
            request,
            "devices.html",
            staff,
            422,
            rows=paginate(request, rows),
            teams=teams,
            now=datetime.now(UTC),
            has_campaign=campaign.load(engine) is not None,
            done="",
            error=exc.message_en if lang_of(request) == "en" else exc.message,
        )
    with Session(engine) as s, s.begin():
        audit(
            s, staff.username, client_address(request), "enrolment_code.issue", team, ttl_hours=ttl
        )
    server_url = str(request.base_url).rstrip("/")
    return render(
        request,
        "enrol_code.html",
        staff,
        code=code,
        team=team,
        ttl=ttl,
        qr=qr_svg(code),
        server_url=server_url,
    )
