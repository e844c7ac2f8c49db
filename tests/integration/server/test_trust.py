"""Issue 12: bounded clocks and 4xx (never 500) for hostile input, on SQLite and PostgreSQL.

Each test reproduces a finding of the issue against the code before the fix.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import make_event
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.core.protocol import API_PREFIX, encode_push
from ktpe_server import models as m

from .conftest import SCHOOL_A, World
from .helpers import Laptop, push, statuses

PUSH = f"{API_PREFIX}/sync/events"
PULL = f"{API_PREFIX}/sync/events"
ROSTER = f"{API_PREFIX}/sync/roster"


def _event(lap: Laptop, student_id: str, hlc: Hlc, occurred: datetime) -> Any:
    lap.seq += 1
    ev = make_event(
        device_id=lap.device_id,
        seq=lap.seq,
        prev_hash=lap.head,
        hlc=hlc,
        kind="recorded",
        student_id=student_id,
        operator="Petugas Satu",
        occurred_at=occurred,
    )
    lap.head = ev.hash
    lap.written.append(ev)
    return ev


def _post_json(client: TestClient, lap: Laptop, body: Any) -> Any:
    data = gzip.compress(json.dumps(body).encode())
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json", **lap.auth}
    return client.post(PUSH, content=data, headers=headers)


def _code(r: Any) -> str:
    return str(r.json()["error"]["code"])


# ------------------------------------------------------------------ finding 1: clocks


@pytest.mark.parametrize(
    ("hlc", "occurred", "code"),
    [
        (Hlc(999_999_999_999_999, 99_999), datetime(2024, 11, 20, 2, tzinfo=UTC), "clock_ahead"),
        (None, datetime(5138, 1, 1, tzinfo=UTC), "clock_ahead"),
        (None, datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC), "before_campaign"),
        (None, datetime(2000, 1, 1, tzinfo=UTC), "before_campaign"),
    ],
    ids=["hlc-year-33658", "year-5138", "year-1970", "year-2000"],
)
def test_events_out_of_the_time_range_are_refused(
    client: TestClient,
    world: World,
    laptop: Laptop,
    hlc: Hlc | None,
    occurred: datetime,
    code: str,
) -> None:
    sid = world.students[SCHOOL_A][0]
    stamp = hlc or Hlc(int(occurred.timestamp() * 1000), 0)
    bad = _event(laptop, sid, stamp, occurred)
    good = laptop.write("absent", world.students[SCHOOL_A][1])
    r = push(client, laptop, [bad, good])
    assert r.status_code == 200, r.text
    reply = r.json()
    assert statuses(reply) == ["rejected", "accepted"]  # the chain goes on
    assert reply["problems"][0]["code"] == code
    with Session(world.engine) as s:
        row = s.scalar(select(m.EventRow).where(m.EventRow.event_id == bad.event_id))
        assert row is not None and row.state == "rejected" and row.reject_code == code
        state = s.get(m.StudentState, sid)
        assert state is None or state.status == "pending"  # never folded
    # and a teammate never receives it
    mate = Laptop()
    from .helpers import enroll

    assert enroll(client, world.code(), mate).status_code == 200
    pulled = client.get(PULL, headers=mate.auth).json()["events"]
    assert [e["event_id"] for e in pulled] == [good.event_id]


def test_the_allowed_skew_is_a_setting(client: TestClient, world: World, laptop: Laptop) -> None:
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    sid = world.students[SCHOOL_A][0]
    near = _event(
        laptop, sid, Hlc(now_ms + 5 * 60_000, 0), datetime.fromtimestamp(now_ms / 1000, UTC)
    )
    far = _event(
        laptop,
        world.students[SCHOOL_A][1],
        Hlc(now_ms + 15 * 60_000, 0),
        datetime.fromtimestamp(now_ms / 1000, UTC),
    )
    reply = push(client, laptop, [near, far]).json()
    assert statuses(reply) == ["accepted", "rejected"]  # default: 10 minutes
    assert reply["problems"][0]["code"] == "clock_ahead"


# ------------------------------------------------------------------ finding 6: 4xx, never 500


def test_two_chains_of_one_device_in_a_push_are_422(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    a = laptop.write("recorded", world.students[SCHOOL_A][0])
    b = laptop.write("recorded", world.students[SCHOOL_A][1])
    body = encode_push([a, b])
    chain = body["chains"][0]
    first = {**chain, "events": chain["events"][:1]}
    second = {**chain, "first_seq": 2, "prev_hash": a.hash, "events": chain["events"][1:]}
    r = _post_json(client, laptop, {"v": body["v"], "chains": [first, second]})
    assert r.status_code == 422, r.text
    assert _code(r) == "duplicate_chain"


@pytest.mark.parametrize(
    ("cursor", "status"),
    [
        (str(2**63 - 1), 200),
        (str(2**63), 422),
        ("9" * 20, 422),
    ],
)
def test_pull_cursors_at_and_beyond_2_63(
    client: TestClient, laptop: Laptop, cursor: str, status: int
) -> None:
    r = client.get(PULL, params={"cursor": cursor}, headers=laptop.auth)
    assert r.status_code == status, r.text
    if status == 422:
        assert _code(r) == "bad_cursor"
    else:
        assert r.json()["events"] == []


@pytest.mark.parametrize(
    "cursor", [f"r1.{2**63}.0.", f"r1.{'9' * 60}.0.", "r1.99999999999999999999999.-1."]
)
def test_roster_cursors_with_huge_numbers_are_422(
    client: TestClient, laptop: Laptop, cursor: str
) -> None:
    r = client.get(ROSTER, params={"cursor": cursor}, headers=laptop.auth)
    assert r.status_code == 422, r.text
    assert _code(r) == "bad_cursor"


@pytest.mark.parametrize("where", ["device_id", "school_npsn", "payload", "operator", "student"])
def test_nul_characters_are_422(
    client: TestClient, world: World, laptop: Laptop, where: str
) -> None:
    sid = world.students[SCHOOL_A][0]
    if where == "school_npsn":
        ev = laptop.write("student_added", "w-nul", {"name": "A", "school_npsn": "2053\x003660"})
    elif where == "payload":
        ev = laptop.write("failed", sid, {"reason": "other", "note": "a\x00b"})
    elif where == "operator":
        ev = laptop.write("recorded", sid, operator="Petugas\x00")
    elif where == "student":
        ev = laptop.write("recorded", "S\x00")
    else:
        ev = laptop.write("recorded", sid)
    body = encode_push([ev])
    if where == "device_id":
        body["chains"][0]["device_id"] = laptop.device_id + "\x00"
    r = _post_json(client, laptop, body)
    assert r.status_code == 422, r.text
    assert _code(r) == "nul_character"


def test_oversized_payloads_are_413(client: TestClient, world: World, laptop: Laptop) -> None:
    ev = laptop.write("failed", world.students[SCHOOL_A][0], {"reason": "other", "x": "y" * 5000})
    r = push(client, laptop, [ev])
    assert r.status_code == 413, r.text
    assert _code(r) == "event_too_large"


# ------------------------------------------------------------------ finding 5: bounds


def test_pull_pages_are_bounded_by_bytes(
    client: TestClient, world: World, laptop: Laptop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ktpe_server.routers import sync as sync_routes

    from .helpers import enroll

    monkeypatch.setattr(sync_routes, "MAX_PULL_PAGE_BYTES", 2000)
    evs = [
        laptop.write(
            "failed", world.students[SCHOOL_A][i % 5], {"reason": "other", "note": "n" * 400}
        )
        for i in range(10)
    ]
    assert statuses(push(client, laptop, evs).json()) == ["accepted"] * 10
    mate = Laptop()
    assert enroll(client, world.code(), mate).status_code == 200
    seen: list[str] = []
    cursor = ""
    for _ in range(20):
        page = client.get(PULL, params={"cursor": cursor, "limit": 2000}, headers=mate.auth).json()
        assert len(json.dumps(page["events"])) <= 2000 + 1000  # one event may cross the line
        seen += [e["event_id"] for e in page["events"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [e.event_id for e in evs]


def test_a_students_history_is_capped(
    client: TestClient, world: World, laptop: Laptop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ktpe_server import ingest

    monkeypatch.setattr(ingest, "MAX_EVENTS_PER_STUDENT", 3)
    sid = world.students[SCHOOL_A][0]
    evs = [laptop.write("absent", sid) for _ in range(5)]
    reply = push(client, laptop, evs).json()
    assert statuses(reply) == ["accepted"] * 3 + ["rejected"] * 2
    assert {p["code"] for p in reply["problems"]} == {"student_history_full"}
