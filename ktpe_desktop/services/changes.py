"""One notification for every write: ``changed(student_ids, what)``.

Every write operation of the :class:`~ktpe_desktop.services.workspace.Workspace`
(record, undo, correct, walk-in, import, sync round, retry of refused events)
announces what it changed once it has committed, as Anki's
``operation_did_execute`` hook does. Views subscribe and decide for themselves
whether they must redraw, so no handler refreshes screens by hand and no view can
be forgotten (a stale roster list records the wrong student).

Plain Python, no Qt: the UI bridges it to a Qt signal (``ui/changes.py``), which
delivers it on the main thread; the CLI may subscribe too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktpe_desktop.services.views import StudentItem

log = logging.getLogger("ktpe.services")


class What(StrEnum):
    """The kinds of data a write changed (a view redraws only for what it shows)."""

    OUTCOME = "outcome"  # a student's status (record, IKD, undo)
    DETAILS = "details"  # a student's details (correction)
    STUDENT_ADDED = "student_added"  # a walk-in
    ROSTER = "roster"  # many students at once (import, roster pull)
    REMOTE = "remote"  # other devices' events arrived (sync pull, school hub)
    SCHOOLS = "schools"  # the list of schools or their plan
    OUTBOX = "outbox"  # the queue of events to send (counts in the sync bar)


@dataclass(frozen=True, slots=True)
class Change:
    """What one write changed.

    Attributes:
        student_ids: the students touched; empty with ``ROSTER`` means "any".
        what: the kinds of data changed.
        students: the touched students as they are after the write, read in the
            write's own transaction (views use them instead of reading again).
    """

    student_ids: frozenset[str]
    what: frozenset[What]
    students: tuple[StudentItem, ...] = field(default_factory=tuple)

    def touches(self, *kinds: What) -> bool:
        return any(k in self.what for k in kinds)

    def student(self, student_id: str) -> StudentItem | None:
        return next((s for s in self.students if s.id == student_id), None)


Listener = Callable[[Change], None]


class ChangeHub:
    """Subscribers of one workspace's changes (thread-safe; called on the writer's thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after every write; returns the function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(
        self,
        student_ids: Iterable[str],
        what: Iterable[What],
        students: Iterable[StudentItem] = (),
    ) -> Change:
        change = Change(frozenset(student_ids), frozenset(what), tuple(students))
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # a broken view must not undo a committed write
                log.exception("change listener failed")
        return change


def round_changes(pulled_students: int, pulled_events: int) -> tuple[What, ...]:
    """What a sync round changed: the outbox always, the roster when it pulled anything."""
    if pulled_students:
        return (What.OUTBOX, What.ROSTER, What.SCHOOLS)
    if pulled_events:
        return (What.OUTBOX, What.REMOTE)
    return (What.OUTBOX,)
