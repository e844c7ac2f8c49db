"""The office console: server-rendered pages at ``/office/`` (issue 13).

:func:`mount_office` adds its routers, static files and error pages to the app.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ktpe_server.office.web import (
    PREFIX,
    BadForm,
    NotAllowed,
    NotSignedIn,
    render,
)

__all__ = ["mount_office"]


def mount_office(app: FastAPI) -> None:
    """Serve the console under ``/office/`` on ``app`` (whose state is a ServerState)."""
    from ktpe_server.office import (
        routes_auth,
        routes_campaign,
        routes_devices,
        routes_exports,
        routes_home,
        routes_progress,
        routes_schools,
        routes_teams,
    )

    for module in (  # one router per area
        routes_auth,
        routes_home,
        routes_campaign,
        routes_devices,
        routes_teams,
        routes_schools,
        routes_progress,
        routes_exports,
    ):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    app.mount(
        f"{PREFIX}/static",
        StaticFiles(directory=Path(__file__).with_name("static")),
        name="office-static",
    )

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if request.method == "GET":
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            return RedirectResponse(f"{PREFIX}/login?next={quote(target)}", status_code=303)
        return render(request, "error.html", None, 401, kind="signin")

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, _exc: NotAllowed) -> HTMLResponse:
        return render(request, "error.html", None, 403, kind="forbidden")

    @app.exception_handler(BadForm)
    async def _bad_form(request: Request, _exc: BadForm) -> HTMLResponse:
        return render(request, "error.html", None, 403, kind="csrf")
