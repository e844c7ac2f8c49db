"""The school hub use cases for the UI and the CLI (issue 14).

* the lead turns this laptop into the school's hub (:meth:`HubService.start_hub`),
  and it becomes station 1 of its own hub;
* any laptop joins a hub with the code it shows (:meth:`HubService.join`);
* the link then runs in the background (:meth:`HubService.start_link`), a round
  soon after each save (:meth:`HubService.saved`) and every few seconds;
* the outcome dialog asks :meth:`HubService.other_station_outcome` before recording.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.hub.link import (
    HubLink,
    HubRound,
    LinkConfig,
    join_hub,
    leave_hub,
    load_link,
    use_local_hub,
)
from ktpe_desktop.hub.notice import OtherStationOutcome, other_station_outcome
from ktpe_desktop.hub.pairing import DEFAULT_PORT
from ktpe_desktop.hub.runner import HubLinkRunner, LinkStatus
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage.keyslots import UserRole
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys

if TYPE_CHECKING:  # the server side (uvicorn, FastAPI, zeroconf) loads on first use
    from ktpe_desktop.hub.discovery import FoundHub
    from ktpe_desktop.hub.server import HubServer
    from ktpe_desktop.hub.store import StationInfo

log = logging.getLogger("ktpe.hub")

__all__ = ["HubInfo", "HubService", "LinkStatus", "OtherStationOutcome"]


class LeadOnly(KnownError):
    code = "lead_only"

    def __init__(self) -> None:
        super().__init__(
            "Hanya Koordinator yang dapat menjadikan laptop ini hub sekolah.",
            "Only the team lead (Koordinator) can make this laptop the school hub.",
        )


@dataclass(frozen=True, slots=True)
class HubInfo:
    """What the hub's screen shows."""

    code: str
    addresses: tuple[str, ...]
    port: int
    fingerprint: str
    stations: tuple[StationInfo, ...]

    @property
    def fingerprint_short(self) -> str:
        fp = self.fingerprint.upper()
        return " ".join(fp[i : i + 4] for i in range(0, 16, 4))


class HubService:
    """Hub mode and the station link of one unlocked laptop."""

    def __init__(self, store: Store, recording: RecordingService | None = None) -> None:
        self.store = store
        self.recording = recording or RecordingService(store)
        self.server: HubServer | None = None
        self.link = HubLink(store, self.recording.apply_remote_events)
        self.runner: HubLinkRunner | None = None

    # ------------------------------------------------------------ hub side

    def _team(self) -> tuple[str, str, str]:
        """``(team id, team name, campaign id)`` of this laptop's enrolment."""
        with self.store.session() as s:
            team = keys.get(s, keys.TEAM) or ""
            return team, keys.get(s, keys.TEAM_NAME) or team, keys.get(s, keys.CAMPAIGN_ID) or ""

    def start_hub(
        self,
        port: int = DEFAULT_PORT,
        *,
        host: str = "0.0.0.0",
        announce: bool = True,
        on_code_changed: Callable[[str], None] | None = None,
    ) -> HubInfo:
        """Make this laptop the school hub (lead only); it joins its own hub as station 1."""
        if self.store.role != UserRole.LEAD:
            raise LeadOnly()
        from ktpe_desktop.hub.server import HubServer

        if self.server is None or not self.server.running:
            team, team_name, campaign = self._team()
            server = HubServer(
                self.store,
                team=team,
                team_name=team_name,
                campaign_id=campaign,
                host=host,
                port=port,
                announce=announce,
                on_code_changed=on_code_changed,
            )
            server.start()
            self.server = server
            assert server.own_token is not None
            use_local_hub(
                self.store, server.local_url, server.fingerprint, server.own_token, server.hub_id
            )
        info = self.hub_info()
        assert info is not None
        if self.runner is not None:
            self.runner.wake()
        return info

    def hub_info(self) -> HubInfo | None:
        server = self.server
        if server is None or not server.running:
            return None
        return HubInfo(
            code=server.code,
            addresses=tuple(server.addresses()),
            port=server.port,
            fingerprint=server.fingerprint,
            stations=tuple(server.stations()),
        )

    def new_code(self) -> str:
        if self.server is None:
            raise RuntimeError("hub mode is off")
        return self.server.new_code()

    def stop_hub(self, *, end: bool = True) -> None:
        """Close the hub's port; ``end`` also forgets its session (new code next time)."""
        server, self.server = self.server, None
        if server is not None:
            if self.runner is not None:
                self.runner.round_now()  # last pull of what the stations sent
            server.stop()
        cfg = load_link(self.store)
        if cfg is not None and cfg.station_no == 1 and cfg.url.startswith("https://127.0.0.1"):
            leave_hub(self.store)
        if end:
            from ktpe_desktop.hub.server import end_session

            end_session(self.store)

    @property
    def is_hub(self) -> bool:
        return self.server is not None and self.server.running

    # ------------------------------------------------------------ station side

    @staticmethod
    def discover(timeout_s: float = 3.0) -> list[FoundHub]:
        """The hubs announced on this network (blocking; run it off the UI thread)."""
        from ktpe_desktop.hub import discovery

        try:
            return discovery.browse(timeout_s)
        except OSError as exc:
            log.info("hub discovery unavailable: %s", type(exc).__name__)
            return []

    def join(self, address: str, code: str, station_name: str = "") -> LinkConfig:
        cfg = join_hub(self.store, address, code, station_name=station_name)
        if self.runner is not None:
            self.runner.wake()
        return cfg

    def leave(self) -> None:
        leave_hub(self.store)
        if self.runner is not None:
            self.runner.wake()

    def link_config(self) -> LinkConfig | None:
        return load_link(self.store)

    def start_link(
        self,
        on_round: Callable[[HubRound], None] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
    ) -> HubLinkRunner:
        if self.runner is None:
            self.runner = HubLinkRunner(self.link, on_round=on_round, on_status=on_status)
            self.runner.start()
        else:  # a new window over the same workspace takes the callbacks over
            self.runner.on_round, self.runner.on_status = on_round, on_status
        return self.runner

    def saved(self) -> None:
        """Call after each save: the hub hears of it within a fraction of a second."""
        if self.runner is not None:
            self.runner.wake()

    def link_status(self) -> LinkStatus | None:
        return self.runner.status if self.runner is not None else None

    def other_station_outcome(self, student_id: str) -> OtherStationOutcome | None:
        return other_station_outcome(self.store, student_id)

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop()
            self.runner = None
        if self.server is not None:
            self.server.stop()
            self.server = None
        self.link.close()
