"""Conformance vectors of the sync protocol (docs/conformance/), and how to rebuild them.

Two files, plain JSON, for any implementation to run:

* ``fold.json`` -- event sets and, per student, the folded state and anomalies
  every party must compute (docs/sync-protocol.md, "The fold");
* ``chains.json`` -- signed pushes (with the origin devices' public keys) and the
  status and code the server gives each row; a verifier's verdict per row
  (``verified``: the row's hash recomputes and a valid segment signature covers it).

The keys are test keys derived from fixed seeds (``private_key_hex`` is given so
that a server test can sign a push of the fold sets); never use them anywhere else.

Rebuild (only when the protocol changes, then review the diff):
``python -m ktpe_desktop.core.conformance docs/conformance``. Both test suites
(``tests/unit/core/test_conformance.py`` for the laptop,
``tests/integration/server/test_conformance.py`` for the server) read the files
and never write them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ktpe_desktop.core.events import (
    GENESIS_HASH,
    Event,
    fold_status,
    make_event,
    reissue_payload,
)
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.core.protocol import Segment, encode_push
from ktpe_desktop.core.signing import public_key_of, sign_segment

T0 = datetime(2024, 11, 20, 1, 0, tzinfo=UTC)
SCHOOL = "20533660"
CAMPAIGN_REFERENCE_DATE = "2024-11-27"


def vector_key(name: str) -> bytes:
    """A fixed test key (NOT secret: published with the vectors)."""
    return hashlib.sha256(f"ktpe-conformance-{name}".encode()).digest()


DEVICES = {
    "A": "0a0a0a0a-0000-4000-8000-00000000000a",
    "B": "0b0b0b0b-0000-4000-8000-00000000000b",
}


@dataclass
class Writer:
    """Writes one device's chain with fixed times (deterministic vectors)."""

    name: str
    seq: int = 0
    head: str = GENESIS_HASH
    ms: int = 0
    events: list[Event] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        return DEVICES[self.name]

    def write(
        self, kind: str, student: str, payload: dict[str, Any] | None = None, *, at_s: int = 0
    ) -> Event:
        self.seq += 1
        self.ms = max(self.ms + 1000, at_s * 1000)
        when = T0 + timedelta(milliseconds=self.ms)
        ev = make_event(
            device_id=self.device_id,
            seq=self.seq,
            prev_hash=self.head,
            hlc=Hlc(int(when.timestamp() * 1000), 0),
            kind=kind,
            student_id=student,
            operator=f"Petugas {self.name}",
            occurred_at=when,
            payload=payload,
        )
        self.head = ev.hash
        self.events.append(ev)
        return ev


def vector_state(student: str, events: list[Event]) -> dict[str, Any]:
    """The fold of ``student`` as the vectors write it (and as every implementation
    compares it)."""
    st = fold_status(student, events)
    return {
        "status": st.status.value,
        "reason": st.reason,
        "deciding_event_id": st.deciding_event_id,
        "ikd_activated": st.ikd_activated,
        "details": dict(st.details),
        "added_by_event_id": st.added_by_event_id,
        "event_count": st.event_count,
        "anomalies": sorted([a.code.value, sorted(a.event_ids)] for a in st.anomalies),
    }


# ------------------------------------------------------------------ fold cases


def _precedence() -> list[Event]:
    a, b = Writer("A"), Writer("B")
    a.write("absent", "S1", at_s=10)
    b.write("recorded", "S1", at_s=20)
    a.write("absent", "S1", at_s=30)  # a late absent cannot undo a recording
    a.write("failed", "S2", {"reason": "no_kk"}, at_s=40)
    b.write("not_eligible", "S2", {"reason": "under_age"}, at_s=50)
    return a.events + b.events


def _recorded_twice() -> list[Event]:
    a, b = Writer("A"), Writer("B")
    b.write("recorded", "S1", at_s=10)  # the earliest in (hlc, device, event_id) decides
    a.write("recorded", "S1", at_s=20)
    a.write("recorded", "S2", at_s=30)
    b.write("not_eligible", "S2", {"reason": "under_age"}, at_s=40)
    a.write("already_recorded", "S3", at_s=50)
    b.write("recorded", "S3", at_s=60)
    return a.events + b.events


def _voids() -> list[Event]:
    a, b = Writer("A"), Writer("B")
    a.write("absent", "S1", at_s=10)
    rec = b.write("recorded", "S1", at_s=20)
    undo = a.write("voided", "S1", {"target_event_id": rec.event_id, "reason": "salah siswa"})
    # a void of a void is an anomaly and changes nothing
    b.write("voided", "S1", {"target_event_id": undo.event_id, "reason": "batal"}, at_s=40)
    return a.events + b.events


