"""First run, the growing delay after wrong passwords, switching operator, settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.ui.settings import IDLE_LOCK_MINUTES, LANGUAGE, SETTINGS_VERSION, Settings
from tests import timing
from tests.gui.conftest import (
    LEAD,
    PASSWORD,
    close_window,
    make_window,
    started_window,
    type_first_account,
)

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_first_run_creates_the_lead_and_starts_offline(qtbot: Any, data_dir: Path) -> None:
    w = started_window(qtbot, data_dir)
    page = w.first_run
    assert w.stack.currentWidget() is page
    qtbot.keyClicks(page.display_name, "Siti Rahayu")
    qtbot.keyClicks(page.new_password, "pendek")
    assert not page.create_button.isEnabled()
    assert "Terlalu pendek" in page.strength.label.text()
    page.new_password.clear()
    qtbot.keyClicks(page.new_password, "Jemput-Bola-2024")
    qtbot.keyClicks(page.repeat_password, "Jemput-Bola-2025")
    assert not page.create_button.isEnabled()
    assert "tidak sama" in page.account_message.text()
    page.repeat_password.clear()
    qtbot.keyClicks(page.repeat_password, "Jemput-Bola-2024")
    assert page.create_button.isEnabled()
    qtbot.keyClick(page.repeat_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 1)
    assert Workspace.exists(data_dir)
    assert [u.role for u in Workspace.users(data_dir)] == ["lead"]
    with qtbot.waitSignal(w.unlocked):
        page.offline_button.click()
    assert w.stack.currentWidget() is w.tabs
    close_window(w)


def test_wrong_passwords_make_the_user_wait_then_switch_operator(
    qtbot: Any, demo_data: Path
) -> None:
    ws = Workspace.open(demo_data, LEAD, PASSWORD)
    ws.add_user("petugas1", "petugas-satu-1", role="operator", display_name="Petugas Satu")
    ws.close()
    w = started_window(qtbot, demo_data)
    login = w.login
    for _ in range(3):
        login.password.setText("bukan-sandinya")
        login.login_button.click()
        qtbot.waitUntil(
            lambda: "salah" in login.message.text().lower() or "Tunggu" in login.login_button.text()
        )
    # the third wrong password starts the delay: the button shows the wait
    qtbot.waitUntil(lambda: "Tunggu" in login.login_button.text())
    assert not login.login_button.isEnabled()
    qtbot.waitUntil(login.login_button.isEnabled, timeout=6_000)
    login.password.setText(PASSWORD)
    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        login.login_button.click()
    assert w.workspace is not None and w.workspace.user.is_lead
    assert w.correct_action.isEnabled() and w.reveal_action.isEnabled()

    # switch operator without closing: Ctrl+Shift+L, choose the operator
    with qtbot.waitSignal(w.locked):
        w.switch_operator()
    login.user_combo.setCurrentIndex(login.user_combo.findData("petugas1"))
    login.password.setText("petugas-satu-1")
    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        login.login_button.click()
    assert w.workspace.user.username == "petugas1"
    assert "Petugas Satu" in w.user_label.text()
    assert not w.correct_action.isEnabled() and not w.reveal_action.isEnabled()
    close_window(w)


def test_settings_are_declared_typed_and_versioned(data_dir: Path) -> None:
    settings = Settings(data_dir)
    assert settings.version == SETTINGS_VERSION
    assert settings.get(IDLE_LOCK_MINUTES) == 5
    settings.set(IDLE_LOCK_MINUTES, 10)
    settings.set(LANGUAGE, "xx")  # not a choice: back to the default
    again = Settings(data_dir)
    assert again.get(IDLE_LOCK_MINUTES) == 10
    assert again.get(LANGUAGE) == "id"
    assert not (data_dir / "settings.ini").read_text().count("geometry")


def _damage_a_roster_index(data_dir: Path) -> None:
    """Flip bytes inside a student index's root page: the opening never reads it."""
    from ktpe_desktop.storage.engine import connect_raw
    from ktpe_desktop.storage.keyslots import KeySlots

    key = KeySlots(data_dir / "keyslots.json").unlock(LEAD, PASSWORD)
    db = data_dir / "ktpe.db"
    conn = connect_raw(db, key, readonly=True)
    try:
        page = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'student' "
            "ORDER BY name LIMIT 1"
        ).fetchone()[0]
    finally:
        conn.close()
    data = bytearray(db.read_bytes())
    for i in range((page - 1) * 4096 + 100, (page - 1) * 4096 + 400):
        data[i] ^= 0xFF
    db.write_bytes(bytes(data))


