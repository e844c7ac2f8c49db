"""Versions and health: every request reports the app version, /health checks the
database and advertises the minimum and latest app versions, a laptop below the
minimum is refused with 426 app_too_old (and nothing else is)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_server import __version__
from ktpe_server import models as sm
from ktpe_server.app import create_app
from ktpe_server.config import Settings
from ktpe_server.db import make_engine

from .conftest import World
from .helpers import Laptop, enroll


def _version_of(world: World, lap: Laptop) -> str:
    with world.engine.connect() as conn:
        return str(
            conn.execute(
                select(sm.Device.app_version).where(sm.Device.device_id == lap.device_id)
            ).scalar_one()
        )


def test_health_checks_the_database_and_advertises_versions(
    world: World, settings: Settings
) -> None:
    settings = dataclasses.replace(
        settings,
        min_app_version="0.1.0",
        latest_app_version="0.3.0",
        download_url="https://ktpe.malangkota.go.id/unduh",
    )
    with TestClient(create_app(settings, engine=world.engine, migrate=False)) as c:
        r = c.get(f"{API_PREFIX}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["version"] == __version__
    assert body["min_app_version"] == "0.1.0"
    assert body["latest_app_version"] == "0.3.0"
    assert body["download_url"] == "https://ktpe.malangkota.go.id/unduh"
    assert r.headers["X-KTPE-Latest-App-Version"] == "0.3.0"


@pytest.mark.allow_warnings("database unavailable")
def test_health_is_503_when_the_database_does_not_answer(
    tmp_path: Path, settings: Settings
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'server.db'}")
    app = create_app(settings, engine=engine, migrate=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get(f"{API_PREFIX}/health")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and r.json()["database"] == "unavailable"


def test_every_request_reports_the_app_version(client: TestClient, world: World) -> None:
    lap = Laptop()
    assert enroll(client, world.code(), lap).status_code == 200
    assert _version_of(world, lap) == "0.1.0"  # as given at enrolment
    r = client.get(
        f"{API_PREFIX}/sync/receipt", headers={**lap.auth, "X-KTPE-App-Version": "0.2.1"}
    )
    assert r.status_code == 200, r.text
    assert _version_of(world, lap) == "0.2.1"  # the office sees the update at once


def test_below_the_minimum_is_refused_with_426_and_nothing_else_is(
    world: World, settings: Settings
) -> None:
    settings = dataclasses.replace(
        settings, min_app_version="0.2.0", download_url="https://ktpe.example/unduh"
    )
    with TestClient(create_app(settings, engine=world.engine, migrate=False)) as c:
        lap = Laptop()
        assert enroll(c, world.code(), lap).status_code == 200  # enrolment stays open
        old = c.get(
            f"{API_PREFIX}/sync/receipt", headers={**lap.auth, "X-KTPE-App-Version": "0.1.9"}
        )
        assert old.status_code == 426
        assert old.json()["error"]["code"] == "app_too_old"
        assert "https://ktpe.example/unduh" in old.json()["error"]["message"]
        assert _version_of(world, lap) == "0.1.9"  # recorded even when refused
        # no header: a laptop from before the header, i.e. the first release
        assert c.get(f"{API_PREFIX}/sync/receipt", headers=lap.auth).status_code == 426
        new = c.get(
            f"{API_PREFIX}/sync/receipt", headers={**lap.auth, "X-KTPE-App-Version": "0.2.0"}
        )
        assert new.status_code == 200, new.text
        assert new.headers["X-KTPE-Min-App-Version"] == "0.2.0"


def test_a_bad_version_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="min_app_version"):
        Settings(min_app_version="terbaru")
