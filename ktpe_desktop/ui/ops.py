"""One way to run work off the UI thread (Anki's ``CollectionOp``).

    Op(self, lambda: workspace.record_outcome(...)).success(self._saved).run()

* :attr:`Lane.DB` — database work, on ONE writer thread (a one-thread executor and
  its queue): operations run one after
  the other in the order they were started, so a write never races another write
  and the order the operator pressed the keys is the order of the ledger.
* :attr:`Lane.NET` — network work (sync rounds, enrolment), on its own small pool,
  so a slow server never delays a check-off.
* :attr:`Lane.READ` — read-only queries (one reader thread: search as you type).
* :attr:`Lane.BACKGROUND` — slow reads whose result may be dropped (exact counts),
  kept off the reader so they never delay the next keystroke.
* :attr:`Lane.CHECK` — the ``quick_check`` a large database's opening left for
  later (seconds of reading at 500,000 students), so it delays no count.

The callbacks run on the main thread (a queued signal from the worker). The work
function must return plain dataclasses or ids, never live ORM objects. When the
``parent`` widget is gone by the time the result arrives, the callbacks are
skipped. Without a :meth:`Op.failure` callback, :func:`default_failure` shows a
:class:`KnownError` in a message box and anything else in the crash dialog.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

T = TypeVar("T")
log = logging.getLogger("ktpe.ui")


class Lane(Enum):
    DB = "db"
    NET = "net"
    READ = "read"
    BACKGROUND = "background"  # slow, droppable reads (exact counts): never delay a search
    CHECK = "check"  # a large database's quick_check after the roster shows (seconds)


_THREADS = {Lane.DB: 1, Lane.NET: 2, Lane.READ: 1, Lane.BACKGROUND: 1, Lane.CHECK: 1}


class _Pool:
    """One lane: a fixed set of worker threads fed by a queue (FIFO per lane).

    Plain Python threads (``ThreadPoolExecutor``) rather than ``QRunnable``: a
    runnable deleted by Qt while its Python wrapper lives on lets shiboken hand
    that stale wrapper back for a new object at the same address.
    """

    def __init__(self, lane: Lane) -> None:
        self._executor = ThreadPoolExecutor(_THREADS[lane], thread_name_prefix=f"ktpe-{lane.value}")
        self._busy = 0
        self._idle = threading.Condition()

    def start(self, work: Callable[[], None]) -> None:
        with self._idle:
            self._busy += 1
        self._executor.submit(self._run, work)

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_for_done(self, timeout_ms: int) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout_ms / 1000)


_pools: dict[Lane, _Pool] = {}
_pools_lock = threading.Lock()


def pool(lane: Lane) -> _Pool:
    with _pools_lock:
        found = _pools.get(lane)
        if found is None:
            found = _pools[lane] = _Pool(lane)
        return found


class _Dispatcher(QObject):
    """Lives on the main thread for the whole run; workers emit ``done`` through it.

    A worker holds no reference to the Op, its callbacks or its function once it
    emits: the last reference to anything Python (widgets captured by a lambda,
    results) is always dropped on the main thread, never by a worker thread racing
    the main thread's clean-up.
    """

    done = Signal(object)  # (token, result, exception or None) as one tuple

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(self._on_done)

    @Slot(object)
    def _on_done(self, payload: tuple[int, Any, BaseException | None]) -> None:
        token, result, exc = payload
        op = _pending.pop(token, None)
        if op is not None:
            op._deliver(result, exc)


_dispatcher: _Dispatcher | None = None
_pending: dict[int, Op[Any]] = {}
_tokens = itertools.count(1)
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
    return all(p.wait_for_done(timeout_ms) for p in list(_pools.values()))


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
        """Queue the work (call on the main thread)."""
        global _dispatcher
        if _dispatcher is None:
            _dispatcher = _Dispatcher()
        dispatcher = _dispatcher
        token = next(_tokens)
        _pending[token] = self

        def work() -> None:
            op = _pending.get(token)
            if op is None:  # pragma: no cover - cancelled
                return
            fn = op._fn
            del op
            payload: tuple[int, Any, BaseException | None]
            try:
                payload = (token, fn(), None)
            except BaseException as exc:  # handed to the main thread, never swallowed
                payload = (token, None, exc)
            del fn
            dispatcher.done.emit(payload)

        pool(self._lane).start(work)

    def _deliver(self, result: Any, exc: BaseException | None) -> None:
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
