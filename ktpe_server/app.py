"""The HTTP API (sync protocol v1): :func:`create_app` assembles it.

The routes live in :mod:`ktpe_server.routers` (one ``APIRouter`` per area: meta,
enrolment, sync, admin), their shared dependencies in :mod:`ktpe_server.deps`, the
ASGI layers in :mod:`ktpe_server.middleware`; here are only the app, its
exception handlers and the published OpenAPI schema.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from ktpe_desktop.core.protocol import PROTOCOL_VERSION
from ktpe_server import schemas as sc
from ktpe_server.config import Settings
from ktpe_server.db import make_engine, upgrade
from ktpe_server.deps import Caller, ServerState
from ktpe_server.errors import ApiError
from ktpe_server.middleware import (
    ContainErrorsMiddleware,
    ServerTimeMiddleware,
    error_response,
    log_internal_error,
)
from ktpe_server.routers import admin, enrolment, meta, sync

log = logging.getLogger("ktpe.server.api")

__all__ = ["Caller", "ServerState", "create_app", "error_response", "log_internal_error"]


def create_app(
    settings: Settings | str | None = None,
    *,
    engine: Engine | None = None,
    migrate: bool = True,
    office: bool = True,
) -> FastAPI:
    """The FastAPI application.

    Args:
        settings: settings, or a database URL, or None for :meth:`Settings.from_env`.
        engine: an engine to use instead of one made from ``settings.db_url``.
        migrate: run the Alembic migrations to head first.
        office: serve the office console at ``/office/`` (the school hub, which serves
            only the sync protocol to its team's laptops, passes False).
    """
    if settings is None:
        settings = Settings.from_env()
    elif isinstance(settings, str):
        settings = Settings(db_url=settings)
    engine = engine or make_engine(settings.db_url)
    if migrate:
        upgrade(engine)
    state = ServerState(settings, engine)

    app = FastAPI(
        title="KTP-el Jemput Bola sync API",
        version=f"{PROTOCOL_VERSION}.0",
        description="Sync protocol v1 between the KTP-el Jemput Bola laptops and the central "
        "server. The contract is docs/sync-protocol.md; every reply carries the server time "
        "(header `X-Server-Time` and field `server_time`).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ktpe = state
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(ServerTimeMiddleware, advice=settings.update_advice())
    app.add_middleware(ContainErrorsMiddleware)  # added last: the outermost of ours

    # ------------------------------------------------------------------ errors

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "invalid_json", "the body is not valid JSON")
        where = []
        for e in errors[:5]:
            loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            where.append(f"{loc or 'body'}: {e.get('msg', 'invalid')}")
        return error_response(422, "invalid_body", "; ".join(where) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error_response(404, "not_found", "no such resource")
        if exc.status_code == 405:
            return error_response(405, "method_not_allowed", "method not allowed")
        return error_response(exc.status_code, "invalid_body", str(exc.detail)[:200])

    @app.exception_handler(OperationalError)
    async def _db_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", type(exc.orig).__name__)
        return error_response(
            503, "unavailable", "the database is unavailable, retry later", {"Retry-After": "5"}
        )

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        # Normally unreached (ContainErrorsMiddleware answers first); kept as a backstop.
        log_internal_error(exc)
        return error_response(500, "internal", "unexpected server error")

    # ------------------------------------------------------------------ routes

    app.include_router(meta.router)
    app.include_router(enrolment.router)
    app.include_router(sync.router)
    app.include_router(admin.router)

    # The push body is read by hand (gzip); publish its schema anyway.
    _orig_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = _orig_openapi()
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (sc.PushBody, sc.PushChain, sc.ErrorReply, sc.ErrorBody):
                js = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, sub in js.pop("$defs", {}).items():
                    comps.setdefault(name, sub)
                comps.setdefault(model.__name__, js)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    if not office:
        return app
    try:  # the office console at /office/ (issue 13)
        from ktpe_server.office import mount_office
    except ImportError:  # the laptop build leaves the console out (build.spec, D20)
        log.info("office console not installed: /office/ is not served")
    else:
        mount_office(app)
    return app
