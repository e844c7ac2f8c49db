"""Stations converge through the hub: records, anomalies, offline work, relay, two hubs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ktpe_desktop.core.events import Status
from ktpe_desktop.hub.errors import HubUnreachable
from ktpe_desktop.hub.link import join_hub
from ktpe_desktop.hub.notice import other_station_outcome
from ktpe_desktop.hub.runner import GIL_SWITCH_S, HubLinkRunner, LinkState
from ktpe_desktop.hub.server import HubServer
from ktpe_desktop.storage import models as m
from tests import timing
from tests.conftest import LEAD
from tests.integration.hub.conftest import STUDENTS, Laptop, loopback_hub, use_own_hub


def _join_all(hub: HubServer, laptops: list[Laptop]) -> None:
    use_own_hub(laptops[0].store, hub)
    for lap in laptops[1:]:
        join_hub(lap.store, f"127.0.0.1:{hub.port}", hub.code)


def _rounds(laptops: list[Laptop], n: int = 2) -> None:
    for _ in range(n):
        for lap in laptops:
            lap.link.run_round()


def _status(lap: Laptop, sid: str) -> tuple[str, str | None, int]:
    with lap.store.session() as s:
        st = s.get(m.StudentState, sid)
        anomalies = s.scalar(
            select(func.count()).select_from(m.AnomalyRow).where(m.AnomalyRow.student_id == sid)
        )
        return (
            str(st.status) if st else "pending",
            st.decided_by_device if st else None,
            int(anomalies or 0),
        )


def _event_ids(lap: Laptop) -> set[str]:
    with lap.store.session() as s:
        return set(s.scalars(select(m.EventRow.event_id)))


def test_a_record_at_one_station_reaches_the_others(
    hub: HubServer, team_laptops: list[Laptop]
) -> None:
    _join_all(hub, team_laptops)
    a, b, c = team_laptops[1], team_laptops[2], team_laptops[0]
    a.record(STUDENTS[0], operator=LEAD)  # the login name of a's user, as the app writes
    first = a.link.run_round()
    assert first is not None and first.pushed == 1 and first.acknowledged == 1
    got = b.link.run_round()
    assert got is not None and got.pulled == 1 and got.touched_students == (STUDENTS[0],)
    assert _status(b, STUDENTS[0])[:2] == ("recorded", a.store.device_id)
    c.link.run_round()
    assert _status(c, STUDENTS[0])[0] == "recorded"
    notice = other_station_outcome(b.store, STUDENTS[0])
    assert notice is not None
    assert notice.status is Status.RECORDED and notice.station == "stasiun 2"
    assert notice.operator == "Budi Santoso"  # the display name a gave the hub
    assert other_station_outcome(a.store, STUDENTS[0]) is None  # decided here
    # Nothing new: an idle round moves nothing.
    idle = b.link.run_round()
    assert idle is not None and idle.pushed == 0 and idle.pulled == 0


def test_same_student_at_two_stations_is_one_anomaly_everywhere(
    hub: HubServer, team_laptops: list[Laptop]
) -> None:
    _join_all(hub, team_laptops)
    a, b = team_laptops[1], team_laptops[2]
    a.record(STUDENTS[1], operator="Budi")
    b.record(STUDENTS[1], operator="Sari")
    _rounds(team_laptops)
    seen = {_status(lap, STUDENTS[1]) for lap in team_laptops}
    assert len(seen) == 1
    status, _device, anomalies = seen.pop()
    assert status == "recorded" and anomalies == 1
    assert _event_ids(a) == _event_ids(b) == _event_ids(team_laptops[0])


@pytest.mark.allow_warnings("TLS refused|hub closed")
def test_stations_work_offline_and_catch_up(hub: HubServer, team_laptops: list[Laptop]) -> None:
    _join_all(hub, team_laptops)
    a, b = team_laptops[1], team_laptops[2]
    port = hub.port
    hub.stop()
    a.record(STUDENTS[2])  # saved while the hub is gone
    with pytest.raises(HubUnreachable) as err:
        a.link.run_round()
    assert "luring" in err.value.message
    hub.requested_port = port
    hub.start()  # same session: same certificate, same tokens
    _rounds([a, b])
    assert _status(b, STUDENTS[2])[0] == "recorded"


def test_two_hubs_by_mistake_converge_through_a_station(
    hub: HubServer, team_laptops: list[Laptop], tmp_path: Path
) -> None:
    from tests.integration.hub.conftest import make_laptop

    _join_all(hub, team_laptops[:2])
    second_laptop = make_laptop(tmp_path / "hub2", "tim-01", STUDENTS)
    second = loopback_hub(second_laptop.store)
    try:
        use_own_hub(second_laptop.store, second)
        b = team_laptops[2]
        join_hub(b.store, f"127.0.0.1:{second.port}", second.code)
        team_laptops[1].record(STUDENTS[3])
        b.record(STUDENTS[4])
        second_laptop.record(STUDENTS[5])
        _rounds([team_laptops[0], team_laptops[1], b, second_laptop])
        # Station b moves to the first hub and carries the second hub's events across.
        join_hub(b.store, f"127.0.0.1:{hub.port}", hub.code)
        _rounds([b, team_laptops[0], team_laptops[1]])
        everyone = [*team_laptops, second_laptop]
        ids = [_event_ids(lap) for lap in everyone[:3]]
        assert ids[0] == ids[1] == ids[2] and len(ids[0]) == 3
        for sid in STUDENTS[3:6]:
            assert _status(team_laptops[1], sid)[0] == "recorded"
    finally:
        second.stop()
        second_laptop.link.close()
        second_laptop.store.close()


def test_the_background_runner_brings_a_teammates_save(
    hub: HubServer, team_laptops: list[Laptop]
) -> None:
    """A station's runner (its own thread: long poll, then a round) takes a teammate's
    save in without anyone calling it, and lowers the GIL's switch interval so its
    Python work hands the GIL back to a save within half a millisecond."""
    _join_all(hub, team_laptops)
    a, b = team_laptops[1], team_laptops[2]
    before = sys.getswitchinterval()
    runner = HubLinkRunner(b.link)
    try:
        runner.start()
        assert sys.getswitchinterval() <= GIL_SWITCH_S
        a.record(STUDENTS[6])
        a.link.run_round()
        deadline = time.monotonic() + timing.seconds(30)
        while time.monotonic() < deadline and (
            _status(b, STUDENTS[6])[0] != "recorded"
            or runner.status.state is not LinkState.CONNECTED  # set as the round ends
        ):
            time.sleep(0.05)
        assert _status(b, STUDENTS[6])[:2] == ("recorded", a.store.device_id)
        assert runner.status.state is LinkState.CONNECTED
    finally:
        runner.stop()
        sys.setswitchinterval(before)
