"""One way to run work off the UI thread (Anki's ``CollectionOp``).

    Op(self, lambda: workspace.record_outcome(...)).success(self._saved).run()

* :attr:`Lane.DB` — database work, on ONE writer thread: operations run one after
  the other in the order they were started, so a write never races another write
  and the order the operator pressed the keys is the order of the ledger.
* :attr:`Lane.NET` — network work (sync rounds, enrolment), on its own small pool,
  so a slow server never delays a check-off.
* :attr:`Lane.READ` — slow read-only queries (one reader thread).

The callbacks run on the main thread (a queued signal from the worker). The work
function must return plain dataclasses or ids, never live ORM objects. When the
``parent`` widget is gone by the time the result arrives, the callbacks are
skipped. Without a :meth:`Op.failure` callback, :func:`default_failure` shows a
:class:`KnownError` in a message box and anything else in the crash dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

T = TypeVar("T")
log = logging.getLogger("ktpe.ui")


class Lane(Enum):
    DB = "db"
    NET = "net"
    READ = "read"


_THREADS = {Lane.DB: 1, Lane.NET: 2, Lane.READ: 1}
_pools: dict[Lane, QThreadPool] = {}


def pool(lane: Lane) -> QThreadPool:
    found = _pools.get(lane)
    if found is None:
        found = QThreadPool()
        found.setMaxThreadCount(_THREADS[lane])
        found.setExpiryTimeout(-1)  # keep the writer thread: no thread start per write
        _pools[lane] = found
    return found


class _Relay(QObject):
    """Lives on the main thread; the worker emits ``done`` to hand the result over.

    ``done`` is connected to a slot of this object (not to a lambda), so Qt queues
    the call onto the relay's thread, the main thread.
    """

    # One tuple (result, exception-or-None): PySide6 mishandles the refcount of a bare
    # None passed through a queued Signal(object) argument ("deallocating None").
    done = Signal(object)

    def __init__(self, deliver: Callable[[_Relay, Any, BaseException | None], None]) -> None:
        super().__init__()
        self._deliver = deliver
        self.done.connect(self._on_done)

    @Slot(object)
    def _on_done(self, outcome: tuple[Any, BaseException | None]) -> None:
        result, exc = outcome
        self._deliver(self, result, exc)


_pending: set[_Relay] = set()
_failure_handler: Callable[[QObject | None, BaseException], None] | None = None


def set_default_failure_handler(handler: Callable[[QObject | None, BaseException], None]) -> None:
    """Install what :func:`default_failure` does (the app installs its dialogs)."""
    global _failure_handler
    _failure_handler = handler


def default_failure(parent: QObject | None, exc: BaseException) -> None:
    if _failure_handler is not None:
        _failure_handler(parent, exc)
    else:  # no UI installed (tests of a bare widget): never swallow silently
        log.error("operation failed", exc_info=(type(exc), exc, exc.__traceback__))


def pending_count() -> int:
    """Operations started whose callbacks have not run yet."""
    return len(_pending)


def wait_for_done(timeout_ms: int = 30_000) -> bool:
    """Block until every lane is idle (shutdown and tests)."""
    return all(p.waitForDone(timeout_ms) for p in _pools.values())


class Op(Generic[T]):
    """A unit of background work with main-thread callbacks."""

    def __init__(
        self, parent: QObject | None, fn: Callable[[], T], *, lane: Lane = Lane.DB
    ) -> None:
        self._parent = parent
        self._fn = fn
        self._lane = lane
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException], Any] | None = None
        self._finally: Callable[[], Any] | None = None

    def success(self, cb: Callable[[T], Any]) -> Op[T]:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], Any]) -> Op[T]:
        self._failure = cb
        return self

    def finally_(self, cb: Callable[[], Any]) -> Op[T]:
        """Runs after success or failure (re-enable a button, hide a spinner)."""
        self._finally = cb
        return self

    def run(self) -> None:
        relay = _Relay(self._deliver)
        _pending.add(relay)
        fn = self._fn

        def work() -> None:
            try:
                result = fn()
            except BaseException as exc:  # handed to the main thread, never swallowed
                relay.done.emit((None, exc))
            else:
                relay.done.emit((result, None))

        pool(self._lane).start(QRunnable.create(work))

    def _deliver(self, relay: _Relay, result: Any, exc: BaseException | None) -> None:
        _pending.discard(relay)
        relay.deleteLater()
        parent = self._parent
        if parent is not None and not shiboken6.isValid(parent):
            if exc is not None:
                log.warning("operation failed after its window closed: %s", type(exc).__name__)
            return
        try:
            if exc is None:
                if self._success is not None:
                    self._success(result)
            elif self._failure is not None:
                self._failure(exc)
            else:
                default_failure(parent, exc)
        finally:
            if self._finally is not None:
                self._finally()
