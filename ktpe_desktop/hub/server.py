"""Hub mode: the reference server, inside this laptop, on the LAN, over TLS.

:class:`HubServer` runs :func:`ktpe_server.app.create_app` (the same sync protocol,
verification and fold as the central server) on the hub's encrypted database
(:mod:`ktpe_desktop.hub.store`), adds the hub's pairing routes
(:mod:`ktpe_desktop.hub.api`), serves it with uvicorn over TLS with the session's
self-signed certificate (:mod:`ktpe_desktop.hub.tls`) and announces it by mDNS
(:mod:`ktpe_desktop.hub.discovery`).

A *hub session* lasts from "Jadikan hub sekolah" to "Hentikan hub": its id,
certificate, key and pairing code are kept in the laptop's encrypted store, so a
hub that crashes or is restarted comes back with the same identity and the
stations reconnect by themselves. The port is open only while :meth:`start` has
run and :meth:`stop` has not.
"""

from __future__ import annotations

import errno
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uvicorn
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import Event
from ktpe_desktop.core.protocol import Segment
from ktpe_desktop.hub import pairing
from ktpe_desktop.hub.api import HubNews, PairingState, make_router
from ktpe_desktop.hub.discovery import HubAnnouncer, lan_addresses
from ktpe_desktop.hub.store import (
    StationInfo,
    open_hub_engine,
    read_engine,
    register_origin_devices,
    register_station,
    seed_from_laptop,
    stations,
)
from ktpe_desktop.hub.tls import HubIdentity, make_identity, server_context
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_server import models as sm
from ktpe_server.app import create_app
from ktpe_server.config import Settings
from ktpe_server.db import session_factory
from ktpe_server.ingest import Ingestor, PushResult
from ktpe_server.security import RateLimiter

log = logging.getLogger("ktpe.hub")

DEFAULT_PORT = pairing.DEFAULT_PORT
SESSION_KEY = "hub_session"


class HubNotPossible(KnownError):
    code = "hub_not_possible"


