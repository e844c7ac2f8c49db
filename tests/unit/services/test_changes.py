"""Every write of the workspace announces what it changed, with the student as the
write's own transaction left it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktpe_desktop.core.events import EventKind, Status
from ktpe_desktop.services.changes import Change, ChangeHub, What
from ktpe_desktop.services.demo_mode import load_demo_locally
from ktpe_desktop.services.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    ws = Workspace.create(tmp_path / "data", "koordinator", "rahasia-malang-24")
    load_demo_locally(ws, students=60)
    yield ws
    ws.close()


def test_record_undo_correct_and_walk_in_each_announce_one_change(ws: Workspace) -> None:
    seen: list[Change] = []
    ws.changes.subscribe(seen.append)
    student = next(s for s in ws.search(None, "", limit=60) if s.status == Status.PENDING)

    saved = ws.record_outcome(student.id, EventKind.RECORDED)
    assert saved.student is not None and saved.student.status == Status.RECORDED
    assert seen[-1].student_ids == {student.id}
    assert seen[-1].touches(What.OUTCOME) and seen[-1].touches(What.OUTBOX)
    assert seen[-1].student(student.id) == saved.student

    undone = ws.void(saved.event_id, "salah siswa")
    assert undone.student is not None and undone.student.status == Status.PENDING
    assert seen[-1].student(student.id) == undone.student

    corrected = ws.correct(student.id, {"name": "NAMA BARU"})
    assert corrected.student is not None and corrected.student.name == "NAMA BARU"
    assert seen[-1].touches(What.DETAILS)

    school = student.school_npsn
    added = ws.add_walk_in({"name": "SISWA BARU", "school_npsn": school, "class_name": "XII"})
    assert seen[-1].touches(What.STUDENT_ADDED) and seen[-1].student_ids == {added.id}
    assert len(seen) == 4


@pytest.mark.allow_warnings("change listener failed")
def test_a_failing_listener_does_not_undo_the_write() -> None:
    hub = ChangeHub()
    got: list[Change] = []

    def broken(_c: Change) -> None:
        raise RuntimeError("view bug")

    hub.subscribe(broken)
    unsubscribe = hub.subscribe(got.append)
    hub.emit(["a"], [What.OUTCOME])
    assert len(got) == 1
    unsubscribe()
    hub.emit(["b"], [What.OUTCOME])
    assert len(got) == 1
