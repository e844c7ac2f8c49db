"""Teams with their members, and the visit schedule (a visit may span several days)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_server import admin
from ktpe_server import models as m
from ktpe_server.db import ROSTER_COUNTER, bump_counter
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
    lang_of,
    paginate,
    redirect,
    render,
    state,
    tallies,
)
from ktpe_server.office.web import form_text as form_field

router = APIRouter()
MAX_VISIT_DAYS = 14


@dataclass
class TeamView:
    id: int
    name: str
    members: list[m.Operator] = field(default_factory=list)


def _teams(s: Session, offset: int = 0, limit: int | None = None) -> list[TeamView]:
    q = select(m.Team).order_by(m.Team.name).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    teams = {t.id: TeamView(t.id, t.name) for t in s.scalars(q)}
    for op in s.scalars(
        select(m.Operator)
        .where(m.Operator.team_id.in_(list(teams)))
        .order_by(m.Operator.role, m.Operator.name)
    ):
        teams[op.team_id].members.append(op)
    return list(teams.values())


TEAMS_PER_PAGE = 50


def _teams_page(request: Request, staff: object, status: int = 200, error: str = "") -> Response:
    with Session(state(request).engine) as s:
        total = int(s.scalar(select(func.count()).select_from(m.Team)) or 0)
        pages = max(1, -(-total // TEAMS_PER_PAGE))
        try:
            number = min(pages, max(1, int(request.query_params.get("page", "1"))))
        except ValueError:
            number = 1
        teams = _teams(s, (number - 1) * TEAMS_PER_PAGE, TEAMS_PER_PAGE)
    return render(
        request,
        "teams.html",
        staff,  # type: ignore[arg-type]
        status,
        teams=Page(list(teams), number, pages, total),
        error=error,
        done=done_message(request),
    )


def _message(request: Request, exc: KnownError) -> str:
    return exc.message_en if lang_of(request) == "en" else exc.message


@router.get("/teams")
def teams_page(request: Request, staff: StaffDep) -> Response:
    return _teams_page(request, staff)


@router.post("/teams")
def team_add(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    engine = state(request).engine
    name = form_field(form, "name")
    try:
        team = admin.create_team(engine, name)
    except KnownError as exc:
        return _teams_page(request, staff, 422, _message(request, exc))
    with Session(engine) as s, s.begin():
        audit(s, staff.username, client_address(request), "team.add", team.name)
    return redirect("/teams", done="team_added")


@router.post("/teams/{team_id}/members")
def member_add(request: Request, team_id: int, staff: AdminDep, form: AdminForm) -> Response:
    engine = state(request).engine
    nip = "".join(form_field(form, "nip").split()) or None
    try:
        op_id = admin.add_operator(
            engine, team_id, form_field(form, "name"), nip, form_field(form, "role") or "operator"
        )
    except KnownError as exc:
        return _teams_page(request, staff, 422, _message(request, exc))
    with Session(engine) as s, s.begin():
        audit(
            s,
            staff.username,
            client_address(request),
            "team.member_add",
            str(team_id),
            member_id=op_id,
            role=form_field(form, "role"),
        )
    return redirect(f"/teams#team-{team_id}", done="member_added")


@router.post("/teams/{team_id}/members/{member_id}")
def member_change(
    request: Request, team_id: int, member_id: int, staff: AdminDep, form: AdminForm
) -> Response:
    """Deactivate (or activate again) a member, or switch the role lead/operator."""
    engine = state(request).engine
    with Session(engine) as s, s.begin():
        op = s.get(m.Operator, member_id)
        if op is None or op.team_id != team_id:
            return render(request, "error.html", staff, 404, kind="missing")
        active = form_field(form, "active")
        role = form_field(form, "role")
        if active in ("0", "1"):
            op.active = active == "1"
        if role in ("lead", "operator"):
            op.role = role
        op.change_seq = bump_counter(s, ROSTER_COUNTER)
        audit(
            s,
            staff.username,
            client_address(request),
            "team.member_change",
            str(team_id),
            member_id=member_id,
            active=op.active,
            role=op.role,
        )
    return redirect(f"/teams#team-{team_id}", done="member_changed")


# ------------------------------------------------------------------ schedule


def _schedule_page(request: Request, staff: object, status: int = 200, error: str = "") -> Response:
    engine = state(request).engine
    setup = campaign.load(engine)
    tz = setup.time_zone if setup else "WIB"
    t = tallies(request)
    by_school, vs = t.schools, t.visits
    with Session(engine) as s:
        teams = list(s.scalars(select(m.Team.name).order_by(m.Team.name)))
        schools = [(r.npsn, r.name) for r in sorted(by_school.values(), key=lambda r: r.name)]
    today = queries.local_today(tz)
    # The page of the list that holds today's visits comes first.
    start = next((i for i, v in enumerate(vs) if v.last >= today), 0)
    page = paginate(request, vs) if "page" in request.query_params else paginate_from(vs, start)
    return render(
        request,
        "schedule.html",
        staff,  # type: ignore[arg-type]
        status,
        visits=page,
        by_school=by_school,
        teams=teams,
        schools=schools,
        today=today,
        error=error,
        done=done_message(request),
    )


@router.get("/schedule")
def schedule_page(request: Request, staff: StaffDep) -> Response:
    return _schedule_page(request, staff)


@router.post("/schedule")
def visit_add(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    engine = state(request).engine
    id_en = lang_of(request) == "en"
    try:
        first = date.fromisoformat(form_field(form, "first"))
        last_raw = form_field(form, "last")
        last = date.fromisoformat(last_raw) if last_raw else first
    except ValueError:
        return _schedule_page(
            request,
            staff,
            422,
            "Not a valid date." if id_en else "Tanggal tidak valid.",
        )
    if last < first or (last - first).days >= MAX_VISIT_DAYS:
        return _schedule_page(
            request,
            staff,
            422,
            f"The last day must be on or after the first, at most {MAX_VISIT_DAYS} days."
            if id_en
            else f"Hari terakhir harus sama atau sesudah hari pertama, paling lama {MAX_VISIT_DAYS} hari.",
        )
    team, npsn = form_field(form, "team"), form_field(form, "school")
    try:
        day = first
        while day <= last:
            admin.assign(engine, team, npsn, day)
            day += timedelta(days=1)
    except KnownError as exc:
        return _schedule_page(request, staff, 422, _message(request, exc))
    with Session(engine) as s, s.begin():
        audit(
            s,
            staff.username,
            client_address(request),
            "schedule.add",
            f"{team}/{npsn}",
            first=first.isoformat(),
            last=last.isoformat(),
        )
    return redirect("/schedule", done="visit_added")


def _visit_of(params: object) -> tuple[str, str, date, date] | None:
    """(team, NPSN, first day, last day) of a visit named in a query string or form."""
    get = params.get  # type: ignore[attr-defined]
    team, npsn = str(get("team") or "").strip(), str(get("school") or "").strip()
    try:
        first = date.fromisoformat(str(get("first") or ""))
        last = date.fromisoformat(str(get("last") or "") or first.isoformat())
    except ValueError:
        return None
    if not team or not npsn or last < first or (last - first).days >= 366:
        return None
    return team, npsn, first, last


@router.get("/schedule/remove")
def visit_remove_confirm(request: Request, staff: AdminDep) -> Response:
    """Confirmation before a visit leaves the schedule (and the team's laptops)."""
    visit = _visit_of(request.query_params)
    if visit is None:
        return render(request, "error.html", staff, 404, kind="missing")
    team, npsn, first, last = visit
    with Session(state(request).engine) as s:
        school = s.get(m.School, npsn)
    return render(
        request,
        "visit_remove.html",
        staff,
        team=team,
        npsn=npsn,
        school=school.name if school else npsn,
        first=first,
        last=last,
        days=(last - first).days + 1,
        error="",
    )


@router.post("/schedule/remove")
def visit_remove(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    visit = _visit_of(form)
    if visit is None:
        return render(request, "error.html", staff, 404, kind="missing")
    team, npsn, first, last = visit
    engine = state(request).engine
    try:
        removed = admin.unassign(engine, team, npsn, first, last)
    except KnownError as exc:
        return _schedule_page(request, staff, 422, _message(request, exc))
    with Session(engine) as s, s.begin():
        audit(
            s,
            staff.username,
            client_address(request),
            "schedule.remove",
            f"{team}/{npsn}",
            first=first.isoformat(),
            last=last.isoformat(),
            days=removed,
        )
    return redirect("/schedule", done="visit_removed")


def paginate_from(items: list[queries.Visit], start: int) -> Page:
    """The page of ``items`` that holds index ``start``."""
    number = start // PAGE_SIZE + 1
    pages = max(1, -(-len(items) // PAGE_SIZE))
    return Page(items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], number, pages, len(items))
