"""The HTTP API (sync protocol v1): :func:`create_app`.

No ``from __future__ import annotations`` here: FastAPI reads the annotations of the
route functions defined inside :func:`create_app` at definition time.
"""

import gzip
import hmac
import json
import logging
import time
import traceback
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import CursorResult, Engine, func, select, update
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from ktpe_desktop.core.protocol import (
    API_PREFIX,
    DEFAULT_PAGE_SIZE,
    MAX_BODY_BYTES,
    MAX_EVENTS_PER_PUSH,
    MAX_INFLATED_BYTES,
    MAX_PAGE_SIZE,
    PROTOCOL_VERSION,
    PushFormatError,
    decode_push,
)
from ktpe_server import __version__
from ktpe_server import models as m
from ktpe_server import schemas as sc
from ktpe_server.admin import AdminError, make_enroll_code, progress
from ktpe_server.config import Settings
from ktpe_server.db import make_engine, session_factory, upgrade
from ktpe_server.errors import ERROR_CODES, ApiError, server_now
from ktpe_server.ingest import EVENT_COLUMNS, Ingestor, event_from_tuple
from ktpe_server.roster_feed import BadCursor, Cursor, roster_page
from ktpe_server.security import RateLimiter, new_token, normalize_code, token_hash

log = logging.getLogger("ktpe.server.api")

