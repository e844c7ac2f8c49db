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
from ktpe_server.office import campaign, queries
from ktpe_server.office.audit import audit
from ktpe_server.office.web import (
    PAGE_SIZE,
    AdminDep,
    AdminForm,
    Page,
    StaffDep,
    client_address,
    done_message,
    form_text,
    lang_of,
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


def device_rows(
    s: Session, *, device_id: str | None = None, offset: int = 0, limit: int | None = None
) -> list[DeviceRow]:
    """Devices (revoked last, by team and name), one page of them, with refused counts."""
    q = (
        select(m.Device, m.Team.name)
        .join(m.Team, m.Team.id == m.Device.team_id)
        .order_by(m.Device.revoked, m.Team.name, m.Device.name, m.Device.device_id)
        .offset(offset)
    )
    if device_id is not None:
        q = q.where(m.Device.device_id == device_id)
    if limit is not None:
        q = q.limit(limit)
    found = s.execute(q).all()
    ids = [d.device_id for d, _team in found]
    refused = (
        dict(
            s.execute(
                select(m.EventRow.device_id, func.count())
                .where(queries.REFUSED, m.EventRow.device_id.in_(ids))
                .group_by(m.EventRow.device_id)
            ).all()
        )
        if ids
        else {}
    )
    return [
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
        for d, team in found
    ]


def device_page(request: Request, s: Session) -> Page:
    total = int(s.scalar(select(func.count()).select_from(m.Device)) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    try:
        number = min(pages, max(1, int(request.query_params.get("page", "1"))))
    except ValueError:
        number = 1
    rows = device_rows(s, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return Page(list(rows), number, pages, total)


def _tz(request: Request) -> None:
    setup = campaign.load(state(request).engine)
    request.state.time_zone = setup.time_zone if setup else "WIB"


@router.get("/devices")
def devices_page(request: Request, staff: StaffDep) -> Response:
    _tz(request)
    with Session(state(request).engine) as s:
        rows = device_page(request, s)
        teams = list(s.scalars(select(m.Team.name).order_by(m.Team.name)))
    return render(
        request,
        "devices.html",
        staff,
        rows=rows,
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
        row = next(iter(device_rows(s, device_id=device_id)), None)
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
            .values(
                revoked=True,
                revoked_at=now,
                # events beyond what the server holds now are refused (issue 12)
                revoked_at_seq=func.coalesce(m.Device.revoked_at_seq, m.Device.contiguous_seq),
            )
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
            rows = device_page(request, s)
            teams = list(s.scalars(select(m.Team.name).order_by(m.Team.name)))
        return render(
            request,
            "devices.html",
            staff,
            422,
            rows=rows,
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
