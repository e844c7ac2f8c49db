"""Screenshots of each main screen at 1366×768, in Bahasa Indonesia and English (``-en``),
for docs/ (and for a human to look at).

A dialog is drawn over its dimmed main window, as the user sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QWidget

from ktpe_desktop.services.demo_mode import DEMO_PASSWORD, DEMO_USER
from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.sync.errors import ServerUnreachable
from ktpe_desktop.ui.dialogs.history import HistoryDialog
from ktpe_desktop.ui.dialogs.quarantine import QuarantineDialog
from ktpe_desktop.ui.dialogs.student_form import StudentFormDialog
from ktpe_desktop.ui.i18n import current_language, install_language
from ktpe_desktop.ui.main_window import MainWindow
from tests.conftest import docs_dir
from tests.gui.conftest import PASSWORD, close_window, started_window

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.screenshots]


def shot(window: MainWindow, name: str, dialog: QWidget | None = None) -> Path:
    # docs/screenshots under `make screenshots`, the test's own folder in `make test`
    out = docs_dir("screenshots")
    image: QPixmap = window.grab()
    if dialog is not None:
        painter = QPainter(image)
        painter.fillRect(image.rect(), QColor(0, 0, 0, 70))
        top = dialog.grab()
        pos = QPoint(
            (image.width() - top.width()) // 2, max(30, (image.height() - top.height()) // 2)
        )
        painter.fillRect(top.rect().translated(pos).adjusted(-1, -1, 1, 1), QColor("#90a4ae"))
        painter.drawPixmap(pos, top)
        painter.end()
    suffix = "" if current_language() == "id" else f"-{current_language()}"
    path = out / f"{name}{suffix}.png"
    assert image.save(str(path))
    assert image.width() == 1366 and image.height() == 768
    return path


def settle(qtbot: Any, window: MainWindow) -> None:
    from ktpe_desktop.ui import ops

    qtbot.waitUntil(lambda: ops.pending_count() == 0)
    qtbot.wait(30)


@pytest.fixture(params=["id", "en"])
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every screenshot in Bahasa Indonesia and in English (``-en`` files)."""
    install_language(request.param)
    yield request.param
    install_language("id")


def test_screenshots(qtbot: Any, demo_data: Path, lang: str) -> None:
    # the banner as `make run` shows it (this data folder's own password is PASSWORD)
    w = started_window(qtbot, demo_data, demo_credentials=(DEMO_USER, DEMO_PASSWORD))
    w.login.password.setFocus()
    shot(w, "login")

    with qtbot.waitSignal(w.unlocked, timeout=10_000):
        w.login.password.setText(PASSWORD)
        w.login.login_button.click()
    assert w.today_page is not None and w.roster is not None and w.workspace is not None
    ws = w.workspace
    qtbot.waitUntil(lambda: w.today_page.model.rowCount() > 0)
    school = max(ws.schools(), key=lambda s: s.total)
    students = ws.search(school.npsn, "", limit=40)
    for i, s in enumerate(students[:12]):
        kind = ("recorded", "recorded", "recorded", "absent", "already_recorded", "recorded")[i % 6]
        ws.record_outcome(s.id, kind)
    ws.record_outcome(students[12].id, "failed", reason="no_kk", note="KK tertinggal")
    w.sync_widget.set_online(False)
    w.reload_schools()
    assert w.sync_driver is not None
    w.sync_driver.refresh_counts()
    qtbot.waitUntil(lambda: w.sync_widget.pending == 13)
    settle(qtbot, w)
    w.today_page.table.selectRow(
        w.today_page.model._rows.index(
            next(r for r in w.today_page.model._rows if r.npsn == school.npsn)
        )
    )
    shot(w, "hari-ini")

    w.choose_school(next(r for r in w.today_page.model._rows if r.npsn == school.npsn))
    settle(qtbot, w)
    qtbot.keyClicks(w.roster.search, "muhamad")
    qtbot.waitUntil(lambda: w.roster.painted_generation == w.roster.generation)
    settle(qtbot, w)
    shot(w, "daftar-siswa")

    w.roster.table.selectRow(0)
    w.roster.open_selected()
    dialog = w.outcome_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    shot(w, "outcome", dialog)
    dialog.reject()

    form = StudentFormDialog(ws, school.npsn, None, w)
    form.name.setText("DEWI ANGGRAINI")
    form.nisn.setText("008123456")
    form.nik.setText("3573015505080001")
    form.sex.setCurrentIndex(form.sex.findData("L"))
    form.show()
    qtbot.waitUntil(lambda: not form.feedback["nik"].isHidden())
    shot(w, "walk-in", form)
    form.reject()

    # Pengaturan → Kop surat: every prefilled field shows its beginning
    w.show_paper_settings()
    kop = w.paper_settings_dialog
    assert kop is not None
    qtbot.waitUntil(kop.isVisible)
    shot(w, "kop-surat", kop)
    kop.reject()

    history = HistoryDialog(ws, ws.student(students[12].id), w)
    history.show()
    qtbot.waitUntil(lambda: history.model.rowCount() > 0)
    last = history.model.item(0)
    ws.void(last.event_id, "salah pilih siswa")
    ws.record_outcome(students[12].id, "recorded", note="KK dibawa menyusul")
    history.reload()
    qtbot.waitUntil(lambda: history.model.rowCount() == 3)
    shot(w, "history", history)
    history.reject()

    _quarantine_two(ws)
    w.sync_widget.set_online(False)
    w.sync_widget.set_counts(3, 40, 2)
    w.sync_widget.set_last_success(datetime.now(UTC))
    w.sync_widget.set_problem(ServerUnreachable().text(current_language()))
    quarantine = QuarantineDialog(ws, w)
    quarantine.show()
    qtbot.waitUntil(lambda: quarantine.model.rowCount() == 2)
    shot(w, "sync-problems", quarantine)
    quarantine.reject()
    close_window(w)


def _quarantine_two(ws: Workspace) -> None:
    """Mark two local events as refused by the server (what a bad sync leaves)."""
    from sqlalchemy import select

    from ktpe_desktop.storage import models as m

    with ws.store.transaction() as s:
        rows = s.scalars(select(m.Outbox).limit(2)).all()
        for row, (code, message) in zip(
            rows,
            (
                ("unknown_student", "the student is neither in the roster nor added"),
                ("content_differs", "the server holds other content under this event_id"),
            ),
            strict=False,
        ):
            row.status = m.OutboxStatus.QUARANTINED
            row.attempts = 3
            row.last_error = f"rejected|{code}|{message}"


def test_first_run_screenshot(qtbot: Any, data_dir: Path, lang: str) -> None:
    w = started_window(qtbot, data_dir)
    assert w.stack.currentWidget() is w.first_run
    w.first_run.display_name.setText("Siti Rahayu")
    w.first_run.new_password.setText("Malang-Jemput-2024")
    w.first_run.repeat_password.setText("Malang-Jemput-2024")
    shot(w, "first-run")
    close_window(w)