@dataclass(frozen=True, slots=True)
class HubSession:
    hub_id: str
    identity: HubIdentity
    code: str
    created_at: str

    def to_json(self) -> dict[str, str]:
        return {
            "hub_id": self.hub_id,
            "cert_pem": self.identity.cert_pem,
            "key_pem": self.identity.key_pem,
            "code": self.code,
            "created_at": self.created_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HubSession:
        return cls(
            hub_id=str(data["hub_id"]),
            identity=HubIdentity(str(data["cert_pem"]), str(data["key_pem"])),
            code=str(data["code"]),
            created_at=str(data.get("created_at", "")),
        )


def load_session(store: Store) -> HubSession | None:
    with store.session() as s:
        data = keys.get_json(s, SESSION_KEY)
    return HubSession.from_json(data) if data else None


def _new_session(store: Store) -> HubSession:
    session = HubSession(
        hub_id=secrets.token_hex(8),
        identity=make_identity(socket.gethostname() or "ktpe-hub"),
        code=pairing.new_code(),
        created_at=datetime.now(UTC).isoformat(),
    )
    with store.transaction() as s:
        keys.put_json(s, SESSION_KEY, session.to_json())
    return session


def end_session(store: Store) -> None:
    """Forget the hub session: the next hub gets a new certificate and a new code."""
    with store.transaction() as s:
        keys.put(s, SESSION_KEY, None)


class HubIngestor(Ingestor):
    """The server's ingest, which first learns the origin devices a teammate relays,
    and tells the long-polling stations after each push that stored something."""

    news: HubNews | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Origin devices the hub already has a row for (rows are never deleted): a
        # push of known devices only skips the write transaction that would look.
        self._known_devices: set[str] = set()

    def push(
        self,
        team_id: int,
        chains: Sequence[Sequence[Event]],
        segments: Sequence[Sequence[Segment]] | None = None,
        hash_mismatch: AbstractSet[str] | None = None,
    ) -> PushResult:
        origins = {c[0].device_id for c in chains if c}
        if not origins <= self._known_devices:
            register_origin_devices(self.engine, team_id, sorted(origins))
            self._known_devices |= origins
        result = super().push(team_id, chains, segments, hash_mismatch)
        if self.news is not None and result.counts.get("accepted"):
            self.news.bump()
        return result


class HubServer:
    """The school hub on this laptop.

    Args:
        store: the unlocked laptop store (the hub database's key derives from it).
        team: this laptop's team id (from its enrolment); only its laptops may pair.
        team_name: the team's name, shown to people (joining, discovery).
        campaign_id: the campaign of the enrolment.
        host: interface to listen on (all by default: the stations are on the LAN).
        port: TCP port; ``DEFAULT_PORT`` falls back to a free one when taken; 0 = any.
        announce: register the mDNS service.
        on_code_changed: called (from a server thread) with the new code when the
            old one was retired after too many wrong tries.
    """

    def __init__(
        self,
        store: Store,
        *,
        team: str,
        team_name: str = "",
        campaign_id: str = "",
        host: str = "0.0.0.0",
        port: int = DEFAULT_PORT,
        announce: bool = True,
        on_code_changed: Callable[[str], None] | None = None,
    ) -> None:
        if not team:
            raise HubNotPossible(
                "Laptop ini belum terdaftar di server pusat (tim belum diketahui). Hub sekolah "
                "hanya dapat dibuat oleh laptop yang sudah terdaftar pada sebuah tim.",
                "This laptop is not enrolled with the central server (its team is unknown). "
                "Only a laptop enrolled in a team can become the school hub.",
            )
        self.store = store
        self.team = team
        self.team_name = team_name or team
        self.campaign_id = campaign_id
        self.host = host
        self.requested_port = port
        self.announce = announce
        self.on_code_changed = on_code_changed
        self.session: HubSession | None = None
        self.engine: Engine | None = None
        self.port = 0
        self.own_token: str | None = None
        self._pairing: PairingState | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._announcer: HubAnnouncer | None = None

    # ------------------------------------------------------------ facts

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def hub_id(self) -> str:
        return self.session.hub_id if self.session else ""

    @property
    def fingerprint(self) -> str:
        return self.session.identity.fingerprint if self.session else ""

    @property
    def code(self) -> str:
        """The current pairing code, as shown (``K7QM-2XPD``)."""
        if self._pairing is not None:
            return pairing.display_code(self._pairing.code)
        return pairing.display_code(self.session.code) if self.session else ""

    @property
    def local_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def addresses(self) -> list[str]:
        """``ip:port`` a station can type when discovery does not work."""
        return [f"{ip}:{self.port}" for ip in lan_addresses()]

    def stations(self) -> list[StationInfo]:
        return stations(self.engine) if self.engine is not None else []

    # ------------------------------------------------------------ life cycle

    def start(self, startup_timeout: float = 30.0) -> None:
        """Open the hub: database, own station, TLS server, announcement."""
        if self.running:
            return
        session = load_session(self.store)
        fresh = session is None
        if session is None:
            session = _new_session(self.store)
        self.session = session
        engine = self.engine = open_hub_engine(self.store)
        if fresh:
            # A new certificate and code: the tokens of an earlier session end.
            with Session(engine) as s, s.begin():
                s.execute(update(sm.Device).values(revoked=True))
        students = seed_from_laptop(engine, self.store, self.team, self.campaign_id)
        with self.store.transaction() as ls:
            own_key = ledger.public_key(ls, self.store.device_id)
        self.own_token, _own = register_station(
            engine, self.team, self.store.device_id, "hub", "hub", public_key=own_key
        )
        reader = read_engine(engine)
        self._pairing = PairingState(
            engine=engine,
            reader=reader,
            hub_id=session.hub_id,
            team=self.team,
            team_name=self.team_name,
            campaign_id=self.campaign_id,
            fingerprint=session.identity.fingerprint,
            code=session.code,
            on_code_changed=self._code_retired,
        )
        settings = Settings(
            db_url="sqlite://",  # unused: the engine is passed in
            rate_capacity=600.0,
            rate_per_second=100.0,
        )
        # The hub serves the sync protocol to its team only, never the office console
        # (from source the console's package is importable, in the built app it is not).
        app = create_app(settings, engine=engine, migrate=False, office=False)
        # Every station binds its key when pairing: the hub, like the office, takes a
        # chain only with its origin's signature, and keeps the segments so pulls
        # hand them on and teammates relay them to the office (issue 12).
        ingestor = HubIngestor(engine, app.state.ktpe.sessions, require_signatures=True)
        ingestor.news = self._pairing.news
        app.state.ktpe.ingestor = ingestor
        # Reads without the write lock (token checks, event pulls), and the devices'
        # rate limits in memory: the hub is one process, so the database's buckets
        # (there for several worker processes) would only add a write transaction,
        # and its fsync, to every request.
        app.state.ktpe.read_sessions = session_factory(reader)
        app.state.ktpe.device_limits = RateLimiter(settings.rate_capacity, settings.rate_per_second)
        app.include_router(make_router(self._pairing))
        sock = self._bind()
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=3
        )
        config.load()
        config.ssl = server_context(session.identity)
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="ktpe-hub-server", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise HubNotPossible(
                    "Hub sekolah tidak dapat dijalankan (server lokal gagal mulai).",
                    "The school hub could not start (the local server failed to start).",
                )
            time.sleep(0.01)
        self._server, self._thread, self._sock = server, thread, sock
        self.port = int(sock.getsockname()[1])
        if self.announce:
            self._announcer = HubAnnouncer()
            try:
                self._announcer.start(
                    self.port,
                    hub_id=session.hub_id,
                    team=self.team,
                    team_name=self.team_name,
                    fingerprint=session.identity.fingerprint,
                )
            except OSError as exc:  # no multicast: stations type the address
                log.warning("mDNS announcement failed: %s", type(exc).__name__)
                self._announcer = None
        log.info("hub %s open on port %d (%d students)", session.hub_id[:6], self.port, students)

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or self.requested_port != DEFAULT_PORT:
                sock.close()
                raise HubNotPossible(
                    f"Port {self.requested_port} tidak dapat dipakai untuk hub ({exc.strerror}).",
                    f"Port {self.requested_port} cannot be used for the hub ({exc.strerror}).",
                ) from None
            sock.bind((self.host, 0))
        return sock

    def _code_retired(self, code: str) -> None:
        if self.session is not None:
            self.session = HubSession(
                self.session.hub_id, self.session.identity, code, self.session.created_at
            )
            try:
                with self.store.transaction() as s:
                    keys.put_json(s, SESSION_KEY, self.session.to_json())
            except Exception:
                log.exception("could not keep the new pairing code")
        if self.on_code_changed is not None:
            self.on_code_changed(pairing.display_code(code))

    def new_code(self) -> str:
        """Show a new pairing code (stations already paired stay paired)."""
        if self._pairing is None:
            raise RuntimeError("the hub is not running")
        with self._pairing.lock:
            self._pairing.code = pairing.new_code()
            self._pairing.wrong_attempts = 0
            code = self._pairing.code
        self._code_retired(code)
        return pairing.display_code(code)

    def stop(self, timeout: float = 10.0) -> None:
        """Close the port and the announcement; the session stays for a restart."""
        if self._pairing is not None:
            self._pairing.news.close()  # long polls answer now
        if self._announcer is not None:
            try:
                self._announcer.stop()
            except Exception:
                log.exception("mDNS withdrawal failed")
            self._announcer = None
        if self._server is not None and self._thread is not None:
            # Stations keep connections alive between rounds: close them now rather
            # than wait (every request is idempotent; a cut one is simply retried).
            self._server.should_exit = True
            self._server.force_exit = True
            self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        self._pairing = None
        log.info("hub closed")

    def revoke(self, device_id: str) -> None:
        """Refuse a paired station from now on."""
        if self.engine is None:
            return
        with Session(self.engine) as s, s.begin():
            s.execute(
                update(sm.Device).where(sm.Device.device_id == device_id).values(revoked=True)
            )
        if self._pairing is not None:
            self._pairing.forget_tokens()

    def held_events(self) -> int:
        if self.engine is None:
            return 0
        from sqlalchemy import func

        with Session(self.engine) as s:
            return int(s.scalar(select(func.count()).select_from(sm.EventRow)) or 0)

    def __enter__(self) -> HubServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
