"""fold_status against its first definition (issue 12 made it faster: a fold without
any re-issue skips the re-issue bookkeeping, outcome kinds are looked up as strings).

The first definition is kept here verbatim as the reference; random sets of events of
every kind (walk-ins, corrections, voids of anything, re-issues by another device, of
events present, absent or held with other content) must fold to the same state.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ktpe_desktop.core.events import (
    DETAIL_FIELDS,
    OUTCOME_KINDS,
    PRECEDENCE,
    Anomaly,
    AnomalyCode,
    Event,
    EventKind,
    FoldState,
    _alias_rank,
    event_order_key,
    fold_status,
    make_event,
    outcome_root,
    reissue_payload,
)
from ktpe_desktop.core.hlc import Hlc

STUDENT = "S1"
T0 = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)


def first_fold_status(student_id: str, events: Iterable[Event]) -> FoldState:
    """The fold as first written (before issue 12), the reference."""
    held_by_id: dict[str, Event] = {}
    for ev in events:
        if ev.student_id == student_id:
            held = held_by_id.get(ev.event_id)
            if held is None or ev.hash < held.hash:
                held_by_id[ev.event_id] = ev
    # A re-issued event and its original are one fact: one of them is folded.
    root = {eid: outcome_root(ev, held_by_id) for eid, ev in held_by_id.items()}
    unique: dict[str, Event] = {}
    for eid, ev in held_by_id.items():
        kept = unique.get(root[eid])
        if kept is None or _alias_rank(ev, root[eid]) < _alias_rank(kept, root[eid]):
            unique[root[eid]] = ev
    ordered = sorted(unique.values(), key=event_order_key)
    anomalies: list[Anomaly] = []

    voided: set[str] = set()
    for ev in ordered:
        if ev.kind != EventKind.VOIDED:
            continue
        target = str(ev.payload.get("target_event_id", ""))
        target = root.get(target, target)
        target_ev = unique.get(target)
        if target_ev is not None and target_ev.kind == EventKind.VOIDED:
            anomalies.append(Anomaly(AnomalyCode.VOID_OF_VOID, (ev.event_id, target_ev.event_id)))
            continue
        voided.add(target)

    effective = [
        ev for ev in ordered if root[ev.event_id] not in voided and ev.kind != EventKind.VOIDED
    ]

    details: dict[str, Any] = {}
    added_by: str | None = None
    best: Event | None = None
    best_rank = 0
    recorded: list[Event] = []
    not_eligible: list[Event] = []
    already: list[Event] = []
    ikd: list[Event] = []
    duplicates: list[Event] = []
    for ev in effective:
        kind = ev.kind
        if kind == EventKind.STUDENT_ADDED:
            if added_by is None:
                added_by = ev.event_id
            if ev.payload.get("duplicate_of"):
                duplicates.append(ev)
            for key, value in ev.payload.items():
                if key in DETAIL_FIELDS:
                    details.setdefault(key, value)
        elif kind == EventKind.DETAILS_CORRECTED:
            changes = ev.payload.get("changes", {})
            if isinstance(changes, Mapping):
                for key, value in changes.items():
                    if key in DETAIL_FIELDS:
                        details[key] = value
        elif kind == EventKind.IKD_ACTIVATED:
            ikd.append(ev)
        elif kind in OUTCOME_KINDS:
            status = OUTCOME_KINDS[EventKind(kind)]
            rank = PRECEDENCE[status]
            # Highest precedence wins; among equals the earliest in the total order
            # decides (the first recording is the recording).
            if rank > best_rank:
                best, best_rank = ev, rank
            if kind == EventKind.RECORDED:
                recorded.append(ev)
            elif kind == EventKind.NOT_ELIGIBLE:
                not_eligible.append(ev)
            elif kind == EventKind.ALREADY_RECORDED:
                already.append(ev)

    if len(recorded) > 1:
        anomalies.append(Anomaly(AnomalyCode.RECORDED_TWICE, tuple(e.event_id for e in recorded)))
    if recorded and not_eligible:
        anomalies.append(
            Anomaly(
                AnomalyCode.RECORDED_AND_NOT_ELIGIBLE,
                tuple(e.event_id for e in recorded + not_eligible),
            )
        )
    if recorded and already:
        anomalies.append(
            Anomaly(
                AnomalyCode.RECORDED_AND_ALREADY_RECORDED,
                tuple(e.event_id for e in recorded + already),
            )
        )
    if ikd and not (recorded or already):
        anomalies.append(Anomaly(AnomalyCode.IKD_WITHOUT_CARD, tuple(e.event_id for e in ikd)))
    if duplicates:
        anomalies.append(
            Anomaly(AnomalyCode.DUPLICATE_IDENTIFIER, tuple(e.event_id for e in duplicates))
        )

    last_hlc = ordered[-1].hlc if ordered else None
    if best is None:
        return FoldState(
            student_id=student_id,
            ikd_activated=bool(ikd),
            details=details,
            added_by_event_id=added_by,
            anomalies=tuple(anomalies),
            event_count=len(ordered),
            last_hlc=last_hlc,
        )
    reason = best.payload.get("reason")
    return FoldState(
        student_id=student_id,
        status=OUTCOME_KINDS[EventKind(best.kind)],
        reason=str(reason) if reason is not None else None,
        deciding_event_id=best.event_id,
        decided_at=best.occurred_at,
        decided_by_device=best.device_id,
        decided_by_operator=best.operator,
        ikd_activated=bool(ikd),
        details=details,
        added_by_event_id=added_by,
        anomalies=tuple(anomalies),
        event_count=len(ordered),
        last_hlc=last_hlc,
    )


SIMPLE = [
    ("recorded", {}),
    ("already_recorded", {}),
    ("absent", {}),
    ("not_eligible", {"reason": "under_age"}),
    ("failed", {"reason": "no_kk"}),
    ("ikd_activated", {}),
    ("details_corrected", {"changes": {"name": "B", "class_name": "X"}}),
    ("student_added", {"name": "P", "school_npsn": "20533701", "duplicate_of": "S9"}),
    ("student_added", {"name": "Q", "school_npsn": "20533702"}),
]


def random_events(rnd: random.Random) -> list[Event]:
    """Events of a few devices about STUDENT (and another student), with voids and
    re-issues (of held events, of events left out, of events held with other content)."""
    pool: list[Event] = []
    held: list[Event] = []
    for d in range(rnd.randint(1, 3)):
        device = f"dev-{d}"
        for seq in range(1, rnd.randint(1, 7)):
            roll = rnd.random()
            if roll < 0.15 and pool:
                kind, payload = "voided", {"target_event_id": rnd.choice(pool).event_id}
            elif roll < 0.35 and pool:
                original = rnd.choice(pool)
                kind, payload = original.kind, reissue_payload(original)
            else:
                kind, payload = rnd.choice(SIMPLE)
            ev = make_event(
                device_id=device,
                seq=seq,
                prev_hash="0" * 64,
                hlc=Hlc(1_732_700_000_000 + rnd.randint(0, 4), rnd.randint(0, 2)),
                kind=kind,
                student_id=STUDENT if rnd.random() > 0.1 else "OTHER",
                operator=f"op-{d}",
                occurred_at=T0 + timedelta(seconds=rnd.randint(0, 9)),
                payload=payload,
            )
            pool.append(ev)
            roll = rnd.random()
            if roll < 0.8:
                held.append(ev)  # else: an original the server never got
            if roll < 0.05:
                held.append(replace(ev, hash=f"{rnd.getrandbits(256):064x}"))  # other content
    return held


@settings(max_examples=500, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_fold_status_folds_as_its_first_definition(seed: int) -> None:
    rnd = random.Random(seed)
    events = random_events(rnd)
    rnd.shuffle(events)
    assert fold_status(STUDENT, events) == first_fold_status(STUDENT, events)


def test_a_plain_fold_of_one_event() -> None:
    ev = make_event(
        device_id="dev",
        seq=1,
        prev_hash="0" * 64,
        hlc=Hlc(1_732_700_000_000, 0),
        kind="recorded",
        student_id=STUDENT,
        operator="op",
        occurred_at=T0,
    )
    assert fold_status(STUDENT, [ev]) == first_fold_status(STUDENT, [ev])
    assert fold_status(STUDENT, []) == first_fold_status(STUDENT, [])
