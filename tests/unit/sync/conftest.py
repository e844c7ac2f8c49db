"""Fixtures for the sync unit tests: a fresh store with a tiny roster, a fake server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("KTPE_FAST_KDF", "1")

import pytest

from ktpe_desktop.core.events import Event
from ktpe_desktop.core.protocol import (
    ItemProblem,
    ItemStatus,
    LedgerHead,
    PushReply,
    decode_push,
)
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage.repositories import bulk_insert_students
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.errors import SyncError

SCHOOL = "20533701"
STUDENTS = [f"s-{i:03d}" for i in range(6)]
NOW = "2024-11-20T03:00:00.000Z"

Policy = Callable[[Event], tuple[ItemStatus, str, str] | None]


@dataclass
class FakeServer:
    """An in-memory server for the engine: accepts, duplicates, refuses by policy."""

    held: dict[str, Event] = field(default_factory=dict)
    policy: Policy | None = None
    fail_next: list[BaseException] = field(default_factory=list)
    fail_after_commit: list[BaseException] = field(default_factory=list)
    roster_pages: list[dict[str, Any]] = field(default_factory=list)
    event_pages: list[dict[str, Any]] = field(default_factory=list)
    pushes: int = 0
    clock_skew_s: float | None = 0.0
    lose_after: int | None = None  # forget events with seq > this (data loss)
    public_key: str | None = None  # the laptop's key, once registered

    def contiguous(self, device_id: str) -> tuple[int, str]:
        seq, head = 0, "0" * 64
        by_seq = {e.seq: e for e in self.held.values() if e.device_id == device_id}
        while seq + 1 in by_seq:
            seq += 1
            head = by_seq[seq].hash
        return seq, head


@dataclass
class FakeClient:
    server: FakeServer
    clock_skew_s: float | None = None
    outbox_report: tuple[int, int] | None = None

    def report_outbox(self, unsent: int, quarantined: int) -> None:
        self.outbox_report = (unsent, quarantined)

    def push(self, body: dict[str, Any]) -> PushReply:
        if self.server.fail_next:
            raise self.server.fail_next.pop(0)
        self.server.pushes += 1
        statuses: dict[str, ItemStatus] = {}
        problems = []
        ledger = {}
        for chain in decode_push(body):
            for ev in chain:
                verdict = self.server.policy(ev) if self.server.policy else None
                if verdict is not None:
                    st, code, msg = verdict
                    statuses[ev.event_id] = st
                    if st is ItemStatus.REJECTED:  # kept in the ledger, not applied
                        self.server.held[ev.event_id] = ev
                    problems.append(ItemProblem(ev.event_id, ev.device_id, ev.seq, st, code, msg))
                    continue
                c, _ = self.server.contiguous(ev.device_id)
                if ev.event_id in self.server.held:
                    statuses[ev.event_id] = ItemStatus.DUPLICATE
                elif ev.seq > c + 1:
                    statuses[ev.event_id] = ItemStatus.SEQ_GAP
                else:
                    self.server.held[ev.event_id] = ev
                    statuses[ev.event_id] = ItemStatus.ACCEPTED
            if chain:
                ledger[chain[0].device_id] = LedgerHead(*self.server.contiguous(chain[0].device_id))
        self.clock_skew_s = self.server.clock_skew_s
        if self.server.fail_after_commit:
            raise self.server.fail_after_commit.pop(0)
        return PushReply(NOW, statuses, tuple(problems), ledger)

    def roster(self, cursor: str | None, limit: int) -> dict[str, Any]:
        if self.server.fail_next:
            raise self.server.fail_next.pop(0)
        i = int(cursor or 0)
        if i < len(self.server.roster_pages):
            page = dict(self.server.roster_pages[i])
            page["next_cursor"] = str(i + 1)
            page["has_more"] = i + 1 < len(self.server.roster_pages)
            return page
        return {"next_cursor": cursor or "0", "has_more": False, "students": []}

    def pull_events(self, cursor: str | None, limit: int) -> dict[str, Any]:
        i = int(cursor or 0)
        if i < len(self.server.event_pages):
            page = dict(self.server.event_pages[i])
            page["next_cursor"] = str(i + 1)
            page["has_more"] = i + 1 < len(self.server.event_pages)
            return page
        return {"events": [], "next_cursor": cursor or "0", "has_more": False}

    def receipt(self) -> dict[str, Any]:
        if self.server.lose_after is not None:
            for eid in [e for e, ev in self.server.held.items() if ev.seq > self.server.lose_after]:
                del self.server.held[eid]
            self.server.lose_after = None
        devices = {e.device_id for e in self.server.held.values()}
        device = next(iter(devices), "")
        c, head = self.server.contiguous(device) if device else (0, "0" * 64)
        return {
            "device_id": device,
            "contiguous_seq": c,
            "head_hash": head,
            "counts_per_school": {},
            "server_time": NOW,
        }

    def health(self) -> dict[str, Any]:
        return {"status": "ok"}

    def register_key(self, public_key: str) -> dict[str, Any]:
        self.server.public_key = public_key
        return {"public_key": public_key}

    def close(self) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store.create(tmp_path / "laptop", "koordinator", "rahasia-uji-123")
    with st.transaction() as s:
        from ktpe_desktop.storage import models as m

        s.add(m.School(npsn=SCHOOL, name="SMA NEGERI 1 MALANG"))
        s.flush()
        bulk_insert_students(
            s,
            [
                {
                    "id": sid,
                    "school_npsn": SCHOOL,
                    "name": f"SISWA {i}",
                    "nik": f"35730{i:011d}",
                    "nisn": f"00{i:08d}",
                    "sex": "L" if i % 2 else "P",
                    "class_name": "XII IPA 1",
                }
                for i, sid in enumerate(STUDENTS)
            ],
        )
    yield st
    st.close()


@pytest.fixture
def fake_server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def service(store: Store, fake_server: FakeServer) -> Iterator[SyncService]:
    def factory(url: str, token: str | None, ca: str | None) -> Any:
        return FakeClient(fake_server)

    with store.transaction() as s:
        keys.put(s, keys.SERVER_URL, "https://ktpe.example.go.id")
        keys.put(s, keys.TOKEN, "token-uji")
        keys.put(s, keys.TEAM, "1")
    svc = SyncService(store, client_factory=factory, batch_size=4)
    yield svc
    svc.close()


@pytest.fixture
def recording(store: Store) -> RecordingService:
    return RecordingService(store)


def write(recording: RecordingService, n: int, kind: str = "recorded") -> list[str]:
    return [
        recording.record_outcome(STUDENTS[i % len(STUDENTS)], kind, "petugas").event_id
        for i in range(n)
    ]


__all__ = ["FakeClient", "FakeServer", "SyncError", "write"]