def _ikd() -> list[Event]:
    a = Writer("A")
    a.write("ikd_activated", "S1", at_s=10)
    a.write("recorded", "S2", at_s=20)
    a.write("ikd_activated", "S2", at_s=30)
    return a.events


def _walk_in() -> list[Event]:
    a, b = Writer("A"), Writer("B")
    a.write(
        "student_added",
        "w-1",
        {"name": "RINA MARLINA", "school_npsn": SCHOOL, "class_name": "XII IPA 1"},
        at_s=10,
    )
    b.write("details_corrected", "w-1", {"changes": {"name": "RINA MARLINAWATI"}}, at_s=20)
    a.write("details_corrected", "w-1", {"changes": {"class_name": "XII IPA 2"}}, at_s=30)
    a.write("recorded", "w-1", at_s=40)
    return a.events + b.events


def _duplicate_identifier() -> list[Event]:
    # A lead saved a walk-in although its NISN belongs to roster student S2: kept,
    # flagged for the office (payload duplicate_of); details fields only, the rest ignored.
    a = Writer("A")
    a.write(
        "student_added",
        "w-2",
        {"name": "ADI", "school_npsn": SCHOOL, "nisn": "0012345678", "duplicate_of": "S2"},
        at_s=10,
    )
    a.write("details_corrected", "w-2", {"changes": {"sex": "L"}}, at_s=20)
    a.write("recorded", "w-2", at_s=30)
    return a.events


def _duplicates() -> list[Event]:
    a = Writer("A")
    a.write("absent", "S1", at_s=10)
    a.write("recorded", "S1", at_s=20)
    return a.events + list(reversed(a.events))  # order and duplicates change nothing


def _reissue() -> list[Event]:
    # A lost its last events in a crash; the laptop, re-enrolled as B, re-issued the
    # ones the server never got, each with a reference to its original (issue 17).
    a, b = Writer("A"), Writer("B")
    x1 = a.write("recorded", "S1", at_s=10)
    x3 = a.write("recorded", "S3", at_s=30)
    x4 = a.write("recorded", "S4", at_s=40)
    # A's tail (seq 4-5) never reached anyone but through its re-issues.
    x2 = a.write("absent", "S2", at_s=45)
    v4 = a.write("voided", "S4", {"target_event_id": x4.event_id, "reason": "salah siswa"})
    b.write(x1.kind, "S1", reissue_payload(x1), at_s=60)  # the original is here: one fact
    b.write(x2.kind, "S2", reissue_payload(x2), at_s=70)  # it stands for the lost original
    other = {**reissue_payload(x3), "reissue_of": {**reissue_payload(x3)["reissue_of"]}}
    other["reissue_of"]["hash"] = "f" * 64  # another content under that id: another fact
    b.write("recorded", "S3", other, at_s=80)
    b.write(v4.kind, "S4", reissue_payload(v4), at_s=90)  # void of the original via its copy
    return [x1, x3, x4, *b.events]


FOLD_CASES: dict[str, tuple[str, Callable[[], list[Event]]]] = {
    "precedence": ("recorded > already_recorded > failed > not_eligible > absent", _precedence),
    "recorded_twice": ("contradictions become anomalies; the earliest decides", _recorded_twice),
    "voids": ("a void removes its target; a void of a void is an anomaly", _voids),
    "ikd": ("IKD without a recorded card is an anomaly", _ikd),
    "walk_in": ("student_added gives details; later corrections win per field", _walk_in),
    "duplicates": ("a set: order and duplicates do not matter", _duplicates),
    "duplicate_identifier": (
        "a walk-in saved with another student's NISN/NIK (duplicate_of) is an anomaly; "
        "only detail fields enter the details",
        _duplicate_identifier,
    ),
    "reissue": (
        "a re-issue and its original (same hash) are one fact; voids reach both",
        _reissue,
    ),
}


def fold_vectors() -> dict[str, Any]:
    cases = []
    for name, (what, build) in FOLD_CASES.items():
        events = build()
        students = sorted({ev.student_id for ev in events})
        cases.append(
            {
                "name": name,
                "what": what,
                "events": [ev.to_json() for ev in events],
                "expected": {sid: vector_state(sid, events) for sid in students},
            }
        )
    return {"version": 1, "school_npsn": SCHOOL, "cases": cases}


