"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import hmac
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ktpe_server.office.accounts import sign_in, sign_out
from ktpe_server.office.web import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    BadForm,
    StaffDep,
    StaffForm,
    _same_origin,
    client_address,
    form_text,
    new_login_csrf,
    render,
    set_cookie,
    state,
)

router = APIRouter()


def _safe_next(raw: str) -> str:
    target = unquote(raw or "")
    if not target.startswith(PREFIX + "/") or target.startswith("//") or "\\" in target:
        return PREFIX + "/"
    return target


def _login_page(request: Request, status: int = 200, **ctx: object) -> Response:
    token = new_login_csrf()
    settings = state(request).settings
    response = render(
        request,
        "login.html",
        None,
        status,
        login_csrf=token,
        next=_safe_next(str(ctx.get("next") or request.query_params.get("next", ""))),
        demo_hint=getattr(settings, "office_demo_hint", None),
        error=ctx.get("error", ""),
        username=ctx.get("username", ""),
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    if not _same_origin(request):
        raise BadForm()
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = form_text(form, "csrf")
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise BadForm()
    username = form_text(form, "username")
    password = form.get("password")
    password = password if isinstance(password, str) else ""
    result = await run_in_threadpool(
        sign_in, state(request).engine, username, password, client_address(request)
    )
    if result.token is None:
        lang_en = request.cookies.get(LANG_COOKIE) == "en"
        return _login_page(
            request,
            401,
            error=result.message_en if lang_en else result.message,
            username=username[:64],
            next=form_text(form, "next"),
        )
    response = RedirectResponse(_safe_next(form_text(form, "next")), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, result.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
def logout(request: Request, staff: StaffDep, _form: StaffForm) -> Response:
    sign_out(state(request).engine, staff, client_address(request))
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str) -> Response:
    """Bahasa Indonesia (``id``) or English (``en``); back to the page it came from."""
    back = request.headers.get("referer", "")
    path = back.split(request.headers.get("host", "\x00"), 1)[-1] if back else ""
    response = RedirectResponse(_safe_next(path), status_code=303)
    set_cookie(request, response, LANG_COOKIE, "en" if code == "en" else "id", max_age=31536000)
    return response
