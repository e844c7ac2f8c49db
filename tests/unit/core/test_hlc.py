from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ktpe_desktop.core.hlc import Hlc, HybridClock

walls = st.integers(0, 10**14)


@given(
    st.lists(
        st.one_of(
            walls.map(lambda w: ("now", w)),
            st.tuples(walls, st.integers(0, 99_999)).map(lambda t: ("remote", t)),
        ),
        max_size=40,
    )
)
def test_clock_never_goes_backwards(steps: list[tuple[str, object]]) -> None:
    now = [0]
    clock = HybridClock(now_ms=lambda: now[0])
    last = clock.last
    for what, value in steps:
        if what == "now":
            now[0] = int(value)  # type: ignore[call-overload]
            reading = clock.tick()
        else:
            wall, counter = value  # type: ignore[misc]
            remote = Hlc(wall, counter)
            reading = clock.observe(remote)
            assert reading > remote
        assert reading > last
        last = reading


@given(walls, st.integers(0, 99_999))
def test_encoding_roundtrip_and_order(wall: int, counter: int) -> None:
    h = Hlc(wall, counter)
    assert Hlc.decode(h.encode()) == h
    other = Hlc(wall, counter + 1) if counter < 99_999 else Hlc(wall + 1, 0)
    assert (h.encode() < other.encode()) == (h < other)


def test_restored_clock_continues_after_persisted_reading() -> None:
    clock = HybridClock(now_ms=lambda: 5, last=Hlc(1000, 3))
    assert clock.tick() == Hlc(1000, 4)
