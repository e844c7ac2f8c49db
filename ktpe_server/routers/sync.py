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
    PushFormatError,
    decode_push,
)
from ktpe_server import models as m
from ktpe_server import schemas as sc
from ktpe_server.body import check_count, gunzip, parse_json, read_body
from ktpe_server.deps import AUTH_ERRORS, CallerDep, StateDep, error_doc
from ktpe_server.errors import ApiError, server_now
from ktpe_server.ingest import EVENT_COLUMNS, event_from_tuple
from ktpe_server.roster_feed import BadCursor, Cursor, roster_page

log = logging.getLogger("ktpe.server.api")

router = APIRouter(prefix=f"{API_PREFIX}/sync", tags=["sync"])


@router.get(
    "/roster",
    response_model=sc.RosterPage,
    tags=["sync"],
    responses=error_doc("invalid_body", *AUTH_ERRORS),
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
        raise ApiError(422, "invalid_body", str(exc)) from None
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
        "payload_too_large",
        "unsupported_encoding",
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


@router.get(
    "/events",
    response_model=sc.EventsPage,
    tags=["sync"],
    responses=error_doc("invalid_body", *AUTH_ERRORS),
)
def pull_events(
    who: CallerDep,
    state: StateDep,
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
