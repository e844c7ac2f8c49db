"""A station's link to the school hub: join (pairing), then push and pull rounds.

The link speaks the unchanged sync protocol to the hub with the ordinary
:class:`~ktpe_desktop.sync.client.SyncClient`, over a session that pins the hub's
certificate fingerprint (authenticated by the pairing code when joining).

It never touches the outbox: the outbox and its acknowledgements belong to the
central server, so a hub's "received" never counts as "sent to the office". What
the hub holds is tracked per origin device (the hub's contiguous ``seq``, from each
push reply's ledger), so a round sends every held event the hub lacks — this
laptop's own, and those of teammates it received elsewhere (relay: a station that
moves to another hub, or a second hub by mistake, carries everything across).
Pulled events go through the same ``apply_remote`` as the central server's.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event
from ktpe_desktop.hub import pairing
from ktpe_desktop.hub.errors import (
    HubCertificateChanged,
    HubError,
    HubKeyMismatch,
    HubNotAuthentic,
    HubTokenRefused,
    HubUnreachable,
    InvalidHubAddress,
    InvalidPairingCode,
    NotEnrolledForHub,
    OtherTeam,
    PairingCodeWrong,
)
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.ledger import WriteTxn
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import relay, verify
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.client import USER_AGENT, SyncClient, Timeouts
from ktpe_desktop.sync.errors import (
    CertificateError,
    ProtocolError,
    ServerUnreachable,
    SyncError,
    Unauthorized,
)

log = logging.getLogger("ktpe.hub")

LINK_KEY = "hub_link"
CURSOR_KEY = "hub_link.events_cursor"
HEADS_KEY = "hub_link.heads"
STATIONS_KEY = "hub_link.stations"
RECEIPTS_EVERY_S = 30.0  # what the office holds changes only when someone syncs with it
HUB_TIMEOUTS = Timeouts(connect=3.0, read=15.0, probe=2.0)
HUB_PAGE_SIZE = 100  # events per pulled page: a page is verified in one short transaction
APPLY_CHUNK = 50  # pulled events stored per background transaction
STATIONS_EVERY_S = 5.0  # the station list asked again for a new unknown at most this often
#: ... and for what the lists already asked for lacked (a device relayed from outside
#: the hub, never in it; or a station's operator the hub had not heard of yet).
STATIONS_AGAIN_S = 60.0

ApplyRemote = Callable[[Session | WriteTxn, list[Event]], Any]


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """This laptop's membership of a hub (kept in the encrypted store)."""

    url: str
    fingerprint: str
    token: str = field(repr=False)
    hub_id: str
    team: str
    station_no: int
    station_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "fingerprint": self.fingerprint,
            "token": self.token,
            "hub_id": self.hub_id,
            "team": self.team,
            "station_no": self.station_no,
            "station_name": self.station_name,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LinkConfig:
        return cls(
            url=str(d["url"]),
            fingerprint=str(d["fingerprint"]),
            token=str(d["token"]),
            hub_id=str(d["hub_id"]),
            team=str(d.get("team", "")),
            station_no=int(d.get("station_no", 0)),
            station_name=str(d.get("station_name", "")),
        )


@dataclass(frozen=True, slots=True)
class HubRound:
    pushed: int = 0
    acknowledged: int = 0
    pulled: int = 0
    touched_students: tuple[str, ...] = ()


