"""Campaign set-up, office accounts and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.paperwork import BA_FIELDS, TIME_ZONES
from ktpe_server import models as m
from ktpe_server.office import accounts, campaign
from ktpe_server.office.web import (
    AdminDep,
    AdminForm,
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


def _campaign_page(
    request: Request, staff: accounts.Staff, values: campaign.CampaignSetup | None, **ctx: object
) -> Response:
    return render(
        request,
        "campaign.html",
        staff,
        ctx.pop("status", 200),  # type: ignore[arg-type]
        setup=values or campaign.CampaignSetup(),
        exists=ctx.pop("exists", values is not None),
        time_zones=list(TIME_ZONES),
        ba_fields=BA_FIELDS,
        error=ctx.pop("error", ""),
        error_field=ctx.pop("error_field", ""),
        done=done_message(request),
    )


@router.get("/campaign")
def campaign_page(request: Request, staff: StaffDep) -> Response:
    return _campaign_page(request, staff, campaign.load(state(request).engine))


@router.post("/campaign")
def campaign_save(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    values = {name: form_text(form, name) for name in campaign.FIELD_NAMES if name in form}
    if "letterhead" in form:
        values["letterhead"] = form_text(form, "letterhead").splitlines()  # type: ignore[assignment]
    engine = state(request).engine
    try:
        campaign.save(engine, values, actor=staff.username, address=client_address(request))
    except campaign.CampaignError as exc:
        before = campaign.load(engine)
        try:
            shown = campaign.check({k: v for k, v in values.items() if k != exc.field}, before)
        except campaign.CampaignError:
            shown = before or campaign.CampaignSetup()
        return _campaign_page(
            request,
            staff,
            shown,
            status=422,
            exists=before is not None,
            error=exc.message_en if lang_of(request) == "en" else exc.message,
            error_field=exc.field,
        )
    return redirect("/campaign", done="campaign_saved")


@router.get("/users")
def users_page(request: Request, staff: AdminDep) -> Response:
    return render(
        request,
        "users.html",
        staff,
        users=accounts.list_users(state(request).engine),
        error="",
        done=done_message(request),
    )


@router.post("/users")
def user_add(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    engine = state(request).engine
    try:
        accounts.add_user(
            engine,
            form_text(form, "username"),
            str(form.get("password") or ""),
            form_text(form, "role"),
            form_text(form, "display_name"),
            actor=staff.username,
            address=client_address(request),
        )
    except accounts.AccountError as exc:
        return render(
            request,
            "users.html",
            staff,
            422,
            users=accounts.list_users(engine),
            error=exc.message_en if lang_of(request) == "en" else exc.message,
            done="",
        )
    return redirect("/users", done="user_added")


@router.post("/users/{username}/active")
def user_active(request: Request, username: str, staff: AdminDep, form: AdminForm) -> Response:
    engine = state(request).engine
    active = form_text(form, "active") == "1"
    try:
        accounts.set_active(
            engine, username, active, actor=staff.username, address=client_address(request)
        )
    except accounts.AccountError as exc:
        return render(
            request,
            "users.html",
            staff,
            422,
            users=accounts.list_users(engine),
            error=exc.message_en if lang_of(request) == "en" else exc.message,
            done="",
        )
    return redirect("/users", done="user_enabled" if active else "user_disabled")


AUDIT_PAGE = 100


@router.get("/audit")
def audit_page(request: Request, staff: AdminDep) -> Response:
    try:
        before = int(request.query_params.get("before", "0"))
    except ValueError:
        before = 0
    with Session(state(request).engine) as s:
        q = select(m.AuditLog).order_by(m.AuditLog.id.desc()).limit(AUDIT_PAGE)
        if before > 0:
            q = q.where(m.AuditLog.id < before)
        rows = list(s.scalars(q))
        total = s.scalar(select(func.count()).select_from(m.AuditLog)) or 0
    setup = campaign.load(state(request).engine)
    request.state.time_zone = setup.time_zone if setup else "WIB"
    return render(
        request,
        "audit.html",
        staff,
        rows=rows,
        total=total,
        older=rows[-1].id if len(rows) == AUDIT_PAGE else None,
    )