# ------------------------------------------------------------------ chain cases


def _signed(name: str, events: list[Event], *, key: str | None = None) -> dict[str, list[Segment]]:
    first = events[0]
    sig = sign_segment(
        vector_key(key or name), first.device_id, first.seq, [e.hash for e in events]
    )
    return {first.device_id: [Segment(first.device_id, first.seq, events[-1].seq, sig)]}


def chain_vectors() -> dict[str, Any]:
    cases: list[dict[str, Any]] = []

    def case(
        name: str, what: str, body: dict[str, Any], results: list[tuple[str, str, bool]]
    ) -> None:
        cases.append(
            {
                "name": name,
                "what": what,
                "push": body,
                "expected": [
                    {"status": st, "code": code, "verified": ok} for st, code, ok in results
                ],
            }
        )

    a = Writer("A")
    good = [a.write("absent", f"S{i}", at_s=10 * i) for i in range(1, 4)]
    case(
        "signed_chain",
        "a chain signed by its origin is accepted",
        encode_push(good, _signed("A", good)),
        [("accepted", "", True)] * 3,
    )
    a2 = Writer("A")
    evs = [a2.write("absent", f"S{i}", at_s=10 * i) for i in range(1, 4)]
    case(
        "signed_by_another_device",
        "a teammate cannot write the origin's chain: signed with B's key",
        encode_push(evs, _signed("A", evs, key="B")),
        [("chain_broken", "bad_signature", False)] * 3,
    )
    case(
        "unsigned",
        "a chain without signatures is refused",
        encode_push(evs),
        [("chain_broken", "unsigned", False)] * 3,
    )
    a3 = Writer("A")
    evs3 = [a3.write("absent", f"S{i}", at_s=10 * i) for i in range(1, 5)]
    first_half, second_half = evs3[:2], evs3[2:]
    sig1 = _signed("A", first_half)[DEVICES["A"]][0]
    sig2 = _signed("A", second_half, key="B")[DEVICES["A"]][0]
    case(
        "second_segment_forged",
        "segments are checked in order; rows from the first bad one are refused",
        encode_push(evs3, {DEVICES["A"]: [sig1, sig2]}),
        [("accepted", "", True)] * 2 + [("chain_broken", "bad_signature", False)] * 2,
    )
    a4 = Writer("A")
    evs4 = [a4.write("absent", f"S{i}", at_s=10 * i) for i in range(1, 3)]
    body = encode_push(evs4, _signed("A", evs4))
    body["chains"][0]["events"][1][6] = {"note": "diubah"}  # content changed after signing
    case(
        "content_changed",
        "a row changed after signing: its hash, computed from its content, is no longer "
        "the one signed, so the segment's signature fails for every row of the segment",
        body,
        [("chain_broken", "bad_signature", False)] * 2,
    )
    body = encode_push(evs4, _signed("A", evs4), with_hashes=True)
    body["chains"][0]["events"][1][6] = {"note": "diubah"}  # the claimed hash is the signed one
    case(
        "content_changed_claimed_hash",
        "rows with the optional claimed hash (8th item): the signature holds over the "
        "claimed hashes, and the changed row does not hash to its claim",
        body,
        [("accepted", "", True), ("chain_broken", "bad_hash", False)],
    )
    a5 = Writer("A")
    evs5 = [a5.write("absent", f"S{i}", at_s=10 * i) for i in range(1, 4)]
    body = encode_push(evs5, _signed("A", evs5), with_hashes=True)
    case(
        "claimed_hashes",
        "the same chain with every row's claimed hash (8th item) is accepted",
        body,
        [("accepted", "", True)] * 3,
    )
    return {
        "version": 1,
        "school_npsn": SCHOOL,
        "students": [f"S{i}" for i in range(1, 6)],
        "devices": [
            {"name": n, "device_id": d, "public_key": public_key_of(vector_key(n))}
            for n, d in DEVICES.items()
        ],
        "cases": cases,
    }


def keys_vector() -> dict[str, Any]:
    return {
        "note": "TEST KEYS, published on purpose: never use them for a real device.",
        "devices": [
            {
                "name": n,
                "device_id": d,
                "private_key_hex": vector_key(n).hex(),
                "public_key": public_key_of(vector_key(n)),
            }
            for n, d in DEVICES.items()
        ],
    }


def write_all(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in (
        ("fold.json", fold_vectors()),
        ("chains.json", chain_vectors()),
        ("keys.json", keys_vector()),
    ):
        text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        (out_dir / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/conformance"))
