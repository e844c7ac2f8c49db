"""The wrong-student paths of the recording screen (issue 11), each reproduced with
the keyboard and a scanner at real speed: every outcome must land on the student
the operator means, and no scan may be lost."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from ktpe_desktop.core.events import Status
from ktpe_desktop.services.views import StudentItem
from ktpe_desktop.ui import ops
from ktpe_desktop.ui.dialogs.import_roster import ImportDialog
from ktpe_desktop.ui.main_window import MainWindow
from tests.gui.conftest import close_window, logged_in
from tests.gui.scanner import scan

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def window(qtbot: Any, demo_data: Path) -> Iterator[MainWindow]:
    """Logged in, on the roster of the school with the most students still to record."""
    w = logged_in(qtbot, demo_data)
    assert w.today_page is not None
    w.today_page.all_schools.setChecked(True)
    qtbot.waitUntil(lambda: w.today_page is not None and w.today_page.model.rowCount() > 1)
    busiest = max(w.today_page.model._rows, key=lambda s: s.pending)
    assert busiest.pending >= 10
    w.choose_school(busiest)
    w.activateWindow()
    ops.wait_for_done(10_000)
    roster = w.roster
    assert roster is not None
    qtbot.waitUntil(lambda: roster.model.rowCount() > 0)
    yield w
    close_window(w)


def students(w: MainWindow, *, everywhere: bool = False) -> list[StudentItem]:
    assert w.workspace is not None and w.school is not None
    npsn = None if everywhere else w.school.npsn
    return [s for s in w.workspace.search(npsn, "", limit=1000) if s.nisn]


def pending(w: MainWindow, *, everywhere: bool = False) -> list[StudentItem]:
    return [s for s in students(w, everywhere=everywhere) if s.status == Status.PENDING]


def dialog_open_for(qtbot: Any, w: MainWindow, student_id: str) -> None:
    d = w.outcome_dialog
    assert d is not None
    qtbot.waitUntil(lambda: d.isVisible() and d.student is not None and d.student.id == student_id)


def test_after_a_scan_the_list_selection_and_button_point_at_the_scanned_student(
    qtbot: Any, window: MainWindow
) -> None:
    w = window
    roster, dialog = w.roster, w.outcome_dialog
    assert roster is not None and dialog is not None
    first, second = pending(w)[:2]
    # search the first by name, record with Enter, Enter
    roster.focus_search()
    qtbot.keyClicks(roster.search, first.name.split()[0].lower())
    qtbot.waitUntil(lambda: roster.painted_generation == roster.generation)
    row = roster.model.row_of(first.id)
    assert row >= 0
    roster.table.selectRow(row)
    roster.open_selected()
    dialog_open_for(qtbot, w, first.id)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # then a scanner reads the second student's card
    assert second.nisn is not None
    roster.focus_search()
    scan(second.nisn)
    dialog_open_for(qtbot, w, second.id)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # the list, its selection and "Catat hasil (Enter)" all mean the scanned student
    assert roster.search.text() == second.nisn
    selected = roster.selected_student()
    assert selected is not None and selected.id == second.id
    assert [roster.model.item(r).id for r in range(roster.model.rowCount())] == [second.id]
    roster.open_button.click()
    dialog_open_for(qtbot, w, second.id)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_scan_while_the_dialog_is_open_never_confirms_it_and_opens_the_next_student(
    qtbot: Any, window: MainWindow
) -> None:
    w = window
    roster, dialog = w.roster, w.outcome_dialog
    assert roster is not None and dialog is not None and w.workspace is not None
    a, b = pending(w)[:2]
    assert a.nisn and b.nisn
    roster.focus_search()
    scan(a.nisn)
    dialog_open_for(qtbot, w, a.id)
    scan(b.nisn)  # before anybody decided for A
    dialog_open_for(qtbot, w, b.id)
    ops.wait_for_done(10_000)
    assert w.workspace.student(a.id).status == Status.PENDING  # A was not confirmed
    assert a.name in w.toast.text() and "belum disimpan" in w.toast.text()
    assert not dialog.banner.isHidden() and a.name in dialog.banner.text()
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert w.workspace.student(b.id).status == Status.RECORDED
    assert w.workspace.student(a.id).status == Status.PENDING


def test_a_scan_with_the_note_field_focused_is_still_a_scan(qtbot: Any, window: MainWindow) -> None:
    w = window
    roster, dialog = w.roster, w.outcome_dialog
    assert roster is not None and dialog is not None and w.workspace is not None
    a, b = pending(w)[:2]
    assert a.nisn and b.nisn
    roster.focus_search()
    scan(a.nisn)
    dialog_open_for(qtbot, w, a.id)
    dialog.note.setFocus()
    qtbot.waitUntil(dialog.note.hasFocus)
    scan(b.nisn)
    dialog_open_for(qtbot, w, b.id)
    assert dialog.note.text() == ""
    ops.wait_for_done(10_000)
    assert w.workspace.student(a.id).status == Status.PENDING
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_scan_while_the_history_or_an_undo_is_open_closes_it_and_saves_nothing(
    qtbot: Any, window: MainWindow
) -> None:
    """The scanner's Enter must not confirm an undo (its reason field would take the
    digits, Enter its OK): the dialogs close unsaved and the scanned student opens."""
    from ktpe_desktop.ui.dialogs.history import HistoryDialog
    from ktpe_desktop.ui.dialogs.void import VoidDialog

    w = window
    roster, dialog = w.roster, w.outcome_dialog
    assert roster is not None and dialog is not None and w.workspace is not None
    a, b, c = pending(w)[:3]
    assert a.nisn and b.nisn and c.nisn
    roster.focus_search()
    scan(a.nisn)
    dialog_open_for(qtbot, w, a.id)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # Ctrl+H from the search field, then a card
    qtbot.keyClick(roster.search, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(HistoryDialog)))
    history = next(d for d in w.findChildren(HistoryDialog) if d.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is history)
    scan(b.nisn)
    dialog_open_for(qtbot, w, b.id)
    assert not any(d.isVisible() for d in w.findChildren(HistoryDialog))
    assert "ditutup tanpa menyimpan" in dialog.banner.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # Ctrl+Z asks for the reason to undo A's outcome; the next card arrives instead
    qtbot.waitUntil(roster.search.hasFocus)
    qtbot.keyClick(roster.search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(VoidDialog)))
    void = next(d for d in w.findChildren(VoidDialog) if d.isVisible())
    qtbot.waitUntil(void.reason.hasFocus)
    scan(c.nisn)
    dialog_open_for(qtbot, w, c.id)
    assert not void.isVisible()
    ops.wait_for_done(10_000)
    assert w.workspace.student(a.id).status == Status.RECORDED  # not undone
    assert w.workspace.student(b.id).status == Status.PENDING
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_card_scanned_into_the_walk_in_form_fills_its_nisn_not_the_name(
    qtbot: Any, window: MainWindow
) -> None:
    w = window
    assert w.roster is not None
    existing = pending(w)[0]
    assert existing.nisn
    w.add_walk_in()
    form = walk_in_form(qtbot, w)
    form.name.setFocus()
    qtbot.waitUntil(form.name.hasFocus)
    qtbot.keyClicks(form.name, "SISWA BARU")
    scan(existing.nisn)
    qtbot.waitUntil(lambda: form.nisn.text() == existing.nisn)
    assert form.name.text() == "SISWA BARU"
    qtbot.waitUntil(lambda: form.duplicate_box.isVisible())  # the card is on the roster
    assert form.isVisible()  # the scanner's Enter saved and opened nothing
    form.reject()


def test_fifty_students_in_a_row_with_scans_arriving_while_dialogs_are_open(
    qtbot: Any, window: MainWindow
) -> None:
    """Every other card is scanned while the previous student's dialog is still open:
    that student is left unsaved and scanned again later; none is lost or swapped."""
    w = window
    roster, dialog = w.roster, w.outcome_dialog
    assert roster is not None and dialog is not None and w.workspace is not None
    queue = pending(w, everywhere=True)[:50]
    assert len(queue) == 50
    roster.focus_search()
    recorded: list[str] = []
    interrupted: list[str] = []
    i = 0
    while i < len(queue):
        student = queue[i]
        assert student.nisn
        scan(student.nisn)
        dialog_open_for(qtbot, w, student.id)
        nxt = queue[i + 1] if i + 1 < len(queue) else None
        if nxt is not None and i % 2 == 0 and student.id not in interrupted:
            # the next card arrives before the operator decided: open it instead
            assert nxt.nisn
            interrupted.append(student.id)
            scan(nxt.nisn)
            dialog_open_for(qtbot, w, nxt.id)
            with qtbot.waitSignal(dialog.saved, timeout=10_000) as blocker:
                qtbot.keyClick(dialog, Qt.Key.Key_Return)
            assert blocker.args[0].student_id == nxt.id
            recorded.append(nxt.id)
            qtbot.waitUntil(lambda: not dialog.isVisible())
            queue.append(student)  # the interrupted student comes back to the desk
            queue.pop(i + 1)
            i += 1
            continue
        with qtbot.waitSignal(dialog.saved, timeout=10_000) as blocker:
            qtbot.keyClick(dialog, Qt.Key.Key_Return)
        assert blocker.args[0].student_id == student.id
        recorded.append(student.id)
        qtbot.waitUntil(lambda: not dialog.isVisible())
        i += 1
    ops.wait_for_done(10_000)
    assert len(recorded) == 50 and len(set(recorded)) == 50
    assert interrupted
    states = {s.id: s.status for s in students(w, everywhere=True)}
    # Enter saves the suggested outcome (Terekam, or Belum Cukup Umur for the few too young)
    assert all(states[sid] in (Status.RECORDED, Status.NOT_ELIGIBLE) for sid in recorded)
    outcomes = [
        h
        for sid in recorded
        for h in w.workspace.history(sid)
        if h.kind in ("recorded", "not_eligible")
    ]
    assert len(outcomes) == 50  # one outcome per student: none doubled, none lost
    untouched = set(interrupted) - set(recorded)
    assert not untouched  # every interrupted student came back and was recorded


def add_students(w: MainWindow, names: list[str], class_name: str = "XII IPA 1") -> list[str]:
    assert w.workspace is not None and w.school is not None
    return [
        w.workspace.add_walk_in(
            {"name": n, "school_npsn": w.school.npsn, "class_name": class_name}
        ).id
        for n in names
    ]


def type_then_enter(qtbot: Any, w: MainWindow, text: str) -> None:
    roster = w.roster
    assert roster is not None
    roster.focus_search()
    qtbot.keyClicks(roster.search, text)
    qtbot.keyClick(roster.search, Qt.Key.Key_Return)


def test_type_enter_enter_records_the_best_match_not_the_first_by_class(
    qtbot: Any, window: MainWindow
) -> None:
    w = window
    dialog = w.outcome_dialog
    assert dialog is not None and w.workspace is not None
    melati, noor = add_students(w, ["MELATI NURHALIZA", "NOOR ANGGI"])
    moh, agung = add_students(w, ["MOH. DONI", "MUHAMMAD AGUNG"], class_name="X A")
    ops.wait_for_done(10_000)
    type_then_enter(qtbot, w, "noor")
    dialog_open_for(qtbot, w, noor)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        if dialog.isVisible() and "NOOR ANGGI" in dialog.message.text():
            qtbot.keyClick(dialog, Qt.Key.Key_Return)  # another NOOR… in the demo roster
    assert w.workspace.student(noor).status == Status.RECORDED
    assert w.workspace.student(melati).status == Status.PENDING
    qtbot.waitUntil(lambda: not dialog.isVisible())
    type_then_enter(qtbot, w, "muhamad")
    dialog_open_for(qtbot, w, agung)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert w.workspace.student(moh).status == Status.PENDING


def test_two_equally_good_matches_need_one_extra_confirmation(
    qtbot: Any, window: MainWindow
) -> None:
    w = window
    dialog = w.outcome_dialog
    assert dialog is not None and w.workspace is not None
    first, _second = add_students(w, ["ZULAIKHA PUTRI", "ZULAIKHA SARI"])
    type_then_enter(qtbot, w, "zulaikha")
    dialog_open_for(qtbot, w, first)
    assert not dialog.banner.isHidden()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # the first Enter only asks
    ops.wait_for_done(10_000)
    assert dialog.isVisible() and "ZULAIKHA PUTRI" in dialog.message.text()
    assert w.workspace.student(first).status == Status.PENDING
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert w.workspace.student(first).status == Status.RECORDED


def walk_in_form(qtbot: Any, w: MainWindow) -> Any:
    from ktpe_desktop.ui.dialogs.student_form import StudentFormDialog

    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(StudentFormDialog)))
    return next(d for d in w.findChildren(StudentFormDialog) if d.isVisible())


def test_a_walk_in_with_an_existing_nisn_is_refused_and_enter_opens_that_student(
    qtbot: Any, window: MainWindow
) -> None:
    w = window
    roster, dialog = w.roster, w.outcome_dialog
    assert roster is not None and dialog is not None and w.workspace is not None
    existing = pending(w)[0]
    assert existing.nisn
    roster.focus_search()
    qtbot.keyClicks(roster.search, existing.nisn)  # typed, not found? Ctrl+N pre-fills it
    qtbot.keyClick(roster.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = walk_in_form(qtbot, w)
    assert form.nisn.text() == existing.nisn
    form.name.setText("SISWA KEMBAR")
    qtbot.waitUntil(lambda: form.duplicate_box.isVisible())
    assert existing.name in form.duplicate_label.text()
    assert not form.save_button.isEnabled()
    before = len(w.workspace.search(None, "", limit=5000))
    qtbot.keyClick(form.name, Qt.Key.Key_Return)  # one key: open the existing student
    dialog_open_for(qtbot, w, existing.id)
    assert not form.isVisible()
    assert len(w.workspace.search(None, "", limit=5000)) == before  # nothing added
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_lead_may_save_the_duplicate_only_with_a_reason_which_is_an_anomaly(
    qtbot: Any, window: MainWindow
) -> None:
    w = window
    assert w.workspace is not None and w.roster is not None
    existing = pending(w)[1]
    assert existing.nisn
    w.add_walk_in()
    form = walk_in_form(qtbot, w)
    form.name.setText("SISWA KEMBAR")
    form.nisn.setText(existing.nisn)
    qtbot.waitUntil(lambda: form.duplicate_box.isVisible())
    form.override.setChecked(True)
    qtbot.wait(100)
    assert not form.save_button.isEnabled()  # no reason yet
    form.override_reason.setText("kartu pelajar tertukar, dicek dengan KK")
    qtbot.waitUntil(form.save_button.isEnabled)
    with qtbot.waitSignal(form.saved, timeout=10_000) as blocker:
        form.save_button.click()
    added = blocker.args[0]
    ops.wait_for_done(10_000)
    codes = [a.code for a in w.workspace.anomalies() if a.student_id == added.id]
    assert codes == ["duplicate_identifier"]
    d = w.outcome_dialog
    assert d is not None
    qtbot.waitUntil(d.isVisible)
    qtbot.keyClick(d, Qt.Key.Key_Escape)


def test_f6_on_a_student_not_recorded_yet_asks_first(qtbot: Any, window: MainWindow) -> None:
    w = window
    roster, dialog = w.roster, w.outcome_dialog
    assert roster is not None and dialog is not None and w.workspace is not None
    student = pending(w)[0]
    assert student.nisn
    roster.focus_search()
    scan(student.nisn)
    dialog_open_for(qtbot, w, student.id)
    qtbot.keyClick(dialog, Qt.Key.Key_F6)
    ops.wait_for_done(10_000)
    assert dialog.isVisible() and "F6" in dialog.message.text()
    assert w.workspace.student(student.id).ikd_activated is False
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_F6)
    assert w.workspace.student(student.id).ikd_activated is True


def test_the_age_shown_and_the_banner_use_the_same_voting_day(
    qtbot: Any, window: MainWindow
) -> None:
    from datetime import date

    from ktpe_desktop.core.eligibility import CampaignRules

    w = window
    dialog = w.outcome_dialog
    assert dialog is not None and w.workspace is not None
    rules = w.workspace.rules()
    assert rules is not None and rules.reference_date > w.today  # the demo votes ahead
    voting = rules.reference_date
    # 16 today, still 16 on the voting day: may be recorded, may not vote
    birth = date(voting.year - 17, voting.month, voting.day)
    birth = birth.replace(day=min(birth.day + 1, 28))
    item = students(w)[0]
    from dataclasses import replace

    young = replace(item, birth_date=birth, status=Status.PENDING)
    dialog.set_student(young, rules=CampaignRules(voting), today=w.today)
    shown = dialog.fields["birth"].text()
    assert "16 th saat pemungutan suara" in shown
    assert "16 tahun" in dialog.banner.text()


def scan_once_in_front(
    w: MainWindow,
    kind: type[QDialog],
    digits: str,
    seen: list[Any],
    prepare: Callable[[Any], None] = lambda _d: None,
) -> None:
    """For a modal dialog opened next (its exec() blocks the test): once a ``kind`` is
    shown and in front, ``prepare`` it and scan ``digits`` into it; ``seen`` gets it.
    Left open by a failure, it is closed after 5 s (with Qt's question before
    overwriting a PDF, had the scan printed)."""

    def close_what_a_failure_leaves_open(tries: int = 25) -> None:
        modal = QApplication.activeModalWidget()
        if tries == 0 and isinstance(modal, QMessageBox | kind):
            modal.reject()
        if seen[0].isVisible() or isinstance(modal, QMessageBox):
            # the dialog as the timer's context: never called once it is deleted
            QTimer.singleShot(
                200, seen[0], lambda: close_what_a_failure_leaves_open(max(0, tries - 1))
            )

    def when_in_front() -> None:
        shown = [d for d in w.findChildren(kind) if d.isVisible()]
        if shown:
            shown[0].activateWindow()  # as the window manager does
        if not shown or QApplication.activeWindow() is not shown[0]:
            QTimer.singleShot(20, when_in_front)
            return
        seen.append(shown[0])
        prepare(shown[0])
        close_what_a_failure_leaves_open()
        scan(digits)

    QTimer.singleShot(0, when_in_front)


def test_a_scan_while_the_print_dialog_is_open_prints_nothing(
    qtbot: Any, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found driving the real window: a card scanned while Cetak Berita Acara's dialog
    was open pressed its default button (Enter), printing and numbering the paper.
    The dialog closes unprinted and the scanned student opens, as in the history."""
    from PySide6.QtPrintSupport import QPrintDialog

    from ktpe_desktop.reports import printing

    w = window
    dialog = w.outcome_dialog
    roster = w.roster
    assert dialog is not None and roster is not None
    printed: list[object] = []
    monkeypatch.setattr(printing, "print_to", lambda *a: printed.append(a) or [0])
    a = pending(w)[0]
    assert a.nisn
    seen: list[QPrintDialog] = []
    scan_once_in_front(w, QPrintDialog, a.nisn, seen)
    w.print_report("berita_acara")
    dialog_open_for(qtbot, w, a.id)
    assert seen and not seen[0].isVisible()
    assert printed == []
    assert "ditutup tanpa menyimpan" in dialog.banner.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_card_scanned_on_hari_ini_opens_its_student(qtbot: Any, window: MainWindow) -> None:
    """Found driving the real window: on Hari ini a card's Enter opened the selected
    school's list and the card was lost (scan it again). Now its student opens, in its
    own school's list."""
    w = window
    dialog, roster, today = w.outcome_dialog, w.roster, w.today_page
    assert dialog is not None and roster is not None and today is not None
    assert w.school is not None and w.tabs is not None
    a = pending(w)[0]
    other = next(s for s in pending(w, everywhere=True) if s.school_npsn != w.school.npsn)
    for student in (a, other):
        w.show_tab(0)
        qtbot.waitUntil(today.table.hasFocus)
        scan(student.nisn)
        dialog_open_for(qtbot, w, student.id)
        assert w.tabs.currentWidget() is roster
        assert w.school is not None and w.school.npsn == student.school_npsn
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_card_scanned_on_an_empty_hari_ini_opens_its_student(qtbot: Any, demo_data: Path) -> None:
    """Right after login no school is open; on a day with no school on Hari ini there is
    none to select either: the card was dropped without a word (the complaint the scan
    on Hari ini answered). Its student opens in its own school, and an unknown card
    says so."""
    w = logged_in(qtbot, demo_data)
    try:
        dialog, roster, today = w.outcome_dialog, w.roster, w.today_page
        assert dialog is not None and roster is not None and today is not None
        assert w.school is None and w.tabs is not None and w.workspace is not None
        a = next(
            s
            for s in w.workspace.search(None, "", limit=200)
            if s.nisn and s.status == Status.PENDING
        )
        today.model.set_rows([])  # nothing planned today, "all schools" off
        w.show_tab(0)
        qtbot.waitUntil(today.table.hasFocus)
        scan("0000000001")
        qtbot.waitUntil(lambda: "0000" in w.toast.text())
        scan(a.nisn)
        dialog_open_for(qtbot, w, a.id)
        assert w.tabs.currentWidget() is roster
        assert w.school is not None and w.school.npsn == a.school_npsn
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    finally:
        close_window(w)


