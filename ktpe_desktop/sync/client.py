"""The HTTP client of sync protocol v1 (docs/sync-protocol.md).

One :class:`requests.Session` per client, explicit ``(connect, read)`` timeouts on
every call, gzip request bodies, a Bearer token, certificate verification always
on: against the operating system's trust store (``truststore``: the Windows
certificate store, macOS keychain, or OpenSSL's system paths on Linux, so an
office CA that IT installed in Windows is trusted), or, when a CA file is
pinned, against that CA alone. The constructor does no I/O.

Every failure becomes a :class:`~ktpe_desktop.sync.errors.SyncError` subclass with
a message the user understands; every reply's ``server_time`` updates
:attr:`SyncClient.clock_skew_s`.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from ktpe_desktop.__about__ import __version__
from ktpe_desktop.core.events import parse_time
from ktpe_desktop.core.protocol import API_PREFIX, PushReply, gzip_json
from ktpe_desktop.core.versions import UpdateAdvice, is_valid_version
from ktpe_desktop.sync.errors import (
    AppTooOld,
    CertificateError,
    EnrollmentRefused,
    InvalidServerAddress,
    ProtocolError,
    ProtocolOutdated,
    RateLimited,
    ServerError,
    ServerUnreachable,
    Unauthorized,
)

log = logging.getLogger("ktpe.sync")

# Certificate verification codes of the platform verifiers truststore uses (OpenSSL's
# are below in classify_certificate_error). Windows' messages come localised (an
# Indonesian Windows says it in Indonesian), so the codes are what we match.
_WIN_EXPIRED = {0x800B0101, 0x800B0102}  # CERT_E_EXPIRED, CERT_E_VALIDITYPERIODNESTING
_WIN_WRONG_HOST = {0x800B010F}  # CERT_E_CN_NO_MATCH
_WIN_UNTRUSTED = {0x800B0109, 0x800B010A, 0x800B0112}  # UNTRUSTEDROOT, CHAINING, UNTRUSTEDCA
_MAC_EXPIRED = {-67818}  # errSecCertificateExpired
_MAC_WRONG_HOST = {-67602}  # errSecHostNameMismatch
_MAC_UNTRUSTED = {-67843}  # errSecNotTrusted

USER_AGENT = "ktpe-desktop-sync/1"
APP_VERSION_HEADER = "X-KTPE-App-Version"  # sent on every request: the office sees it
# What the laptop says about itself on every request, for the office console's devices
# page (ktpe_server/office/device_reports.py): its outbox and its clock.
UNSENT_HEADER = "X-Ktpe-Unsent"
QUARANTINED_HEADER = "X-Ktpe-Quarantined"
CLIENT_TIME_HEADER = "X-Ktpe-Client-Time"


class SystemTrustAdapter(HTTPAdapter):
    """An adapter whose TLS trusts the operating system's certificate store.

    ``requests`` would otherwise verify against certifi's bundle, which knows no
    office CA. Used only when no CA file is pinned: a pinned CA must be the *only*
    trust anchor, and a truststore context would add the system's to it.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        import truststore

        kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would load certifi's bundle into the context on top of the
        # system's (and fail in a build without it): skip its CA lookup, then force
        # verification back on; the truststore context does it.
        super().cert_verify(conn, url, False if verify is True else verify, cert)
        if verify is True:
            conn.cert_reqs = "CERT_REQUIRED"


