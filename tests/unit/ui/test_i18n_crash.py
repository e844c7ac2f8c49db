"""English catalogue, crash reports without personal data, the ops runner."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QMessageBox

import ktpe_desktop.ui  # noqa: F401
from ktpe_desktop.paths import resource
from ktpe_desktop.ui import ops
from ktpe_desktop.ui.crash import crash_report
from ktpe_desktop.ui.i18n import install_language, tr
from ktpe_desktop.ui.i18n_build import build
from ktpe_desktop.ui.i18n_extract import read_messages, regenerate

FIX = "run `python -m ktpe_desktop.ui.i18n_extract` and translate what it lists"


def test_every_ui_string_has_an_english_translation(tmp_path: Path) -> None:
    """lupdate over the UI finds no string without English, and nothing obsolete stays."""
    committed = resource("translations", "ktpe_en.ts")
    fresh = tmp_path / "ktpe_en.ts"
    regenerate(committed, fresh)
    now, before = read_messages(fresh), read_messages(committed)
    missing = sorted(source for source, message in now.items() if not message.translated)
    assert not missing, f"{FIX}: {missing}"
    obsolete = sorted(set(before) - set(now))
    assert not obsolete, f"{FIX} (drops what the UI no longer shows): {obsolete}"


def test_counts_read_as_each_language_counts(qapp: Any) -> None:
    build()
    install_language("id")
    try:
        assert tr("%Ln siswa", None, 1) == "1 siswa"
        assert tr("%Ln siswa", None, 12345) == "12.345 siswa"
        assert install_language("en")
        assert tr("%Ln siswa", None, 1) == "1 student"
        assert tr("%Ln siswa", None, 12345) == "12,345 students"
        assert tr("Tunggu %n detik", None, 1) == "Wait 1 second"
        assert tr("Tunggu %n detik", None, 3) == "Wait 3 seconds"
    finally:
        install_language("id")


def test_qt_own_buttons_and_dialogs_speak_indonesian(qapp: Any) -> None:
    """Qt ships no Indonesian: our qtbase_id catalogue covers what the app shows."""
    build()
    install_language("id")
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "t",
        "x",
        QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
    )
    assert sorted(b.text() for b in box.buttons()) == ["Batal", "OK"]
    yes_no = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Yes
        | QDialogButtonBox.StandardButton.No
        | QDialogButtonBox.StandardButton.Close
        | QDialogButtonBox.StandardButton.Save
    )
    assert sorted(b.text().replace("&", "") for b in yes_no.buttons()) == [
        "Simpan",
        "Tidak",
        "Tutup",
        "Ya",
    ]
    files = QFileDialog(None, "Simpan sebagai")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    files.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    labels = {name: files.findChild(QLabel, name).text() for name in FIELD_LABELS}
    assert labels == FIELD_LABELS
    buttons = files.findChild(QDialogButtonBox)
    assert sorted(b.text() for b in buttons.buttons()) == ["&Simpan", "Batal"]
    assert QPrintDialog(QPrinter()).windowTitle() == "Cetak"
    assert QPrintPreviewDialog(QPrinter()).windowTitle() == "Pratinjau Cetak"
    try:  # English mode: Qt's own English
        assert install_language("en")
        box = QMessageBox(QMessageBox.Icon.Warning, "t", "x", QMessageBox.StandardButton.Cancel)
        assert [b.text() for b in box.buttons()] == ["Cancel"]
    finally:
        install_language("id")


FIELD_LABELS = {
    "lookInLabel": "&Cari di:",
    "fileNameLabel": "&Nama berkas:",
    "fileTypeLabel": "&Jenis berkas:",
}


def test_switching_language(qapp: Any) -> None:
    build()
    try:
        assert install_language("en")
        assert tr("Terekam") == "Recorded"
        assert tr("● Daring (online)") == "● Online"  # English says it in English
    finally:
        install_language("id")
    assert tr("Terekam") == "Terekam"


PERSON = ("3573014107000002", "SITI AMINAH")  # what a student row would hold at runtime


def test_crash_report_holds_no_personal_data() -> None:
    def fail(nik: str, name: str) -> None:
        secret_local = nik  # noqa: F841 - locals must not reach the report
        raise ValueError(f"student {name!r} with NIK {nik} and NISN 0071781063")

    try:
        fail(*PERSON)
    except ValueError as exc:
        report = crash_report(exc)
    assert "3573014107000002" not in report
    assert "0071781063" not in report
    assert "SITI AMINAH" not in report
    assert "ValueError" in report and "test_crash_report_holds_no_personal_data" in report


def test_ops_deliver_on_the_main_thread_in_order(qtbot: Any) -> None:
    main = threading.get_ident()
    seen: list[tuple[int, bool]] = []
    for i in range(20):
        ops.Op(None, lambda i=i: (i, threading.get_ident() != main)).success(
            lambda r: seen.append((r[0], threading.get_ident() == main and r[1]))
        ).run()
    errors: list[BaseException] = []
    ops.Op(None, lambda: 1 / 0).failure(errors.append).run()
    qtbot.waitUntil(lambda: ops.pending_count() == 0)
    assert seen == [(i, True) for i in range(20)]  # one writer thread: started order kept
    assert isinstance(errors[0], ZeroDivisionError)
