"""Laptops of one team around a school hub, in this process, over loopback TLS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ktpe_desktop.hub.link import HubLink
from ktpe_desktop.hub.server import HubServer
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
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


@pytest.fixture
def hub(team_laptops: list[Laptop]) -> Iterator[HubServer]:
    server = HubServer(
        team_laptops[0].store,
        team="tim-01",
        team_name=TEAM_NAMES["tim-01"],
        campaign_id=CAMPAIGN,
        host="127.0.0.1",
        port=0,
        announce=False,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
