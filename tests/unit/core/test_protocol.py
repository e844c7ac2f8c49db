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
    # any text but U+0000, which no party accepts (protocol 2: nul_character)
    st.builds(
        lambda n: {"note": n}, st.text(st.characters(blacklist_characters="\x00"), max_size=20)
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