def parse_address(text: str) -> tuple[str, int]:
    """``192.168.1.20:47180``, ``https://host:port`` or ``host`` -> ``(host, port)``."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidHubAddress(text)
    parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/"):
        raise InvalidHubAddress(text)
    try:
        port = parts.port or pairing.DEFAULT_PORT
    except ValueError:
        raise InvalidHubAddress(text) from None
    return parts.hostname, port


@contextlib.contextmanager
def hub_errors(base_url: str) -> Iterator[None]:
    """The sync client's errors, said as the hub's (what a station's status shows)."""
    try:
        yield
    except CertificateError:
        raise HubCertificateChanged() from None
    except ServerUnreachable as exc:
        raise HubUnreachable(base_url, exc.detail) from None
    except Unauthorized:
        raise HubTokenRefused() from None


class _PinnedAdapter(HTTPAdapter):
    """Accepts exactly one certificate, by its SHA-256 fingerprint (no CA, no host name)."""

    def __init__(self, fingerprint: str) -> None:
        self._fingerprint = fingerprint
        super().__init__(max_retries=0, pool_connections=1, pool_maxsize=2)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self._fingerprint
        super().init_poolmanager(*args, **kwargs)


class HubClient(SyncClient):
    """The sync client, pinned to the hub's certificate, plus the hub's own routes."""

    def __init__(self, base_url: str, fingerprint: str, *, token: str | None = None) -> None:
        super().__init__(base_url, token=token, timeouts=HUB_TIMEOUTS)
        self.fingerprint = fingerprint

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            s = requests.Session()
            # Verification by the pinned fingerprint (urllib3 assert_fingerprint),
            # which the pairing code authenticated; no CA can vouch for a hub.
            s.verify = False
            s.trust_env = False
            s.headers.update(
                {
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                    "Accept-Encoding": "gzip",
                }
            )
            s.mount("https://", _PinnedAdapter(self.fingerprint))
            self._session = s
        return self._session

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        with hub_errors(self.base_url):
            return self._request(
                method, path, json_body=body, gzip=False, params=params, timeout=timeout
            )

    def info(self) -> dict[str, Any]:
        return self.call("GET", "/hub/info")

    def challenge(self, nonce: str) -> dict[str, Any]:
        return self.call("POST", "/hub/pair/challenge", {"nonce": nonce})

    def join(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", "/hub/pair/join", body)

    def stations(self) -> dict[str, Any]:
        return self.call("GET", "/hub/stations")


def peer_fingerprint(host: str, port: int, timeout: float = 5.0) -> str:
    """The SHA-256 fingerprint of the certificate that ``host:port`` presents.

    Only a reading: it means nothing until the pairing proof binds it to the code.
    (Here rather than in :mod:`.tls`, which loads cryptography's X.509 at import.)

    Raises:
        OSError: the address cannot be reached or does not speak TLS.
    """
    pem = ssl.get_server_certificate((host, port), timeout=timeout)
    return pairing.fingerprint(ssl.PEM_cert_to_DER_cert(pem))


def _enrolment(store: Store) -> tuple[str, str, str]:
    """``(device_id, team, campaign_id)`` of the central enrolment."""
    with store.session() as s:
        team = keys.get(s, keys.TEAM) or ""
        campaign = keys.get(s, keys.CAMPAIGN_ID) or ""
        device = keys.get(s, keys.ENROLLED_DEVICE) or store.device_id
    if not team:
        raise NotEnrolledForHub()
    return device, team, campaign


def _team_name(store: Store, team: str) -> str:
    """This laptop's team as people know it (its id until a sync brought the name)."""
    with store.session() as s:
        return keys.get(s, keys.TEAM_NAME) or team


def load_link(store: Store) -> LinkConfig | None:
    with store.session() as s:
        data = keys.get_json(s, LINK_KEY)
    return LinkConfig.from_json(data) if data else None


def join_hub(
    store: Store,
    address: str,
    code_text: str,
    *,
    station_name: str = "",
    device_name: str = "",
) -> LinkConfig:
    """Pair this laptop with the hub at ``address`` using the code shown on the hub.

    Raises:
        InvalidPairingCode, InvalidHubAddress: what was typed cannot be right.
        HubUnreachable: nothing answers TLS at the address.
        HubNotAuthentic: the machine there cannot prove the code for its certificate
            (a wrong code, or a fake hub) — checked before anything is sent.
        PairingCodeWrong: the hub refused the code.
        OtherTeam: the hub belongs to another team.
        NotEnrolledForHub: this laptop has no team yet.
    """
    code = pairing.normalize_code(code_text)
    if code is None:
        raise InvalidPairingCode()
    host, port = parse_address(address)
    device_id, team, campaign = _enrolment(store)
    try:
        fp = peer_fingerprint(host, port, timeout=HUB_TIMEOUTS.connect)
    except OSError as exc:
        raise HubUnreachable(f"{host}:{port}", type(exc).__name__) from None
    url = f"https://{host}:{port}" if ":" not in host else f"https://[{host}]:{port}"
    with store.transaction() as s:
        own_key = ledger.public_key(s, device_id)
        pinned = keys.get_json(s, verify.DEVICE_KEYS)
    team_keys = {str(d): str(k) for d, k in (pinned if isinstance(pinned, dict) else {}).items()}
    client = HubClient(url, fp)
    try:
        nonce = pairing.new_nonce()
        ch = client.challenge(nonce)
        proof = str(ch.get("proof", ""))
        if not pairing.same(proof, pairing.hub_proof(code, fp, nonce)):
            log.warning("hub at %s:%d failed to prove the pairing code", host, port)
            raise HubNotAuthentic()
        hub_team = str(ch.get("team", ""))
        # Names for people (an id such as "7" tells an operator nothing).
        hub_team_name = str(ch.get("team_name") or "") or hub_team
        if hub_team and hub_team != team:
            raise OtherTeam(hub_team_name, _team_name(store, team))
        hub_nonce = str(ch.get("hub_nonce", ""))
        body = {
            "hub_nonce": hub_nonce,
            "proof": pairing.station_proof(code, fp, hub_nonce, device_id, team, campaign),
            "device_id": device_id,
            "device_name": device_name[:200],
            "station_name": station_name[:64],
            "team": team,
            "campaign_id": campaign,
            # The hub binds this laptop's key (the one the office bound at enrolment)
            # and learns the teammates' keys this laptop has pinned.
            "public_key": own_key,
            "keys": team_keys,
        }
        try:
            reply = client.join(body)
        except ProtocolError as exc:
            if exc.server_code == "pairing_code_wrong":
                raise PairingCodeWrong() from None
            if exc.server_code == "pairing_code_retired":
                raise PairingCodeWrong(retired=True) from None
            if exc.server_code == "other_team":
                raise OtherTeam(hub_team_name, _team_name(store, team)) from None
            if exc.server_code == "device_key_mismatch":
                raise HubKeyMismatch() from None
            raise
    finally:
        client.close()
    config = LinkConfig(
        url=url,
        fingerprint=fp,
        token=str(reply["token"]),
        hub_id=str(reply.get("hub_id") or ch.get("hub_id") or ""),
        team=team,
        station_no=int(reply.get("station_no", 0)),
        station_name=str(reply.get("station_name", "")),
    )
    previous = load_link(store)
    with store.transaction() as s:
        keys.put_json(s, LINK_KEY, config.to_json())
        if previous is None or previous.hub_id != config.hub_id:
            keys.put(s, CURSOR_KEY, None)
            keys.put(s, HEADS_KEY, None)
    log.info("joined hub %s as station %d", config.hub_id[:6], config.station_no)
    return config


def leave_hub(store: Store) -> None:
    with store.transaction() as s:
        for key in (LINK_KEY, CURSOR_KEY, HEADS_KEY):
            keys.put(s, key, None)


def use_local_hub(store: Store, url: str, fingerprint: str, token: str, hub_id: str) -> None:
    """The hub laptop's own link to its own hub (station 1, over loopback)."""
    _device, team, _campaign = _enrolment(store)
    previous = load_link(store)
    config = LinkConfig(url, fingerprint, token, hub_id, team, 1, "hub")
    with store.transaction() as s:
        keys.put_json(s, LINK_KEY, config.to_json())
        if previous is None or previous.hub_id != hub_id:
            keys.put(s, CURSOR_KEY, None)
            keys.put(s, HEADS_KEY, None)


class HubLink:
    """Push/pull rounds with the joined hub; one round at a time.

    Args:
        store: the unlocked laptop store.
        apply_remote: stores pulled events and refolds (the recording service's).
        page_size: events per pulled page.
    """

    def __init__(
        self, store: Store, apply_remote: ApplyRemote, *, page_size: int = HUB_PAGE_SIZE
    ) -> None:
        self.store = store
        self.apply_remote = apply_remote
        self.page_size = page_size
        self._lock = threading.Lock()
        self._client: HubClient | None = None
        self._client_key: tuple[str, str, str] | None = None
        self._refused: set[str] = set()
        self._key_bound_at: str | None = None  # the hub session our key is bound with
        self._watch_client: HubClient | None = None
        self._receipts_at = -RECEIPTS_EVERY_S
        self._receipts_sent: dict[str, dict[str, object]] | None = None
        self._operators_sent: tuple[str, dict[str, str]] | None = None  # (hub id, names)
        self._stations_at = -STATIONS_AGAIN_S
        self._stations_asked: set[tuple[str, str]] = set()  # (device, operator) asked about

    def config(self) -> LinkConfig | None:
        return load_link(self.store)

    def _client_for(self, cfg: LinkConfig) -> HubClient:
        key = (cfg.url, cfg.fingerprint, cfg.token)
        if self._client is None or self._client_key != key:
            if self._client is not None:
                self._client.close()
            self._client = HubClient(cfg.url, cfg.fingerprint, token=cfg.token)
            self._client_key = key
            self._refused.clear()
            # Another hub (or this one set up again): its list has not been asked for.
            self._stations_asked.clear()
            self._stations_at = -STATIONS_AGAIN_S
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        watch, self._watch_client = self._watch_client, None
        if watch is not None:
            watch.close()

    def wait_for_news(self, after: int, timeout_s: float) -> int:
        """Long-poll the hub: returns its news counter once it differs from ``after``
        (a teammate's push arrived) or after ``timeout_s``. Own client (own thread).

        Raises:
            HubError: unreachable, refused, or not the paired hub.
        """
        cfg = self.config()
        if cfg is None:
            raise HubUnreachable()
        client = self._watch_client
        if client is None or client.fingerprint != cfg.fingerprint or client.token != cfg.token:
            if client is not None:
                client.close()
            client = self._watch_client = HubClient(cfg.url, cfg.fingerprint, token=cfg.token)
        try:
            reply = client.call(
                "GET",
                "/hub/wait",
                params={"after": after, "timeout": timeout_s},
                timeout=(HUB_TIMEOUTS.connect, timeout_s + 10.0),
            )
        except SyncError as exc:
            client.close()
            self._watch_client = None
            if isinstance(exc, HubError):
                raise
            raise HubUnreachable(cfg.url, str(exc)) from None
        return int(reply.get("news", 0))

    def run_round(self, *, receipts: bool | None = None, pull: bool = True) -> HubRound | None:
        """One push + pull with the hub; None when this laptop has joined no hub.

        ``pull``: False skips the pull (the long poll says the hub has nothing new).

        ``receipts``: exchange what the office holds with the hub (True), or (None)
        only every ``RECEIPTS_EVERY_S`` seconds and when this laptop learnt more.

        Raises:
            HubError: the hub is unreachable, refuses us, or is not the paired one.
        """
        with self._lock:
            cfg = self.config()
            if cfg is None:
                return None
            client = self._client_for(cfg)
            try:
                self._bind_key(client, cfg.hub_id)
                self._send_operators(client, cfg.hub_id)
                pushed, acked = self._push(client)
                pulled, touched, _devices = self._pull(client) if pull else (0, (), set())
                now = time.monotonic()
                known = relay.central_receipts(self.store)
                if receipts or (
                    receipts is None
                    and (known != self._receipts_sent or now - self._receipts_at > RECEIPTS_EVERY_S)
                ):
                    self._exchange_receipts(client, known)
                    self._receipts_at, self._receipts_sent = now, known
            except HubCertificateChanged:
                self.close()
                raise
            except (HubUnreachable, HubTokenRefused):
                self.close()
                raise
            except SyncError as exc:
                self.close()
                raise HubUnreachable(cfg.url, str(exc)) from None
            return HubRound(pushed, acked, pulled, touched)

    # ------------------------------------------------------------ push

    def _bind_key(self, client: HubClient, hub_id: str) -> None:
        """Once per hub session and process: make sure the hub has our public key.

        Pairing binds it; a station paired by an earlier version (no key sent)
        binds it here, as a laptop enrolled before keys does with the office.
        """
        if self._key_bound_at == hub_id:
            return
        with self.store.background_transaction() as txn:
            own = ledger.public_key(txn.session(), self.store.device_id)
        try:
            client.call("POST", "/sync/device-key", {"public_key": own})
        except ProtocolError as exc:  # key_bound: another key is bound (not ours)
            log.error("the hub holds another key for this laptop: %s", exc.server_code)
        self._key_bound_at = hub_id

    def _push(self, client: HubClient) -> tuple[int, int]:
        with hub_errors(client.base_url):
            result = relay.push_missing(
                self.store, client, HEADS_KEY, include_own=True, skip=self._refused
            )
        return result.pushed, result.acknowledged

    def _send_operators(self, client: HubClient, hub_id: str) -> None:
        """Tell the hub the display names of this laptop's users (when they changed):
        teammates then show "stasiun 2 (Budi Santoso)", not the login name."""
        with self.store.session() as s:
            names = {
                str(u): str(d or "")
                for u, d in s.execute(
                    select(m.LocalUser.username, m.LocalUser.display_name).where(
                        m.LocalUser.active.is_(True)
                    )
                )
            }
        if self._operators_sent == (hub_id, names):
            return
        try:
            client.call("POST", "/hub/operators", {"operators": names})
        except ProtocolError as exc:  # a hub of an earlier version: names stay login names
            log.info("the hub did not take the operators' names: %s", exc.server_code)
        self._operators_sent = (hub_id, names)

    # ------------------------------------------------------------ receipts

    def _exchange_receipts(self, client: HubClient, mine: dict[str, dict[str, object]]) -> None:
        """Tell the hub what the central server holds (as we know it); learn the rest.

        A head for this laptop's own chain that matches our event at that seq, and
        is newer than our last receipt, becomes the receipt the Berita Acara prints
        (marked as relayed by the hub).
        """
        reply = client.call("POST", "/hub/central-heads", {"heads": mine})
        heads = reply.get("heads")
        if not isinstance(heads, dict):
            return
        learnt: dict[str, tuple[int, str]] = {}
        for device_id, v in heads.items():
            try:
                learnt[str(device_id)] = (int(v["contiguous_seq"]), str(v["head_hash"]))
            except (KeyError, TypeError, ValueError):
                continue
        with self.store.background_transaction(durable=False) as txn:
            s = txn.session()
            central = relay.read_heads(s, relay.CENTRAL_HEADS)
            moved = False
            for device_id, (seq, head_hash) in learnt.items():
                if seq <= central.get(device_id, 0):
                    continue
                held = s.scalar(
                    select(m.EventRow.hash).where(
                        m.EventRow.device_id == device_id, m.EventRow.seq == seq
                    )
                )
                if held == head_hash:
                    central[device_id] = seq
                    moved = True
            if moved:
                keys.put_json(s, relay.CENTRAL_HEADS, central)
            own = learnt.get(self.store.device_id)
            if own is not None:
                _adopt_relayed_receipt(s, self.store.device_id, own[0], own[1], client.base_url)

    # ------------------------------------------------------------ pull

    def _pull(self, client: HubClient) -> tuple[int, tuple[str, ...], set[str]]:
        received = 0
        touched: set[str] = set()
        devices: set[str] = set()
        for _ in range(10_000):
            with self.store.session() as s:
                cursor = keys.get(s, CURSOR_KEY)
            with hub_errors(client.base_url):  # a 401 is a refusal, not "unreachable"
                page = client.pull_events(cursor, self.page_size)
            raw = page.get("events")
            nxt = page.get("next_cursor")
            if not isinstance(raw, list) or (nxt is not None and not isinstance(nxt, str)):
                raise ProtocolError("event page without events or next_cursor")
            self.store.yield_to_saves()  # decoding and verifying take the CPU (the GIL)
            try:
                events = [Event.from_json(e) for e in raw]
            except (ValueError, TypeError) as exc:
                raise ProtocolError(f"bad event from the hub: {exc}") from None
            missing = self._stations_missing(events) if events else set()
            if missing:
                # Station numbers first: a view refreshed by these events can name
                # their station and operator ("sudah dicatat di stasiun 2 (Budi)").
                self._refresh_stations(client, missing)
            self._apply_page(events, page, nxt)
            received += len(events)
            touched.update(e.student_id for e in events)
            devices.update(e.device_id for e in events)
            if not page.get("has_more") or nxt == cursor:
                break
        return received, tuple(sorted(touched)), devices

    def _apply_page(self, events: list[Event], page: dict[str, Any], nxt: str | None) -> None:
        """Store a pulled page without ever delaying a save.

        The signatures are checked first, outside any write (CPU, not the lock);
        then background transactions (:meth:`Store.background_transaction`: they
        start when no save waits, run prepared SQL, and need no fsync of their
        own: all of it can be pulled again) of at most ``APPLY_CHUNK`` events each
        store it; the cursor moves with the last one, so a page cut short by a
        crash is pulled again (what was stored stays: events are taken once by id).
        """
        check: verify.PageCheck | None = None
        if events or page.get("segments"):
            # Folded only once its origin's signature holds (keys pinned, and the
            # segments kept: this laptop can relay them to the office).
            with self.store.session() as s:
                check = verify.check_page(s, events, page)
            self.store.yield_to_saves()
        rest: list[Event] = []
        with self.store.background_transaction(durable=False) as txn:
            ready: list[Event] = []
            if check is not None:
                if verify.record(txn, check):
                    ready = check.ready
                else:  # keys pinned meanwhile (a central pull): check again, inside
                    ready = verify.verified(txn.session(), events, page)
            first, rest = ready[:APPLY_CHUNK], ready[APPLY_CHUNK:]
            if first:
                self.apply_remote(txn, first)
            if not rest:
                self._page_done(txn, events, nxt)
        while rest:
            chunk, rest = rest[:APPLY_CHUNK], rest[APPLY_CHUNK:]
            with self.store.background_transaction(durable=False) as txn:
                self.apply_remote(txn, chunk)
                if not rest:
                    self._page_done(txn, events, nxt)

    @staticmethod
    def _page_done(txn: WriteTxn, events: list[Event], nxt: str | None) -> None:
        if events:
            # What the hub sent, it holds (no need to push it back).
            relay.note_held(txn, HEADS_KEY, events)
        if nxt:
            keys.put(txn, CURSOR_KEY, nxt)

    # ------------------------------------------------------------ stations

    def _stations_missing(self, events: list[Event]) -> set[tuple[str, str]]:
        """The ``(device, operator)`` pairs of ``events`` the station list lacks, when
        it is time to ask for the list because of them (:func:`stations_due`); else
        none."""
        with self.store.session() as s:
            data = keys.get_json(s, STATIONS_KEY)
        known = data if isinstance(data, dict) else {}
        missing = {
            (e.device_id, e.operator)
            for e in events
            if e.device_id not in known
            or e.operator not in (known[e.device_id].get("operators") or {})
        }
        since = time.monotonic() - self._stations_at
        return missing if stations_due(missing, self._stations_asked, since) else set()

    def _refresh_stations(self, client: HubClient, missing: set[tuple[str, str]]) -> None:
        self._stations_at = time.monotonic()
        try:
            data = client.stations()
        except SyncError as exc:
            log.info("station list not refreshed: %s", exc.code)
            return
        rows = data.get("stations")
        if not isinstance(rows, list):
            return
        # Asked for, and answered: what the list still lacks waits for STATIONS_AGAIN_S.
        self._stations_asked |= missing
        known = {
            str(r["device_id"]): {
                "no": int(r["station_no"]),
                "name": str(r.get("name") or ""),
                "operators": {
                    str(u): str(d)
                    for u, d in (r.get("operators") or {}).items()
                    if isinstance(d, str)
                }
                if isinstance(r.get("operators"), dict)
                else {},
            }
            for r in rows
            if isinstance(r, dict) and "device_id" in r and "station_no" in r
        }
        with self.store.background_transaction(durable=False) as txn:
            merged = dict(keys.get_json(txn, STATIONS_KEY) or {})
            merged.update(known)
            keys.put_json(txn, STATIONS_KEY, merged)


def stations_due(missing: set[tuple[str, str]], asked: set[tuple[str, str]], since: float) -> bool:
    """Whether the station list is asked for again, ``since`` seconds after the last time.

    ``missing``: the ``(device, operator)`` pairs of a pulled page the list lacks;
    ``asked``: the pairs a list was asked for already. A pair not asked about yet: at
    most every :data:`STATIONS_EVERY_S` (a station that just joined, an operator who
    just logged in). Only pairs already asked about: every :data:`STATIONS_AGAIN_S`
    (a device relayed from outside the hub is never in the list, and a team's laptops
    at other schools would have each page of theirs ask again every 5 s).
    """
    if not missing:
        return False
    return since > (STATIONS_EVERY_S if missing - asked else STATIONS_AGAIN_S)


def operator_names(store: Store) -> dict[str, dict[str, str]]:
    """``device_id -> {login name: display name}`` of the stations' users (from the hub)."""
    with store.session() as s:
        data = keys.get_json(s, STATIONS_KEY) or {}
    return {
        str(d): {str(u): str(n) for u, n in v["operators"].items() if n}
        for d, v in data.items()
        if isinstance(v, dict) and isinstance(v.get("operators"), dict)
    }


def station_labels(store: Store) -> dict[str, str]:
    """``device_id -> "stasiun 2"`` (or ``"stasiun 2 · Lab"``) for every known station."""
    with store.session() as s:
        data = keys.get_json(s, STATIONS_KEY) or {}
    out: dict[str, str] = {}
    for device_id, v in data.items():
        try:
            no, name = int(v["no"]), str(v.get("name") or "")
        except (KeyError, TypeError, ValueError):
            continue
        label = f"stasiun {no}"
        out[device_id] = f"{label} · {name}" if name and name != "hub" else label
    return out


def _adopt_relayed_receipt(s: Session, device_id: str, seq: int, head_hash: str, via: str) -> bool:
    """Keep a relayed central head as this laptop's receipt when it is newer and ours."""
    current = keys.get_json(s, keys.LAST_RECEIPT) or {}
    if int(current.get("contiguous_seq") or 0) >= seq:
        return False
    held = s.scalar(
        select(m.EventRow.hash).where(m.EventRow.device_id == device_id, m.EventRow.seq == seq)
    )
    if held != head_hash:
        return False
    counts: dict[str, dict[str, int]] = {}
    for npsn, kind, n in s.execute(
        select(m.EventRow.school_npsn, m.EventRow.kind, func.count())
        .where(m.EventRow.device_id == device_id, m.EventRow.seq <= seq)
        .group_by(m.EventRow.school_npsn, m.EventRow.kind)
    ):
        if npsn:
            counts.setdefault(npsn, {})[kind] = int(n)
    now = datetime.now(UTC).isoformat()
    local_seq = int(
        s.scalar(select(func.max(m.EventRow.seq)).where(m.EventRow.device_id == device_id)) or 0
    )
    keys.put_json(
        s,
        keys.LAST_RECEIPT,
        {
            "device_id": device_id,
            "contiguous_seq": seq,
            "head_hash": head_hash,
            "counts": counts,
            "server_time": now,
            "fetched_at": now,
            "local_seq": local_seq,
            "local_hash_at_seq": held,
            "via": f"hub {via}",
        },
    )
    log.info("central receipt up to seq %d received through the hub", seq)
    return True
