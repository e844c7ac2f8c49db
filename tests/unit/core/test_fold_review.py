"""The fold is a function of the *set* of events, for every kind (walk-ins, corrections,
voids of voids, voids of other students' events) and even for a corrupt set holding two
different events under one id."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ktpe_desktop.core.events import GENESIS_HASH, Event, Status, fold_status, make_event
from ktpe_desktop.core.hlc import Hlc

STUDENT = "S1"
T0 = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)

simple = st.sampled_from(
    [
        ("recorded", {}),
        ("already_recorded", {}),
        ("absent", {}),
        ("not_eligible", {"reason": "under_age"}),
        ("failed", {"reason": "no_kk"}),
        ("ikd_activated", {}),
    ]
)
details = st.builds(
    lambda name, cls: ("details_corrected", {"changes": {"name": name, "class_name": cls}}),
    st.sampled_from(["A", "B", "C"]),
    st.sampled_from(["X", "Y"]),
)
added = st.builds(
    lambda name: ("student_added", {"name": name, "school_npsn": "20533701"}),
    st.sampled_from(["P", "Q"]),
)
kinds = st.one_of(simple, details, added, st.just(("void", {})))


def build(
    device: str, specs: list[tuple[str, dict]], start_ms: int, rnd: random.Random, pool: list[Event]
) -> list[Event]:
    out: list[Event] = []
    prev = GENESIS_HASH
    for i, (kind, payload) in enumerate(specs, start=1):
        student = STUDENT if rnd.random() > 0.1 else "OTHER"
        if kind == "void":
            if not pool:
                continue
            target = rnd.choice(pool)  # any event so far, a void or another student's too
            kind, payload = "voided", {"target_event_id": target.event_id, "reason": "salah"}
        ev = make_event(
            device_id=device,
            seq=len(out) + 1,
            prev_hash=prev,
            hlc=Hlc(start_ms + rnd.randint(0, 3), rnd.randint(0, 2)),  # ties across devices
            kind=kind,
            student_id=student,
            operator=f"op-{device}",
            occurred_at=T0 + timedelta(seconds=i),
            payload=payload,
        )
        out.append(ev)
        pool.append(ev)
        prev = ev.hash
    return out


@settings(max_examples=300, deadline=None)
@given(
    a=st.lists(kinds, max_size=8),
    b=st.lists(kinds, max_size=8),
    seed=st.integers(0, 10_000),
    data=st.data(),
)
def test_any_permutation_duplication_or_late_arrival_gives_the_same_state(
    a: list, b: list, seed: int, data: st.DataObject
) -> None:
    rnd = random.Random(seed)
    pool: list[Event] = []
    events = build("dev-a", a, 1_000, rnd, pool) + build("dev-b", b, 1_000, rnd, pool)
    expected = fold_status(STUDENT, events)
    again = list(events) + [rnd.choice(events) for _ in range(3)] if events else []
    rnd.shuffle(again)
    assert fold_status(STUDENT, again) == expected
    assert fold_status(STUDENT, reversed(again)) == expected
    if expected.status is Status.RECORDED:
        # a late absent (higher HLC) cannot undo a recording
        late = make_event(
            device_id="dev-c",
            seq=1,
            prev_hash=GENESIS_HASH,
            hlc=Hlc(9_999_999, 0),
            kind="absent",
            student_id=STUDENT,
            operator="x",
            occurred_at=T0,
        )
        assert fold_status(STUDENT, [*events, late]).status is Status.RECORDED


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_two_different_events_under_one_id_fold_the_same_in_any_order(seed: int) -> None:
    """A corrupt or forged set (the server and the laptops refuse this, but the fold must
    not depend on which copy came first)."""
    rnd = random.Random(seed)
    base = make_event(
        device_id="dev-a",
        seq=1,
        prev_hash=GENESIS_HASH,
        hlc=Hlc(1_000, 0),
        kind="recorded",
        student_id=STUDENT,
        operator="x",
        occurred_at=T0,
    )
    forged = replace(base, kind="absent", hash="f" * 64)
    other = make_event(
        device_id="dev-b",
        seq=1,
        prev_hash=GENESIS_HASH,
        hlc=Hlc(1_001, 0),
        kind="failed",
        student_id=STUDENT,
        operator="y",
        occurred_at=T0,
        payload={"reason": "no_kk"},
    )
    items = [base, forged, other]
    rnd.shuffle(items)
    assert fold_status(STUDENT, items) == fold_status(STUDENT, [forged, base, other])
    assert fold_status(STUDENT, items) == fold_status(STUDENT, [base, forged, other])