def test_a_scan_while_the_settings_are_open_saves_nothing(qtbot: Any, window: MainWindow) -> None:
    """Found driving the real window: a card scanned with the focus on "Kunci otomatis
    setelah diam (menit)" saved 95 there (the screen then locked after 95 minutes
    idle, not 5). The settings close unsaved and the scanned student opens."""
    from ktpe_desktop.ui.dialogs.settings_dialog import SettingsDialog
    from ktpe_desktop.ui.settings import IDLE_LOCK_MINUTES

    w = window
    dialog = w.outcome_dialog
    assert dialog is not None
    before = w.settings.get(IDLE_LOCK_MINUTES)
    a = pending(w)[0]
    assert a.nisn
    seen: list[SettingsDialog] = []
    # from the language to the minutes, as Tab does
    scan_once_in_front(w, SettingsDialog, a.nisn, seen, lambda d: d.focusNextChild())
    w.show_settings()  # modal: returns when the dialog closed
    dialog_open_for(qtbot, w, a.id)
    assert seen and not seen[0].isVisible()
    assert w.settings.get(IDLE_LOCK_MINUTES) == before
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def previewed_import(qtbot: Any, w: MainWindow, tmp_path: Path, seed: int) -> ImportDialog:
    """The import dialog of the school open, over a loaded preview of 5 new students."""
    from tests.unit.imports import corpus as C

    roster_file = C.write_csv(tmp_path / "siswa.csv", C.make_students(5, seed=seed))
    w.open_import()
    qtbot.waitUntil(lambda: isinstance(w.import_dialog, ImportDialog))
    importing = w.import_dialog
    assert isinstance(importing, ImportDialog)
    qtbot.waitUntil(importing.isVisible)
    with qtbot.waitSignal(importing.previewed, timeout=10_000):
        importing.load_file(roster_file)
    return importing


