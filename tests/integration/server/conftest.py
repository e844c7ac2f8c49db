"""Fixtures: one fresh database per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ktpe_server import admin
from ktpe_server.app import create_app
from ktpe_server.config import Settings
from ktpe_server.db import make_engine, upgrade
from tests import timing

from .helpers import Laptop, enroll

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_ok: bool | None = None


def pg_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            import psycopg

            with psycopg.connect(
                "host=127.0.0.1 port=5432 user=postgres dbname=test",
                connect_timeout=max(2, round(timing.seconds(2))),
            ):
                _pg_ok = True
        except Exception:
            _pg_ok = False
    return _pg_ok


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def new_engine(backend: str, tmp_path: Path) -> tuple[Engine, str | None]:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'server.db'}"), None
    if not pg_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    boot = make_engine(PG_URL)
    with boot.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    boot.dispose()
    return make_engine(PG_URL, schema=schema, pool_size=20), schema


def drop_schema(schema: str) -> None:
    boot = make_engine(PG_URL)
    with boot.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    boot.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    eng, schema = new_engine(backend, tmp_path)
    upgrade(eng)
    yield eng
    eng.dispose()
    if schema:
        drop_schema(schema)


SCHOOL_A, SCHOOL_B, SCHOOL_C = "20533660", "20533661", "20533664"


@dataclass
class World:
    """A small campaign: team tim-01 on schools A and B, tim-02 on C; 5 students each."""

    engine: Engine
    students: dict[str, list[str]]  # npsn -> student ids

    def code(self, team: str = "tim-01", ttl_hours: float = 24) -> str:
        return admin.make_enroll_code(self.engine, team, ttl_hours)


def build_world(engine: Engine) -> World:
    admin.upsert_campaign(engine, id="camp-1", name="Demo", reference_date=date(2024, 11, 27))
    admin.upsert_schools(
        engine,
        [
            {"npsn": SCHOOL_A, "name": "SMAN 1", "kind": "SMA", "status": "negeri", "target": 5},
            {"npsn": SCHOOL_B, "name": "SMAN 10", "kind": "SMA", "status": "negeri", "target": 5},
            {"npsn": SCHOOL_C, "name": "SMAN 2", "kind": "SMA", "status": "negeri", "target": 5},
        ],
    )
    students: dict[str, list[str]] = {}
    rows = []
    for si, npsn in enumerate((SCHOOL_A, SCHOOL_B, SCHOOL_C)):
        ids = [f"S{si}{i:08d}" for i in range(5)]
        students[npsn] = ids
        for i, sid in enumerate(ids):
            rows.append(
                {
                    "id": sid,
                    "school_npsn": npsn,
                    "nisn": f"00{si}{i:07d}",
                    "name": f"SISWA {si} {i}",
                    "sex": "L",
                    "birth_date": "2006-05-01",
                }
            )
    admin.upsert_students(engine, rows)
    for team, schools in (("tim-01", (SCHOOL_A, SCHOOL_B)), ("tim-02", (SCHOOL_C,))):
        admin.create_team(engine, team)
        admin.add_operator(engine, team, f"Koordinator {team}", "198501012010011001", "lead")
        for npsn in schools:
            admin.assign(engine, team, npsn, date(2024, 11, 20))
    return World(engine, students)


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


@pytest.fixture
def settings() -> Settings:
    return Settings(
        db_url="unused://",
        admin_token="admin-secret",
        rate_capacity=1000,
        rate_per_second=1000,
        enroll_rate_capacity=1000,
        enroll_rate_per_second=100,
    )


@pytest.fixture
def client(world: World, settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, engine=world.engine, migrate=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def laptop(client: TestClient, world: World) -> Laptop:
    lap = Laptop()
    r = enroll(client, world.code(), lap)
    assert r.status_code == 200, r.text
    return lap
