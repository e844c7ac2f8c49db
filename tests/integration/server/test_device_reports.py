"""A laptop tells the office what it holds: the desktop sync client's report headers
(X-Ktpe-Unsent, X-Ktpe-Quarantined, X-Ktpe-Client-Time) reach the devices page's columns
through a real server over HTTP (ktpe_server/office/device_reports.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.services.sync_service import SyncService
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync.client import SyncClient
from ktpe_server import admin
from ktpe_server import models as sm
from tests import timing
from tests.conftest import Factory
from tests.reliability import harness as h

AHEAD_S = 600.0  # the laptop's clock runs ten minutes fast


def _device(db_url: str, device_id: str) -> sm.Device:
    with Session(admin.engine_for(db_url)) as s:
        row = s.get(sm.Device, device_id)
        assert row is not None
        s.expunge(row)
        return row


@pytest.mark.allow_warnings("clock skew", "quarantined by the server")
def test_laptop_reports_its_outbox_and_clock_to_the_office(tmp_path: Path) -> None:
    srv = h.start_server(tmp_path, students=60)

    def fast_clock_client(url: str, token: str | None, ca_file: str | None) -> SyncClient:
        return SyncClient(
            url, token=token, ca_file=ca_file, timeouts=h.FAST, clock=lambda: time.time() + AHEAD_S
        )

    store = Store.create(tmp_path / "lap", "koordinator", h.PASSWORD)
    service = SyncService(store, client_factory=fast_clock_client, batch_size=2, max_batch_size=2)
    lap = h.Laptop("lap", tmp_path / "lap", store, service, RecordingService(store))
    try:
        h.enrol(lap, srv.url, srv.db_url)
        assert lap.service.run_round().error is None  # the roster arrives
        students = h.local_students(lap)
        assert len(students) >= 3
        for sid in students[:3]:
            lap.recording.record_outcome(sid, "recorded", lap.operator)
        # A student of a school the office never gave this team: the server refuses its
        # event, and the laptop sets it aside (quarantine).
        stray = Factory(store).student(Factory(store).school("99999999"), name="SISWA LAIN")
        lap.recording.record_outcome(stray, "recorded", lap.operator)

        # The push alone, two events a request: each request says what was still unsent
        # before it, so the office's last word is the 2 of the last batch.
        lap.service.engine.push()
        dev = _device(srv.db_url, store.device_id)
        assert dev.reported_unsent == 2
        # A full round: the requests after the push say nothing is left, one set aside.
        summary = lap.service.run_round()
        assert summary.pending_left == 0 and summary.quarantined == 1
        dev = _device(srv.db_url, store.device_id)
        assert dev.reported_unsent == 0
        assert dev.reported_quarantined == 1
        # The skew is the laptop's clock minus the server's, taken from the header.
        assert dev.clock_skew_ms is not None
        slack_ms = timing.seconds(30.0) * 1000
        assert abs(dev.clock_skew_ms - AHEAD_S * 1000) < slack_ms, dev.clock_skew_ms
    finally:
        lap.close()
        srv.stop()
