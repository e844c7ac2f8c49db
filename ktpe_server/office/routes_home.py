"""The campaign at a glance (the console's first page) and per-team progress."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_server import models as m
from ktpe_server.office import campaign
from ktpe_server.office.charts import bars_by_day, progress_bar
from ktpe_server.office.web import StaffDep, paginate, render, state, tallies

router = APIRouter()


@router.get("/")
def home(request: Request, staff: StaffDep) -> Response:
    engine = state(request).engine
    setup = campaign.load(engine)
    tz = setup.time_zone if setup else "WIB"
    request.state.time_zone = tz
    t = tallies(request)
    days, today, gaps = t.by_day, t.today, t.gaps
    total, not_visited = t.total, t.not_visited
    with Session(engine) as s:  # enrolments move no counter: devices are counted live
        devices = dict(
            s.execute(
                select(m.Device.team_id, func.count())
                .where(m.Device.revoked.is_(False))
                .group_by(m.Device.team_id)
            ).all()
        )
    return render(
        request,
        "home.html",
        staff,
        setup=setup,
        total=total,
        teams=paginate(request, t.teams),
        devices=devices,
        chart=bars_by_day(days, "Terekam per hari"),
        days=days,
        not_visited=not_visited,
        gaps=gaps,
        today=today,
        bar=progress_bar,
        as_of=t.computed_at,
    )
