"""Laptops of one team around a school hub, in this process, over loopback TLS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ktpe_desktop.hub.link import HubLink, join_hub, use_local_hub
from ktpe_desktop.hub.server import HubServer
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage import models as lm
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_server.admin import make_enroll_code, seed_demo
from ktpe_server.config import Settings
from ktpe_server.embedded import EmbeddedServer, start_embedded
from tests.conftest import LEAD, PASSWORD, Factory

SCHOOL = "20533900"
CAMPAIGN = "pilkada-2024-malang"


@dataclass
class Laptop:
    """One team laptop: its store, recording service and hub link."""

    store: Store
    recording: RecordingService
    link: HubLink
    factory: Factory

    def record(self, student_id: str, kind: str = "recorded", operator: str = "Budi") -> Any:
        return self.recording.record_outcome(student_id, kind, operator)


TEAM_NAMES = {"tim-01": "Tim 1 Lowokwaru", "tim-07": "Tim 7 Klojen"}
DISPLAY_NAMES = ("Ani Lestari", "Budi Santoso", "Citra Dewi")


def make_laptop(
    path: Path, team: str, students: list[str], display_name: str = "Koordinator Uji"
) -> Laptop:
    store = Store.create(path, LEAD, PASSWORD, display_name=display_name)
    with store.transaction() as s:  # what the central enrolment leaves behind
        keys.put(s, keys.TEAM, team)
        keys.put(s, keys.TEAM_NAME, TEAM_NAMES.get(team))
        keys.put(s, keys.CAMPAIGN_ID, CAMPAIGN)
    f = Factory(store)
    f.school(SCHOOL)
    for sid in students:
        f.student(SCHOOL, id=sid, name=f"SISWA {sid}")
    rec = RecordingService(store)
    return Laptop(store, rec, HubLink(store, rec.apply_remote_events), f)


STUDENTS = [f"S{n:09d}" for n in range(1, 21)]


@pytest.fixture
def team_laptops(tmp_path: Path) -> Iterator[list[Laptop]]:
    laptops = [
        make_laptop(tmp_path / f"lap{i}", "tim-01", STUDENTS, DISPLAY_NAMES[i]) for i in range(3)
    ]
    try:
        yield laptops
    finally:
        for lap in laptops:
            lap.link.close()
            lap.store.close()


def loopback_hub(
    store: Store,
    team: str = "tim-01",
    *,
    team_name: str = "",
    campaign: str = CAMPAIGN,
    port: int = 0,
) -> HubServer:
    """A started hub on loopback (any free port unless given), not announced (the
    netns tests cover discovery)."""
    server = HubServer(
        store,
        team=team,
        team_name=team_name or TEAM_NAMES.get(team, ""),
        campaign_id=campaign,
        host="127.0.0.1",
        port=port,
        announce=False,
    )
    server.start()
    return server


def use_own_hub(store: Store, hub: HubServer) -> None:
    """The hub laptop joins its own hub as station 1 (what hub mode does)."""
    assert hub.own_token is not None
    use_local_hub(store, hub.local_url, hub.fingerprint, hub.own_token, hub.hub_id)


@pytest.fixture
def hub(team_laptops: list[Laptop]) -> Iterator[HubServer]:
    server = loopback_hub(team_laptops[0].store)
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- with the office


@pytest.fixture
def central(tmp_path: Path) -> Iterator[EmbeddedServer]:
    url = f"sqlite:///{tmp_path / 'central.sqlite'}"
    seed_demo(url, students=800, schools_per_team=1)
    server = start_embedded(
        url, settings=Settings(db_url=url, rate_capacity=1e6, rate_per_second=1e6)
    )
    try:
        yield server
    finally:
        server.stop()


class CentralLaptop:
    """A team laptop enrolled with the central server (its roster pulled), with a hub link."""

    def __init__(self, path: Path, central: EmbeddedServer) -> None:
        self.store = Store.create(path, LEAD, PASSWORD, display_name="Koordinator Uji")
        self.recording = RecordingService(self.store)
        self.sync = SyncService(self.store)
        self.sync.enrol(central.url, make_enroll_code(central.db_url, "tim-01"))
        assert self.sync.run_round().error is None  # roster of the team's schools
        self.link = HubLink(self.store, self.recording.apply_remote_events)

    def students(self) -> list[str]:
        with self.store.session() as s:
            return list(s.scalars(select(lm.Student.id).order_by(lm.Student.id)))

    def receipt(self) -> Any:
        with self.store.session() as s:
            return keys.get_json(s, keys.LAST_RECEIPT)

    def close(self) -> None:
        self.link.close()
        self.sync.close()
        self.store.close()


@dataclass
class RelayTeam:
    """Three enrolled laptops: the first is the school hub, the others joined it."""

    laptops: list[CentralLaptop]
    hub: HubServer


@pytest.fixture
def relay_team(central: EmbeddedServer, tmp_path: Path) -> Iterator[RelayTeam]:
    laptops = [CentralLaptop(tmp_path / f"lap{i}", central) for i in range(3)]
    hub_laptop = laptops[0]
    with hub_laptop.store.session() as s:
        team, campaign = keys.get(s, keys.TEAM), keys.get(s, keys.CAMPAIGN_ID)
        team_name = keys.get(s, keys.TEAM_NAME)
    assert team and team_name  # the team's id and name, from the enrolment
    hub = loopback_hub(hub_laptop.store, team, team_name=team_name, campaign=campaign or "")
    try:
        use_own_hub(hub_laptop.store, hub)
        for lap in laptops[1:]:
            join_hub(lap.store, f"127.0.0.1:{hub.port}", hub.code)
        yield RelayTeam(laptops, hub)
    finally:
        hub.stop()
        for lap in laptops:
            lap.close()
