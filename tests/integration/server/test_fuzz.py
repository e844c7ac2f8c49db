"""Fuzzing: no input gives a 5xx, and no input leaves a bad row (SQLite and PostgreSQL).

Schemathesis over the OpenAPI document, and hypothesis over the compact push format
and the cursors (issue 12: NULs, huge integers, duplicate chains, 2^63).
"""

from __future__ import annotations

import itertools
import json
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_server.app import create_app
from ktpe_server.config import Settings

from .conftest import build_world
from .helpers import Laptop, enroll

pytestmark = pytest.mark.slow


def _unlimited_app(engine: Any) -> Any:
    """The server on ``engine`` with no rate limits (fuzzing sends many requests)."""
    settings_ = Settings(
        db_url="x://",
        admin_token="adm",
        rate_capacity=1e9,
        rate_per_second=1e9,
        enroll_rate_capacity=1e9,
        enroll_rate_per_second=1e9,
    )
    return create_app(settings_, engine=engine, migrate=False)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_openapi_fuzz_no_5xx(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import schemathesis

    world = build_world(engine)
    app = _unlimited_app(engine)
    with TestClient(app) as client:
        lap = Laptop()
        assert enroll(client, world.code(), lap).status_code == 200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) >= 7
    headers = {**lap.auth, "X-Admin-Token": "adm"}
    seen_5xx: list[str] = []

    for op in ops:
        per_op = max(8, 100 // len(ops))

        @settings(
            max_examples=per_op,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy(), with_auth=st.booleans())
        def check(case, with_auth: bool) -> None:  # type: ignore[no-untyped-def]
            extra = headers if with_auth else {}
            response = case.call(headers={**(case.headers or {}), **extra})
            if response.status_code >= 500:
                seen_5xx.append(f"{case.method} {case.path}: {response.status_code}")
            assert response.status_code < 500, response.text
            assert response.headers.get("x-server-time")

        check()
    assert not seen_5xx


# ------------------------------------------------------------------ the compact push
#
# Hypothesis over the compact wire format (issue 12): a valid signed push of a laptop,
# then mutations aimed at the cases that once gave 500s (NUL characters, integers at
# and beyond 2^53 / 2^63 / 2^64, two chains of one device, floats, wrong types). Every
# answer must be a 200 or a 4xx with a stable error code and a message, and the
# database must never hold a row that breaks the protocol's invariants.

PUSH = f"{API_PREFIX}/sync/events"
PULL = f"{API_PREFIX}/sync/events"
ROSTER = f"{API_PREFIX}/sync/roster"
ERROR_CODES = {
    "invalid_json",
    "invalid_body",
    "duplicate_chain",
    "nul_character",
    "bad_number",
    "event_too_large",
    "payload_too_large",
    "unsupported_encoding",
    "protocol_outdated",
    "bad_cursor",
}
HUGE = [
    2**31,
    2**53 - 1,
    2**53,
    2**63 - 1,
    2**63,
    2**64,
    10**30,
    -1,
    -(2**63) - 1,
    -(10**30),
]
NULS = ["\x00", "a\x00", "\x00\x00", "2053\x003660", "S\x00" * 3]
ODD = [None, True, 1.5, 1e300, "x", [], {}, [1, 2], {"a": 1}]

# Where a mutation may hit: (path in the push body, what may go there).
INT_SLOTS = ["first_seq", "op", "dt", "hlc_dw", "hlc_c", "sig_last", "payload_int"]
TEXT_SLOTS = ["device_id", "operator", "kind", "student_id", "payload_text", "payload_key"]


def _assert_error_shape(r: Any) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    body = r.json()
    assert set(body) == {"error", "server_time"}, body
    assert body["error"]["code"] in ERROR_CODES | {"not_found", "unauthorized"}, body
    assert body["error"]["message"], body


def _mutate(body: dict[str, Any], data: Any) -> dict[str, Any]:
    chain = body["chains"][0]
    rows = chain["events"]
    row = rows[data.draw(st.integers(0, len(rows) - 1), label="row")]
    kinds = ["none", "int", "text", "odd", "duplicate", "rows"]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    if kind == "none":  # the valid push itself: the chain moves on, rows get stored
        return body
    if kind == "int":
        slot = data.draw(st.sampled_from(INT_SLOTS), label="slot")
        value = data.draw(st.sampled_from(HUGE) | st.integers(), label="value")
        if slot == "first_seq":
            chain["first_seq"] = value
        elif slot == "sig_last" and chain.get("sigs"):
            chain["sigs"][0][0] = value
        elif slot == "payload_int":
            row[6] = {"reason": "other", "n": value}
        else:
            row[{"op": 2, "dt": 3, "hlc_dw": 4, "hlc_c": 5}.get(slot, 3)] = value
    elif kind == "text":
        slot = data.draw(st.sampled_from(TEXT_SLOTS), label="slot")
        value = data.draw(st.sampled_from(NULS) | st.text(max_size=80), label="value")
        if slot == "device_id":
            chain["device_id"] = value
        elif slot == "operator":
            chain["operators"][0] = value
        elif slot == "kind":
            row[0] = value
        elif slot == "student_id":
            row[1] = value
        elif slot == "payload_text":
            row[6] = {"reason": "other", "note": value}
        else:
            row[6] = {value: "x"}
    elif kind == "odd":
        where = data.draw(st.integers(0, 7), label="item")
        value = data.draw(st.sampled_from(ODD), label="value")
        if where < 7:
            row[where] = value
        else:
            chain["prev_hash"] = value
    elif kind == "duplicate":
        body["chains"].append(json.loads(json.dumps(chain)))
    else:
        extra = data.draw(st.sampled_from([[], [None], [1, 2, 3], ["x"] * 9]), label="row")
        rows.append(extra)
    return body


def _check_invariants(engine: Any) -> None:
    """What no input may ever leave in the database."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ktpe_desktop.core.protocol import MAX_SEQ
    from ktpe_server import models as m
    from ktpe_server.ingest import EVENT_COLUMNS, event_from_tuple

    with Session(engine) as s:
        heads = {d.device_id: (d.contiguous_seq, d.head_hash) for d in s.scalars(select(m.Device))}
        by_device: dict[str, list[Any]] = {}
        for row in s.execute(select(m.EventRow.state, m.EventRow.school_npsn, *EVENT_COLUMNS)):
            state, school, *cols = tuple(row)
            ev = event_from_tuple(cols)
            assert ev.with_valid_hash(), ev.event_id
            assert 1 <= ev.seq <= MAX_SEQ
            assert "\x00" not in json.dumps(ev.to_json(), ensure_ascii=False)
            assert state in ("accepted", "rejected")
            if state == "accepted":
                assert school, ev.event_id
            by_device.setdefault(ev.device_id, []).append(ev)
        for device_id, evs in by_device.items():
            evs.sort(key=lambda e: e.seq)
            # every stored event continues its device's chain, with no gap
            assert [e.seq for e in evs] == list(range(1, len(evs) + 1)), device_id
            for a, b in itertools.pairwise(evs):
                assert b.prev_hash == a.hash
            assert heads[device_id] == (evs[-1].seq, evs[-1].hash)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_compact_push_fuzz_no_5xx_no_bad_row(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip

    from ktpe_desktop.core.protocol import encode_push

    from .helpers import signatures

    world = build_world(engine)
    app = _unlimited_app(engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        lap = Laptop()
        assert enroll(client, world.code(), lap).status_code == 200
        school = next(iter(world.students))
        # Recent times: the server refuses times before its campaign or ahead of its clock.
        lap.clock_ms = int(time.time() * 1000) - 3_600_000
        headers = {**lap.auth, "Content-Type": "application/json", "Content-Encoding": "gzip"}
        seen: list[str] = []

        @settings(
            max_examples=60,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def check(data: Any) -> None:
            n = data.draw(st.integers(1, 3), label="events")
            before = (lap.seq, lap.head, len(lap.written))
            evs = [lap.write("recorded", world.students[school][i % 5]) for i in range(n)]
            body = encode_push(evs, signatures(evs))
            body = _mutate(body, data)
            try:
                raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
            except (ValueError, TypeError):
                raw = b'{"v": 2, "chains": [1e999999]}'
            r = client.post(PUSH, content=gzip.compress(raw), headers=headers)
            seen.append(str(r.status_code))
            assert r.status_code < 500, r.text[:500]
            if r.status_code != 200:
                _assert_error_shape(r)
            else:
                assert {"chains", "problems", "ledger", "server_time"} <= set(r.json())
            # What the server holds of this laptop's chain decides where it goes on.
            head = client.get(f"{API_PREFIX}/sync/receipt", headers=lap.auth).json()
            if head["contiguous_seq"] < lap.seq:
                lap.seq, lap.head = head["contiguous_seq"], head["head_hash"]
                del lap.written[head["contiguous_seq"] :]
            assert before[0] <= lap.seq
            _check_invariants(engine)

        check()
    # Both kinds of answers were exercised: pushes that reached the ingest, and refusals.
    assert "200" in seen and any(code.startswith("4") for code in seen), seen


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_cursor_fuzz_no_5xx(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Pull and roster cursors at and beyond 2^63 (and anything else): 200 or 422."""
    world = build_world(engine)
    app = _unlimited_app(engine)
    numbers = st.sampled_from([*HUGE, 0, 1, 2**63 - 2]) | st.integers()
    texts = st.text(max_size=30) | st.sampled_from(NULS)
    pull_cursor = numbers.map(str) | texts
    roster_cursor = (
        st.tuples(numbers, numbers, texts).map(lambda t: f"r1.{t[0]}.{t[1]}.{t[2]}")
        | texts
        | st.tuples(numbers, numbers).map(lambda t: f"r1.{t[0]}.{t[1]}.")
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        lap = Laptop()
        assert enroll(client, world.code(), lap).status_code == 200

        @settings(
            max_examples=80,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            pull=pull_cursor,
            roster=roster_cursor,
            limit=st.sampled_from([1, 500, 2000, 2001, 0, -1, 2**63, 10**30]),
        )
        def check(pull: str, roster: str, limit: int) -> None:
            for path, cursor in ((PULL, pull), (ROSTER, roster)):
                r = client.get(
                    path,
                    params={"cursor": cursor, "limit": str(limit)},
                    headers=lap.auth,
                )
                assert r.status_code < 500, (path, cursor, r.text[:300])
                if r.status_code != 200:
                    _assert_error_shape(r)

        check()