def _log_in(qtbot: Any, w: Any) -> None:
    w.show()
    w.start()
    w.login.password.setText(PASSWORD)
    w.login.login_button.click()


@pytest.mark.allow_warnings("integrity check failed")
def test_a_damaged_small_database_is_refused_at_login(qtbot: Any, demo_data: Path) -> None:
    # A school laptop's roster: the check at open, as always (issue 17's path).
    _damage_a_roster_index(demo_data)
    w = make_window(demo_data)
    qtbot.addWidget(w)
    _log_in(qtbot, w)
    qtbot.waitUntil(lambda: "rusak" in w.login.message.text(), timeout=10_000)
    assert w.workspace is None and w.tabs is None
    close_window(w)


@pytest.mark.allow_warnings("deferred quick_check failed", "the database is damaged")
def test_a_damaged_large_database_is_found_after_the_roster_shows(
    qtbot: Any, demo_data: Path, monkeypatch: pytest.MonkeyPatch, op_failures: list[BaseException]
) -> None:
    # Above the size the check runs after the roster is shown (Store.check_deferred):
    # the same message in the error dialog and on the login page, the database closed.
    from ktpe_desktop.storage import store as store_mod
    from ktpe_desktop.storage.errors import DatabaseCorrupt
    from ktpe_desktop.ui.window.session_flow import SessionFlow

    monkeypatch.setattr(store_mod, "QUICK_CHECK_AT_OPEN_MAX_BYTES", 64 * 1024)
    monkeypatch.setattr(SessionFlow, "CHECK_AFTER_MS", 50)
    _damage_a_roster_index(demo_data)
    w = make_window(demo_data)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        _log_in(qtbot, w)  # opens: the check is still to run
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.login, timeout=10_000)
    assert "rusak" in w.login.message.text()
    assert w.workspace is None
    assert [type(e) for e in op_failures] == [DatabaseCorrupt]  # the error dialog
    op_failures.clear()
    close_window(w)