def held_commit(importing: ImportDialog, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The import's save waits (on its thread) until the returned event is set."""
    release = threading.Event()
    service = importing._service
    real_commit = service.commit

    def slow_commit(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(service, "commit", slow_commit)
    return release


def test_a_scan_while_an_import_preview_is_open_imports_nothing(
    qtbot: Any, window: MainWindow, tmp_path: Path
) -> None:
    """Found reading the import dialog after driving the real window: "Impor" is its
    default button, so a card scanned over a loaded preview committed the import. The
    dialog closes uncommitted and the scanned student opens."""
    w = window
    dialog = w.outcome_dialog
    assert dialog is not None and w.school is not None
    a = pending(w)[0]
    assert a.nisn
    importing = previewed_import(qtbot, w, tmp_path, seed=77)
    assert importing.import_button.isEnabled() and importing.import_button.isDefault()
    committed: list[object] = []
    importing.committed.connect(committed.append)
    importing.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is importing)
    importing.tabs.currentWidget().setFocus()
    scan(a.nisn)
    dialog_open_for(qtbot, w, a.id)
    ops.wait_for_done(10_000)
    assert committed == [] and not importing.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def test_a_scan_while_an_import_is_being_saved_leaves_it_to_end(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A card scanned while the import is being saved cannot close the dialog: the
    save goes on to its end, so "closed without saving" would be false and the dialog
    would close before its result. The dialog stays, the toast says to scan again
    after it, and the import ends saved; Escape is ignored the same way."""
    w = window
    assert w.outcome_dialog is not None and w.school is not None
    a = pending(w)[0]
    assert a.nisn
    importing = previewed_import(qtbot, w, tmp_path, seed=78)
    release = held_commit(importing, monkeypatch)
    committed: list[object] = []
    importing.committed.connect(committed.append)
    importing.commit()
    assert importing.committing and not importing.close_button.isEnabled()
    importing.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is importing)
    scan(a.nisn)
    qtbot.waitUntil(lambda: "setelah selesai" in w.toast.text())
    qtbot.keyClick(importing, Qt.Key.Key_Escape)
    qtbot.wait(50)
    assert importing.isVisible() and committed == []
    release.set()
    qtbot.waitUntil(lambda: len(committed) == 1, timeout=10_000)
    assert not importing.committing and importing.close_button.isEnabled()
    importing.reject()
    qtbot.waitUntil(lambda: not importing.isVisible())


def test_locking_while_an_import_is_being_saved_closes_it(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock closes every dialog: the import's preview names students. A dialog
    whose import is being saved ignores reject() (a scan, Escape), so it stayed over
    the login page, readable (and its report savable) without logging in, and kept
    the login page from taking keys. It closes at once; the save ends saved behind
    the login page."""
    w = window
    importing = previewed_import(qtbot, w, tmp_path, seed=79)
    release = held_commit(importing, monkeypatch)
    committed: list[object] = []
    finished: list[int] = []
    importing.committed.connect(committed.append)
    importing.finished.connect(finished.append)
    importing.commit()
    assert importing.committing
    w.lock(idle=True)
    try:
        assert w.is_locked and not importing.isVisible() and finished != []
    finally:
        release.set()
    qtbot.waitUntil(lambda: len(committed) == 1, timeout=10_000)
    ops.wait_for_done(10_000)
    assert not importing.isVisible() and w.is_locked
