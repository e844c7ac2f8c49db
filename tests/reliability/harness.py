"""A small world for sync tests: an embedded server, laptops (data folders), helpers.

Every address is 127.0.0.1. Laptops use the fast test KDF (``KTPE_FAST_KDF=1``).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("KTPE_FAST_KDF", "1")

from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import EventKind, FailReason, NotEligibleReason
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as lm
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync.client import SyncClient, Timeouts
from ktpe_server import admin
from ktpe_server import models as sm
from ktpe_server.config import Settings
from ktpe_server.embedded import EmbeddedServer, start_embedded
from tests import timing

PASSWORD = "rahasia-uji-123"
TEAM = "tim-01"
UNLIMITED = dict(
    rate_capacity=1e9, rate_per_second=1e9, enroll_rate_capacity=1e9, enroll_rate_per_second=1e9
)
# Short enough to keep fault tests quick, scaled on a busy machine (tests/timing.py);
# the fault proxy's hangs (30 s) outlast them.
FAST = Timeouts(connect=timing.seconds(2.0), read=timing.seconds(3.0), probe=timing.seconds(1.0))

OUTCOMES = (
    (EventKind.RECORDED, None),
    (EventKind.ABSENT, None),
    (EventKind.ALREADY_RECORDED, None),
    (EventKind.FAILED, FailReason.SIAK_OFFLINE.value),
    (EventKind.NOT_ELIGIBLE, NotEligibleReason.UNDER_AGE.value),
)


def start_server(tmp: Path, *, students: int = 1000, name: str = "server.db") -> EmbeddedServer:
    """An embedded server on SQLite with a small demo roster and no rate limits."""
    db_url = f"sqlite:///{tmp / name}"
    admin.seed_demo(db_url, students=students, schools_per_team=3)
    return start_embedded(db_url, settings=Settings(db_url=db_url, **UNLIMITED))


def client_factory(timeouts: Timeouts = FAST) -> Any:
    def make(url: str, token: str | None, ca_file: str | None) -> SyncClient:
        return SyncClient(url, token=token, ca_file=ca_file, timeouts=timeouts)

    return make


@dataclass
class Laptop:
    name: str
    data_dir: Path
    store: Store
    service: SyncService
    recording: RecordingService
    operator: str = "petugas-1"
    written: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.service.close()
        self.store.close()


def new_laptop(
    tmp: Path, name: str, *, timeouts: Timeouts = FAST, batch_size: int | None = None
) -> Laptop:
    data_dir = tmp / name
    store = Store.create(data_dir, "koordinator", PASSWORD)
    return _wrap(name, data_dir, store, timeouts, batch_size)


def reopen(lap: Laptop, *, timeouts: Timeouts = FAST, batch_size: int | None = None) -> Laptop:
    """Drop every in-memory state and open the data folder again (a restart)."""
    lap.close()
    store = Store.open(lap.data_dir, "koordinator", PASSWORD)
    new = _wrap(lap.name, lap.data_dir, store, timeouts, batch_size)
    new.written = lap.written
    return new


def _wrap(
    name: str, data_dir: Path, store: Store, timeouts: Timeouts, batch_size: int | None
) -> Laptop:
    service = SyncService(store, client_factory=client_factory(timeouts), batch_size=batch_size)
    return Laptop(name, data_dir, store, service, RecordingService(store))


def enrol(lap: Laptop, url: str, db_url: str, team: str = TEAM, **kw: Any) -> None:
    code = admin.make_enroll_code(db_url, team)
    lap.service.enrol(url, code, **kw)


def team_students(db_url: str, team: str = TEAM) -> list[str]:
    npsns = set(admin.demo_school_npsns(db_url, team))
    with Session(admin.engine_for(db_url)) as s:
        return sorted(s.scalars(select(sm.Student.id).where(sm.Student.school_npsn.in_(npsns))))


def record_random(lap: Laptop, n: int, rng: random.Random, students: list[str]) -> list[str]:
    """Write ``n`` outcomes for random students; returns the event ids."""
    ids = []
    for _ in range(n):
        kind, reason = rng.choice(OUTCOMES)
        saved = lap.recording.record_outcome(
            rng.choice(students), kind, lap.operator, reason=reason
        )
        ids.append(saved.event_id)
    lap.written.extend(ids)
    return ids


def local_students(lap: Laptop) -> list[str]:
    with lap.store.session() as s:
        return sorted(s.scalars(select(lm.Student.id).where(lm.Student.deleted.is_(False))))


# --------------------------------------------------------------------------- checks


def server_events(db_url: str) -> list[tuple[str, str, int, str]]:
    """(event_id, device_id, seq, hash) of every event the server holds."""
    with Session(admin.engine_for(db_url)) as s:
        return [
            tuple(r)  # type: ignore[misc]
            for r in s.execute(
                select(
                    sm.EventRow.event_id, sm.EventRow.device_id, sm.EventRow.seq, sm.EventRow.hash
                )
            )
        ]


def server_states(db_url: str) -> dict[str, tuple[str, str | None, bool]]:
    with Session(admin.engine_for(db_url)) as s:
        return {
            r.student_id: (r.status, r.deciding_event_id, bool(r.ikd_activated))
            for r in s.scalars(select(sm.StudentState))
            if r.event_count
        }


def local_states(lap: Laptop) -> dict[str, tuple[str, str | None, bool]]:
    with lap.store.session() as s:
        return {
            r.student_id: (str(r.status.value), r.deciding_event_id, bool(r.ikd_activated))
            for r in s.scalars(select(lm.StudentState))
            if r.event_count
        }


def local_event_ids(lap: Laptop) -> set[str]:
    with lap.store.session() as s:
        return set(s.scalars(select(lm.EventRow.event_id)))


def outbox_statuses(lap: Laptop) -> dict[str, str]:
    with lap.store.session() as s:
        return {o.event_id: str(o.status.value) for o in s.scalars(select(lm.Outbox))}


def assert_exactly_once(db_url: str, laptops: Iterable[Laptop]) -> None:
    events = server_events(db_url)
    ids = [e[0] for e in events]
    assert len(ids) == len(set(ids)), "an event is stored twice on the server"
    pairs = [(e[1], e[2]) for e in events]
    assert len(pairs) == len(set(pairs)), "a (device, seq) is stored twice on the server"
    written = set()
    for lap in laptops:
        written |= set(lap.written)
    assert set(ids) == written, (
        f"server has {len(set(ids) - written)} unknown, misses {len(written - set(ids))}"
    )


@contextmanager
def world(tmp: Path, *, students: int = 1000) -> Iterator[tuple[EmbeddedServer, str]]:
    server = start_server(tmp, students=students)
    try:
        yield server, server.db_url
    finally:
        server.stop()


def dump(obj: Any) -> str:
    return json.dumps(obj, default=str, indent=1)[:2000]
