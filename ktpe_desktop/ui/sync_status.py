"""Sync, always visible: the status-bar widget and what drives it.

The widget shows "● Daring (online)" / "○ Luring (offline)", "Belum terkirim: N",
"Terakhir sinkron: HH:MM", a problem with its reason (click: the quarantined
items), a progress bar while a round runs, and the Sinkronkan button (Ctrl+S).

:class:`AdapterDriver` wraps the sync package's Qt adapter
(``ktpe_desktop.sync.qt.QtSyncAdapter``: rounds on a worker thread, a network
monitor, capped exponential backoff with full jitter) for the window: a round runs
when the Sinkronkan button is pressed, every few minutes, when the network comes
back, and soon after an outcome is saved while online.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from ktpe_desktop.services.changes import Change, What, round_changes
from ktpe_desktop.ui import labels
from ktpe_desktop.ui.i18n import current_language, tr
from ktpe_desktop.ui.ops import Lane, Op
from ktpe_desktop.ui.widgets import ElidingLabel

if TYPE_CHECKING:
    from ktpe_desktop.services.views import SyncSnapshot
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload

# What ktpe_desktop.sync.qt says (in Indonesian) about the clock and a crashed round.
_CLOCK_SKEW = re.compile(r"Jam laptop berbeda (\d+) menit dari server")
_CRASH = "Sinkronisasi gagal karena kesalahan program: "

log = logging.getLogger("ktpe.ui")

PROBLEM_MAX_WIDTH = 360


class _ProblemLabel(ElidingLabel):
    """The problem: up to PROBLEM_MAX_WIDTH wide, narrower (ending in "…") when the
    bar has less room (the hub's label beside it), never cut off mid-letter."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.full_text()) + 2
        width += margins.left() + margins.right()
        return QSize(min(width, PROBLEM_MAX_WIDTH), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(40, super().minimumSizeHint().height())


class SyncStatusWidget(QWidget):
    """The permanent right-hand part of the status bar."""

    sync_requested = Signal()
    problems_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(10)
        self.online_label = QLabel()
        self.online_label.setObjectName("onlineDot")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingLabel")
        self.last_label = QLabel()
        self.last_label.setObjectName("lastSyncLabel")
        self.problem_label = _ProblemLabel()
        self.problem_label.setObjectName("problemLabel")
        self.problem_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.problem_label.setMaximumWidth(PROBLEM_MAX_WIDTH)
        self.problem_label.mousePressEvent = lambda _e: self.problems_requested.emit()  # type: ignore[method-assign,assignment]
        self.update_label = QLabel()
        self.update_label.setObjectName("updateLabel")
        self.update_label.setStyleSheet("color: #1565c0; font-weight: bold;")
        self.update_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.update_label.hide()
        self.bar = QProgressBar()
        self.bar.setObjectName("syncProgress")
        self.bar.setMaximumWidth(110)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.button = QPushButton(tr("Sinkronkan (Ctrl+S)"))
        self.button.setObjectName("syncButton")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.sync_requested)
        for w in (
            self.update_label,
            self.problem_label,
            self.online_label,
            self.pending_label,
            self.last_label,
            self.bar,
            self.button,
        ):
            layout.addWidget(w)
        self.pending = 0
        self.quarantined = 0
        self.online: bool | None = None
        self.problem = ""
        self.set_online(None)
        self.set_counts(0, 0, 0)
        self.set_last_success(None)
        self.set_problem("")

    def set_online(self, online: bool | None) -> None:
        self.online = online
        if online is None:
            self.online_label.setText(tr("○ Belum dicek"))
            self.online_label.setStyleSheet("color: #78909c;")
        elif online:
            self.online_label.setText(tr("● Daring (online)"))
            self.online_label.setStyleSheet("color: #2e7d32; font-weight: bold;")
        else:
            self.online_label.setText(tr("○ Luring (offline)"))
            self.online_label.setStyleSheet("color: #ef6c00; font-weight: bold;")

    def set_counts(self, pending: int, acked: int, quarantined: int) -> None:
        self.pending = pending
        self.quarantined = quarantined
        self.pending_label.setText(tr("Belum terkirim: {n}").format(n=pending))
        self.pending_label.setStyleSheet("font-weight: bold;" if pending else "")
        self.pending_label.setToolTip(
            tr("Terkirim: {acked} · Ditolak server: {q}").format(acked=acked, q=quarantined)
        )

    def set_last_success(self, when: datetime | str | None) -> None:
        if isinstance(when, str):
            try:
                when = datetime.fromisoformat(when) if when else None
            except ValueError:
                when = None
        if when is None:
            self.last_label.setText(tr("Terakhir sinkron: —"))
            self.last_label.setToolTip("")
            return
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self.last_label.setText(tr("Terakhir sinkron: {t}").format(t=labels.local_time(when)))
        self.last_label.setToolTip(labels.local_datetime(when))

    def set_problem(self, text: str) -> None:
        self.problem = text
        if not text:
            self.problem_label.hide()
            return
        self.problem_label.setText("⚠ " + text)  # elided to the room it gets
        self.problem_label.updateGeometry()
        self.problem_label.setToolTip(text + "\n" + tr("Klik untuk melihat masalah sinkron."))
        self.problem_label.show()

    def set_update(self, version: str | None, download_url: str | None = None) -> None:
        """The server's advice: a newer app version exists (syncing goes on)."""
        if not version:
            self.update_label.hide()
            return
        self.update_label.setText(tr("Versi baru tersedia: {v}").format(v=version))
        where = download_url or tr("minta pemasangnya ke admin")
        self.update_label.setToolTip(
            tr("Pasang versi {v} dari {where}. Data di laptop tetap aman.").format(
                v=version, where=where
            )
        )
        self.update_label.show()

    def show_round(self, summary: Any) -> None:
        self.set_update(
            getattr(summary, "update_available", None), getattr(summary, "download_url", None)
        )

    def set_state(self, state: str) -> None:
        syncing = state in ("syncing", "running")
        self.button.setEnabled(not syncing)
        self.button.setText(tr("Menyinkronkan…") if syncing else tr("Sinkronkan (Ctrl+S)"))
        self.bar.setVisible(syncing)
        if syncing:
            self.bar.setRange(0, 0)

    def set_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` in the current stage (a busy bar while the total is unknown)."""
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)

    def connect_driver(self, driver: AdapterDriver) -> None:
        driver.stateChanged.connect(self.set_state)
        driver.progress.connect(self.set_progress)
        driver.countsChanged.connect(self.set_counts)
        driver.lastSuccessChanged.connect(self.set_last_success)
        driver.onlineChanged.connect(self.set_online)
        driver.problem.connect(self.set_problem)
        driver.roundFinished.connect(self.show_round)
        self.sync_requested.connect(driver.sync_now)


class AdapterDriver(QObject):
    """The sync package's ``QtSyncAdapter`` (network monitor, backoff, scheduler), plus
    what the window adds: the enrolment hint and a round soon after an outcome."""

    stateChanged = Signal(str)
    progress = Signal(int, int)
    countsChanged = Signal(int, int, int)
    lastSuccessChanged = Signal(str)
    onlineChanged = Signal(bool)
    problem = Signal(str)
    roundFinished = Signal(object)
    outcomeSaved = Signal()  # every save, whatever the network (the school hub listens)

    def __init__(
        self, workspace: Workspace, parent: QObject | None = None, *, interval_minutes: int = 5
    ) -> None:
        super().__init__(parent)
        from ktpe_desktop.sync.qt import QtSyncAdapter

        self.workspace = workspace
        self.online: bool | None = None
        self.adapter = QtSyncAdapter(
            workspace.sync, period_s=max(1, interval_minutes) * 60.0, parent=self
        )
        a = self.adapter
        a.stateChanged.connect(self.stateChanged)
        a.progress.connect(self.progress)
        a.countsChanged.connect(self.countsChanged)
        a.lastSuccessChanged.connect(self.lastSuccessChanged)
        a.onlineChanged.connect(self._online)
        a.roundFinished.connect(self._finished)  # first: the round's summary is at hand
        a.problem.connect(self._problem)
        self._summary: Any = None
        # A saved outcome is sent soon (batched over 20 s) while the laptop is online;
        # offline, the network monitor triggers the round when the network is back.
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(20_000)
        self._soon.timeout.connect(self.sync_now)

    def start(self) -> None:
        self.adapter.start()
        self.refresh_counts()

    def stop(self) -> None:
        self._soon.stop()
        self.adapter.stop()

    def set_interval(self, minutes: int) -> None:
        self.adapter.scheduler.period_s = max(1, minutes) * 60.0

    def refresh_counts(self) -> None:
        self.adapter.refresh_counts()
        ws = self.workspace
        Op(self, ws.sync_snapshot, lane=Lane.READ).success(self._snapshot).run()

    def _snapshot(self, snap: SyncSnapshot) -> None:
        if snap.last_success is not None:
            self.lastSuccessChanged.emit(snap.last_success.isoformat())
        if not snap.enrolled:
            self.problem.emit(tr("Laptop belum terdaftar di server (Berkas → Daftarkan ke server)"))

    def on_changed(self, change: Change) -> None:
        """A local write queues events: count them, and send them soon while online."""
        if change.touches(What.OUTCOME, What.DETAILS, What.STUDENT_ADDED):
            self.outcome_saved()
        elif change.touches(What.OUTBOX):
            self.adapter.refresh_counts()

    def outcome_saved(self) -> None:
        self.outcomeSaved.emit()
        self.adapter.refresh_counts()
        if self.online and not self._soon.isActive():
            self._soon.start()

    def sync_now(self) -> None:
        self.adapter.sync_now()

    def _online(self, online: bool) -> None:
        self.online = online
        self.onlineChanged.emit(online)

    def _problem(self, text: str) -> None:
        """The sync layer speaks Indonesian; in English show the round's English error."""
        s = self._summary
        if text and s is not None and text == getattr(s, "error", None):
            if current_language() == "en" and getattr(s, "error_en", None):
                text = s.error_en
        elif skew := _CLOCK_SKEW.match(text):
            text = tr(
                "Jam laptop berbeda {m} menit dari server. Periksa tanggal dan jam laptop."
            ).format(m=skew.group(1))
        elif text.startswith(_CRASH):
            text = tr("Sinkronisasi gagal karena kesalahan program: {detail}").format(
                detail=text[len(_CRASH) :]
            )
        self.problem.emit(text)

    def _finished(self, summary: Any) -> None:
        from ktpe_desktop.services.views import OFFLINE_CODES  # imported by ui.preload

        self._summary = summary
        error = getattr(summary, "error", None)
        code = getattr(summary, "error_code", None) or ""
        online = code not in OFFLINE_CODES
        if self.online is not online:
            self._online(online)
        if error is None:
            quarantined = int(getattr(summary, "quarantined", 0) or 0)
            self.problem.emit(
                tr("%Ln kejadian ditolak server", None, quarantined) if quarantined else ""
            )
        pulled = (
            int(getattr(summary, "pulled_students", 0) or 0),
            int(getattr(summary, "pulled_events", 0) or 0),
        )
        if any(pulled):
            self.workspace.notify_changed((), round_changes(*pulled))
        self.roundFinished.emit(summary)
