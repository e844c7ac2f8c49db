"""Test helpers: a simulated laptop that writes chained events, and push/pull calls."""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ktpe_desktop.core.events import GENESIS_HASH, Event, make_event
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.core.protocol import API_PREFIX, Segment, encode_push, gzip_json
from ktpe_desktop.core.signing import new_private_key, public_key_of, sign_segment

T0 = datetime(2024, 11, 20, 1, 0, tzinfo=UTC)

# Every simulated laptop's signing key, so that a relay's push carries the origin's
# signature as a real relay would (it received it with the pulled events).
SIGNING_KEYS: dict[str, bytes] = {}


def signatures(events: list[Event]) -> dict[str, list[Segment]]:
    """One signed segment per device run of ``events`` (with the origin's key, when known)."""
    by_device: dict[str, list[Event]] = {}
    for ev in events:
        by_device.setdefault(ev.device_id, []).append(ev)
    out: dict[str, list[Segment]] = {}
    for device_id, evs in by_device.items():
        key = SIGNING_KEYS.get(device_id)
        if key is None:
            continue
        evs = sorted(evs, key=lambda e: e.seq)
        sig = sign_segment(key, device_id, evs[0].seq, [e.hash for e in evs])
        out[device_id] = [Segment(device_id, evs[0].seq, evs[-1].seq, sig)]
    return out


@dataclass
class Laptop:
    """A device that writes events like the desktop app does (seq, chain, HLC)."""

    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = ""
    seq: int = 0
    head: str = GENESIS_HASH
    clock_ms: int = int(T0.timestamp() * 1000)
    written: list[Event] = field(default_factory=list)
    private_key: bytes = field(default_factory=new_private_key, repr=False)

    def __post_init__(self) -> None:
        SIGNING_KEYS.setdefault(self.device_id, self.private_key)  # the first one is real

    @property
    def public_key(self) -> str:
        return public_key_of(self.private_key)

    def write(
        self,
        kind: str,
        student_id: str,
        payload: dict[str, Any] | None = None,
        operator: str = "Petugas Satu",
    ) -> Event:
        self.seq += 1
        self.clock_ms += 1500
        ev = make_event(
            device_id=self.device_id,
            seq=self.seq,
            prev_hash=self.head,
            hlc=Hlc(self.clock_ms, 0),
            kind=kind,
            student_id=student_id,
            operator=operator,
            occurred_at=T0 + timedelta(milliseconds=self.clock_ms - int(T0.timestamp() * 1000)),
            payload=payload,
        )
        self.head = ev.hash
        self.written.append(ev)
        return ev

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def push_body(
    events: list[Event], *, compress: bool = True, with_hashes: bool = False
) -> tuple[bytes, dict[str, str]]:
    body = encode_push(events, signatures(events), with_hashes=with_hashes)
    if compress:
        return gzip_json(body), {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    return json.dumps(body).encode(), {"Content-Type": "application/json"}


def push(
    client: Any,
    laptop: Laptop,
    events: list[Event],
    headers: dict[str, str] | None = None,
    *,
    with_hashes: bool = False,
) -> Any:
    data, base = push_body(events, with_hashes=with_hashes)
    return client.post(
        f"{API_PREFIX}/sync/events",
        content=data,
        headers={**base, **laptop.auth, **(headers or {})},
    )


def statuses(reply: dict[str, Any]) -> list[str]:
    return [st for chain in reply["chains"] for st in chain["results"]]


def enroll(client: Any, code: str, laptop: Laptop, name: str = "Laptop") -> Any:
    r = client.post(
        f"{API_PREFIX}/enrollments",
        json={
            "code": code,
            "device_id": laptop.device_id,
            "device_name": name,
            "app_version": "0.1.0",
            "public_key": laptop.public_key,
        },
    )
    if r.status_code == 200:
        laptop.token = r.json()["token"]
    return r


def gunzip_json(data: bytes) -> Any:
    return json.loads(gzip.decompress(data))
