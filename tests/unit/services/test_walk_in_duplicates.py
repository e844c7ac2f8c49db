"""A walk-in or a correction may not take a NISN/NIK that another student holds;
a lead's override with a reason is saved and becomes an anomaly."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktpe_desktop.services.demo_mode import load_demo_locally
from ktpe_desktop.services.recording import DuplicateIdentifier
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.storage.errors import PermissionDenied


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    ws = Workspace.create(tmp_path / "data", "koordinator", "rahasia-malang-24")
    load_demo_locally(ws, students=40)
    yield ws
    ws.close()


def test_walk_in_with_a_held_nisn_or_nik_is_refused(ws: Workspace) -> None:
    a, b = [s for s in ws.search(None, "", limit=40) if s.nisn and s.nik][:2]
    base = {"name": "SISWA BARU", "school_npsn": a.school_npsn}
    with pytest.raises(DuplicateIdentifier) as err:
        ws.add_walk_in({**base, "nisn": a.nisn})
    assert err.value.student_id == a.id and a.name in err.value.text("id")
    with pytest.raises(DuplicateIdentifier):
        ws.add_walk_in({**base, "nik": b.nik})
    with pytest.raises(DuplicateIdentifier):
        ws.correct(b.id, {"nisn": a.nisn})  # a correction cannot steal it either


def test_a_leads_override_becomes_an_anomaly(ws: Workspace) -> None:
    a = next(s for s in ws.search(None, "", limit=40) if s.nisn)
    item = ws.add_walk_in(
        {"name": "SISWA BARU", "school_npsn": a.school_npsn, "nisn": a.nisn},
        override_reason="kartu tertukar",
    )
    assert [x.code for x in ws.anomalies() if x.student_id == item.id] == ["duplicate_identifier"]


def test_an_operator_cannot_override(ws: Workspace) -> None:
    a = next(s for s in ws.search(None, "", limit=40) if s.nisn)
    ws.add_user("petugas1", "petugas-satu-1", role="operator")
    ws.unlock("petugas1", "petugas-satu-1")
    with pytest.raises(PermissionDenied):
        ws.add_walk_in(
            {"name": "X", "school_npsn": a.school_npsn, "nisn": a.nisn}, override_reason="x"
        )
