"""The whole API, on SQLite and PostgreSQL, in process."""

from __future__ import annotations

import gzip
import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import GENESIS_HASH, Event, fold_status
from ktpe_desktop.core.protocol import API_PREFIX, PROTOCOL_VERSION, PushReply
from ktpe_server import admin
from ktpe_server import models as m
from ktpe_server.ingest import EVENT_COLUMNS, event_from_tuple

from .conftest import SCHOOL_A, SCHOOL_B, SCHOOL_C, World
from .helpers import Laptop, enroll, push, statuses


def stored_events(world: World) -> list[Event]:
    with Session(world.engine) as s:
        return [event_from_tuple(r) for r in s.execute(select(*EVENT_COLUMNS))]


def test_health_and_server_time(client: TestClient) -> None:
    r = client.get(f"{API_PREFIX}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["protocol"] == PROTOCOL_VERSION
    assert body["server_time"].endswith("Z")
    assert r.headers["x-server-time"].endswith("Z")


def test_enroll_roster_push_pull_receipt(client: TestClient, world: World, laptop: Laptop) -> None:
    # roster: the team's two schools, their students, its operator and assignments
    r = client.get(f"{API_PREFIX}/sync/roster", headers=laptop.auth)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["team"]["name"] == "tim-01"
    assert page["campaign"]["id"] == "camp-1"
    assert {s["npsn"] for s in page["schools"]} == {SCHOOL_A, SCHOOL_B}
    assert len(page["students"]) == 10
    assert {s["school_npsn"] for s in page["students"]} == {SCHOOL_A, SCHOOL_B}
    assert len(page["operators"]) == 1 and page["operators"][0]["role"] == "lead"
    assert not page["has_more"]
    # nothing new after the cursor
    r2 = client.get(
        f"{API_PREFIX}/sync/roster", params={"cursor": page["next_cursor"]}, headers=laptop.auth
    )
    assert r2.json()["students"] == [] and r2.json()["campaign"] is None

    a0, a1 = world.students[SCHOOL_A][:2]
    evs = [
        laptop.write("recorded", a0),
        laptop.write("absent", a1),
        laptop.write("failed", a1, {"reason": "no_kk"}),
    ]
    r = push(client, laptop, evs, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    assert r.headers.get("content-encoding") == "gzip"
    reply = r.json()
    assert statuses(reply) == ["accepted"] * 3
    assert reply["ledger"][laptop.device_id] == {"contiguous_seq": 3, "head_hash": laptop.head}
    parsed = PushReply.from_json(reply)
    assert all(st.acknowledged for st in parsed.statuses.values())

    # a second laptop of the team sees them; the first does not get its own back
    other = Laptop()
    assert enroll(client, world.code(), other).status_code == 200
    r = client.get(f"{API_PREFIX}/sync/events", headers=other.auth)
    body = r.json()
    assert [e["event_id"] for e in body["events"]] == [e.event_id for e in evs]
    assert Event.from_json(body["events"][0]).with_valid_hash()
    r = client.get(
        f"{API_PREFIX}/sync/events", params={"cursor": body["next_cursor"]}, headers=other.auth
    )
    assert r.json()["events"] == [] and r.json()["has_more"] is False
    assert client.get(f"{API_PREFIX}/sync/events", headers=laptop.auth).json()["events"] == []

    receipt = client.get(f"{API_PREFIX}/sync/receipt", headers=laptop.auth).json()
    assert receipt["contiguous_seq"] == 3 and receipt["head_hash"] == laptop.head
    assert receipt["counts_per_school"] == {SCHOOL_A: {"recorded": 1, "absent": 1, "failed": 1}}

    # derived states equal the core's fold
    with Session(world.engine) as s:
        st = s.get(m.StudentState, a1)
        assert st is not None and st.status == "failed" and st.reason == "no_kk"
        assert st.status == fold_status(a1, evs).status
    prog = {p.npsn: p for p in admin.progress(world.engine)}
    assert prog[SCHOOL_A].recorded == 1 and prog[SCHOOL_A].remaining == 4


def test_replayed_batch_is_all_duplicate(client: TestClient, world: World, laptop: Laptop) -> None:
    evs = [laptop.write("recorded", sid) for sid in world.students[SCHOOL_A]]
    assert statuses(push(client, laptop, evs).json()) == ["accepted"] * 5
    before = stored_events(world)
    with Session(world.engine) as s:
        seqs = sorted(s.scalars(select(m.EventRow.ingest_seq)))
    reply = push(client, laptop, evs).json()
    assert statuses(reply) == ["duplicate"] * 5
    assert reply["problems"] == []
    assert stored_events(world) == before
    with Session(world.engine) as s:
        assert sorted(s.scalars(select(m.EventRow.ingest_seq))) == seqs


def test_unknown_student_rejected_then_accepted(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    ghost = "GHOST00001"
    e1 = laptop.write("recorded", ghost)
    e2 = laptop.write("recorded", world.students[SCHOOL_A][0])
    reply = push(client, laptop, [e1, e2]).json()
    assert statuses(reply) == ["rejected", "accepted"]
    assert reply["problems"][0]["code"] == "unknown_student"
    assert reply["ledger"][laptop.device_id]["contiguous_seq"] == 2  # stored: chain goes on
    # the roster gains the student: a re-push of the rejected event turns it accepted
    admin.upsert_students(world.engine, [{"id": ghost, "school_npsn": SCHOOL_B, "name": "X"}])
    reply = push(client, laptop, [e1, e2]).json()
    assert statuses(reply) == ["accepted", "duplicate"]
    with Session(world.engine) as s:
        st = s.get(m.StudentState, ghost)
        assert st is not None and st.status == "recorded" and st.school_npsn == SCHOOL_B


def test_walk_in_added_then_recorded_in_one_push(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    sid = "WALKIN0001"
    e2_first = [
        laptop.write("student_added", sid, {"name": "WALK IN", "school_npsn": SCHOOL_B}),
        laptop.write("recorded", sid),
    ]
    assert statuses(push(client, laptop, e2_first).json()) == ["accepted", "accepted"]
    # a walk-in at a school of another team is refused but stored
    e3 = laptop.write("student_added", "WALKIN0002", {"name": "X", "school_npsn": SCHOOL_C})
    reply = push(client, laptop, [e3]).json()
    assert statuses(reply) == ["rejected"]
    assert reply["problems"][0]["code"] == "school_not_assigned"
    # a roster student of another team's school too
    e4 = laptop.write("recorded", world.students[SCHOOL_C][0])
    assert push(client, laptop, [e4]).json()["problems"][0]["code"] == "school_not_assigned"
    e5 = laptop.write("failed", world.students[SCHOOL_A][0], {"reason": "nope"})
    assert push(client, laptop, [e5]).json()["problems"][0]["code"] == "bad_reason"


def test_seq_gap_and_broken_chain(client: TestClient, world: World, laptop: Laptop) -> None:
    ids = world.students[SCHOOL_A]
    evs = [laptop.write("recorded", sid) for sid in ids]
    reply = push(client, laptop, evs[2:]).json()
    assert statuses(reply) == ["seq_gap"] * 3
    assert reply["ledger"][laptop.device_id] == {"contiguous_seq": 0, "head_hash": GENESIS_HASH}
    assert stored_events(world) == []
    # a tampered event: its hash no longer matches, later ones are not stored either
    tampered = Event(
        **{**{f: getattr(evs[1], f) for f in Event.__dataclass_fields__}, "kind": "absent"}
    )
    # Rows without hashes (the default): the server computes the tampered row's hash,
    # which is not the one its device signed: the whole signed segment is refused.
    reply = push(client, laptop, [evs[0], tampered, *evs[2:]]).json()
    assert statuses(reply) == ["chain_broken"] * 5
    assert {p["code"] for p in reply["problems"]} == {"bad_signature"}
    assert stored_events(world) == []
    # Rows with their claimed hashes (optional 8th item): the signature holds over the
    # claims, and the tampered row does not hash to its claim.
    reply = push(client, laptop, [evs[0], tampered, *evs[2:]], with_hashes=True).json()
    assert statuses(reply) == ["accepted", "chain_broken"] + ["chain_broken"] * 3
    codes = [p["code"] for p in reply["problems"]]
    assert codes == ["bad_hash"] + ["after_broken_link"] * 3
    assert reply["ledger"][laptop.device_id]["contiguous_seq"] == 1
    # resend from the break: everything accepted, nothing lost
    reply = push(client, laptop, evs).json()
    assert statuses(reply) == ["duplicate"] + ["accepted"] * 4
    assert len(stored_events(world)) == 5


def test_same_event_id_other_content_conflicts(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    sid = world.students[SCHOOL_A][0]
    e1 = laptop.write("recorded", sid)
    assert statuses(push(client, laptop, [e1]).json()) == ["accepted"]
    # the laptop lost its database and rewrote seq 1 with other content
    clone = Laptop(device_id=laptop.device_id, token=laptop.token, private_key=laptop.private_key)
    other = clone.write("absent", sid)
    assert other.event_id == e1.event_id
    e2 = laptop.write("recorded", world.students[SCHOOL_A][1])
    reply = push(client, laptop, [e2]).json()
    assert statuses(reply) == ["accepted"]
    reply = push(client, clone, [other]).json()
    assert statuses(reply) == ["conflict"]
    assert reply["problems"][0]["code"] == "content_differs"
    assert stored_events(world) == [e1, e2]


def test_relay_within_team_and_not_across(client: TestClient, world: World, laptop: Laptop) -> None:
    friend = Laptop()
    assert enroll(client, world.code(), friend).status_code == 200
    stranger = Laptop()
    assert enroll(client, world.code("tim-02"), stranger).status_code == 200
    evs = [friend.write("recorded", sid) for sid in world.students[SCHOOL_B][:3]]
    # the friend's events, relayed by our laptop, together with our own
    own = [laptop.write("absent", world.students[SCHOOL_A][0])]
    reply = push(client, laptop, evs + own).json()
    assert statuses(reply) == ["accepted"] * 4
    assert reply["ledger"][friend.device_id]["contiguous_seq"] == 3
    # the friend pushes them itself later: duplicates
    assert statuses(push(client, friend, evs).json()) == ["duplicate"] * 3
    # a device of another team may not relay them
    reply = push(client, stranger, evs).json()
    assert statuses(reply) == ["not_in_scope"] * 3
    assert friend.device_id not in reply["ledger"]


def test_revoked_device_gets_401_and_its_events_stay(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    evs = [laptop.write("recorded", world.students[SCHOOL_A][0])]
    assert push(client, laptop, evs).status_code == 200
    admin.revoke_device(world.engine, laptop.device_id)
    r = push(client, laptop, [laptop.write("absent", world.students[SCHOOL_A][1])])
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert stored_events(world) == evs
    assert any(d.revoked for d in admin.list_devices(world.engine))


def test_enrollment_codes(client: TestClient, world: World) -> None:
    code = world.code()
    lap = Laptop()
    r = enroll(client, "AAAA-BBBB-CCCC", lap)
    assert r.status_code == 403 and r.json()["error"]["code"] == "enrollment_code_invalid"
    assert enroll(client, code.lower().replace("-", " "), lap).status_code == 200
    # a code works once, ever: not even the same device may use it again (issue 12)
    first = lap.token
    r = enroll(client, code, lap)
    assert r.status_code == 403 and r.json()["error"]["code"] == "enrollment_code_used"
    assert lap.token == first
    r = enroll(client, code, Laptop())
    assert r.status_code == 403 and r.json()["error"]["code"] == "enrollment_code_used"
    # a bound device_id never enrols again, even with a fresh code of its team
    r = enroll(client, world.code(), Laptop(device_id=lap.device_id))
    assert r.status_code == 409 and r.json()["error"]["code"] == "device_bound"
    expired = world.code(ttl_hours=-1)
    r = enroll(client, expired, Laptop())
    assert r.status_code == 403 and r.json()["error"]["code"] == "enrollment_code_expired"
    # the device id is taken by another team
    r = enroll(client, world.code("tim-02"), lap)
    assert r.status_code == 409 and r.json()["error"]["code"] == "device_conflict"
    assert "server_time" in r.json()


def test_roster_paging_and_new_assignment(client: TestClient, world: World, laptop: Laptop) -> None:
    seen: dict[str, list[dict]] = {"students": [], "schools": []}
    cursor = ""
    pages = 0
    while True:
        page = client.get(
            f"{API_PREFIX}/sync/roster", params={"cursor": cursor, "limit": 3}, headers=laptop.auth
        ).json()
        pages += 1
        seen["students"] += page["students"]
        seen["schools"] += page["schools"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert pages >= 5
    assert len({s["id"] for s in seen["students"]}) == len(seen["students"]) == 10
    # a student changes, a school is newly assigned: only those come next
    admin.upsert_students(
        world.engine,
        [{"id": world.students[SCHOOL_A][0], "school_npsn": SCHOOL_A, "name": "RENAMED"}],
    )
    admin.assign(world.engine, "tim-01", SCHOOL_C, __import__("datetime").date(2024, 11, 21))
    page = client.get(
        f"{API_PREFIX}/sync/roster", params={"cursor": cursor}, headers=laptop.auth
    ).json()
    assert [s["npsn"] for s in page["schools"]] == [SCHOOL_C]
    assert len(page["students"]) == 6
    assert len(page["assignments"]) == 1
    r = client.get(f"{API_PREFIX}/sync/roster", params={"cursor": "garbage"}, headers=laptop.auth)
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_cursor"


def test_pull_paging(client: TestClient, world: World, laptop: Laptop) -> None:
    friend = Laptop()
    assert enroll(client, world.code(), friend).status_code == 200
    evs = [laptop.write("absent", sid) for sid in world.students[SCHOOL_A]]
    push(client, laptop, evs)
    got: list[str] = []
    cursor = ""
    while True:
        body = client.get(
            f"{API_PREFIX}/sync/events", params={"cursor": cursor, "limit": 2}, headers=friend.auth
        ).json()
        got += [e["event_id"] for e in body["events"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert got == [e.event_id for e in evs]


def test_uncompressed_push_and_plain_reply(
    client: TestClient, world: World, laptop: Laptop
) -> None:
    from .helpers import push_body

    data, headers = push_body(
        [laptop.write("recorded", world.students[SCHOOL_A][0])], compress=False
    )
    r = client.post(
        f"{API_PREFIX}/sync/events",
        content=data,
        headers={**headers, **laptop.auth, "Accept-Encoding": "identity"},
    )
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert statuses(r.json()) == ["accepted"]
    assert json.loads(r.content)["server_time"]
    assert gzip  # imported for symmetry with the gzip tests


def test_counts_in_db(world: World, client: TestClient, laptop: Laptop) -> None:
    push(client, laptop, [laptop.write("recorded", world.students[SCHOOL_A][0])])
    with Session(world.engine) as s:
        assert s.scalar(select(func.count()).select_from(m.EventRow)) == 1
