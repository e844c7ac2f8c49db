"""The workspace's ``changed(student_ids, what)`` notification as a Qt signal.

The services announce every committed write on the writer thread
(``services/changes.py``); :class:`ChangeBus` re-emits it as a Qt signal, which Qt
queues to the main thread. Views connect to :attr:`ChangeBus.changed` and refresh
themselves; no handler refreshes a screen by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ktpe_desktop.services.changes import Change

if TYPE_CHECKING:
    from ktpe_desktop.services.workspace import Workspace  # imported by ui.preload


class ChangeBus(QObject):
    """One per open workspace; lives on the main thread."""

    changed = Signal(object)  # services.changes.Change

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = workspace.changes.subscribe(self._relay)

    def _relay(self, change: Change) -> None:
        self.changed.emit(change)  # queued to the main thread when called from a worker

    def detach(self) -> None:
        self._unsubscribe()
