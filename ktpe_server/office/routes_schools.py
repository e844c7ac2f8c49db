"""Schools: progress per school, a school's outcomes (x L/P, per class), its principal,
and the imports (school list CSV, Dapodik roster) with the importer's per-row report."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import cast
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.imports import MAX_FILE_BYTES, ReportLine
from ktpe_server import admin
from ktpe_server import models as m
from ktpe_server.db import ROSTER_COUNTER, bump_counter
from ktpe_server.office import campaign, queries
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
    tallies,
)

router = APIRouter()
NPSN_RE = re.compile(r"^\d{8}$")


def _tz(request: Request) -> str:
    setup = campaign.load(state(request).engine)
    tz = setup.time_zone if setup else "WIB"
    request.state.time_zone = tz
    return tz


@router.get("/schools")
def schools_page(request: Request, staff: StaffDep) -> Response:
    _tz(request)
    only = request.query_params.get("filter", "")
    q = request.query_params.get("q", "").strip()[:64]
    rows = sorted(tallies(request).schools.values(), key=lambda r: r.name)
    if only == "not_visited":
        rows = [r for r in rows if r.tally.target == r.tally.statuses.get("pending", 0)]
    if q:
        needle = q.lower()
        rows = [r for r in rows if needle in r.name.lower() or r.npsn.startswith(q)]
    query = urlencode({k: v for k, v in (("filter", only), ("q", q)) if v})
    return render(
        request,
        "schools.html",
        staff,
        rows=paginate(request, rows),
        q=q,
        query=query + "&" if query else "",
        only=only,
        report=None,
        error="",
        done=done_message(request),
    )


def _school_page(
    request: Request, staff: object, npsn: str, status: int = 200, **ctx: object
) -> Response:
    _tz(request)
    row = tallies(request).schools.get(npsn)
    with Session(state(request).engine) as s:
        school = s.get(m.School, npsn)
        if row is None or school is None:
            return render(request, "error.html", staff, 404, kind="missing")  # type: ignore[arg-type]
        detail = queries.school_detail(s, npsn, row)
    return render(
        request,
        "school.html",
        staff,  # type: ignore[arg-type]
        status,
        row=row,
        school=school,
        detail=detail,
        outcomes=queries.OUTCOMES,
        report=ctx.get("report"),
        summary=ctx.get("summary"),
        error=ctx.get("error", ""),
        error_field=ctx.get("error_field", ""),
        done=done_message(request),
    )


@router.get("/schools/{npsn}")
def school_page(request: Request, npsn: str, staff: StaffDep) -> Response:
    return _school_page(request, staff, npsn)


@router.post("/schools/{npsn}")
def school_save(request: Request, npsn: str, staff: AdminDep, form: AdminForm) -> Response:
    """The principal (name, NIP optional) and the target of a school."""
    name = " ".join(form_text(form, "principal_name").split())[:200]
    nip = "".join(form_text(form, "principal_nip").split())
    en = lang_of(request) == "en"
    if nip and not re.fullmatch(r"\d{18}", nip):
        msg = (
            "The NIP must be 18 digits (or left empty)."
            if en
            else "NIP harus 18 digit (atau kosongkan)."
        )
        return _school_page(request, staff, npsn, 422, error=msg, error_field="principal_nip")
    target_raw = form_text(form, "target")
    try:
        target = int(target_raw) if target_raw else None
        if target is not None and not 0 <= target <= 100_000:
            raise ValueError
    except ValueError:
        msg = "The target must be a whole number." if en else "Sasaran harus bilangan bulat."
        return _school_page(request, staff, npsn, 422, error=msg, error_field="target")
    with Session(state(request).engine) as s, s.begin():
        school = s.get(m.School, npsn)
        if school is None:
            return render(request, "error.html", staff, 404, kind="missing")
        school.principal_name = name
        school.principal_nip = nip or None
        if target is not None:
            school.target = target
        school.change_seq = bump_counter(s, ROSTER_COUNTER)
        audit(
            s,
            staff.username,
            client_address(request),
            "school.set",
            npsn,
            principal_name=name,
            principal_nip=nip or None,
            school_target=target,
        )
    return redirect(f"/schools/{npsn}", done="school_saved")


async def _upload(form: object, name: str) -> tuple[str, bytes] | None:
    upload = form.get(name)  # type: ignore[attr-defined]
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(MAX_FILE_BYTES + 1)
    await upload.close()
    return Path(upload.filename).name or "upload", data


def _read_in_private_dir(file_name: str, data: bytes, reader: object) -> object:
    """Write the upload into a private temporary folder, read it, and remove it at once."""
    folder = tempfile.mkdtemp(prefix="ktpe-office-")
    try:
        os.chmod(folder, 0o700)
        path = Path(folder) / re.sub(r"[^\w.\- ]", "_", file_name)[:100]
        path.write_bytes(data)
        return reader(path)  # type: ignore[operator]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.post("/schools/{npsn}/roster")
async def roster_import(request: Request, npsn: str, staff: AdminDep, form: AdminForm) -> Response:
    en = lang_of(request) == "en"
    if not NPSN_RE.match(npsn):
        return render(request, "error.html", staff, 404, kind="missing")
    got = await _upload(form, "file")
    if got is None:
        msg = "Choose a roster file first." if en else "Pilih berkas daftar siswa dulu."
        return _school_page(request, staff, npsn, 422, error=msg)
    file_name, data = got
    if len(data) > MAX_FILE_BYTES:
        msg = "The file is too large." if en else "Berkas terlalu besar."
        return _school_page(request, staff, npsn, 422, error=msg)
    engine = state(request).engine
    from starlette.concurrency import run_in_threadpool

    try:
        result = await run_in_threadpool(
            _read_in_private_dir,
            file_name,
            data,
            lambda path: admin.import_roster_report(engine, path, npsn),
        )
    except KnownError as exc:
        return _school_page(request, staff, npsn, 422, error=exc.message_en if en else exc.message)
    assert isinstance(result, admin.RosterImportReport)
    with Session(engine) as s, s.begin():
        audit(
            s,
            staff.username,
            client_address(request),
            "roster.import",
            npsn,
            file=file_name,
            imported=result.imported,
            held_back=result.held_back,
            warnings=result.warnings,
        )
    return _school_page(
        request,
        staff,
        npsn,
        200 if result.imported or not result.held_back else 422,
        report=result.lines,
        summary=result,
    )


@router.post("/schools-import")
async def schools_import(request: Request, staff: AdminDep, form: AdminForm) -> Response:
    """The school list (CSV: npsn, nama, bentuk, status, kecamatan, alamat, …)."""
    en = lang_of(request) == "en"
    got = await _upload(form, "file")
    error = ""
    count = 0
    if got is None:
        error = "Choose a CSV file first." if en else "Pilih berkas CSV dulu."
    else:
        file_name, data = got
        engine = state(request).engine
        try:
            count = cast(
                int,
                _read_in_private_dir(
                    file_name, data, lambda path: admin.import_schools(engine, path)
                ),
            )
        except KnownError as exc:
            error = exc.message_en if en else exc.message
        except (ValueError, UnicodeDecodeError):
            error = (
                "The file is not a school list CSV (npsn, nama, …)."
                if en
                else "Berkas bukan CSV daftar sekolah (npsn, nama, …)."
            )
        if not error:
            with Session(engine) as s, s.begin():
                audit(
                    s,
                    staff.username,
                    client_address(request),
                    "schools.import",
                    file_name,
                    schools=count,
                )
            return redirect("/schools", done="schools_imported")
    _tz(request)
    rows = sorted(tallies(request).schools.values(), key=lambda r: r.name)
    return render(
        request,
        "schools.html",
        staff,
        422,
        rows=paginate(request, rows),
        q="",
        query="",
        only="",
        report=None,
        error=error,
        done="",
    )


def line_text(line: ReportLine, lang: str) -> str:
    return line.text(lang)
