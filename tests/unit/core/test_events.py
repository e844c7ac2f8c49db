"""Property tests of the status fold and the hash chain."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ktpe_desktop.core.events import (
    EVENT_NAMESPACE,
    GENESIS_HASH,
    AnomalyCode,
    Event,
    EventKind,
    Status,
    build_event,
    canonical_bytes,
    event_id_for,
    event_ids_for,
    fold_status,
    format_time,
    from_ms,
    make_event,
    make_event_with_text,
    ms_text,
    parse_time,
    validate_event_payload,
    verify_chain,
)
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.storage.ledger import json_text as stored_json

STUDENT = "S1"
T0 = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)

OUTCOMES = [
    ("recorded", {}),
    ("already_recorded", {}),
    ("absent", {}),
    ("not_eligible", {"reason": "under_age"}),
    ("failed", {"reason": "no_kk"}),
    ("ikd_activated", {}),
    ("details_corrected", {"changes": {"name": "BARU"}}),
]


def chain(device: str, specs: list[tuple[str, dict[str, object]]], start_ms: int) -> list[Event]:
    events: list[Event] = []
    prev = GENESIS_HASH
    for i, (kind, payload) in enumerate(specs, start=1):
        ev = make_event(
            device_id=device,
            seq=i,
            prev_hash=prev,
            hlc=Hlc(start_ms + i * 7, i % 3),
            kind=kind,
            student_id=STUDENT,
            operator=f"op-{device}",
            occurred_at=T0 + timedelta(seconds=i),
            payload=payload,
        )
        events.append(ev)
        prev = ev.hash
    return events


def with_voids(events: list[Event], data: st.DataObject, device: str) -> list[Event]:
    """Append to a chain some voids of earlier events of the same set."""
    if not events:
        return events
    targets = data.draw(
        st.lists(st.sampled_from(events), max_size=2, unique_by=lambda e: e.event_id)
    )
    specs = [("voided", {"target_event_id": t.event_id, "reason": "salah"}) for t in targets]
    extra = chain(device + "-v", specs, 2_000_000)
    return events + extra


spec_lists = st.lists(st.sampled_from(OUTCOMES), min_size=0, max_size=6)


@settings(max_examples=150, deadline=None)
@given(a=spec_lists, b=spec_lists, data=st.data())
def test_permutation_and_duplication_do_not_matter(
    a: list[tuple[str, dict[str, object]]],
    b: list[tuple[str, dict[str, object]]],
    data: st.DataObject,
) -> None:
    events = chain("dev-a", a, 1_000_000) + chain("dev-b", b, 1_000_003)
    events = with_voids(events, data, "dev-a")
    expected = fold_status(STUDENT, events)
    shuffled = list(events) + data.draw(
        st.lists(st.sampled_from(events), max_size=5) if events else st.just([])
    )
    random.Random(data.draw(st.integers(0, 10_000))).shuffle(shuffled)
    assert fold_status(STUDENT, shuffled) == expected
    assert expected.event_count == len({e.event_id for e in events})


@settings(max_examples=100, deadline=None)
@given(a=spec_lists, b=spec_lists, cut=st.integers(0, 12))
def test_two_replicas_that_exchanged_everything_agree(
    a: list[tuple[str, dict[str, object]]], b: list[tuple[str, dict[str, object]]], cut: int
) -> None:
    ea, eb = chain("laptop-a", a, 5_000), chain("laptop-b", b, 5_001)
    # each replica holds its own events plus the other's, received in another order
    replica_a = ea + eb[cut:] + eb[:cut]
    replica_b = list(reversed(eb)) + ea
    assert fold_status(STUDENT, replica_a) == fold_status(STUDENT, replica_b)


@given(spec=st.lists(st.sampled_from([k for k, _ in OUTCOMES[:5]]), min_size=1, max_size=6))
def test_precedence_highest_outcome_wins(spec: list[str]) -> None:
    payloads = dict(OUTCOMES)
    events = chain("d", [(k, payloads[k]) for k in spec], 10)
    rank = ["absent", "not_eligible", "failed", "already_recorded", "recorded"]
    best = max(spec, key=rank.index)
    assert fold_status(STUDENT, events).status == Status(best)


def test_late_absent_cannot_undo_recording_but_void_can() -> None:
    rec = chain("a", [("recorded", {})], 100)
    late = chain("b", [("absent", {})], 900)
    assert fold_status(STUDENT, rec + late).status is Status.RECORDED
    void = chain("c", [("voided", {"target_event_id": rec[0].event_id, "reason": "salah"})], 950)
    assert fold_status(STUDENT, rec + late + void).status is Status.ABSENT


def test_voiding_a_void_is_an_anomaly_and_has_no_effect() -> None:
    rec = chain("a", [("recorded", {})], 100)
    v1 = chain("b", [("voided", {"target_event_id": rec[0].event_id, "reason": "x"})], 200)
    v2 = chain("c", [("voided", {"target_event_id": v1[0].event_id, "reason": "y"})], 300)
    state = fold_status(STUDENT, rec + v1 + v2)
    assert state.status is Status.PENDING
    assert [a.code for a in state.anomalies] == [AnomalyCode.VOID_OF_VOID]


def test_anomalies() -> None:
    two = chain("a", [("recorded", {})], 1) + chain("b", [("recorded", {})], 2)
    state = fold_status(STUDENT, two)
    assert [a.code for a in state.anomalies] == [AnomalyCode.RECORDED_TWICE]
    # the first recording (in the agreed order) is the deciding one
    assert state.deciding_event_id == min(two, key=lambda e: e.hlc).event_id
    mixed = chain("a", [("recorded", {}), ("not_eligible", {"reason": "under_age"})], 1)
    assert AnomalyCode.RECORDED_AND_NOT_ELIGIBLE in {
        a.code for a in fold_status(STUDENT, mixed).anomalies
    }
    ikd = chain("a", [("ikd_activated", {})], 1)
    assert [a.code for a in fold_status(STUDENT, ikd).anomalies] == [AnomalyCode.IKD_WITHOUT_CARD]


def test_other_students_events_are_ignored() -> None:
    ev = chain("a", [("recorded", {})], 1)[0]
    assert fold_status("someone-else", [ev]).status is Status.PENDING


@settings(max_examples=60, deadline=None)
@given(spec=st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=8), data=st.data())
def test_chain_verify_detects_any_tampering(
    spec: list[tuple[str, dict[str, object]]], data: st.DataObject
) -> None:
    events = chain("dev", spec, 1)
    assert verify_chain(events) is None
    i = data.draw(st.integers(0, len(events) - 1))
    victim = events[i]
    fields = {f: getattr(victim, f) for f in Event.__dataclass_fields__}
    how = data.draw(st.sampled_from(["kind", "operator", "drop"]))
    if how == "drop":
        broken = events[:i] + events[i + 1 :]
        if not broken or i == len(events) - 1:
            assert verify_chain(broken) is None  # dropping the tail is not a break
            return
    else:
        fields[how] = "absent" if how == "kind" and victim.kind != "absent" else "intruder"
        broken = [*events[:i], Event(**fields), *events[i + 1 :]]
    brk = verify_chain(broken)
    assert brk is not None and brk.seq in (victim.seq, victim.seq + 1)


def test_event_json_roundtrip_and_ids() -> None:
    ev = chain("dev", [("failed", {"reason": "siak_offline", "note": "jaringan"})], 1)[0]
    assert Event.from_json(ev.to_json()) == ev
    assert ev.event_id == event_id_for("dev", 1)
    assert ev.with_valid_hash()


@pytest.mark.parametrize(
    ("kind", "payload", "problem"),
    [
        ("recorded", {}, None),
        ("failed", {}, "bad_reason"),
        ("voided", {"target_event_id": "x"}, "missing_reason"),
        ("details_corrected", {"changes": {"x": 1}}, "unknown_field"),
        ("student_added", {"name": "A"}, "missing_details"),
        ("nope", {}, "unknown_kind"),
        (EventKind.ABSENT, {"note": "x" * 501}, "bad_note"),
    ],
)
def test_validate_event_payload(kind: str, payload: dict[str, object], problem: str | None) -> None:
    assert validate_event_payload(kind, payload) == problem


# Text as JSON meets it: every code point but lone surrogates (which no party can
# encode), control characters, quotes and backslashes included.
json_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | json_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(
    device=json_text,
    seq=st.integers(1, 2**53 - 1),
    prev=json_text,
    hlc=json_text,
    kind=json_text,
    student=json_text,
    operator=json_text,
    ms=st.integers(0, 10**14 - 1),
    payload=st.dictionaries(json_text, json_values, max_size=4),
)
def test_event_hash_is_sha256_of_the_generic_canonical_encoding(
    device: str,
    seq: int,
    prev: str,
    hlc: str,
    kind: str,
    student: str,
    operator: str,
    ms: int,
    payload: dict[str, object],
) -> None:
    """The encoding written out field by field (make_event, build_event, computed_hash)
    is byte for byte json.dumps(content, sort_keys=True, …) of Event.content()."""
    fields: dict[str, Any] = {
        "device_id": device,
        "seq": seq,
        "prev_hash": prev,
        "hlc": hlc,
        "kind": kind,
        "student_id": student,
        "operator": operator,
        "occurred_at": from_ms(ms),
        "payload": payload,
    }
    ev = make_event(**fields)
    generic = hashlib.sha256(canonical_bytes(ev.content())).hexdigest()
    assert ev.hash == generic
    assert ev.computed_hash() == generic
    assert ms_text(ms) == format_time(from_ms(ms))
    assert build_event(event_id=ev.event_id, occurred_text=ms_text(ms), **fields) == ev
    # The payload's text given with the event is the event row's (models.JsonText).
    with_text, text = make_event_with_text(**fields)
    assert with_text == ev
    assert text == stored_json(dict(payload))


def test_event_ids_are_uuid5_of_device_and_seq() -> None:
    rng = random.Random(7)
    for device in ("3f0a7c1e-5b2d-4c8e-9a41-2b7d9e0c1f55", "", "laptop é/1", "\x01\u2028"):
        first = rng.randint(1, 2**53 - 10)
        expected = [
            str(uuid.uuid5(EVENT_NAMESPACE, f"{device}/{q}")) for q in range(first, first + 9)
        ]
        assert event_ids_for(device, first, 9) == expected
        assert [event_id_for(device, q) for q in range(first, first + 9)] == expected


def test_a_field_of_another_type_takes_the_generic_encoder() -> None:
    """A bool seq or a None field encodes as json.dumps would (true, null), not as text."""
    ev = chain("dev", [("recorded", {})], 1)[0]
    for odd in (replace(ev, seq=True), replace(ev, operator=None)):  # type: ignore[arg-type]
        assert odd.computed_hash() == hashlib.sha256(canonical_bytes(odd.content())).hexdigest()


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1000, 1, 1), max_value=datetime(9999, 1, 1), timezones=st.just(UTC)
    )
)
def test_make_event_time_is_the_text_round_trip_of_any_utc_time(ts: datetime) -> None:
    """A check-off's ``datetime.now(UTC)`` (microseconds) takes the fast path: the event
    still holds exactly what ``parse_time(format_time(...))`` gives, and its text."""
    ev = make_event(
        device_id="d-1",
        seq=1,
        prev_hash=GENESIS_HASH,
        hlc="0000000000001-0000",
        kind="recorded",
        student_id="s-1",
        operator="op",
        occurred_at=ts,
    )
    assert ev.occurred_at == parse_time(format_time(ts))
    assert ev.occurred_at.tzinfo is UTC
    assert ev.content()["occurred_at"] == format_time(ts)
