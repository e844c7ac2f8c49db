"""The two kinds of error, shown: a KnownError in plain words, a bug in the crash dialog.

The crash report is meant to be copied and sent to the office, so it carries no
personal data: no local variables (only file, line, function and source line of
each frame), every run of 10+ digits (NISN, NIK, No. KK) replaced by
``[disamarkan]``, and of each exception message only what
:func:`ktpe_desktop.core.redaction.safe_message` keeps (no SQL parameters, no
quoted text, no names: a message that is not a developer's lower-case text is
reduced to its length). ``sys.excepthook`` and ``threading.excepthook`` both lead here; a crash in
a worker thread is handed to the main thread through a queued signal.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Signal, Slot, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ktpe_desktop import __version__
from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.redaction import exception_chain, frame_lines, redact_digits, safe_message
from ktpe_desktop.ui.i18n import current_language, tr

log = logging.getLogger("ktpe.ui")
REDACTED = "[disamarkan]"


def redact(text: str) -> str:
    """``text`` without any 10+-digit number."""
    return redact_digits(text, REDACTED)


def crash_report(exc: BaseException) -> str:
    """A copyable report of an unexpected error, free of personal data."""
    lines = [
        f"KTP-el Jemput Bola {__version__}",
        f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}",
        f"{platform.system()} {platform.release()} ({platform.machine()})",
        "",
        f"{type(exc).__module__}.{type(exc).__qualname__}: {safe_message(exc, REDACTED)}",
        "",
        "Traceback (most recent call last):",
    ]
    for index, item in enumerate(exception_chain(exc)):
        if index:
            lines.append(f"-- then: {type(item).__qualname__}: {safe_message(item, REDACTED)}")
        lines += frame_lines(item)
    return redact("\n".join(lines))


class CrashDialog(QDialog):
    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle(tr("Terjadi kesalahan"))
        self.report = report
        layout = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "Terjadi kesalahan yang tidak terduga. Data yang sudah tersimpan aman.\n"
                "Salin laporan di bawah ini dan kirimkan ke admin kantor. "
                "Laporan ini tidak berisi data pribadi siswa."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit(report)
        self.text.setReadOnly(True)
        self.text.setMinimumSize(640, 260)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox()
        self.copy_button = buttons.addButton(
            tr("Salin laporan"), QDialogButtonBox.ButtonRole.ActionRole
        )
        close = buttons.addButton(tr("Tutup"), QDialogButtonBox.ButtonRole.RejectRole)
        self.copy_button.clicked.connect(self.copy)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.report)
        self.copy_button.setText(tr("Tersalin"))


_open_dialogs: list[QWidget] = []


def _keep(dialog: QWidget) -> None:
    _open_dialogs.append(dialog)
    dialog.finished.connect(lambda *_: _open_dialogs.remove(dialog))  # type: ignore[attr-defined]


def show_crash(exc: BaseException, parent: QWidget | None = None) -> CrashDialog:
    report = crash_report(exc)
    log.error("unexpected error\n%s", report)
    dialog = CrashDialog(report, parent)
    _keep(dialog)
    dialog.open()
    return dialog


def show_known_error(exc: KnownError, parent: QWidget | None = None) -> QMessageBox:
    log.info("known error: %s", exc.code)
    box = QMessageBox(parent)
    box.setObjectName("knownErrorBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(tr("Tidak berhasil"))
    box.setText(exc.text(current_language()))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    _keep(box)
    box.open()
    return box


def show_error(parent: QObject | None, exc: BaseException) -> None:
    """The default failure handler of :mod:`ops` and of the excepthooks."""
    widget = parent if isinstance(parent, QWidget) else None
    if widget is not None and not widget.isVisible():
        widget = None
    if isinstance(exc, KnownError):
        show_known_error(exc, widget)
    else:
        show_crash(exc, widget)


class _CrashRelay(QObject):
    crashed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.crashed.connect(self._show)

    @Slot(object)
    def _show(self, exc: BaseException) -> None:
        show_error(None, exc)


_relay: _CrashRelay | None = None


def install_excepthooks() -> None:
    """Route uncaught exceptions (main thread and others) to the crash dialog."""
    global _relay
    _relay = _CrashRelay()
    relay = _relay

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        relay.crashed.emit(exc)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