def trust_adapter(ca_file: str | None, **kwargs: Any) -> HTTPAdapter:
    """The HTTPS adapter for a pinned CA file (plain) or for the system store."""
    return HTTPAdapter(**kwargs) if ca_file else SystemTrustAdapter(**kwargs)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to connect and to wait between bytes of a reply."""

    connect: float = 5.0
    read: float = 30.0
    probe: float = 3.0  # connect and read of the /health probe

    def pair(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass(frozen=True, slots=True)
class EnrollResult:
    device_id: str
    token: str
    team: str  # the team's name
    team_id: str
    campaign_id: str
    server_time: str
    raw: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class WireStats:
    """Bytes this client put on / took off the wire (bodies, compressed)."""

    requests: int = 0
    sent: int = 0
    received: int = 0


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def normalise_base_url(url: str) -> str:
    """``https://host[:port][/prefix]`` without a trailing slash.

    ``http://`` is accepted for this machine only (127.0.0.1, localhost, ::1).

    Raises:
        InvalidServerAddress: not an http(s) URL with a host.
    """
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidServerAddress(url)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        # Plain HTTP would carry the roster, the token and every event in clear:
        # only the embedded demo / test server on this machine may use it.
        raise InvalidServerAddress(url)
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise InvalidServerAddress(url) from None
    return text.rstrip("/")


def classify_certificate_error(exc: BaseException) -> str:
    """Which :class:`CertificateError` reason an SSL failure is."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    texts: list[str] = []
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLCertVerificationError):
            code = getattr(cur, "verify_code", None)
            if code in (9, 10) or code in _WIN_EXPIRED or code in _MAC_EXPIRED:
                return CertificateError.EXPIRED  # not yet valid, expired
            if code in (62, 64) or code in _WIN_WRONG_HOST or code in _MAC_WRONG_HOST:
                return CertificateError.WRONG_HOST  # hostname / IP mismatch
            if code in (2, 18, 19, 20, 21) or code in _WIN_UNTRUSTED or code in _MAC_UNTRUSTED:
                return CertificateError.UNTRUSTED
        texts.append(str(cur))
        nxt = cur.__cause__ or cur.__context__
        if nxt is None and cur.args:
            inner = [a for a in cur.args if isinstance(a, BaseException)]
            nxt = inner[0] if inner else None
        reason = getattr(cur, "reason", None)
        if nxt is None and isinstance(reason, BaseException):
            nxt = reason
        cur = nxt
    text = " ".join(texts).lower()
    if "expired" in text or "not yet valid" in text:
        return CertificateError.EXPIRED
    if "mismatch" in text or "doesn't match" in text or "not valid for" in text:
        return CertificateError.WRONG_HOST
    if "self-signed" in text or "self signed" in text or "issuer" in text or "unknown ca" in text:
        return CertificateError.UNTRUSTED
    return CertificateError.OTHER


