"""A brand-new laptop that starts offline: lead account, "Mulai luring", choose a school
from the public list, import a Dapodik file, and the students are in Daftar Siswa."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ktpe_desktop.services.paper_settings import PaperSettings
from ktpe_desktop.ui.dialogs.import_roster import ImportDialog
from ktpe_desktop.ui.dialogs.paper_settings import PaperSettingsDialog
from ktpe_desktop.ui.dialogs.school_chooser import ChosenSchool, SchoolChooserDialog
from tests.gui.conftest import close_window, started_window, type_first_account
from tests.gui.test_screenshots import settle, shot
from tests.unit.imports import corpus as C

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

SMKN2 = "20533814"  # SMKN 2 MALANG, in the shipped school list


PROC = Path("/proc")  # Linux: where the scan worker is looked for


def _scan_workers() -> list[int]:
    """This test process's living children started with ``--scan-worker`` (Linux /proc;
    none found elsewhere)."""
    found: list[int] = []
    if not PROC.is_dir():
        return found
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and stat[0] != "Z" and b"--scan-worker" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.screenshots  # school-chooser.png
def test_offline_first_run_imports_a_roster_for_a_listed_school(
    qtbot: Any, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    students = C.make_students(25, seed=41)
    roster_file = C.write_dapodik_xlsx(tmp_path / "dapodik-smkn2.xlsx", students)
    monkeypatch.setattr(
        "ktpe_desktop.ui.dialogs.import_roster.QFileDialog.getOpenFileName",
        lambda *_a, **_k: (str(roster_file), ""),
    )

    w = started_window(qtbot, data_dir)
    page = w.first_run
    type_first_account(qtbot, page)
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 1)

    # "Mulai luring": the laptop has no schools, so the school chooser opens.
    with qtbot.waitSignal(w.unlocked):
        page.offline_button.click()
    qtbot.waitUntil(lambda: w.school_chooser is not None and w.school_chooser.isVisible())
    chooser = w.school_chooser
    assert isinstance(chooser, SchoolChooserDialog)
    assert len(chooser.visible_schools()) == 101
    assert not any(s.on_laptop for s in chooser.visible_schools())
    qtbot.keyClicks(chooser.search, "smkn 2")
    assert [s.npsn for s in chooser.visible_schools()] == [SMKN2]
    assert "1 sekolah" in chooser.count_label.text()
    chooser.search.clear()
    qtbot.keyClicks(chooser.search, "smk")
    settle(qtbot, w)
    shot(w, "school-chooser", chooser)
    chooser.search.clear()
    qtbot.keyClicks(chooser.search, "2053381")  # an NPSN prefix
    assert SMKN2 in [s.npsn for s in chooser.visible_schools()]
    assert chooser.select(SMKN2)
    qtbot.keyClick(chooser.search, Qt.Key.Key_Return)
    assert chooser.chosen == ChosenSchool(SMKN2, "SMKN 2 MALANG", on_laptop=False)

    # No campaign settings: the letterhead is asked for first, prefilled for Kota Malang.
    qtbot.waitUntil(lambda: w.paper_settings_dialog is not None)
    kop = w.paper_settings_dialog
    assert isinstance(kop, PaperSettingsDialog) and kop.letterhead_only
    assert kop.government.text() == "Pemerintah Kota Malang"
    kop.address.setText("Jl. Mayjen Sungkono, Malang")  # editable
    kop.save()
    assert not PaperSettings(w.workspace.store).needs_letterhead()

    # The import dialog for that school, which is not on the laptop yet.
    qtbot.waitUntil(lambda: w.import_dialog is not None and w.import_dialog.isVisible())
    dialog = w.import_dialog
    assert isinstance(dialog, ImportDialog)
    assert "SMKN 2 MALANG" in dialog.windowTitle()
    assert not dialog.new_school_label.isHidden()
    # The sheet's scan worker (D48) runs while the dialog is open, and only then.
    assert len(_scan_workers()) == (1 if PROC.is_dir() else 0)
    with qtbot.waitSignal(dialog.previewed, timeout=10_000) as previewed:
        dialog.choose_button.click()
    _preview, plan = previewed.args[0]
    assert len(plan.new) == 25
    with qtbot.waitSignal(dialog.committed, timeout=10_000) as committed:
        dialog.import_button.click()
    assert committed.args[0].school_created and committed.args[0].added == 25
    dialog.close_button.click()
    qtbot.waitUntil(lambda: not _scan_workers())

    # The new school is in Hari ini and its roster is open in Daftar Siswa.
    roster, today = w.roster, w.today_page
    assert roster is not None and today is not None and w.tabs is not None
    qtbot.waitUntil(lambda: w.school is not None and w.school.npsn == SMKN2)
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is roster)
    qtbot.waitUntil(lambda: roster.model.rowCount() == 25, timeout=10_000)
    assert {item.name for item in roster.model.items()} == {s.name for s in students}
    qtbot.waitUntil(lambda: today.model.rowCount() == 1)
    row = today.model.item(0)
    assert row is not None and row.npsn == SMKN2 and row.name == "SMKN 2 MALANG"
    assert row.goal == 25
    close_window(w)


def test_first_run_import_button_with_another_npsn(
    qtbot: Any, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run's "Impor daftar siswa…" button, for a school outside the list."""
    from ktpe_desktop.services.workspace import Workspace
    from tests.gui.conftest import LEAD, PASSWORD

    students = C.make_students(7, seed=42)
    roster_file = C.write_csv(tmp_path / "siswa.csv", students)
    monkeypatch.setattr(
        "ktpe_desktop.ui.dialogs.import_roster.QFileDialog.getOpenFileName",
        lambda *_a, **_k: (str(roster_file), ""),
    )
    w = started_window(qtbot, data_dir)
    w._account_created(Workspace.create(data_dir, LEAD, PASSWORD, "Siti Rahayu"))
    w.first_run.import_button.click()
    chooser = w.school_chooser
    assert chooser is not None and chooser.isVisible()
    chooser.other_button.click()
    qtbot.keyClicks(chooser.npsn_field, "69999999")
    qtbot.keyClicks(chooser.name_field, "SMA Harapan Bangsa")
    qtbot.keyClick(chooser.name_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.paper_settings_dialog is not None)
    w.paper_settings_dialog.reject()  # not now: the import goes on, papers will ask again
    qtbot.waitUntil(lambda: w.import_dialog is not None and w.import_dialog.isVisible())
    dialog = w.import_dialog
    assert isinstance(dialog, ImportDialog)
    with qtbot.waitSignal(dialog.previewed, timeout=10_000):
        dialog.choose_button.click()
    with qtbot.waitSignal(dialog.committed, timeout=10_000) as committed:
        dialog.import_button.click()
    assert committed.args[0].school_created and committed.args[0].added == 7
    dialog.reject()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.tabs)
    qtbot.waitUntil(lambda: w.school is not None and w.school.npsn == "69999999")
    assert w.school is not None and w.school.name == "SMA Harapan Bangsa"
    roster = w.roster
    assert roster is not None
    qtbot.waitUntil(lambda: roster.model.rowCount() == 7, timeout=10_000)
    close_window(w)


