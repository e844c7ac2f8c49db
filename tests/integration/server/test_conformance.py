"""The server side runs the conformance vectors of docs/conformance/ (issue 12).

On SQLite and PostgreSQL: the fold sets are pushed (signed with the published test
keys) and the server's states and anomalies must be the expected ones; the signed
pushes must get the expected status and code per row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_desktop.core.protocol import API_PREFIX, gzip_json
from ktpe_server import admin
from ktpe_server import models as m

from .conftest import World
from .helpers import SIGNING_KEYS, Laptop, enroll, push, statuses

VECTORS = Path(__file__).resolve().parents[3] / "docs" / "conformance"
FOLD = json.loads((VECTORS / "fold.json").read_text(encoding="utf-8"))
CHAINS = json.loads((VECTORS / "chains.json").read_text(encoding="utf-8"))
KEYS = json.loads((VECTORS / "keys.json").read_text(encoding="utf-8"))


def _devices(client: TestClient, world: World) -> dict[str, Laptop]:
    """Enrol the vectors' devices with their published test keys."""
    out = {}
    for d in KEYS["devices"]:
        lap = Laptop(device_id=d["device_id"], private_key=bytes.fromhex(d["private_key_hex"]))
        SIGNING_KEYS[lap.device_id] = lap.private_key
        r = enroll(client, world.code(), lap)
        assert r.status_code == 200, r.text
        out[lap.device_id] = lap
    return out


def _roster(world: World, students: list[str], school: str) -> None:
    admin.upsert_students(
        world.engine,
        [{"id": sid, "school_npsn": school, "name": f"SISWA {sid}"} for sid in students],
    )


@pytest.mark.parametrize("case", FOLD["cases"], ids=[c["name"] for c in FOLD["cases"]])
def test_fold_vectors_on_the_server(client: TestClient, world: World, case: dict[str, Any]) -> None:
    devices = _devices(client, world)
    events = {e["event_id"]: Event.from_json(e) for e in case["events"]}
    roster = sorted({ev.student_id for ev in events.values() if not ev.student_id.startswith("w-")})
    _roster(world, roster, FOLD["school_npsn"])
    for device_id, lap in devices.items():
        mine = sorted(
            (ev for ev in events.values() if ev.device_id == device_id), key=lambda e: e.seq
        )
        if mine:
            sts = statuses(push(client, lap, mine).json())
            assert set(sts) == {"accepted"}, sts
    with Session(world.engine) as s:
        for student, expected in case["expected"].items():
            state = s.get(m.StudentState, student)
            assert state is not None, student
            assert state.status == expected["status"], (case["name"], student)
            assert state.deciding_event_id == expected["deciding_event_id"]
            assert state.ikd_activated == expected["ikd_activated"]
            assert state.event_count == expected["event_count"]
            got = sorted(
                [a.code, sorted(a.event_ids.split(","))]
                for a in s.scalars(select(m.AnomalyRow).where(m.AnomalyRow.student_id == student))
            )
            assert got == expected["anomalies"], (case["name"], student)


@pytest.mark.parametrize("case", CHAINS["cases"], ids=[c["name"] for c in CHAINS["cases"]])
def test_chain_vectors_on_the_server(
    client: TestClient, world: World, case: dict[str, Any]
) -> None:
    devices = _devices(client, world)
    _roster(world, CHAINS["students"], CHAINS["school_npsn"])
    caller = next(iter(devices.values()))
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json", **caller.auth}
    r = client.post(f"{API_PREFIX}/sync/events", content=gzip_json(case["push"]), headers=headers)
    assert r.status_code == 200, r.text
    reply = r.json()
    codes = {p["seq"]: p["code"] for p in reply["problems"]}
    got = [{"status": st, "code": codes.get(i + 1, "")} for i, st in enumerate(statuses(reply))]
    assert got == [{"status": e["status"], "code": e["code"]} for e in case["expected"]]
