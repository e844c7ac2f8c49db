"""What every console page shares: templates, language, who is signed in, CSRF.

Authentication is the session cookie only: a device's bearer token opens nothing
here. Every POST carries the session's CSRF token (a hidden form field) and, when
the browser sends one, an ``Origin`` of this server; the cookie is also
``SameSite=Strict``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from ktpe_desktop.core.paperwork import TIME_ZONES
from ktpe_desktop.reports.words import format_tanggal
from ktpe_server.office.accounts import Staff, session_staff
from ktpe_server.office.i18n import ENGLISH

PREFIX = "/office"
SESSION_COOKIE = "ktpe_office"
LOGIN_CSRF_COOKIE = "ktpe_office_login"
LANG_COOKIE = "ktpe_lang"
MAX_FORM_BYTES = 30 * 1024 * 1024  # roster files up to the importer's limit share this

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class NotSignedIn(Exception):
    """No live session: pages redirect to the sign-in page, forms answer 401."""


class NotAllowed(Exception):
    """Signed in, but this needs the admin role."""


class BadForm(Exception):
    """A POST without the right CSRF token or from another origin."""


def lang_of(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "id"


def translator(lang: str) -> Callable[[str], str]:
    if lang == "en":
        return lambda text: ENGLISH.get(text, text)
    return lambda text: text


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def state(request: Request) -> Any:
    return request.app.state.ktpe


def tallies(request: Request) -> Any:
    """The campaign's per-school tallies (:mod:`ktpe_server.office.summary`)."""
    from ktpe_server.office.summary import summary_of

    return summary_of(request.app.state, state(request).engine).tallies()


PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a long list: ``items``, its number and how many pages there are."""

    items: list[Any]
    number: int
    pages: int
    total: int

    @property
    def first_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE


def paginate(request: Request, items: list[Any], size: int = PAGE_SIZE) -> Page:
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    pages = max(1, -(-len(items) // size))
    number = min(number, pages)
    return Page(items[(number - 1) * size : number * size], number, pages, len(items))


def _fmt_dt(value: datetime | None, tz_name: str = "WIB") -> str:
    if value is None:
        return "-"
    offset = timedelta(minutes=TIME_ZONES.get(tz_name, 420))
    local = value.astimezone(UTC) + offset
    return f"{local:%d-%m-%Y %H:%M} {tz_name}"


def _fmt_date(value: date | None, lang: str = "id") -> str:
    if value is None:
        return "-"
    return format_tanggal(value) if lang == "id" else value.strftime("%a, %d %b %Y")


def _num(value: int | float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value):,}".replace(",", ".")


def render(
    request: Request,
    template: str,
    staff: Staff | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = lang_of(request)
    tz_name = getattr(request.state, "time_zone", None) or "WIB"
    ctx = {
        "request": request,
        "staff": staff,
        "csrf": staff.csrf if staff else "",
        "lang": lang,
        "_": translator(lang),
        "P": PREFIX,
        "path": request.url.path,
        "dt": lambda v: _fmt_dt(v, tz_name),
        "d": lambda v: _fmt_date(v, lang),
        "num": _num,
        **context,
    }
    html = _env.get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
}


def set_cookie(request: Request, response: Response, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https"
        or request.headers.get("x-forwarded-proto", "") == "https",
        path=PREFIX,
        **kw,
    )


# ------------------------------------------------------------------ dependencies


def current_staff(request: Request) -> Staff:
    token = request.cookies.get(SESSION_COOKIE, "")
    staff = session_staff(state(request).engine, token) if token else None
    if staff is None:
        raise NotSignedIn()
    return staff


def admin_staff(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
    if not staff.is_admin:
        raise NotAllowed()
    return staff


StaffDep = Annotated[Staff, Depends(current_staff)]
AdminDep = Annotated[Staff, Depends(admin_staff)]


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def read_form(request: Request, expected_csrf: str) -> FormData:
    """The POSTed form, after the CSRF and origin checks (raises :class:`BadForm`)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_FORM_BYTES:
        raise BadForm()
    if not _same_origin(request):
        raise BadForm()
    form = await request.form(max_files=2, max_fields=200, max_part_size=1024 * 1024)
    sent = form.get("csrf")
    if not isinstance(sent, str) or not expected_csrf:
        raise BadForm()
    if not hmac.compare_digest(sent.encode(), expected_csrf.encode()):
        raise BadForm()
    return form


async def admin_form(request: Request, staff: AdminDep) -> FormData:
    return await read_form(request, staff.csrf)


async def staff_form(request: Request, staff: StaffDep) -> FormData:
    return await read_form(request, staff.csrf)


AdminForm = Annotated[FormData, Depends(admin_form)]
StaffForm = Annotated[FormData, Depends(staff_form)]


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def form_text(form: FormData | Mapping[str, Any], name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


# What a page says after a change (``?done=<code>``): codes, never free text from a URL.
DONE: dict[str, str] = {
    "campaign_saved": "Pengaturan kampanye disimpan. Laptop menerimanya pada sinkronisasi berikutnya.",
    "user_added": "Pengguna ditambahkan.",
    "user_disabled": "Pengguna dinonaktifkan.",
    "user_enabled": "Pengguna diaktifkan kembali.",
    "device_revoked": "Perangkat dicabut: tokennya tidak berlaku lagi.",
    "team_added": "Tim ditambahkan.",
    "member_added": "Anggota tim ditambahkan.",
    "member_changed": "Anggota tim diubah.",
    "visit_added": "Kunjungan dijadwalkan.",
    "visit_removed": "Kunjungan dihapus dari jadwal.",
    "school_saved": "Data sekolah disimpan.",
    "schools_imported": "Daftar sekolah diimpor.",
    "anomaly_resolved": "Anomali ditandai selesai.",
    "anomaly_reopened": "Anomali dibuka kembali.",
}


def redirect(path: str, *, done: str = "") -> RedirectResponse:
    url = f"{PREFIX}{path}"
    if done:
        url += ("&" if "?" in url else "?") + "done=" + quote(done)
    return RedirectResponse(url, status_code=303)


def done_message(request: Request) -> str:
    return DONE.get(request.query_params.get("done", ""), "")