def test_an_intact_large_database_is_checked_after_the_roster_shows(
    qtbot: Any, demo_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ktpe_desktop.storage import store as store_mod
    from ktpe_desktop.ui.window.session_flow import SessionFlow

    monkeypatch.setattr(store_mod, "QUICK_CHECK_AT_OPEN_MAX_BYTES", 64 * 1024)
    monkeypatch.setattr(SessionFlow, "CHECK_AFTER_MS", 50)
    w = make_window(demo_data)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        _log_in(qtbot, w)
    ws = w.workspace
    assert ws is not None
    qtbot.waitUntil(lambda: not ws.check_pending, timeout=10_000)
    assert w.stack.currentWidget() is w.tabs
    close_window(w)


def test_the_first_account_waits_for_the_preload_imports(
    qtbot: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account is created (its modules imported) only after ui.preload is done, as
    the login does: a module imported by two threads at once from two ends of a cycle
    raises a deadlock error in one of them."""
    import threading
    import time

    from ktpe_desktop.services import workspace as ws_module
    from ktpe_desktop.ui import preload

    release = threading.Event()
    preloading = threading.Thread(target=release.wait, args=(10,), daemon=True)
    preloading.start()
    monkeypatch.setattr(preload, "_thread", preloading)  # a preload still importing
    created_at: list[float] = []
    real_create = ws_module.Workspace.create

    def create(*args: Any, **kwargs: Any) -> Workspace:
        created_at.append(time.monotonic())
        return real_create(*args, **kwargs)

    monkeypatch.setattr(ws_module.Workspace, "create", create)
    w = started_window(qtbot, data_dir)
    page = w.first_run
    type_first_account(qtbot, page)
    qtbot.wait(300)
    assert created_at == []  # still waiting for the preload
    released_at = time.monotonic()
    release.set()
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 1)
    assert created_at and created_at[0] >= released_at
    close_window(w)


def test_a_card_scanned_at_the_login_is_not_a_wrong_password(qtbot: Any, demo_data: Path) -> None:
    """Found driving the real window: the laptop locks while the queue waits, the next
    card is scanned, and each scan was a wrong password (and a longer wait before the
    operator could log in). A number typed by hand is still a password."""
    from PySide6.QtTest import QTest

    from tests.gui.scanner import scan

    w = started_window(qtbot, demo_data)
    login = w.login
    qtbot.waitUntil(login.password.hasFocus)
    tried: list[str] = []
    login.login_requested.connect(lambda _user, password: tried.append(password))
    for _ in range(3):
        scan("0102815144")
        qtbot.wait(20)
    assert tried == []
    assert "Kartu siswa" in login.message.text() and login.password.text() == ""
    assert login.login_button.isEnabled()
    for ch in "0102815144":  # a person's pace: a password, even all digits
        QTest.keyClick(login.password, ch, Qt.KeyboardModifier.NoModifier, 60)
    QTest.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tried == ["0102815144"])
    qtbot.waitUntil(lambda: "salah" in login.message.text().lower(), timeout=10_000)
    close_window(w)


def test_the_work_pages_are_built_while_the_password_is_typed(qtbot: Any, demo_data: Path) -> None:
    """Return → roster does not wait for the work pages' widgets: they are built once
    the login page is shown and the preload is done, then given the workspace at the
    login, and they work as built at the login (a name search, the outcome dialog)."""
    from ktpe_desktop.ui import preload

    w = started_window(qtbot, demo_data, demo_credentials=(LEAD, PASSWORD))
    qtbot.waitUntil(lambda: preload.wait(0) and w._prepared is not None)
    today_page, roster, outcome = w._prepared or (None, None, None)
    assert roster is not None and outcome is not None
    with pytest.raises(RuntimeError):
        roster.workspace  # noqa: B018 - nothing uses the pages before the login
    with qtbot.waitSignal(w.unlocked, timeout=timing.ms(10_000)):
        w.login.password.setText(PASSWORD)
        qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    assert w._prepared is None
    assert (w.today_page, w.roster, w.outcome_dialog) == (today_page, roster, outcome)
    assert roster.workspace is w.workspace and outcome.workspace is w.workspace
    qtbot.waitUntil(lambda: w.today_page is not None and w.today_page.model.rowCount() > 0)
    w.choose_school(w.today_page.model._rows[0])
    qtbot.waitUntil(lambda: roster.model.rowCount() > 0)
    roster.search.setText("a")
    qtbot.waitUntil(lambda: roster.painted_generation == roster.generation)
    student = roster.model.item(0)
    assert student is not None
    w.open_student(student)
    qtbot.waitUntil(outcome.isVisible)
    assert outcome.student is not None and outcome.student.id == student.id
    outcome.reject()
    close_window(w)


def _login_page_asking(qtbot: Any, demo_data: Path) -> tuple[Any, list[str]]:
    """A login page with no arena waiting, and the users its first keys asked for."""
    from ktpe_desktop.storage import kdf

    kdf.release()
    w = started_window(qtbot, demo_data)
    qtbot.waitUntil(w.login.password.hasFocus)
    asked: list[str] = []
    w.login.password_started.connect(asked.append)
    return w, asked


def test_the_first_key_of_a_password_makes_its_argon2id_memory_ready(
    qtbot: Any, demo_data: Path
) -> None:
    """The derivation after Return takes memory faulted in while the password was
    typed (storage/kdf.py): asked for once, at the first key, for the chosen user's
    own parameters; the login then uses it up and unlocks as before."""
    from ktpe_desktop.storage import kdf

    w, asked = _login_page_asking(qtbot, demo_data)
    login = w.login
    qtbot.keyClicks(login.password, PASSWORD[:3])
    assert asked == [LEAD]
    arena = kdf._arena
    assert arena is not None and arena.ready.wait(10) and arena.address
    qtbot.keyClicks(login.password, PASSWORD[3:])
    assert asked == [LEAD]
    with qtbot.waitSignal(w.unlocked, timeout=timing.ms(10_000)):
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert kdf._arena is None and arena.address == 0
    # An arena no derivation took (another size: a key typed for another user) is
    # given back once the login is over.
    w.lock()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is login)
    from ktpe_desktop.storage.keyslots import KdfParams

    KdfParams(iterations=1, lanes=1, memory_cost=4096).prepare()
    assert kdf._arena is not None
    with qtbot.waitSignal(w.unlocked, timeout=timing.ms(10_000)):
        login.password.setText(PASSWORD)
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert kdf._arena is None
    close_window(w)


@pytest.mark.parametrize("read_ahead_fails", [False, True])
def test_the_last_school_is_read_by_the_login_and_opened_without_another_read(
    qtbot: Any, demo_data: Path, monkeypatch: pytest.MonkeyPatch, read_ahead_fails: bool
) -> None:
    """The login's thread reads the last school's counts right after the opening, so
    the roster opens on it without a read queued behind the work pages' first paint;
    when that read fails, the usual read (on the reader lane) opens it as before."""
    import threading
    from datetime import date

    from ktpe_desktop.ui.settings import LAST_SCHOOL

    ws = Workspace.open(demo_data, LEAD, PASSWORD)
    try:
        school = ws.schools(None)[0]
    finally:
        ws.close()
    Settings(demo_data).set(LAST_SCHOOL, school.npsn)
    calls: list[str] = []
    planned_school = Workspace.planned_school

    def recorded(self: Workspace, npsn: str, day: date | None) -> Any:
        calls.append(threading.current_thread().name)
        if read_ahead_fails and len(calls) == 1:
            raise RuntimeError("read ahead failed")
        return planned_school(self, npsn, None)  # whatever today is: it is planned

    monkeypatch.setattr(Workspace, "planned_school", recorded)
    w = started_window(qtbot, demo_data)
    with qtbot.waitSignal(w.unlocked, timeout=timing.ms(10_000)):
        w.login.password.setText(PASSWORD)
        qtbot.keyClick(w.login.password, Qt.Key.Key_Return)
    assert w.roster is not None
    qtbot.waitUntil(lambda: w.roster is not None and w.roster.model.rowCount() > 0)
    assert w.school is not None and w.school.npsn == school.npsn
    assert w.planned_at_login is None  # taken by the first reload
    if read_ahead_fails:
        assert len(calls) == 2 and calls[1].startswith("ktpe-read")
    else:
        assert len(calls) == 1 and not calls[0].startswith("ktpe-read")
    close_window(w)


def test_a_password_typed_again_after_a_wrong_one_makes_its_memory_ready_again(
    qtbot: Any, demo_data: Path
) -> None:
    """After a wrong password the field is selected and the next key replaces it:
    that key starts the next password, and its derivation gets an arena again."""
    from ktpe_desktop.storage import kdf

    w, asked = _login_page_asking(qtbot, demo_data)
    login = w.login
    qtbot.keyClicks(login.password, "salah-sekali")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "salah" in login.message.text().lower(), timeout=10_000)
    assert asked == [LEAD] and kdf._arena is None  # used by the wrong password
    assert login.password.selectedText() == "salah-sekali"
    qtbot.keyClicks(login.password, PASSWORD)
    assert asked == [LEAD, LEAD]
    assert kdf._arena is not None
    with qtbot.waitSignal(w.unlocked, timeout=timing.ms(10_000)):
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert kdf._arena is None
    close_window(w)
