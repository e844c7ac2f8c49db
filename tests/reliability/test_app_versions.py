"""The version advice end to end: a laptop told of a newer release syncs and says so;
one below the minimum stops with a clear message, sends nothing, keeps its outbox."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ktpe_desktop.sync import state as keys
from ktpe_server.config import Settings
from ktpe_server.embedded import start_embedded
from tests.reliability import harness as h

pytestmark = [pytest.mark.timeout(120), pytest.mark.allow_warnings()]


def test_newer_release_is_shown_and_below_the_minimum_sync_stops(tmp_path: Path) -> None:
    with h.world(tmp_path, students=200) as (server, db):
        lap = h.new_laptop(tmp_path, "lap")
        try:
            h.enrol(lap, server.url, db)
            assert lap.service.run_round().error is None
            h.record_random(lap, 4, random.Random(3), h.local_students(lap))
            url = "https://ktpe.example/unduh/"
            advising = start_embedded(
                db,
                settings=Settings(
                    db_url=db, latest_app_version="9.0.0", download_url=url, **h.UNLIMITED
                ),
            )
            try:
                with lap.store.transaction() as s:
                    keys.put(s, keys.SERVER_URL, advising.url)
                lap.service.engine.invalidate_client()
                summary = lap.service.run_round()
                assert summary.error is None and summary.all_acknowledged
                assert summary.update_available == "9.0.0"
                assert summary.download_url == url
            finally:
                advising.stop()

            h.record_random(lap, 3, random.Random(4), h.local_students(lap))
            held = len(h.server_events(db))
            strict = start_embedded(
                db,
                settings=Settings(
                    db_url=db, min_app_version="9.0.0", download_url=url, **h.UNLIMITED
                ),
            )
            try:
                with lap.store.transaction() as s:
                    keys.put(s, keys.SERVER_URL, strict.url)
                lap.service.engine.invalidate_client()
                summary = lap.service.run_round()
                assert summary.error_code == "app_too_old"
                assert summary.error and "terlalu lama" in summary.error and url in summary.error
                assert len(h.server_events(db)) == held  # nothing more sent
                assert lap.service.counts().unsent == 3  # the outbox waits, intact
            finally:
                strict.stop()
        finally:
            lap.close()
