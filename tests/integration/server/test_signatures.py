"""Issue 12, findings 2-4: signed chains, revocation that means it, team scopes.

On SQLite and PostgreSQL. Each test reproduces a finding against the code before
the fix (where a teammate could write a revoked laptop's chain, re-enrol a device,
or move a student to another team's school).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_desktop.core.protocol import API_PREFIX, Segment, encode_push, gzip_json
from ktpe_desktop.core.signing import new_private_key, sign_segment, verify_segment
from ktpe_server import admin
from ktpe_server import models as m

from .conftest import SCHOOL_A, SCHOOL_B, SCHOOL_C, World
from .helpers import Laptop, enroll, push, statuses

PUSH = f"{API_PREFIX}/sync/events"
PULL = f"{API_PREFIX}/sync/events"


def _enrolled(client: TestClient, world: World, team: str = "tim-01") -> Laptop:
    lap = Laptop()
    r = enroll(client, world.code(team), lap)
    assert r.status_code == 200, r.text
    return lap


def _push_signed_with(
    client: TestClient,
    caller: Laptop,
    events: list[Event],
    key: bytes | None,
    *,
    segment: int | None = None,
) -> Any:
    """Push ``events`` (one device) signed with ``key`` (None: no signature), in one
    segment, or in segments of ``segment`` events."""
    sigs = None
    if key is not None:
        size = segment or len(events)
        runs = [events[i : i + size] for i in range(0, len(events), size)]
        device = events[0].device_id
        sigs = {
            device: [
                Segment(
                    device,
                    run[0].seq,
                    run[-1].seq,
                    sign_segment(key, device, run[0].seq, [e.hash for e in run]),
                )
                for run in runs
            ]
        }
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json", **caller.auth}
    return client.post(PUSH, content=gzip_json(encode_push(events, sigs)), headers=headers)


def test_a_teammate_cannot_write_into_another_devices_chain(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    mate = _enrolled(client, world)
    sid = world.students[SCHOOL_A][0]
    assert statuses(push(client, laptop, [laptop.write("absent", sid)]).json()) == ["accepted"]
    # the teammate writes the laptop's next seq (it knows the head from pulls)
    forged = Laptop(device_id=laptop.device_id, seq=laptop.seq, head=laptop.head)
    forged.private_key = mate.private_key
    fake = forged.write("recorded", sid)
    for key in (mate.private_key, None, new_private_key()):
        reply = _push_signed_with(client, mate, [fake], key).json()
        assert statuses(reply) == ["chain_broken"]
        assert reply["problems"][0]["code"] in ("bad_signature", "unsigned")
    # the real laptop's next event is accepted: its chain is not hijacked
    real = laptop.write("recorded", sid)
    assert statuses(push(client, laptop, [real]).json()) == ["accepted"]
    with Session(world.engine) as s:
        state = s.get(m.StudentState, sid)
        assert state is not None and state.deciding_event_id == real.event_id


def test_a_relay_carries_the_origins_signature(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    mate = _enrolled(client, world)
    evs = [laptop.write("recorded", sid) for sid in world.students[SCHOOL_A][:3]]
    # the teammate relays the laptop's events with the laptop's own signature
    reply = push(client, mate, evs).json()
    assert statuses(reply) == ["accepted"] * 3
    with Session(world.engine) as s:
        segs = s.scalars(select(m.ChainSegment)).all()
        assert [(g.device_id, g.first_seq, g.last_seq) for g in segs] == [(laptop.device_id, 1, 3)]


def test_revoked_device_events_beyond_the_seq_held_are_refused_and_kept(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    mate = _enrolled(client, world)
    sids = world.students[SCHOOL_A]
    held = [laptop.write("recorded", sids[i]) for i in range(3)]
    assert statuses(push(client, laptop, held).json()) == ["accepted"] * 3
    admin.revoke_device(world.engine, laptop.device_id)
    later = [laptop.write("recorded", sids[i]) for i in (3, 4)]
    # the revoked laptop itself is locked out; a teammate relaying its events
    # (signed by it: its key was stolen with it) cannot get them folded
    assert push(client, laptop, later).status_code == 401
    reply = push(client, mate, later).json()
    assert statuses(reply) == ["rejected", "rejected"]
    assert {p["code"] for p in reply["problems"]} == {"device_revoked"}
    with Session(world.engine) as s:
        rows = s.scalars(select(m.EventRow).where(m.EventRow.seq > 3)).all()
        assert [(r.state, r.reject_code) for r in rows] == [("rejected", "device_revoked")] * 2
        assert s.get(m.StudentState, sids[3]) is None  # not folded
    # and the revoked device can never enrol again, with its old or any fresh code
    r = enroll(client, world.code(), Laptop(device_id=laptop.device_id))
    assert r.status_code == 409 and r.json()["error"]["code"] == "device_bound"


def test_a_used_code_never_works_again(client: TestClient, world: World) -> None:
    code = world.code()
    lap = Laptop()
    assert enroll(client, code, lap).status_code == 200
    admin.revoke_device(world.engine, lap.device_id)
    r = enroll(client, code, lap)
    assert r.status_code == 403 and r.json()["error"]["code"] == "enrollment_code_used"


def test_enrolment_without_a_key_is_426_with_a_clear_message(
    client: TestClient, world: World
) -> None:
    r = client.post(
        f"{API_PREFIX}/enrollments",
        json={
            "code": world.code(),
            "device_id": Laptop().device_id,
            "device_name": "Laptop lama",
            "app_version": "0.1.0",
        },
    )
    assert r.status_code == 426 and r.json()["error"]["code"] == "protocol_outdated"
    assert "perbarui" in r.json()["error"]["message"].lower()


def test_a_key_is_bound_once(client: TestClient, laptop: Laptop) -> None:
    url = f"{API_PREFIX}/sync/device-key"
    r = client.post(url, json={"public_key": laptop.public_key}, headers=laptop.auth)
    assert r.status_code == 200
    r = client.post(url, json={"public_key": Laptop().public_key}, headers=laptop.auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "key_bound"


def test_pulled_events_are_verifiable_back_to_the_origin_key(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    mate = _enrolled(client, world)
    sids = world.students[SCHOOL_A]
    evs = [
        laptop.write("recorded", sids[0]),
        laptop.write("recorded", "NOT-A-STUDENT"),  # rejected: a gap for the teammate
        laptop.write("absent", sids[1]),
    ]
    assert statuses(push(client, laptop, evs).json()) == ["accepted", "rejected", "accepted"]
    page = client.get(PULL, headers=mate.auth).json()
    got = {e["seq"]: e for e in page["events"]}
    assert sorted(got) == [1, 3]
    key = page["keys"][laptop.device_id]
    (seg,) = page["segments"]
    assert seg["gaps"] == {"2": evs[1].hash}
    hashes = [got[1]["hash"], seg["gaps"]["2"], got[3]["hash"]]
    assert verify_segment(key, laptop.device_id, 1, hashes, seg["sig"])
    assert Event.from_json(got[3]).with_valid_hash()


def test_a_page_of_many_one_event_segments_carries_them_all(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    # A hub-era chain is mostly one-event segments (a station signs each push): a
    # 2,000-event page may name a thousand segments, more terms than SQLite takes in
    # one OR (its expression tree stops at depth 1,000).
    mate = _enrolled(client, world)
    sids = world.students[SCHOOL_A]
    evs = [
        laptop.write("recorded" if i % 2 else "absent", sids[i % len(sids)]) for i in range(1000)
    ]
    r = _push_signed_with(client, laptop, evs, laptop.private_key, segment=1)
    assert r.status_code == 200, r.text[:300]
    assert set(statuses(r.json())) == {"accepted"}
    page = client.get(PULL, params={"limit": 2000}, headers=mate.auth)
    assert page.status_code == 200, page.text[:300]
    body = page.json()
    assert len(body["events"]) == 1000 and len(body["segments"]) == 1000
    key = body["keys"][laptop.device_id]
    by_seq = {e["seq"]: e for e in body["events"]}
    for seg in body["segments"][::97]:
        assert seg["gaps"] == {}
        hashes = [by_seq[seg["first_seq"]]["hash"]]
        assert verify_segment(key, laptop.device_id, seg["first_seq"], hashes, seg["sig"])


def test_a_correction_cannot_move_a_student_to_another_teams_school(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    walk_ins = []
    for i in range(3):
        added = laptop.write(
            "student_added", f"w-{i}", {"name": f"WALK {i}", "school_npsn": SCHOOL_A}
        )
        recorded = laptop.write("recorded", f"w-{i}")
        walk_ins += [added, recorded]
    assert statuses(push(client, laptop, walk_ins).json()) == ["accepted"] * 6
    moves = [
        laptop.write("details_corrected", "w-0", {"changes": {"school_npsn": SCHOOL_C}}),
        laptop.write("details_corrected", "w-1", {"changes": {"school_npsn": "99999999"}}),
        laptop.write("details_corrected", "w-2", {"changes": {"school_npsn": SCHOOL_B}}),
    ]
    reply = push(client, laptop, moves).json()
    assert statuses(reply) == ["rejected", "rejected", "accepted"]
    assert [p["code"] for p in reply["problems"]] == ["school_not_assigned", "unknown_school"]
    assert {p.npsn: p.recorded for p in admin.progress(world.engine)}[SCHOOL_C] == 0


def test_a_walk_in_at_an_unknown_school_is_refused(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    ev = laptop.write("student_added", "w-x", {"name": "X", "school_npsn": "99999998"})
    reply = push(client, laptop, [ev]).json()
    assert statuses(reply) == ["rejected"]
    assert reply["problems"][0]["code"] == "unknown_school"


def test_every_read_is_scoped_to_the_callers_team(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    """Pull, receipt and roster of a tim-02 device see nothing of tim-01 (per endpoint)."""
    evs = [laptop.write("recorded", sid) for sid in world.students[SCHOOL_A][:3]]
    assert statuses(push(client, laptop, evs).json()) == ["accepted"] * 3
    other = _enrolled(client, world, "tim-02")
    # pull: no event of another team's school, and no key or segment of its devices
    page = client.get(PULL, headers=other.auth).json()
    assert page["events"] == [] and page["keys"] == {} and page["segments"] == []
    # receipt: only the caller's own ledger
    receipt = client.get(f"{API_PREFIX}/sync/receipt", headers=other.auth).json()
    assert receipt["device_id"] == other.device_id
    assert receipt["contiguous_seq"] == 0 and receipt["counts_per_school"] == {}
    # roster: only its own schools and their students
    roster = client.get(f"{API_PREFIX}/sync/roster", headers=other.auth).json()
    assert {s["npsn"] for s in roster["schools"]} == {SCHOOL_C}
    assert {s["school_npsn"] for s in roster["students"]} <= {SCHOOL_C}
    # and a school moved away from tim-01 stops being pulled by its devices
    mate = _enrolled(client, world)
    with Session(world.engine) as s, s.begin():
        s.query(m.Assignment).filter(
            m.Assignment.school_npsn == SCHOOL_A, m.Assignment.team_id != 2
        ).delete()
    assert client.get(PULL, headers=mate.auth).json()["events"] == []


@pytest.mark.postgres
def test_array_literals_round_trip_through_postgres(tmp_path: Path) -> None:
    """The ingest binds id lists as array literals: every character comes back as sent."""
    from sqlalchemy import text

    from ktpe_server.db import pg_array

    from .conftest import drop_schema, new_engine

    engine, schema = new_engine("postgres", tmp_path)
    try:
        values = ["a", 'b"c', "d\\e", "NULL", "x,y}{", " sp ", "\n\t", "é日本😀", "", '\\"']
        with engine.connect() as c:
            got = c.execute(text("SELECT CAST(:p AS text[])"), {"p": pg_array(values)}).scalar()
            mixed = c.execute(
                text("SELECT CAST(:p AS bigint[])"), {"p": pg_array([1, None, -5, 2**62])}
            ).scalar()
            # Texts with NULLs (schools, reject codes), with and without escapes, and NULLs only.
            optional = [
                [None, "20533701", "NULL", None, "", "x,y}{"],
                [None, 'b"c', "d\\e", None],
                [None, None],
            ]
            got_optional = [
                c.execute(text("SELECT CAST(:p AS text[])"), {"p": pg_array(v)}).scalar()
                for v in optional
            ]
            flags = c.execute(
                text("SELECT CAST(:p AS boolean[])"), {"p": pg_array([True, False, True])}
            ).scalar()
        assert flags == [True, False, True]
        assert got == values
        assert mixed == [1, None, -5, 2**62]
        assert got_optional == optional
    finally:
        engine.dispose()
        if schema:
            drop_schema(schema)
