"""``ktpe-desktop enroll`` and ``ktpe-desktop sync`` against the real embedded server."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ktpe_desktop.cli import main
from ktpe_desktop.storage.store import Store
from tests.reliability import harness as h


@pytest.mark.allow_warnings("token refused")
def test_enroll_then_sync_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KTPE_PASSWORD", h.PASSWORD)
    data = tmp_path / "laptop"
    Store.create(data, "koordinator", h.PASSWORD).close()
    with h.world(tmp_path, students=300) as (server, db):
        code = h.admin.make_enroll_code(db, h.TEAM)
        assert main(["enroll", server.url, code, "--data-dir", str(data)]) == 0
        assert "Terdaftar" in capsys.readouterr().out
        assert main(["sync", "--data-dir", str(data)]) == 0

        lap = h._wrap("cli", data, Store.open(data, "koordinator", h.PASSWORD), h.FAST, None)
        h.record_random(lap, 7, random.Random(2), h.local_students(lap))
        device = lap.store.device_id
        lap.close()
        capsys.readouterr()
        assert main(["sync", "--data-dir", str(data)]) == 0
        out = capsys.readouterr().out
        assert "acked=7" in out and "pending=0" in out

        # A revoked device: exit 2, the message asks for re-enrolment, nothing lost.
        lap = h._wrap("cli", data, Store.open(data, "koordinator", h.PASSWORD), h.FAST, None)
        h.record_random(lap, 3, random.Random(3), h.local_students(lap))
        lap.close()
        h.admin.revoke_device(db, device)
        assert main(["sync", "--data-dir", str(data)]) == 2
        err = capsys.readouterr().err
        assert "daftar ulang" in err.lower()
        store = Store.open(data, "koordinator", h.PASSWORD)
        try:
            from ktpe_desktop.services.sync_service import SyncService

            assert SyncService(store).counts().pending == 3
        finally:
            store.close()
        # A device_id enrols once, ever (issue 12): the same laptop cannot take its
        # revoked device back with a new code; it is refused with a clear message.
        code = h.admin.make_enroll_code(db, h.TEAM)
        assert main(["enroll", server.url, code, "--data-dir", str(data)]) == 2
        err = capsys.readouterr().err
        assert "device_bound" in err and "--new-device" in err
        # As a new device it comes back (issue 17): the code was not used up, and the
        # three unsent outcomes are re-issued by the new device and accepted.
        assert main(["enroll", server.url, code, "--data-dir", str(data), "--new-device"]) == 0
        out = capsys.readouterr().out
        assert "Dikirim ulang oleh perangkat baru: 3 catatan" in out
        assert main(["sync", "--data-dir", str(data)]) == 0


def test_enroll_with_a_bad_address_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KTPE_PASSWORD", h.PASSWORD)
    data = tmp_path / "laptop"
    Store.create(data, "koordinator", h.PASSWORD).close()
    assert main(["enroll", "ktpe.example", "ABCD-EFGH", "--data-dir", str(data)]) == 2
    assert "Alamat server tidak valid" in capsys.readouterr().err
