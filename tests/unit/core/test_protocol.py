from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ktpe_desktop.core.events import GENESIS_HASH, Event, make_event, verify_chain
from ktpe_desktop.core.hlc import Hlc
from ktpe_desktop.core.protocol import decode_push, encode_push

kinds = st.sampled_from(["recorded", "absent", "ikd_activated", "already_recorded"])
payloads = st.one_of(
    st.just({}),
    # any text but U+0000, which no party accepts (protocol 2: nul_character), and
    # lone surrogates, which UTF-8 cannot carry (a JSON body with one is invalid_json)
    st.builds(
        lambda n: {"note": n},
        st.text(
            st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20
        ),
    ),
    st.just({"reason": "no_kk"}),
)


def build(device: str, items: list[tuple[str, dict[str, object], int, int]]) -> list[Event]:
    events: list[Event] = []
    prev = GENESIS_HASH
    t = datetime(2024, 11, 27, tzinfo=UTC)
    for i, (kind, payload, dt_ms, skew) in enumerate(items, start=1):
        t = t + timedelta(milliseconds=dt_ms)
        wall = int(t.timestamp() * 1000) + skew
        ev = make_event(
            device_id=device,
            seq=i,
            prev_hash=prev,
            hlc=Hlc(wall, i % 4),
            kind=kind,
            student_id=f"S{i % 5}",
            operator=f"op{i % 2}",
            occurred_at=t,
            payload=payload,
        )
        events.append(ev)
        prev = ev.hash
    return events


item = st.tuples(kinds, payloads, st.integers(0, 10**7), st.integers(-5000, 5000))


@settings(max_examples=80, deadline=None)
@given(a=st.lists(item, min_size=1, max_size=10), b=st.lists(item, max_size=10))
def test_push_roundtrip(
    a: list[tuple[str, dict[str, object], int, int]],
    b: list[tuple[str, dict[str, object], int, int]],
) -> None:
    events = build("laptop-a", a) + build("laptop-b", b)
    chains = decode_push(encode_push(events))
    decoded = [ev for ch in chains for ev in ch]
    assert sorted(decoded, key=lambda e: (e.device_id, e.seq)) == sorted(
        events, key=lambda e: (e.device_id, e.seq)
    )
    for ch in chains:
        assert verify_chain(ch) is None


def test_rows_carry_no_hash_and_the_receiver_computes_it() -> None:
    events = build("laptop-a", [("recorded", {}, 1000, 0), ("absent", {"note": "x"}, 5, 1)])
    body = encode_push(events)
    assert all(len(row) == 7 for row in body["chains"][0]["events"])
    mismatched: set[str] = set()
    decoded = decode_push(body, mismatched)[0]
    assert [e.hash for e in decoded] == [e.hash for e in events]
    assert decoded[1].prev_hash == events[0].hash and not mismatched


def test_an_optional_claimed_hash_is_kept_and_a_wrong_one_reported() -> None:
    events = build("laptop-a", [("recorded", {}, 1000, 0), ("absent", {}, 5, 1)])
    body = encode_push(events, with_hashes=True)
    assert all(len(row) == 8 for row in body["chains"][0]["events"])
    body["chains"][0]["events"][0][0] = "absent"  # content changed, claim kept
    mismatched: set[str] = set()
    decoded = decode_push(body, mismatched)[0]
    assert decoded[0].hash == events[0].hash  # the claim, not the content's hash
    assert decoded[1].prev_hash == events[0].hash  # the next row chains from the claim
    assert mismatched == {events[0].event_id}
    assert not decoded[0].with_valid_hash() and decoded[1].with_valid_hash()