class SyncClient:
    """A client of one sync server.

    Args:
        base_url: ``https://host[:port]`` (the API prefix is added here).
        token: the device's Bearer token (None before enrolment).
        ca_file: a PEM file of the CA to pin; verification is always on.
        timeouts: connect / read timeouts.
        clock: seconds since the epoch (injected so tests can skew it).
        app_version: reported on every request (``X-KTPE-App-Version``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        ca_file: str | None = None,
        timeouts: Timeouts | None = None,
        clock: Callable[[], float] = time.time,
        app_version: str = __version__,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.app_version = app_version
        # The server's update advice, as its last reply said (headers or /health).
        self.update_advice: UpdateAdvice | None = None
        self.token = token
        self.ca_file = ca_file
        self.timeouts = timeouts or Timeouts()
        self._clock = clock
        self._session: requests.Session | None = None
        self.server_time: datetime | None = None
        self.clock_skew_s: float | None = None
        self.stats = WireStats()
        # (unsent, quarantined) of the outbox, sent with every request once known.
        self.outbox_report: tuple[int, int] | None = None

    # ------------------------------------------------------------ session

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            s = requests.Session()
            # Verification is never switched off: a pinned CA file or the system store.
            s.verify = self.ca_file if self.ca_file else True
            s.trust_env = False  # no proxies or netrc picked up behind the user's back
            s.headers.update(
                {
                    "User-Agent": f"{USER_AGENT} ktpe-desktop/{self.app_version}",
                    "Accept": "application/json",
                    "Accept-Encoding": "gzip",
                    APP_VERSION_HEADER: self.app_version,
                }
            )
            # Retries are the engine's business (it knows what is idempotent).
            s.mount(
                "https://",
                trust_adapter(self.ca_file, max_retries=0, pool_connections=1, pool_maxsize=2),
            )
            s.mount("http://", HTTPAdapter(max_retries=0, pool_connections=1, pool_maxsize=2))
            self._session = s
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def report_outbox(self, unsent: int, quarantined: int) -> None:
        """The outbox's counts that the next requests report (``X-Ktpe-Unsent``,
        ``X-Ktpe-Quarantined``): the office sees what a laptop still holds."""
        self.outbox_report = (max(0, int(unsent)), max(0, int(quarantined)))

    def status_headers(self) -> dict[str, str]:
        """This laptop's clock (ISO 8601 with its offset: the office sees the skew) and,
        once known, its outbox counts."""
        local = datetime.fromtimestamp(self._clock(), UTC).astimezone()
        out = {CLIENT_TIME_HEADER: local.isoformat(timespec="milliseconds")}
        if self.outbox_report is not None:
            out[UNSENT_HEADER] = str(self.outbox_report[0])
            out[QUARANTINED_HEADER] = str(self.outbox_report[1])
        return out

    # ------------------------------------------------------------ endpoints

    def health(self) -> dict[str, Any]:
        """``GET /health`` with the short probe timeouts."""
        t = self.timeouts.probe
        return self._request("GET", "/health", timeout=(t, t), auth=False)

    def enroll(
        self,
        code: str,
        device_id: str,
        device_name: str,
        app_version: str,
        public_key: str | None = None,
        replaces: Mapping[str, Any] | None = None,
    ) -> EnrollResult:
        body: dict[str, Any] = {
            "code": code,
            "device_id": device_id,
            "device_name": device_name,
            "app_version": app_version,
        }
        if public_key:
            body["public_key"] = public_key
        if replaces is not None:
            body["replaces"] = dict(replaces)
        try:
            # Small body, sent plain: the protocol only requires servers to inflate
            # the push body (docs/sync-protocol.md).
            data = self._request("POST", "/enrollments", json_body=body, auth=False, gzip=False)
        except ProtocolError as exc:
            if exc.status in (403, 404, 409, 410) or exc.server_code.startswith("enrollment"):
                raise EnrollmentRefused(exc.server_code or str(exc.status), exc.detail) from exc
            raise
        except Unauthorized as exc:
            raise EnrollmentRefused("unauthorized", exc.detail) from exc
        team = data.get("team")
        if isinstance(team, Mapping):
            team_name, team_id = str(team.get("name", "")), str(team.get("id", ""))
        else:
            team_name = team_id = str(team or "")
        try:
            return EnrollResult(
                device_id=str(data["device_id"]),
                token=str(data["token"]),
                team=team_name,
                team_id=team_id,
                campaign_id=str(data.get("campaign_id") or ""),
                server_time=str(data.get("server_time", "")),
                raw=data,
            )
        except KeyError as exc:
            raise ProtocolError(f"enrolment reply without {exc.args[0]}") from None

    def roster(self, cursor: str | None, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self._request("GET", "/sync/roster", params=params)

    def push(self, body: Mapping[str, Any]) -> PushReply:
        data = self._request("POST", "/sync/events", json_body=body)
        try:
            return PushReply.from_json(data)
        except (KeyError, ValueError, TypeError) as exc:
            raise ProtocolError(f"bad push reply ({type(exc).__name__}: {exc})") from None

    def pull_events(self, cursor: str | None, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self._request("GET", "/sync/events", params=params)

    def receipt(self) -> dict[str, Any]:
        return self._request("GET", "/sync/receipt")

    def register_key(self, public_key: str) -> dict[str, Any]:
        """Bind this device's public key (once; a device enrolled before keys)."""
        return self._request(
            "POST", "/sync/device-key", json_body={"public_key": public_key}, gzip=False
        )

    # ------------------------------------------------------------ plumbing

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        timeout: tuple[float, float] | None = None,
        auth: bool = True,
        gzip: bool = True,
    ) -> dict[str, Any]:
        url = f"{self.base_url}{API_PREFIX}{path}"
        advice = self.update_advice
        if auth and advice is not None and advice.too_old(self.app_version):
            # The server said so before: nothing is sent until the app is updated.
            raise AppTooOld(self.app_version, advice.minimum or "", advice.download_url)
        headers = self.status_headers()
        data: bytes | None = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            if gzip:
                data = gzip_json(json_body)
                headers["Content-Encoding"] = "gzip"
            else:
                data = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        sent_at = self._clock()
        try:
            resp = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=timeout or self.timeouts.pair(),
                allow_redirects=False,
            )
            content = resp.content  # read fully here so a broken body is a network error
        except requests.exceptions.SSLError as exc:
            reason = classify_certificate_error(exc)
            log.warning("TLS refused for %s: %s", self.base_url, reason)
            raise CertificateError(reason, str(exc)) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ):
            raise InvalidServerAddress(self.base_url) from None
        except requests.exceptions.Timeout:
            raise ServerUnreachable("timeout", url=self.base_url) from None
        except requests.exceptions.ConnectionError as exc:
            raise ServerUnreachable(_short(exc), url=self.base_url) from None
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise ServerUnreachable(
                f"connection broken: {_short(exc)}", url=self.base_url
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ServerUnreachable(_short(exc), url=self.base_url) from None
        received_at = self._clock()
        self.stats = WireStats(
            self.stats.requests + 1,
            self.stats.sent + len(data or b""),
            self.stats.received + int(resp.headers.get("Content-Length") or len(content)),
        )
        payload = self._json(resp, content)
        self._note_server_time(resp, payload, (sent_at + received_at) / 2)
        self._note_update_advice(resp, payload)
        status = resp.status_code
        if 200 <= status < 300:
            if not isinstance(payload, dict):
                raise ProtocolError(f"HTTP {status} without a JSON object")
            return payload
        code, message = _error_of(payload)
        if code == "protocol_outdated":
            raise ProtocolOutdated()
        if status == 426 or code == "app_too_old":
            advice = self.update_advice or UpdateAdvice()
            raise AppTooOld(self.app_version, advice.minimum or "?", advice.download_url)
        if status == 401:
            raise Unauthorized(message or code)
        if status == 429:
            retry_after = _float(resp.headers.get("Retry-After"))
            raise RateLimited(retry_after)
        if status >= 500:
            raise ServerError(status, message or code)
        if 300 <= status < 400:
            raise ProtocolError(
                f"unexpected redirect (HTTP {status}) to {resp.headers.get('Location')!r}",
                status=status,
            )
        raise ProtocolError(
            f"HTTP {status} {code}: {message}".strip(), status=status, server_code=code
        )

    @staticmethod
    def _json(resp: requests.Response, content: bytes) -> Any:
        if not content:
            return None
        try:
            return resp.json()
        except ValueError:
            if resp.status_code >= 500:
                return None
            if resp.status_code < 300:
                raise ProtocolError(f"HTTP {resp.status_code}: the reply is not JSON") from None
            return None

    def _note_update_advice(self, resp: requests.Response, payload: Any) -> None:
        """The minimum and latest app versions, from the reply's headers or /health's body."""
        body = payload if isinstance(payload, dict) else {}

        def value(header: str, field_name: str) -> str | None:
            raw = resp.headers.get(header) or body.get(field_name)
            return raw if isinstance(raw, str) and raw else None

        minimum = value("X-KTPE-Min-App-Version", "min_app_version")
        latest = value("X-KTPE-Latest-App-Version", "latest_app_version")
        url = value("X-KTPE-Download-URL", "download_url")
        if minimum is None and latest is None and url is None:
            return  # a server (or a hub) that gives no advice: keep what we knew
        self.update_advice = UpdateAdvice(
            minimum if minimum and is_valid_version(minimum) else None,
            latest if latest and is_valid_version(latest) else None,
            url if url and url.startswith(("https://", "http://")) else None,
        )

    def _note_server_time(self, resp: requests.Response, payload: Any, local_mid: float) -> None:
        text = resp.headers.get("X-Server-Time")
        if not text and isinstance(payload, dict):
            raw = payload.get("server_time")
            text = raw if isinstance(raw, str) else None
        if not text:
            return
        try:
            server = parse_time(text)
        except ValueError:
            log.warning("unparseable server time %r", text[:40])
            return
        self.server_time = server
        self.clock_skew_s = local_mid - server.timestamp()


def _error_of(payload: Any) -> tuple[str, str]:
    if isinstance(payload, dict):
        err = payload.get("error")
        if isinstance(err, dict):
            return str(err.get("code", "")), str(err.get("message", ""))
        detail = payload.get("detail")
        if detail is not None:
            return "error", str(detail)[:300]
    return "", ""


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "…"
