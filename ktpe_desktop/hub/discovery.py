"""Finding the school hub on the local network: mDNS / DNS-SD with python-zeroconf.

Service type ``_ktpe-hub._tcp.local.``; the instance name is ``KTP-el hub <team
name> <hub id>``; TXT records (nothing personal):

* ``v`` — protocol version (``1``);
* ``hub`` — the hub session id (changes with each new certificate);
* ``team`` — the team's id (so a station lists its own team's hubs first);
* ``tn`` — the team's name, as people know it;
* ``fp`` — the first 16 hex digits of the certificate's SHA-256 fingerprint, a
  hint only: the pairing code is what authenticates the certificate.

Discovery is a convenience: where multicast is blocked, a station types the
address the hub shows (``192.168.1.20:47180``).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

log = logging.getLogger("ktpe.hub")

SERVICE_TYPE = "_ktpe-hub._tcp.local."


@dataclass(frozen=True, slots=True)
class FoundHub:
    """A hub seen on the network (not yet trusted: pairing decides)."""

    name: str
    host: str
    port: int
    hub_id: str
    team: str
    fingerprint_hint: str
    team_name: str = ""  # empty from a hub of an earlier version: show ``team``

    @property
    def team_label(self) -> str:
        return self.team_name or self.team

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback (what the hub shows)."""
    import ifaddr

    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if ip.is_IPv4 and isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                found.append(ip.ip)
    return sorted(set(found))


class HubAnnouncer:
    """Registers the hub's service while hub mode is on."""

    def __init__(self) -> None:
        self._zc: Zeroconf | None = None
        self._info: ServiceInfo | None = None

    def start(
        self,
        port: int,
        *,
        hub_id: str,
        team: str,
        fingerprint: str,
        team_name: str = "",
        addresses: list[str] | None = None,
    ) -> None:
        addrs = addresses if addresses is not None else lan_addresses()
        if not addrs:
            log.info("no LAN address: the hub is not announced (type its address)")
            return
        label = f"KTP-el hub {team_name or team} {hub_id[:6]}"[:60]
        self._info = ServiceInfo(
            SERVICE_TYPE,
            f"{label}.{SERVICE_TYPE}",
            port=port,
            properties={
                "v": "1",
                "hub": hub_id,
                "team": team,
                "tn": (team_name or team)[:100],
                "fp": fingerprint[:16],
            },
            addresses=[socket.inet_aton(a) for a in addrs],
            server=f"ktpe-hub-{hub_id[:8]}.local.",
        )
        self._zc = Zeroconf(ip_version=IPVersion.V4Only)
        self._zc.register_service(self._info, allow_name_change=True)
        log.info("hub announced on %d address(es), port %d", len(addrs), port)

    def stop(self) -> None:
        zc, info = self._zc, self._info
        self._zc = self._info = None
        if zc is None:
            return
        try:
            if info is not None:
                zc.unregister_service(info)
        finally:
            zc.close()


def _text(props: dict[bytes, bytes | None], key: bytes) -> str:
    value = props.get(key)
    return value.decode("utf-8", "replace") if value else ""


def browse(timeout_s: float = 3.0, *, zc: Zeroconf | None = None) -> list[FoundHub]:
    """The hubs that answer within ``timeout_s`` seconds (blocking; run off the UI thread)."""
    own = zc is None
    zeroconf = zc or Zeroconf(ip_version=IPVersion.V4Only)
    names: set[str] = set()
    lock = threading.Lock()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            with lock:
                names.add(name)

    browser = ServiceBrowser(zeroconf, SERVICE_TYPE, handlers=[on_change])
    try:
        deadline = time.monotonic() + timeout_s
        found: dict[str, FoundHub] = {}
        while time.monotonic() < deadline:
            with lock:
                pending = [n for n in names if n not in found]
            for name in pending:
                info = zeroconf.get_service_info(SERVICE_TYPE, name, timeout=1000)
                if info is None or not info.parsed_addresses() or not info.port:
                    continue
                props = info.properties or {}
                found[name] = FoundHub(
                    name=name.removesuffix("." + SERVICE_TYPE),
                    host=info.parsed_addresses()[0],
                    port=int(info.port),
                    hub_id=_text(props, b"hub"),
                    team=_text(props, b"team"),
                    fingerprint_hint=_text(props, b"fp"),
                    team_name=_text(props, b"tn"),
                )
            time.sleep(0.1)
        return sorted(found.values(), key=lambda h: (h.team, h.name))
    finally:
        browser.cancel()
        if own:
            zeroconf.close()
