"""Bad input gets its documented error, and nothing already accepted changes."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.protocol import (
    API_PREFIX,
    MAX_BODY_BYTES,
    MAX_EVENTS_PER_PUSH,
    MAX_INFLATED_BYTES,
    PROTOCOL_VERSION,
    encode_push,
)
from ktpe_server import models as m

from .conftest import SCHOOL_A, World
from .helpers import Laptop, push, statuses

PUSH = f"{API_PREFIX}/sync/events"


def snapshot(world: World) -> list[tuple[Any, ...]]:
    with Session(world.engine) as s:
        events = [
            tuple(r)
            for r in s.execute(
                select(
                    m.EventRow.event_id, m.EventRow.hash, m.EventRow.state, m.EventRow.ingest_seq
                )
            )
        ]
        states = [
            tuple(r) for r in s.execute(select(m.StudentState.student_id, m.StudentState.status))
        ]
        devices = [
            tuple(r)
            for r in s.execute(
                select(m.Device.device_id, m.Device.contiguous_seq, m.Device.head_hash)
            )
        ]
    return sorted(events) + sorted(states) + sorted(devices)


@pytest.fixture
def accepted(client: TestClient, world: World, laptop: Laptop) -> list[tuple[Any, ...]]:
    """Two accepted events, and the database as it is with them."""
    evs = [laptop.write("recorded", sid) for sid in world.students[SCHOOL_A][:2]]
    assert statuses(push(client, laptop, evs).json()) == ["accepted", "accepted"]
    return snapshot(world)


def error_of(r: Any) -> str:
    body = r.json()
    assert set(body) == {"error", "server_time"}, body
    assert r.headers["x-server-time"]
    return str(body["error"]["code"])


def post(client: TestClient, laptop: Laptop, data: bytes, gz: bool = True) -> Any:
    headers = {**laptop.auth, "Content-Type": "application/json"}
    if gz:
        headers["Content-Encoding"] = "gzip"
    return client.post(PUSH, content=data, headers=headers)


def test_malformed_json(client: TestClient, world: World, laptop: Laptop, accepted: list) -> None:
    r = post(client, laptop, gzip.compress(b'{"v": 1, "chains": ['))
    assert r.status_code == 400 and error_of(r) == "invalid_json"
    r = post(client, laptop, b"not gzip at all")
    assert r.status_code == 400 and error_of(r) == "invalid_json"
    r = post(client, laptop, b'{"v": NaN}', gz=False)
    assert r.status_code == 400 and error_of(r) == "invalid_json"
    r = post(client, laptop, b'{"v": 1, "chains": [{"device_id": "\\ud800"}]}', gz=False)
    assert r.status_code == 400 and error_of(r) == "invalid_json"
    # enrolment with a broken body
    r = client.post(
        f"{API_PREFIX}/enrollments", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and error_of(r) == "invalid_json"
    assert snapshot(world) == accepted


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"v": 99, "chains": []},
        {"v": 1, "chains": "x"},
        {"v": 1, "chains": [{"device_id": 5}]},
        {
            "v": 1,
            "chains": [
                {
                    "device_id": "d",
                    "first_seq": 0,
                    "prev_hash": "0" * 64,
                    "operators": [],
                    "events": [],
                }
            ],
        },
        {
            "v": 1,
            "chains": [
                {
                    "device_id": "d",
                    "first_seq": 1,
                    "prev_hash": "0" * 64,
                    "operators": ["a"],
                    "events": [["recorded", "s", 5, 0, 0, 0, None, "0" * 64]],
                }
            ],
        },
        {
            "v": 1,
            "chains": [
                {
                    "device_id": "d",
                    "first_seq": 1,
                    "prev_hash": "0" * 64,
                    "operators": ["a"],
                    "events": [["recorded", "s", 0, "1", 0, 0, None, "0" * 64]],
                }
            ],
        },
        {
            "v": 1,
            "chains": [
                {
                    "device_id": "d",
                    "first_seq": 1,
                    "prev_hash": "0" * 64,
                    "operators": ["a" * 300],
                    "events": [["recorded", "s", 0, 1, 0, 0, None, "0" * 64]],
                }
            ],
        },
    ],
)
def test_wrong_types(
    client: TestClient, world: World, laptop: Laptop, accepted: list, body: Any
) -> None:
    if isinstance(body, dict) and body.get("v") == 1:
        body = {**body, "v": PROTOCOL_VERSION}
    r = post(client, laptop, gzip.compress(json.dumps(body).encode()))
    assert r.status_code == 422 and error_of(r) == "invalid_body"
    assert snapshot(world) == accepted


def test_an_old_protocol_gets_426_with_a_clear_message(
    client: TestClient, laptop: Laptop, accepted: list
) -> None:
    body = {"v": 1, "chains": []}
    r = post(client, laptop, gzip.compress(json.dumps(body).encode()))
    assert r.status_code == 426 and error_of(r) == "protocol_outdated"
    assert "perbarui aplikasi" in r.json()["error"]["message"]


def test_wrong_types_enrollment(client: TestClient) -> None:
    for body in (
        {},
        {"code": 5, "device_id": "x", "device_name": "y"},
        {"code": "ABCD", "device_id": "not-a-uuid", "device_name": "y"},
        {
            "code": "ABCD",
            "device_id": "3f0a7c1e-0000-4000-8000-000000000000",
            "device_name": "a\u0000b",
        },
    ):
        r = client.post(f"{API_PREFIX}/enrollments", json=body)
        assert r.status_code == 422 and error_of(r) == "invalid_body"


def test_oversized_body(client: TestClient, world: World, laptop: Laptop, accepted: list) -> None:
    import os

    r = post(client, laptop, os.urandom(MAX_BODY_BYTES + 1))
    assert r.status_code == 413 and error_of(r) == "payload_too_large"
    # too many events in one push
    evs = [
        laptop.write("absent", world.students[SCHOOL_A][0]) for _ in range(MAX_EVENTS_PER_PUSH + 1)
    ]
    body = encode_push(evs)
    r = post(client, laptop, gzip.compress(json.dumps(body).encode()))
    assert r.status_code == 413 and error_of(r) == "payload_too_large"
    assert snapshot(world) == accepted


def test_gzip_bomb(client: TestClient, world: World, laptop: Laptop, accepted: list) -> None:
    bomb = gzip.compress(b"[" + b" " * (MAX_INFLATED_BYTES * 4) + b"]", compresslevel=9)
    assert len(bomb) < MAX_BODY_BYTES
    r = post(client, laptop, bomb)
    assert r.status_code == 413 and error_of(r) == "payload_too_large"
    assert snapshot(world) == accepted


def test_unsupported_encoding(client: TestClient, laptop: Laptop) -> None:
    r = client.post(PUSH, content=b"{}", headers={**laptop.auth, "Content-Encoding": "br"})
    assert r.status_code == 415 and error_of(r) == "unsupported_encoding"


def test_not_found_and_method(client: TestClient) -> None:
    r = client.get(f"{API_PREFIX}/nope")
    assert r.status_code == 404 and error_of(r) == "not_found"
    r = client.delete(f"{API_PREFIX}/health")
    assert r.status_code == 405 and error_of(r) == "method_not_allowed"


def test_bad_query(client: TestClient, laptop: Laptop) -> None:
    r = client.get(f"{API_PREFIX}/sync/events", params={"cursor": "abc"}, headers=laptop.auth)
    assert r.status_code == 422 and error_of(r) == "invalid_body"
    r = client.get(f"{API_PREFIX}/sync/roster", params={"limit": 0}, headers=laptop.auth)
    assert r.status_code == 422 and error_of(r) == "invalid_body"


@contextmanager
def rate_limited_laptop(world: World, capacity: int) -> Iterator[tuple[TestClient, Laptop]]:
    """A server whose device buckets hold ``capacity`` requests (refilled at 0.01/s),
    and a laptop enrolled on it."""
    from ktpe_server.app import create_app
    from ktpe_server.config import Settings

    from .helpers import enroll

    app = create_app(
        Settings(db_url="x://", rate_capacity=capacity, rate_per_second=0.01),
        engine=world.engine,
        migrate=False,
    )
    with TestClient(app) as c:
        lap = Laptop()
        assert enroll(c, world.code(), lap).status_code == 200
        yield c, lap


def test_rate_limited(world: World) -> None:
    with rate_limited_laptop(world, 3) as (c, lap):
        codes = [
            c.get(f"{API_PREFIX}/sync/receipt", headers=lap.auth).status_code for _ in range(5)
        ]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        r = c.get(f"{API_PREFIX}/sync/receipt", headers=lap.auth)
        assert error_of(r) == "rate_limited" and int(r.headers["retry-after"]) >= 1


def test_token_bucket_and_last_seen_in_one_transaction(world: World) -> None:
    """The caller's token, rate bucket and last-seen time share one transaction: a
    refused request still spends (its bucket write is committed) but records no
    last-seen time, and an unknown token writes nothing at all."""
    from sqlalchemy import func, select, update

    from ktpe_server import models as m

    device_bucket = select(m.RateBucket.stamp).where(m.RateBucket.bucket.like("device:%"))
    with rate_limited_laptop(world, 2) as (c, lap):
        assert c.get(f"{API_PREFIX}/sync/receipt", headers=lap.auth).status_code == 200
        with world.engine.begin() as conn:
            conn.execute(update(m.Device).values(last_seen=None))
            stamp0 = conn.scalar(device_bucket)
        codes = [
            c.get(f"{API_PREFIX}/sync/receipt", headers=lap.auth).status_code for _ in range(3)
        ]
        assert codes[0] == 200 and codes[1:] == [429, 429]
        with world.engine.connect() as conn:
            stamp1 = conn.scalar(device_bucket)
            assert conn.scalar(select(m.Device.last_seen)) is None  # within a minute: kept
            buckets = conn.scalar(select(func.count()).select_from(m.RateBucket))
        assert stamp1 is not None and stamp0 is not None and stamp1 > stamp0  # refused, spent
        r = c.get(f"{API_PREFIX}/sync/receipt", headers={"Authorization": "Bearer nobody"})
        assert r.status_code == 401 and error_of(r) == "unauthorized"
        with world.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(m.RateBucket)) == buckets


@pytest.mark.allow_warnings("internal error RuntimeError")
def test_internal_error_leaks_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ktpe_server.app import create_app
    from ktpe_server.config import Settings

    app = create_app(Settings(db_url="x://"), engine=world.engine, migrate=False)

    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("secret NIK 3573046605060033")

    monkeypatch.setattr(app.state.ktpe.ingestor, "push", boom)
    from .helpers import enroll

    with TestClient(app, raise_server_exceptions=False) as c:
        lap = Laptop()
        enroll(c, world.code(), lap)
        r = push(c, lap, [lap.write("recorded", world.students[SCHOOL_A][0])])
        assert r.status_code == 500 and error_of(r) == "internal"
        assert "3573" not in r.text
    assert not any("3573" in rec.getMessage() for rec in caplog.records)
