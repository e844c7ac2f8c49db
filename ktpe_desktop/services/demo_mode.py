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

Everything here runs off the UI thread (it may take a few seconds).
"""

from __future__ import annotations

import importlib
import logging
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

    @property
    def server_db(self) -> Path:
        """The demo server's database: beside the laptop's data folder, never inside it
        (the laptop's folder holds only encrypted data; the demo server's is plain)."""
        folder = self.data_dir.parent / f"{self.data_dir.name}-server-demo"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "server-demo.sqlite"

    def stop(self) -> None:
        if self.server is not None:
            try:
                self.server.stop()
            except Exception as exc:  # on the way out: say so, do not block the exit
                log.warning("demo server did not stop: %s", type(exc).__name__)
            self.server = None


def prepare_demo(data_dir: Path, *, use_server: bool = True) -> DemoSession:
    """Set the demo up (idempotent: a second start reuses the folder and the server DB)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    Workspace.configure_logging(data_dir)
    first_time = not Workspace.exists(data_dir)
    if first_time:
        ws = Workspace.create(data_dir, DEMO_USER, DEMO_PASSWORD, DEMO_DISPLAY_NAME)
        try:
            ws.add_user(
                DEMO_OPERATOR, DEMO_OPERATOR_PASSWORD, role="operator", display_name="Petugas 1"
            )
        except Exception as exc:  # the demo still opens, with the Koordinator only
            log.warning("demo operator not created: %s", type(exc).__name__)
    else:
        ws = Workspace.open(data_dir, DEMO_USER, DEMO_PASSWORD)
    session = DemoSession(data_dir, ws)
    if use_server:
        try:
            _start_server_and_enrol(session, first_time)
        except Exception as exc:  # the demo must still open: fall back to local data
            log.warning("demo server unavailable: %s", type(exc).__name__)
            session.notes.append(f"server: {type(exc).__name__}")
            session.stop()
    if not ws.schools():
        load_demo_locally(ws)
    return session


def _start_server_and_enrol(session: DemoSession, first_time: bool) -> None:
    embedded = importlib.import_module("ktpe_server.embedded")
    server = embedded.start_embedded(session.server_db, host="127.0.0.1", port=0, seed_demo=True)
    session.server = server
    session.server_url = str(server.url)
    ws = session.workspace
    if first_time or not ws.sync_snapshot().enrolled:
        admin = importlib.import_module("ktpe_server.admin")
        code = str(admin.make_enroll_code(server.db_url, DEMO_TEAM))
        ws.enrol(session.server_url, code)
    else:
        _repoint(ws, session.server_url)
    session.enrolled = True
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
