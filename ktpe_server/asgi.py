"""ASGI entry for ``uvicorn --factory ktpe_server.asgi:app_from_env`` (settings from env)."""

from __future__ import annotations

import gc
import logging

from fastapi import FastAPI

from ktpe_server.app import create_app
from ktpe_server.config import Settings

GC_GEN0_THRESHOLD = 10_000


def configure_worker_logging() -> None:
    """Logging of this process (each uvicorn worker is one): ``ktpe.*`` at INFO, with times.

    ``serve`` configures logging in its own process only; the worker processes that
    uvicorn spawns start with none, so enrolments and pushes were logged nowhere.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s [%(process)d] %(name)s %(levelname)s %(message)s")
        )
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    logging.getLogger("ktpe").setLevel(logging.INFO)


def app_from_env() -> FastAPI:
    """The app for ``$KTPE_SERVER_DB`` (migrations are run by ``serve`` beforehand)."""
    configure_worker_logging()
    app = create_app(Settings.from_env(), migrate=False)
    # What is built by now (modules, the ORM's metadata, the console's templates) lives
    # as long as the worker: frozen out of the collector's full passes, which otherwise
    # walk it all and hold every request for a tenth of a second or more (measured: a
    # full pass 325 ms, 53 ms frozen, at load 9 beside the province's console).
    gc.freeze()
    # A push of 500 events allocates ~15,000 containers that all die with it; at the
    # default gen0 threshold (700) each push ran ~20 young collections, and with 25
    # pushes in flight their live objects were promoted and traversed again by the
    # older generations: 3.2-3.9 us of a worker's CPU per event, 1.0-1.2 at 10,000
    # (in-process harness, 40 pushes at once; issue 18, session 10).
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])
    logging.getLogger("ktpe.server.api").info("worker ready")
    return app
