"""English catalogue, crash reports without personal data, the ops runner."""

from __future__ import annotations

import os
import threading
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ktpe_desktop.ui  # noqa: F401
from ktpe_desktop.paths import resource
from ktpe_desktop.ui import ops
from ktpe_desktop.ui.crash import crash_report
from ktpe_desktop.ui.i18n import install_language, tr
from ktpe_desktop.ui.i18n_build import build
from ktpe_desktop.ui.i18n_extract import collect, read_ts


def test_every_ui_string_has_an_english_translation() -> None:
    english = read_ts(resource("translations", "ktpe_en.ts"))
    missing = sorted(set(collect()) - set(english))
    assert not missing, f"run python -m ktpe_desktop.ui.i18n_extract and translate: {missing}"


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
