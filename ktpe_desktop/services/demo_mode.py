"""``ktpe-desktop --demo``: the whole system in one command, for a newcomer.

1. A demo data folder (``<app data>/demo`` by default) gets a local Koordinator
   account, ``koordinator`` / :data:`DEMO_PASSWORD` (shown on the login screen as
   a demo banner: this is not a secret, it is a demo).
2. The embedded reference server (``ktpe_server.embedded``) starts on SQLite in the
   same folder with the demo campaign seeded, on 127.0.0.1 and a free port.
3. The laptop enrols with a one-time code made through ``ktpe_server.admin`` and
   runs a first sync round, which pulls the roster.
4. When the server part is not available (not installed, fails to start), the demo
   campaign is loaded locally instead, so the app still works fully offline.

Everything here runs off the UI thread (it may take a few seconds); the UI shows
progress messages passed to ``progress``.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ktpe_desktop.services.workspace import Workspace

DEMO_USER = "koordinator"
DEMO_PASSWORD = "demo-malang-2024"
DEMO_OPERATOR = "petugas1"
DEMO_OPERATOR_PASSWORD = "petugas-malang-1"
DEMO_DISPLAY_NAME = "Koordinator Demo"

log = logging.getLogger("ktpe.demo")


@dataclass
class DemoSession:
    """What the demo set up; ``server`` is the embedded server (stop it on exit)."""

    data_dir: Path
    workspace: Workspace
    server: Any = None
    server_url: str = ""
    enrolled: bool = False
    notes: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.server.stop()
            self.server = None


def prepare_demo(
    data_dir: Path,
    *,
    progress: Callable[[str], None] = lambda _msg: None,
    use_server: bool = True,
) -> DemoSession:
    """Set the demo up (idempotent: a second start reuses the folder and the server DB)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    Workspace.configure_logging(data_dir)
    first_time = not Workspace.exists(data_dir)
    if first_time:
        progress("Membuat akun koordinator demo…")
        ws = Workspace.create(data_dir, DEMO_USER, DEMO_PASSWORD, DEMO_DISPLAY_NAME)
        with contextlib.suppress(Exception):
            ws.add_user(
                DEMO_OPERATOR, DEMO_OPERATOR_PASSWORD, role="operator", display_name="Petugas 1"
            )
    else:
        ws = Workspace.open(data_dir, DEMO_USER, DEMO_PASSWORD)
    session = DemoSession(data_dir, ws)
    if use_server:
        try:
            _start_server_and_enrol(session, progress, first_time)
        except Exception as exc:  # the demo must still open: fall back to local data
            log.warning("demo server unavailable: %s", type(exc).__name__)
            session.notes.append(f"server: {type(exc).__name__}")
            session.stop()
    if not ws.schools():
        progress("Memuat kampanye demo di laptop ini…")
        load_demo_locally(ws)
    return session


def _start_server_and_enrol(
    session: DemoSession, progress: Callable[[str], None], first_time: bool
) -> None:
    embedded = importlib.import_module("ktpe_server.embedded")
    progress("Menjalankan server demo…")
    server = embedded.start_embedded(
        session.data_dir / "server-demo.sqlite", host="127.0.0.1", port=0, seed_demo=True
    )
    session.server = server
    session.server_url = str(server.url)
    ws = session.workspace
    if first_time or not ws.sync_snapshot().enrolled:
        progress("Mendaftarkan laptop ke server demo…")
        admin = importlib.import_module("ktpe_server.admin")
        code = str(admin.make_enroll_code(server.db_url, DEMO_TEAM))
        ws.enrol(session.server_url, code)
    else:
        _repoint(ws, session.server_url)
    session.enrolled = True
    progress("Mengunduh daftar siswa…")
    ws.run_sync_round()


DEMO_TEAM = "tim-01"


def _repoint(ws: Workspace, url: str) -> None:
    """The demo server listens on a new port each start: update the stored address."""
    from ktpe_desktop.sync import state as keys

    with ws.store.transaction() as s:
        keys.put(s, keys.SERVER_URL, url)
    ws.sync.engine.invalidate_client()


def load_demo_locally(ws: Workspace, *, students: int = 4586) -> None:
    """Load the demo campaign into the local database without any server.

    No school is planned for a day then, so "Hari ini" lists them all.
    """
    from ktpe_desktop.services.demo_service import load_demo

    load_demo(ws.store, students=students)
