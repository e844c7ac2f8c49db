"""A visit removed in the console leaves the team's laptops (roster pull, Hari ini).

The console runs on the server's own database (TestClient on an app of the same file);
the laptop syncs with the running embedded server over HTTP, as in the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.storage import models as lm
from ktpe_server import admin
from ktpe_server import models as sm
from ktpe_server.app import create_app
from ktpe_server.config import Settings
from ktpe_server.embedded import EmbeddedServer
from tests.reliability import harness as h

from .office_helpers import ADMIN_PASSWORD, add_staff, csrf_of, sign_in


@pytest.fixture
def field(tmp_path: Path) -> Iterator[tuple[EmbeddedServer, h.Laptop, TestClient]]:
    srv = h.start_server(tmp_path, students=90)
    engine = admin.engine_for(srv.db_url)
    add_staff(engine)
    lap = h.new_laptop(tmp_path, "lap")
    client = TestClient(create_app(Settings(db_url=srv.db_url), migrate=False))
    try:
        h.enrol(lap, srv.url, srv.db_url)
        yield srv, lap, sign_in(client, "admin", ADMIN_PASSWORD)
    finally:
        client.close()
        lap.close()
        srv.stop()


def today_npsns(lap: h.Laptop) -> set[str]:
    return {sc.npsn for sc in Workspace(lap.store).schools(date.today())}


def remove_visit(client: TestClient, team: str, npsn: str, first: date, last: date) -> Any:
    visit = {"team": team, "school": npsn, "first": first.isoformat(), "last": last.isoformat()}
    confirm = client.get("/office/schedule/remove", params=visit)
    assert confirm.status_code == 200 and "Hapus kunjungan dari jadwal?" in confirm.text
    return client.post(
        "/office/schedule/remove",
        data={"csrf": csrf_of(confirm.text), **visit},
        follow_redirects=False,
    )


def test_a_removed_visit_leaves_the_laptops_today(
    field: tuple[EmbeddedServer, h.Laptop, TestClient],
) -> None:
    srv, lap, client = field
    assert lap.service.run_round().error is None
    schools = sorted(today_npsns(lap))
    assert len(schools) >= 2, schools  # the demo gives every school of the team today
    gone, kept = schools[0], schools[1]
    today = date.today()
    r = remove_visit(client, h.TEAM, gone, today, today + timedelta(days=14))
    assert r.status_code == 303 and r.headers["location"].endswith("done=visit_removed")
    page = client.get(r.headers["location"])
    assert "Kunjungan dihapus dari jadwal." in page.text
    engine = admin.engine_for(srv.db_url)
    with Session(engine) as s:
        audit = s.scalars(select(sm.AuditLog).where(sm.AuditLog.action == "schedule.remove")).one()
        assert audit.actor == "admin" and audit.target == f"{h.TEAM}/{gone}"
        assert not s.scalars(select(sm.Assignment).where(sm.Assignment.school_npsn == gone)).all()

    assert lap.service.run_round().error is None
    assert today_npsns(lap) == set(schools) - {gone}

    # Scheduled again, the school comes back to Hari ini at the next sync.
    admin.assign(engine, h.TEAM, gone, today)
    assert lap.service.run_round().error is None
    assert today_npsns(lap) == set(schools)

    # The last visit to a school where the team has records stays: without it the
    # laptops' next records from there would be refused.
    with lap.store.session() as ls:
        student = ls.scalars(
            select(lm.Student.id).where(lm.Student.school_npsn == kept).limit(1)
        ).one()
    lap.recording.record_outcome(student, "recorded", lap.operator)
    assert lap.service.run_round().error is None
    r = remove_visit(client, h.TEAM, kept, today - timedelta(days=1), today + timedelta(days=14))
    assert r.status_code == 422
    assert "tidak dapat dihapus" in r.text
    assert lap.service.run_round().error is None
    assert kept in today_npsns(lap)
