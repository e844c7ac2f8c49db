"""Table models without any widget: columns, roles, masking, paging, resets."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

import ktpe_desktop.ui  # noqa: F401
from ktpe_desktop.core.events import Status
from ktpe_desktop.services.views import HistoryItem, QuarantineItem, SchoolProgress, StudentItem
from ktpe_desktop.ui.models import (
    ROLE_ID,
    ROLE_ITEM,
    ROLE_PROGRESS,
    ROLE_STATUS,
    HistoryTableModel,
    QuarantineTableModel,
    SchoolTableModel,
    StudentTableModel,
)

DISPLAY = Qt.ItemDataRole.DisplayRole


def student(i: int, **kw: Any) -> StudentItem:
    base: dict[str, Any] = {
        "id": f"s{i}",
        "name": f"SISWA {i}",
        "nisn": f"{i:010d}",
        "nik": f"35730141070{i:05d}",
        "sex": "L",
        "birth_date": date(2007, 7, 1),
        "class_name": "XII IPA 1",
    }
    base.update(kw)
    return StudentItem(**base)


@pytest.fixture
def model(qapp: Any) -> StudentTableModel:
    m = StudentTableModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    return m


def test_columns_and_headers(model: StudentTableModel) -> None:
    assert model.columnCount() == 9
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)]
    assert headers == ["No", "Nama", "NISN", "NIK", "L/P", "Tgl Lahir", "Umur", "Kelas", "Status"]


def test_rows_roles_and_masked_nik(model: StudentTableModel) -> None:
    model.set_today(date(2024, 11, 27))
    model.set_rows([student(1), student(2, status=Status.RECORDED, ikd_activated=True)])
    assert model.rowCount() == 2
    idx = model.index(0, StudentTableModel.COL_NIK)
    assert model.data(idx, DISPLAY) == "••••••••••••0001"
    assert model.data(model.index(0, StudentTableModel.COL_NO), DISPLAY) == "1"
    assert model.data(model.index(0, StudentTableModel.COL_NISN), DISPLAY) == "0000000001"
    assert model.data(model.index(0, StudentTableModel.COL_BIRTH), DISPLAY) == "01-07-2007"
    assert model.data(model.index(0, StudentTableModel.COL_AGE), DISPLAY) == "17"
    assert model.data(model.index(0, 0), ROLE_ID) == "s1"
    assert model.data(model.index(1, 0), ROLE_STATUS) == Status.RECORDED
    assert model.data(model.index(1, 0), ROLE_ITEM).name == "SISWA 2"
    assert model.data(model.index(1, StudentTableModel.COL_STATUS), DISPLAY) == "Terekam · IKD"
    bg = model.data(model.index(1, StudentTableModel.COL_STATUS), Qt.ItemDataRole.BackgroundRole)
    assert bg.name() == "#c8e6c9"


def test_reveal_nik_is_per_student_and_reset_on_hide(model: StudentTableModel) -> None:
    model.set_rows([student(1), student(2)])
    model.reveal_nik("s2")
    assert model.data(model.index(1, StudentTableModel.COL_NIK), DISPLAY) == "3573014107000002"
    assert model.data(model.index(0, StudentTableModel.COL_NIK), DISPLAY).startswith("•")
    model.hide_niks()
    assert model.data(model.index(1, StudentTableModel.COL_NIK), DISPLAY).startswith("•")


def test_set_rows_resets_and_paging_fetches_the_next_page(
    model: StudentTableModel, qtbot: Any
) -> None:
    calls: list[int] = []

    def fetch(offset: int) -> list[StudentItem]:
        calls.append(offset)
        return [student(i) for i in range(offset, min(offset + 200, 450))]

    with qtbot.waitSignal(model.modelReset):
        model.set_rows(fetch(0), total=450, fetcher=fetch)
    assert model.rowCount() == 200 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 450
    assert not model.canFetchMore(QModelIndex())
    assert calls == [0, 200, 400]
    assert model.data(model.index(449, StudentTableModel.COL_NO), DISPLAY) == "450"


def test_update_row_changes_one_row_without_reset(model: StudentTableModel, qtbot: Any) -> None:
    model.set_rows([student(1), student(2)])
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        model.update_row(student(2, status=Status.ABSENT))
    assert model.data(model.index(1, StudentTableModel.COL_STATUS), DISPLAY) == "Tidak Hadir"


def test_school_model_progress(qapp: Any) -> None:
    m = SchoolTableModel()
    QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m.set_rows(
        [
            SchoolProgress(
                "20533628",
                "SMAN 1",
                "Klojen",
                target=100,
                total=98,
                recorded=40,
                already_recorded=10,
                absent=3,
                failed=2,
                pending=43,
            )
        ]
    )
    assert m.data(m.index(0, SchoolTableModel.COL_DONE), DISPLAY) == "50"
    assert m.data(m.index(0, SchoolTableModel.COL_PROGRESS), DISPLAY) == "50 %"
    assert m.data(m.index(0, 0), ROLE_PROGRESS) == (50, 100)


def test_history_model_marks_voided_events(qapp: Any) -> None:
    m = HistoryTableModel()
    at = datetime(2024, 10, 1, 2, 30, tzinfo=UTC)
    m.set_rows(
        [
            HistoryItem(
                "e1", "failed", at, "petugas1", "abcdef123456", True, reason="no_kk", voided_by="e2"
            ),
            HistoryItem(
                "e2",
                "voided",
                at,
                "koordinator",
                "abcdef123456",
                True,
                reason="salah pilih",
                target_event_id="e1",
            ),
        ]
    )
    assert m.data(m.index(0, HistoryTableModel.COL_KIND), DISPLAY) == "Gagal Rekam"
    assert "Tidak ada KK" in m.data(m.index(0, HistoryTableModel.COL_DETAIL), DISPLAY)
    assert m.data(m.index(0, 0), Qt.ItemDataRole.FontRole).strikeOut()
    assert "salah pilih" in m.data(m.index(1, HistoryTableModel.COL_DETAIL), DISPLAY)
    assert m.data(m.index(1, HistoryTableModel.COL_DEVICE), DISPLAY) == "abcdef12 (laptop ini)"


def test_quarantine_model(qapp: Any) -> None:
    m = QuarantineTableModel()
    m.set_rows([QuarantineItem("e1", "recorded", "SISWA", None, 3, "bad_hash — ditolak")])
    assert m.data(m.index(0, QuarantineTableModel.COL_ERROR), DISPLAY) == "bad_hash — ditolak"
    assert m.data(m.index(0, QuarantineTableModel.COL_KIND), DISPLAY) == "Terekam"


def test_a_student_under_the_recording_age_gets_a_badge(model: StudentTableModel) -> None:
    from ktpe_desktop.core.eligibility import CampaignRules

    model.set_today(date(2024, 9, 1))
    model.set_rules(CampaignRules(date(2024, 11, 27), 16, 17))
    model.set_rows(
        [student(1), student(2, birth_date=date(2009, 6, 1)), student(3, birth_date=None)]
    )
    status = StudentTableModel.COL_STATUS
    assert model.data(model.index(0, status), DISPLAY) == "Belum"
    assert model.data(model.index(1, status), DISPLAY) == "Belum · belum cukup umur"
    assert model.data(model.index(2, status), DISPLAY) == "Belum"