LAST_SEEN_EVERY = timedelta(seconds=60)
ENROLL_RETRY_WINDOW = timedelta(hours=1)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ServerTimeMiddleware:
    """Adds ``X-Server-Time`` to every reply (so a client can check its clock)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_time(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-server-time"
                ]
                headers.append((b"x-server-time", server_now().encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_time)


def log_internal_error(exc: BaseException) -> None:
    """Log an unexpected exception by its type and place only.

    Its message is never logged: a database error's message carries the row values
    (names, NIKs), and other messages may echo what a client sent.
    """
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))
    log.error("internal error %s at %s", type(exc).__name__, where)


class ContainErrorsMiddleware:
    """The outermost layer of our own: an unexpected exception ends here as a 500.

    Starlette's ``ServerErrorMiddleware`` calls the app's 500 handler and then
    *re-raises*, so that the ASGI server logs it — uvicorn logs "Exception in ASGI
    application" with the whole traceback, whose last line is the exception's
    message. Caught here, the exception goes no further: only its type and place
    are logged (:func:`log_internal_error`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log_internal_error(exc)
            if not started:
                response = error_response(500, "internal", "unexpected server error")
                await response(scope, receive, send)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    now = server_now()
    return JSONResponse(
        {"error": {"code": code, "message": message}, "server_time": now},
        status_code=status,
        headers={**(headers or {}), "X-Server-Time": now},
    )


def _error_doc(*codes: str) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status, text = ERROR_CODES[code]
        entry = out.setdefault(status, {"model": sc.ErrorReply, "description": ""})
        entry["description"] = (entry["description"] + f" `{code}`: {text}").strip()
    return out


@dataclass(frozen=True, slots=True)
class Caller:
    device_id: str
    team_id: int
    team_name: str


class ServerState:
    """What the request handlers share: database, ingest, rate limits."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = session_factory(engine)
        self.ingestor = Ingestor(engine, self.sessions)
        self.device_limits = RateLimiter(settings.rate_capacity, settings.rate_per_second)
        self.enroll_limits = RateLimiter(
            settings.enroll_rate_capacity, settings.enroll_rate_per_second
        )
        self.last_seen: dict[str, datetime] = {}


def create_app(
    settings: Settings | str | None = None,
    *,
    engine: Engine | None = None,
    migrate: bool = True,
) -> FastAPI:
    """The FastAPI application.

    Args:
        settings: settings, or a database URL, or None for :meth:`Settings.from_env`.
        engine: an engine to use instead of one made from ``settings.db_url``.
        migrate: run the Alembic migrations to head first.
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
    app.add_middleware(ServerTimeMiddleware)
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

    # ------------------------------------------------------------------ auth

    bearer = HTTPBearer(auto_error=False, description="The device token from /enrollments.")

    def caller(
        cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        if cred is None or not cred.credentials or len(cred.credentials) > 200:
            raise ApiError(401, "unauthorized", "a device token is required")
        digest = token_hash(cred.credentials)
        with state.sessions() as s:
            row = s.execute(
                select(
                    m.Device.device_id,
                    m.Device.team_id,
                    m.Device.token_hash,
                    m.Device.revoked,
                    m.Team.name,
                )
                .join(m.Team, m.Team.id == m.Device.team_id)
                .where(m.Device.token_hash == digest)
            ).first()
            if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked:
                raise ApiError(401, "unauthorized", "unknown or revoked device token")
            wait = state.device_limits.take(row.device_id)
            if wait:
                raise ApiError(
                    429, "rate_limited", "too many requests", {"Retry-After": str(int(wait))}
                )
            now = datetime.now(UTC)
            seen = state.last_seen.get(row.device_id)
            if seen is None or now - seen > LAST_SEEN_EVERY:
                state.last_seen[row.device_id] = now
                s.execute(
                    update(m.Device)
                    .where(m.Device.device_id == row.device_id)
                    .values(last_seen=now)
                )
                s.commit()
        return Caller(row.device_id, int(row.team_id), row.name)

    CallerDep = Annotated[Caller, Depends(caller)]

    admin_key = APIKeyHeader(
        name="X-Admin-Token", auto_error=False, description="The server's KTPE_ADMIN_TOKEN."
    )

    def admin(token: Annotated[str | None, Depends(admin_key)]) -> None:
        expected = state.settings.admin_token
        if not expected:
            raise ApiError(403, "forbidden", "the admin API is off (no KTPE_ADMIN_TOKEN)")
        if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
            raise ApiError(403, "forbidden", "wrong admin token")

    AUTH_ERRORS = ("unauthorized", "rate_limited", "internal")

    # ------------------------------------------------------------------ routes

    @app.get(f"{API_PREFIX}/health", response_model=sc.Health, tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness and server clock; no token needed."""
        return {
            "status": "ok",
            "server_time": server_now(),
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
        }

    @app.post(
        f"{API_PREFIX}/enrollments",
        response_model=sc.EnrollmentReply,
        tags=["sync"],
        responses=_error_doc(
            "invalid_json",
            "invalid_body",
            "enrollment_code_invalid",
            "device_conflict",
            "rate_limited",
        ),
    )
    def enroll(body: sc.EnrollmentRequest, request: Request) -> dict[str, Any]:
        """Trade a one-time enrolment code for a device token."""
        client = request.client.host if request.client else "?"
        wait = state.enroll_limits.take(client)
        if wait:
            raise ApiError(
                429, "rate_limited", "too many enrolment attempts", {"Retry-After": str(int(wait))}
            )
        device_id = body.device_id.lower()
        digest = token_hash(normalize_code(body.code))
        now = datetime.now(UTC)
        token = new_token()
        with state.sessions() as s, s.begin():
            code = s.get(m.EnrollmentCode, digest)
            if code is None:
                raise ApiError(403, "enrollment_code_invalid", "unknown enrolment code")
            retry = (
                code.used_at is not None
                and code.used_by_device == device_id
                and now - code.used_at < ENROLL_RETRY_WINDOW
            )
            if code.used_at is not None and not retry:
                raise ApiError(403, "enrollment_code_used", "the enrolment code was already used")
            if code.expires_at <= now and not retry:
                raise ApiError(403, "enrollment_code_expired", "the enrolment code has expired")
            device = s.get(m.Device, device_id)
            if device is not None and device.team_id != code.team_id:
                raise ApiError(409, "device_conflict", "this device_id belongs to another team")
            if not retry:
                taken = s.execute(
                    update(m.EnrollmentCode)
                    .where(m.EnrollmentCode.code_hash == digest, m.EnrollmentCode.used_at.is_(None))
                    .values(used_at=now, used_by_device=device_id)
                )
                if cast(CursorResult[Any], taken).rowcount != 1:
                    raise ApiError(
                        403, "enrollment_code_used", "the enrolment code was already used"
                    )
            if device is None:
                device = m.Device(
                    device_id=device_id,
                    team_id=code.team_id,
                    created_at=now,
                    contiguous_seq=0,
                )
                s.add(device)
            device.name = body.device_name
            device.app_version = body.app_version
            device.token_hash = token_hash(token)
            device.revoked = False
            device.last_seen = now
            team = s.get(m.Team, code.team_id)
            campaign_id = s.scalar(select(m.Campaign.id).order_by(m.Campaign.change_seq.desc()))
            assert team is not None
            team_ref = {"id": team.id, "name": team.name}
        log.info("device %s enrolled in team %s", device_id, team_ref["id"])
        return {
            "device_id": device_id,
            "token": token,
            "team": team_ref,
            "campaign_id": campaign_id,
            "server_time": server_now(),
        }

    @app.get(
        f"{API_PREFIX}/sync/roster",
        response_model=sc.RosterPage,
        tags=["sync"],
        responses=_error_doc("invalid_body", *AUTH_ERRORS),
    )
    def get_roster(
        who: CallerDep,
        cursor: Annotated[str, Query(max_length=100)] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> Response:
        """Roster changes of the team's scope since ``cursor`` (empty = everything)."""
        try:
            cur = Cursor.decode(cursor)
            if cur.key and not all(c.isalnum() or c == "-" for c in cur.key):
                raise BadCursor("bad cursor")
            with state.sessions() as s:
                page = roster_page(s, who.team_id, cur, limit)
        except BadCursor as exc:
            raise ApiError(422, "invalid_body", str(exc)) from None
        page["team"] = {"id": who.team_id, "name": who.team_name}
        page["server_time"] = server_now()
        return JSONResponse(page)

    @app.post(
        f"{API_PREFIX}/sync/events",
        response_model=sc.PushReplyOut,
        tags=["sync"],
        responses=_error_doc(
            "invalid_json",
            "invalid_body",
            "payload_too_large",
            "unsupported_encoding",
            *AUTH_ERRORS,
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "The compact push body; send it gzip-compressed with "
                "`Content-Encoding: gzip` (identity is accepted too).",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PushBody"}}
                },
            }
        },
    )
    async def push_events(request: Request, who: CallerDep) -> Response:
        """Push a batch of events (any devices of the caller's team: relay)."""
        raw = await _read_body(request)
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding == "gzip":
            raw = _gunzip(raw)
        elif encoding not in ("identity", ""):
            raise ApiError(415, "unsupported_encoding", "Content-Encoding must be gzip")
        body = _parse_json(raw)
        _check_count(body)
        try:
            chains = decode_push(body)
            for chain in chains:
                for ev in chain:
                    if len(ev.operator) > 200 or "\x00" in ev.kind + ev.student_id + ev.operator:
                        raise PushFormatError(f"seq {ev.seq}: operator too long or NUL in text")
        except PushFormatError as exc:
            raise ApiError(422, "invalid_body", str(exc)[:300]) from None
        started = time.perf_counter()
        result = await run_in_threadpool(state.ingestor.push, who.team_id, chains)
        log.info(
            "push from %s: %d chains, %s in %.0f ms",
            who.device_id,
            len(chains),
            ",".join(f"{k}={v}" for k, v in sorted(result.counts.items())),
            (time.perf_counter() - started) * 1000,
        )
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            data = json.dumps(result.reply, separators=(",", ":")).encode()
            return Response(
                gzip.compress(data, compresslevel=6, mtime=0),
                media_type="application/json",
                headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        return JSONResponse(result.reply)

    @app.get(
        f"{API_PREFIX}/sync/events",
        response_model=sc.EventsPage,
        tags=["sync"],
        responses=_error_doc("invalid_body", *AUTH_ERRORS),
    )
    def pull_events(
        who: CallerDep,
        cursor: Annotated[str, Query(max_length=20, pattern=r"^[0-9]*$")] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> Response:
        """Accepted events of other devices about the team's schools, after ``cursor``."""
        after = int(cursor) if cursor else 0
        schools = (
            select(m.Assignment.school_npsn)
            .where(m.Assignment.team_id == who.team_id)
            .distinct()
            .scalar_subquery()
        )
        with state.sessions() as s:
            rows = s.execute(
                select(m.EventRow.ingest_seq, *EVENT_COLUMNS)
                .where(
                    m.EventRow.ingest_seq > after,
                    m.EventRow.state == "accepted",
                    m.EventRow.device_id != who.device_id,
                    m.EventRow.school_npsn.in_(schools),
                )
                .order_by(m.EventRow.ingest_seq)
                .limit(limit + 1)
            ).all()
        page = rows[:limit]
        events = [event_from_tuple(tuple(r)[1:]).to_json() for r in page]
        next_cursor = str(page[-1][0]) if page else (cursor or "0")
        return JSONResponse(
            {
                "events": events,
                "next_cursor": next_cursor,
                "has_more": len(rows) > limit,
                "server_time": server_now(),
            }
        )

    @app.get(
        f"{API_PREFIX}/sync/receipt",
        response_model=sc.Receipt,
        tags=["sync"],
        responses=_error_doc(*AUTH_ERRORS),
    )
    def receipt(who: CallerDep) -> dict[str, Any]:
        """The server's view of the caller's ledger (printed on the Berita Acara)."""
        with state.sessions() as s:
            dev = s.get(m.Device, who.device_id)
            assert dev is not None
            counts: dict[str, dict[str, int]] = {}
            rejected = 0
            for npsn, kind, st, n in s.execute(
                select(m.EventRow.school_npsn, m.EventRow.kind, m.EventRow.state, func.count())
                .where(m.EventRow.device_id == who.device_id)
                .group_by(m.EventRow.school_npsn, m.EventRow.kind, m.EventRow.state)
            ):
                if st == "accepted" and npsn:
                    counts.setdefault(npsn, {})[kind] = int(n)
                else:
                    rejected += int(n)
            return {
                "device_id": dev.device_id,
                "contiguous_seq": dev.contiguous_seq,
                "head_hash": dev.head_hash,
                "counts_per_school": counts,
                "rejected": rejected,
                "server_time": server_now(),
            }

    # ------------------------------------------------------------------ admin

    AdminDep = Depends(admin)

    @app.post(
        f"{API_PREFIX}/admin/enroll-codes",
        response_model=sc.EnrollCodeReply,
        tags=["admin"],
        dependencies=[AdminDep],
        responses=_error_doc("forbidden", "invalid_body", "not_found"),
    )
    def admin_enroll_code(body: sc.EnrollCodeRequest) -> dict[str, Any]:
        """Issue a one-time enrolment code for a team (admin token)."""
        try:
            code = make_enroll_code(state.engine, body.team, body.ttl_hours)
        except AdminError as exc:
            raise ApiError(404, "not_found", exc.message_en) from None
        return {
            "code": code,
            "team": body.team,
            "ttl_hours": body.ttl_hours,
            "server_time": server_now(),
        }

    @app.get(
        f"{API_PREFIX}/admin/progress",
        response_model=sc.ProgressReply,
        tags=["admin"],
        dependencies=[AdminDep],
        responses=_error_doc("forbidden"),
    )
    def admin_progress() -> dict[str, Any]:
        """Per school: target, recorded, remaining, anomalies (admin token)."""
        return {
            "schools": [asdict(p) for p in progress(state.engine)],
            "server_time": server_now(),
        }

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
    return app


# ---------------------------------------------------------------------- body


async def _read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"body over {MAX_BODY_BYTES} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "payload_too_large", f"body over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(data: bytes) -> bytes:
    """Inflate a gzip body, never beyond MAX_INFLATED_BYTES (gzip bombs)."""
    inflater = zlib.decompressobj(wbits=31)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += inflater.decompress(pending, MAX_INFLATED_BYTES + 1 - len(out))
            if len(out) > MAX_INFLATED_BYTES:
                raise ApiError(
                    413, "payload_too_large", f"inflated body over {MAX_INFLATED_BYTES} bytes"
                )
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        if not inflater.eof:
            raise ApiError(400, "invalid_json", "truncated gzip body")
    except zlib.error:
        raise ApiError(400, "invalid_json", "the body is not valid gzip") from None
    return bytes(out)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(raw: bytes) -> Any:
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
        # Lone surrogates (\ud800) would fail later, when hashing or storing.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    return body


def _check_count(body: Any) -> None:
    if not isinstance(body, dict) or not isinstance(body.get("chains"), list):
        return
    total = 0
    for chain in body["chains"]:
        if isinstance(chain, dict) and isinstance(chain.get("events"), list):
            total += len(chain["events"])
    if total > MAX_EVENTS_PER_PUSH:
        raise ApiError(
            413, "payload_too_large", f"{total} events in one push (limit {MAX_EVENTS_PER_PUSH})"
        )
