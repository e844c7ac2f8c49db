"""An in-process server on a background thread (desktop ``--demo``, tests)."""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
from pathlib import Path

import uvicorn

from ktpe_server.admin import engine_for, seed_demo
from ktpe_server.app import create_app
from ktpe_server.config import Settings, db_url_from
from ktpe_server.office.demo import ensure_demo_admin

log = logging.getLogger("ktpe.server.embedded")


class EmbeddedServer:
    """A running uvicorn server; ``url`` is its base URL (``http://127.0.0.1:PORT``)."""

    def __init__(
        self, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket, db_url: str
    ) -> None:
        self._server = server
        self._thread = thread
        self._sock = sock
        self.db_url = db_url
        self.host, self.port = sock.getsockname()[:2]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to finish its requests and exit; join the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_embedded(
    db_url_or_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 0,
    seed_demo: bool = False,
    *,
    settings: Settings | None = None,
    startup_timeout: float = 30.0,
) -> EmbeddedServer:
    """Start the server on a background thread and wait until it answers.

    Args:
        db_url_or_path: a SQLAlchemy URL, or a path for a SQLite file.
        host: interface to bind.
        port: TCP port; 0 picks a free one (read it from ``.port`` / ``.url``).
        seed_demo: load the demo campaign (teams tim-01 …) if the database has none.
        settings: override rate limits etc. (its ``db_url`` is replaced).

    Raises:
        RuntimeError: the server did not start in ``startup_timeout`` seconds.
    """
    url = db_url_from(str(db_url_or_path))
    engine = engine_for(url)
    demo_hint = None
    if seed_demo:
        _seed_if_empty(url)
        demo_hint = ensure_demo_admin(engine)
    base = settings or Settings.from_env(url)
    app_settings = dataclasses.replace(
        base, db_url=url, office_demo_hint=demo_hint or base.office_demo_hint
    )
    app = create_app(app_settings, engine=engine, migrate=False)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="ktpe-embedded-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the embedded server did not start")
        time.sleep(0.01)
    embedded = EmbeddedServer(server, thread, sock, url)
    log.info("embedded server at %s", embedded.url)
    return embedded


def _seed_if_empty(url: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ktpe_server.models import Campaign

    with Session(engine_for(url)) as s:
        if s.scalar(select(Campaign.id)) is not None:
            return
    seed_demo(url)
