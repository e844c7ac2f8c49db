"""Issue 17, case 3: after a restore that lost events for good, the way back to the server.

Reproduced before the change: backup → record → sync → record → the database is
lost → ``restore-latest`` → record → ``sync`` exits with ``device_chain_diverged``
(the restored laptop reuses seqs the server holds), and re-enrolling sent the
same ``device_id`` (409 ``device_bound``), so the new outcomes stayed pending for
good. Now ``enroll --new-device`` enrols a NEW device (new id, new Ed25519 key),
re-issues every old event the server never acknowledged with a reference to its
original, and the server keeps the old device's lost seq range for the office.
Run against a real server on SQLite and on PostgreSQL (a database of its own).
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.cli import main
from ktpe_desktop.core.events import reissue_ref
from ktpe_desktop.storage import models as lm
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync.enrolment import REISSUED
from ktpe_server import admin
from ktpe_server import models as sm
from ktpe_server.app import create_app
from ktpe_server.config import Settings
from ktpe_server.embedded import start_embedded
from ktpe_server.office import accounts
from ktpe_server.office.routes_progress import _device_losses
from tests import timing
from tests.reliability import harness as h

pytestmark = [pytest.mark.timeout(600)]

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def _pg_database() -> Iterator[str]:
    try:
        import psycopg

        conn = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=2)
    except Exception:
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    name = f"ktpe_i17_{uuid.uuid4().hex[:10]}"
    conn.execute(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        yield url
    finally:
        engine = admin._engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
    else:
        yield from _pg_database()


def _open(lap: h.Laptop) -> h.Laptop:
    store = Store.open(lap.data_dir, "koordinator", h.PASSWORD)
    new = h._wrap(lap.name, lap.data_dir, store, h.FAST, None)
    new.written = lap.written
    return new


def _console_page(db_url: str) -> str:
    engine = admin.engine_for(db_url)
    accounts.add_user(engine, "admin", "admin-rahasia-1", "admin", "Admin", actor="t", address="t")
    app = create_app(Settings(db_url=db_url, **h.UNLIMITED), engine=engine, migrate=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/office/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        r = c.post(
            "/office/login",
            data={"csrf": token.group(1), "username": "admin", "password": "admin-rahasia-1"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return c.get("/office/anomalies").text


@pytest.mark.allow_warnings(
    "tail loss",
    "is not ours",
    "replaced by",
    "re-enrolled as a new device",
    "remote events refused",
)
def test_restored_laptop_comes_back_as_a_new_device(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin.seed_demo(db_url, students=300, schools_per_team=3)
    server = start_embedded(db_url, settings=Settings(db_url=db_url, **h.UNLIMITED))
    rng = random.Random(17)
    lap = h.new_laptop(tmp_path, "laptop")
    try:
        h.enrol(lap, server.url, db_url)
        assert lap.service.run_round().error is None  # the roster
        students = h.local_students(lap)
        h.record_random(lap, 30, rng, students)  # seq 1-30
        lap.store.backup("manual")
        h.record_random(lap, 10, rng, students)  # seq 31-40
        assert lap.service.run_round().error is None  # the server holds 1-40
        h.record_random(lap, 10, rng, students)  # seq 41-50: never synced
        old_device = lap.store.device_id
        lap.close()

        # The disk loses the database (the tail marker ktpe.head survives).
        for suffix in ("", "-wal", "-shm"):
            (lap.data_dir / f"ktpe.db{suffix}").unlink(missing_ok=True)
        monkeypatch.setenv("KTPE_PASSWORD", h.PASSWORD)
        assert main(["db", "restore-latest", "--data-dir", str(lap.data_dir)]) == 0

        lap = _open(lap)
        reused = h.record_random(lap, 5, rng, students)  # seq 31-35 again: other content
        summary = lap.service.run_round()
        assert summary.error_code == "device_chain_diverged"  # the dead end of before

        code = admin.make_enroll_code(db_url, h.TEAM)
        enrolment, replaced = lap.service.enrol_as_new_device(server.url, code)
        assert enrolment.device_id != old_device == replaced.old_device_id
        assert lap.store.device_id == enrolment.device_id
        assert replaced.told_server
        assert replaced.last_seq == 50
        assert replaced.gone == ((36, 50),)  # unreadable here (31-35 were reused)
        assert replaced.reissued == 35  # 1-30 (unacked in the backup) and the reused 31-35

        summary = lap.service.run_round()
        assert summary.error is None, summary.error
        assert summary.pending_left == 0
        with Session(admin.engine_for(db_url)) as s:
            device = s.get(sm.Device, enrolment.device_id)
            assert device is not None and device.public_key and device.contiguous_seq == 35
            new_events = s.scalars(
                select(sm.EventRow).where(sm.EventRow.device_id == enrolment.device_id)
            ).all()
            assert {e.state for e in new_events} == {"accepted"}
            refs = [reissue_ref(json.loads(e.payload)) for e in new_events]
            assert all(r is not None and r[1] == old_device for r in refs)
            assert sorted(r[2] for r in refs if r) == list(range(1, 36))
            # The reused seqs' outcomes reached the server through their re-issues.
            reused_refs = {r[0] for r in refs if r and r[2] > 30}
            assert reused_refs == set(reused)
            losses = _device_losses(s)
        (loss,) = losses
        assert loss.device_id == old_device and loss.held_seq == 40
        assert loss.lost == [(41, 50)] and loss.lost_count == 10
        assert loss.reissued_received == 35 == loss.reissued_told

        # Laptop and server fold the same set: the old device's 1-40 (pulled back),
        # the new device's re-issues; an original and its copy count once.
        assert h.local_states(lap) == h.server_states(db_url)
        with lap.store.session() as s:
            set_aside = s.scalars(select(lm.HeldEvent).where(lm.HeldEvent.reason == REISSUED))
            assert len(list(set_aside)) == 35
            anomalies = s.scalars(select(lm.AnomalyRow).where(~lm.AnomalyRow.resolved)).all()
        reissue_ids = {e.event_id for e in new_events if reissue_ref_is_original_held(e)}
        for an in anomalies:
            assert not set(an.event_ids) & reissue_ids

        # The old device's lost tail is accounted for: the check says so, not "lost".
        capsys.readouterr()
        assert main(["db", "check", "--data-dir", str(lap.data_dir)]) == 0
        out = capsys.readouterr().out
        assert "Basis data utuh" in out and "seq hilang: 36–50 (dilaporkan ke server)" in out

        page = _console_page(db_url)
        assert "device-loss-" in page and "41–50" in page
    finally:
        lap.close()
        server.stop(timeout=timing.seconds(10))


def reissue_ref_is_original_held(ev: sm.EventRow) -> bool:
    ref = reissue_ref(json.loads(ev.payload))
    return ref is not None and ref[2] <= 30
