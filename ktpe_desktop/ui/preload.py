"""Import the rest of the app while the login page is shown (docs/performance.md, "Start-up").

The login page needs PySide6 and a few light modules: :mod:`ktpe_desktop.ui.app`
imports neither SQLAlchemy nor the storage, the services or the work pages (the
modules that need them import :mod:`ktpe_desktop.services.workspace` under
``TYPE_CHECKING`` only, or inside the function that first uses it). Those — about
two thirds of the start's imports — are imported here, on a thread, while the
operator types the password. A login that comes first derives its key (Argon2id,
which releases the GIL) beside these imports and then waits for them (:func:`wait`,
as ``_build_work`` does: a module is never imported by two threads at once).

The collector stays off until these imports are done (they create a few hundred
thousand objects and no garbage), and what they created is then frozen
(``gc.freeze``), as :func:`ktpe_desktop.cli._start_gui` does for the login's imports.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
import time

log = logging.getLogger("ktpe.ui")

#: What the login and the first roster need after the password, in that order.
MODULES = (
    "ktpe_desktop.services.workspace",
    "ktpe_desktop.ui.changes",
    "ktpe_desktop.ui.roster_page",
    "ktpe_desktop.ui.today",
    "ktpe_desktop.ui.dialogs.outcome",
    "ktpe_desktop.services.hub_service",  # the hub link starts with the work pages
    "ktpe_desktop.sync.qt",  # the sync status's driver, built by enter_work
)

_thread: threading.Thread | None = None
#: When the imports were done (``time.time()``; the start-up benchmark reports it).
finished_at: float | None = None


def _run(collector_was_enabled: bool) -> None:
    try:
        for name in MODULES:
            importlib.import_module(name)
    except Exception:  # the login's own import of the module reports it to the user
        log.exception("preload failed")
    finally:
        global finished_at
        finished_at = time.time()
        gc.freeze()
        if collector_was_enabled:
            gc.enable()


def start(*, collector: bool = True) -> threading.Thread:
    """Import :data:`MODULES` on a daemon thread (once); returns that thread.

    ``collector``: enable the garbage collector once the imports are done (the
    caller disabled it for them).
    """
    global _thread
    if _thread is None:
        gc.disable()
        _thread = threading.Thread(target=_run, args=(collector,), name="ktpe-preload", daemon=True)
        _thread.start()
    return _thread


def wait(timeout: float | None = None) -> bool:
    """Wait for the preload (at once when none runs); True when it has finished."""
    if _thread is None:
        return True
    _thread.join(timeout)
    return not _thread.is_alive()
