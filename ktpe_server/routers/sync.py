"""The device's sync routes (bearer token): roster, push, pull, receipt."""

import gzip
import json
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from ktpe_desktop.core.protocol import (
    API_PREFIX,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_PULL_PAGE_BYTES,
    PushFormatError,
    decode_push,
    decode_push_segments,
)
from ktpe_desktop.core.signing import is_public_key
from ktpe_server import models as m
from ktpe_server import schemas as sc
from ktpe_server.body import check_count, gunzip, parse_json, read_body
from ktpe_server.deps import AUTH_ERRORS, CallerDep, StateDep, error_doc
from ktpe_server.errors import ApiError, server_now
from ktpe_server.ingest import EVENT_COLUMNS, event_from_tuple
from ktpe_server.proofs import page_proofs
from ktpe_server.roster_feed import BadCursor, Cursor, roster_page
from ktpe_server.routers.enrolment import OUTDATED

log = logging.getLogger("ktpe.server.api")

MAX_CURSOR = 2**63 - 1  # a BIGINT: the largest ingest_seq any backend can hold

router = APIRouter(prefix=f"{API_PREFIX}/sync", tags=["sync"])


@router.get(
    "/roster",
    response_model=sc.RosterPage,
    tags=["sync"],
    responses=error_doc("invalid_body", "bad_cursor", *AUTH_ERRORS),
)
def get_roster(
    who: CallerDep,
    state: StateDep,
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
        raise ApiError(422, "bad_cursor", str(exc)) from None
    page["team"] = {"id": who.team_id, "name": who.team_name}
    page["server_time"] = server_now()
    return JSONResponse(page)


@router.post(
    "/events",
    response_model=sc.PushReplyOut,
    tags=["sync"],
    responses=error_doc(
        "invalid_json",
        "invalid_body",
        "duplicate_chain",
        "nul_character",
        "bad_number",
        "event_too_large",
        "payload_too_large",
        "unsupported_encoding",
        "protocol_outdated",
        *AUTH_ERRORS,
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The compact push body; send it gzip-compressed with "
            "`Content-Encoding: gzip` (identity is accepted too).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushBody"}}},
        }
    },
)
async def push_events(request: Request, who: CallerDep, state: StateDep) -> Response:
    """Push a batch of events (any devices of the caller's team: relay)."""
    raw = await read_body(request)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        raw = gunzip(raw)
    elif encoding not in ("identity", ""):
        raise ApiError(415, "unsupported_encoding", "Content-Encoding must be gzip")
    body = parse_json(raw)
    check_count(body)
    mismatched: set[str] = set()
    try:
        chains = decode_push(body, mismatched)
        segments = decode_push_segments(body, chains)
    except PushFormatError as exc:
        if exc.code == "protocol_outdated":
            raise ApiError(426, exc.code, OUTDATED) from None
        status = 413 if exc.code == "event_too_large" else 422
        raise ApiError(status, exc.code, str(exc)[:300]) from None
    started = time.perf_counter()
    result = await run_in_threadpool(state.ingestor.push, who.team_id, chains, segments, mismatched)
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


@router.get(
    "/events",
    response_model=sc.EventsPage,
    tags=["sync"],
    responses=error_doc("invalid_body", "bad_cursor", *AUTH_ERRORS),
)
def pull_events(
    who: CallerDep,
    state: StateDep,
    cursor: Annotated[str, Query(max_length=20, pattern=r"^[0-9]*$")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Response:
    """Accepted events of other devices about the team's schools, after ``cursor``."""
    after = int(cursor) if cursor else 0
    if after > MAX_CURSOR:
        raise ApiError(422, "bad_cursor", "the cursor is beyond any event of this server")
    with state.read_sessions() as s:
        c = s.connection()  # Core: the ORM's execution costs about twice the CPU
        schools = set(
            c.scalars(
                select(m.Assignment.school_npsn)
                .where(m.Assignment.team_id == who.team_id)
                .distinct()
            )
        )
        rows = c.execute(
            select(m.EventRow.ingest_seq, *EVENT_COLUMNS)
            .where(
                m.EventRow.ingest_seq > after,
                m.EventRow.state == "accepted",
                m.EventRow.device_id != who.device_id,
                m.EventRow.school_npsn.in_(sorted(schools)),
            )
            .order_by(m.EventRow.ingest_seq)
            .limit(limit + 1)
        ).all()
        # A page is bounded by bytes as well as by count.
        page: list[Any] = []
        events: list[Any] = []
        encoded: list[dict[str, Any]] = []
        size = 0
        for r in rows[:limit]:
            ev = event_from_tuple(tuple(r)[1:])
            data = ev.to_json()
            size += len(json.dumps(data, ensure_ascii=False)) + 1
            if page and size > MAX_PULL_PAGE_BYTES:
                break
            page.append(r)
            events.append(ev)
            encoded.append(data)
        proofs = page_proofs(s, events, schools, who.device_id)
    next_cursor = str(page[-1][0]) if page else (cursor or "0")
    return JSONResponse(
        {
            "events": encoded,
            "next_cursor": next_cursor,
            "has_more": len(rows) > len(page),
            "keys": proofs["keys"],
            "segments": proofs["segments"],
            "server_time": server_now(),
        }
    )


@router.post(
    "/device-key",
    tags=["sync"],
    responses=error_doc("invalid_body", "key_bound", *AUTH_ERRORS),
)
def register_key(body: sc.DeviceKeyRequest, who: CallerDep, state: StateDep) -> dict[str, Any]:
    """Bind a public key to the caller's device (once: a device enrolled before keys)."""
    if not is_public_key(body.public_key):
        raise ApiError(422, "invalid_body", "public_key: not an Ed25519 public key (base64url)")
    with state.sessions() as s, s.begin():
        dev = s.get(m.Device, who.device_id, with_for_update=True)
        assert dev is not None
        if dev.public_key is None:
            dev.public_key = body.public_key
            log.info("device %s registered its key", who.device_id)
        elif dev.public_key != body.public_key:
            raise ApiError(409, "key_bound", "this device already has another key")
    return {"device_id": who.device_id, "public_key": body.public_key, "server_time": server_now()}


@router.get(
    "/receipt",
    response_model=sc.Receipt,
    tags=["sync"],
    responses=error_doc(*AUTH_ERRORS),
)
def receipt(who: CallerDep, state: StateDep) -> dict[str, Any]:
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