def test_chooser_other_npsn_needs_a_valid_npsn_and_a_name(qtbot: Any) -> None:
    chooser = SchoolChooserDialog([_Local("20533660", "SMAN 1 MALANG")])
    qtbot.addWidget(chooser)
    chooser.show()
    # a school on the laptop comes first and is marked as such
    assert chooser.visible_schools()[0] == ChosenSchool("20533660", "SMAN 1 MALANG", True)
    assert sum(s.npsn == "20533660" for s in chooser.visible_schools()) == 1
    qtbot.keyClicks(chooser.search, "tidak ada sekolah ini")
    assert chooser.visible_schools() == []
    assert "NPSN lain" in chooser.count_label.text()
    chooser.accept()
    assert chooser.chosen is None and chooser.isVisible() and chooser.message.text()

    chooser.search.clear()
    qtbot.keyClicks(chooser.search, "69999999")
    chooser.other_button.click()
    assert chooser.npsn_field.text() == "69999999" and not chooser.list.isEnabled()
    chooser.npsn_field.setText("6999")
    chooser.accept()
    assert chooser.chosen is None and "NPSN" in chooser.message.text()
    chooser.npsn_field.setText("69999999")
    chooser.accept()
    assert chooser.chosen is None and "nama sekolah" in chooser.message.text().lower()
    qtbot.keyClicks(chooser.name_field, "SMA Harapan Bangsa")
    qtbot.keyClick(chooser.name_field, Qt.Key.Key_Return)
    assert chooser.chosen == ChosenSchool("69999999", "SMA Harapan Bangsa", on_laptop=False)


def test_chooser_other_npsn_of_a_listed_school_uses_the_list(qtbot: Any) -> None:
    chooser = SchoolChooserDialog([])
    qtbot.addWidget(chooser)
    chooser.show()
    chooser.other_button.click()
    qtbot.keyClicks(chooser.npsn_field, SMKN2)
    assert chooser.name_field.text() == "SMKN 2 MALANG"
    chooser.accept()
    assert chooser.chosen == ChosenSchool(SMKN2, "SMKN 2 MALANG", on_laptop=False)


class _Local:
    def __init__(self, npsn: str, name: str) -> None:
        self.npsn = npsn
        self.name = name
