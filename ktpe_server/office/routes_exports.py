"""Exports: per-student CSV/XLSX behind the personal-data warning, and the recap PDF."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_server import models as m
from ktpe_server.office import campaign, queries
from ktpe_server.office.audit import audit
from ktpe_server.office.exports import (
    EXPORT_WARNING,
    EXPORT_WARNING_EN,
    Scope,
    _Counter,
    copy_csv,
    csv_stream,
    student_rows,
    xlsx_stream,
)
from ktpe_server.office.recap import recap_pdf, recap_rows
from ktpe_server.office.web import (
    SECURITY_HEADERS,
    AdminDep,
    AdminForm,
    StaffDep,
    client_address,
    form_text,
    lang_of,
    render,
    state,
)

router = APIRouter()
log = logging.getLogger("ktpe.server.office")


def _choices(s: Session) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    teams = [
        (int(i), str(n)) for i, n in s.execute(select(m.Team.id, m.Team.name).order_by(m.Team.name))
    ]
    schools = [
        (str(npsn), str(name))
        for npsn, name in s.execute(select(m.School.npsn, m.School.name).order_by(m.School.name))
    ]
    return teams, schools


def _page(request: Request, staff: object, status: int = 200, error: str = "") -> Response:
    with Session(state(request).engine) as s:
        teams, schools = _choices(s)
    return render(
        request,
        "exports.html",
        staff,  # type: ignore[arg-type]
        status,
        teams=teams,
        schools=schools,
        warning=EXPORT_WARNING_EN if lang_of(request) == "en" else EXPORT_WARNING,
        error=error,
    )


@router.get("/exports")
def exports_page(request: Request, staff: StaffDep) -> Response:
    return _page(request, staff)


@router.post("/exports/students")
def export_students(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    en = lang_of(request) == "en"
    if form_text(form, "accept") != "1":
        return _page(
            request,
            staff,
            422,
            "Tick the personal-data statement first."
            if en
            else "Centang pernyataan data pribadi dulu.",
        )
    kind = form_text(form, "scope")
    fmt = form_text(form, "format")
    engine = state(request).engine
    with Session(engine) as s:
        if kind == "team":
            key = form_text(form, "team")
            ok = key.isascii() and key.isdigit() and s.get(m.Team, int(key)) is not None
        elif kind == "school":
            key = form_text(form, "school")
            ok = s.get(m.School, key) is not None
        else:
            kind, key, ok = "campaign", "", True
    if not ok or fmt not in ("csv", "xlsx"):
        return _page(
            request, staff, 422, "Choose what to export." if en else "Pilih yang diekspor."
        )
    scope = Scope(kind, key)
    setup = campaign.load(engine)
    tz = setup.time_zone if setup else "WIB"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    name = f"ktpe-siswa-{scope.label()}-{stamp}.{fmt}"
    with Session(engine) as s, s.begin():
        audit(
            s,
            staff.username,
            client_address(request),
            "export.students",
            scope.label(),
            format=fmt,
        )
    counter = _Counter()
    body: Iterator[bytes]
    if fmt == "csv" and engine.dialect.name == "postgresql":
        body = copy_csv(engine, scope, tz, counter)  # the database writes the CSV
    elif fmt == "csv":
        body = csv_stream(student_rows(engine, scope, tz), counter)
    else:
        body = xlsx_stream(student_rows(engine, scope, tz), counter)

    def logged(chunks: Iterator[bytes]) -> Iterator[bytes]:
        yield from chunks
        log.info("export %s (%s) by %s: %d rows", scope.label(), fmt, staff.username, counter.rows)

    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    return StreamingResponse(logged(body), media_type=media, headers=headers)


@router.get("/exports/recap.pdf")
def export_recap(request: Request, staff: StaffDep) -> Response:
    engine = state(request).engine
    setup = campaign.load(engine)
    today = queries.local_today(setup.time_zone if setup else "WIB")
    with Session(engine) as s:
        rows = recap_rows(s)
    data = recap_pdf(setup, rows, today)
    with Session(engine) as s, s.begin():
        audit(
            s,
            staff.username,
            client_address(request),
            "print.recap",
            today.isoformat(),
            schools=len(rows),
        )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'inline; filename="rekap-{today.isoformat()}.pdf"',
        },
    )
