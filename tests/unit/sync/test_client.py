"""The HTTP client: gzip, auth, timeouts, error mapping, clock skew."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import trustme

from ktpe_desktop.core.protocol import CLOCK_SKEW_WARNING_SECONDS
from ktpe_desktop.sync import errors as E
from ktpe_desktop.sync.client import SyncClient, Timeouts, normalise_base_url
from tests.unit.sync.stubserver import Stub

NOW = "2024-11-20T03:00:00.000Z"


@pytest.fixture
def stub() -> Iterator[Stub]:
    s = Stub().start()
    yield s
    s.stop()


def _ok(payload: dict) -> tuple[int, dict[str, str], dict]:
    return 200, {"X-Server-Time": NOW}, {"server_time": NOW, **payload}


def test_constructor_does_no_io() -> None:
    # An address nobody listens on: constructing must not fail or block.
    c = SyncClient("https://127.0.0.1:9", token="t")
    assert c._session is None
    c.close()


def test_push_is_gzipped_with_bearer_and_accept_encoding(stub: Stub) -> None:
    stub.route("POST /api/v1/sync/events", _ok({"chains": [], "problems": [], "ledger": {}}))
    c = SyncClient(stub.url, token="sekret")
    reply = c.push({"v": 1, "chains": []})
    assert reply.statuses == {}
    seen = stub.seen[-1]
    assert seen.headers["Content-Encoding"] == "gzip"
    assert seen.headers["Authorization"] == "Bearer sekret"
    assert "gzip" in seen.headers["Accept-Encoding"]
    assert seen.body == {"v": 1, "chains": []}


def test_every_call_has_a_timeout(monkeypatch: pytest.MonkeyPatch, stub: Stub) -> None:
    stub.route("GET /api/v1/sync/receipt", _ok({}))
    stub.route("GET /api/v1/health", _ok({}))
    c = SyncClient(stub.url, token="t", timeouts=Timeouts(connect=1.5, read=7.0, probe=2.0))
    seen: list[object] = []
    real = c.session.request

    def spy(*a: object, **kw: object) -> object:
        seen.append(kw.get("timeout"))
        return real(*a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(c.session, "request", spy)
    c.receipt()
    c.health()
    assert seen == [(1.5, 7.0), (2.0, 2.0)]


def test_401_is_unauthorized(stub: Stub) -> None:
    stub.route(
        "GET /api/v1/sync/receipt",
        (401, {}, {"error": {"code": "unauthorized", "message": "revoked"}}),
    )
    with pytest.raises(E.Unauthorized) as info:
        SyncClient(stub.url, token="t").receipt()
    assert "daftar ulang" in info.value.message.lower()
    assert "re-enrol" in info.value.message_en.lower()
    assert not info.value.retryable


def test_5xx_is_server_error_and_4xx_protocol_error(stub: Stub) -> None:
    stub.route("GET /api/v1/sync/receipt", (503, {}, b"oops"))
    with pytest.raises(E.ServerError) as info:
        SyncClient(stub.url, token="t").receipt()
    assert info.value.status == 503 and info.value.retryable
    stub.route(
        "GET /api/v1/sync/receipt",
        (422, {}, {"error": {"code": "invalid_body", "message": "nope"}}),
    )
    with pytest.raises(E.ProtocolError) as pinfo:
        SyncClient(stub.url, token="t").receipt()
    assert pinfo.value.server_code == "invalid_body"


def test_429_is_rate_limited(stub: Stub) -> None:
    stub.route(
        "GET /api/v1/sync/receipt",
        (429, {"Retry-After": "3"}, {"error": {"code": "rate_limited", "message": ""}}),
    )
    with pytest.raises(E.RateLimited) as info:
        SyncClient(stub.url, token="t").receipt()
    assert info.value.retry_after == 3.0


def test_non_json_200_is_a_protocol_error(stub: Stub) -> None:
    stub.route("GET /api/v1/sync/receipt", (200, {}, b"<html>captive portal</html>"))
    with pytest.raises(E.ProtocolError):
        SyncClient(stub.url, token="t").receipt()


def test_refused_connection_is_server_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(E.ServerUnreachable) as info:
        SyncClient(f"http://127.0.0.1:{port}", token="t").receipt()
    assert "tidak dapat dihubungi" in info.value.message


def test_read_timeout_is_server_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)  # accepts (in the backlog) but never answers
        port = s.getsockname()[1]
        c = SyncClient(f"http://127.0.0.1:{port}", timeouts=Timeouts(connect=1, read=0.3))
        with pytest.raises(E.ServerUnreachable) as info:
            c.receipt()
    assert info.value.detail == "timeout"


@pytest.mark.parametrize("url", ["", "ftp://x", "server.local", "https://", "http://h:99999"])
def test_bad_addresses_are_explained(url: str) -> None:
    with pytest.raises(E.InvalidServerAddress):
        normalise_base_url(url)


def test_clock_skew_from_server_time(stub: Stub) -> None:
    stub.route("GET /api/v1/health", _ok({}))
    server = datetime(2024, 11, 20, 3, 0, tzinfo=UTC).timestamp()
    c = SyncClient(stub.url, clock=lambda: server + 600)
    c.health()
    assert c.clock_skew_s == pytest.approx(600, abs=0.01)
    assert abs(c.clock_skew_s) > CLOCK_SKEW_WARNING_SECONDS


def test_enrollment_refused(stub: Stub) -> None:
    stub.route(
        "POST /api/v1/enrollments",
        (403, {}, {"error": {"code": "code_used", "message": "already used"}}),
    )
    with pytest.raises(E.EnrollmentRefused) as info:
        SyncClient(stub.url).enroll("ABCD", "dev", "Laptop", "0.1")
    assert info.value.server_code == "code_used"
    assert "Authorization" not in stub.seen[-1].headers


@pytest.mark.parametrize(
    "server_code",
    [
        "enrollment_code_invalid",
        "enrollment_code_expired",
        "enrollment_code_used",
        "device_conflict",
        "replaced_device_unknown",
        "some_future_code",
    ],
)
def test_enrollment_refusal_in_the_users_words(server_code: str) -> None:
    # The server's messages are English, for developers: the Indonesian text is ours.
    error = E.EnrollmentRefused(server_code, "replaces.device_id is not another device")
    assert server_code in error.text("id")
    assert "replaces.device_id" not in error.text("id")
    assert "admin" in error.text("id") and "admin" in error.text("en")


# ----------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_stub(ca: trustme.CA, *names: str, **kw: object) -> Stub:
    cert = ca.issue_cert(*names, **kw)  # type: ignore[arg-type]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    s = Stub()
    s.route("GET /api/v1/health", _ok({}))
    return s.start(ctx)


def test_pinned_ca_works(ca: trustme.CA, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = _tls_stub(ca, "127.0.0.1")
    try:
        pem = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(pem))
        SyncClient(s.url, ca_file=str(pem)).health()
    finally:
        s.stop()


@pytest.mark.allow_warnings("TLS refused")
def test_untrusted_ca_is_refused(ca: trustme.CA) -> None:
    s = _tls_stub(ca, "127.0.0.1")
    try:
        with pytest.raises(E.CertificateError) as info:
            SyncClient(s.url).health()
        assert info.value.reason == E.CertificateError.UNTRUSTED
        assert s.seen == []
    finally:
        s.stop()


@pytest.mark.allow_warnings("TLS refused")
def test_wrong_host_is_refused(ca: trustme.CA, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = _tls_stub(ca, "ktpe.example.org")
    try:
        pem = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(pem))
        with pytest.raises(E.CertificateError) as info:
            SyncClient(s.url, ca_file=str(pem)).health()
        assert info.value.reason == E.CertificateError.WRONG_HOST
    finally:
        s.stop()


@pytest.mark.allow_warnings("TLS refused")
def test_expired_is_refused(ca: trustme.CA, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = _tls_stub(ca, "127.0.0.1", not_after=datetime(2020, 1, 1, tzinfo=UTC))
    try:
        pem = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(pem))
        with pytest.raises(E.CertificateError) as info:
            SyncClient(s.url, ca_file=str(pem)).health()
        assert info.value.reason == E.CertificateError.EXPIRED
        assert "kedaluwarsa" in info.value.message
    finally:
        s.stop()


def test_platform_certificate_codes_are_classified() -> None:
    """truststore raises Windows' and macOS' codes; Windows' text comes localised."""
    import ssl

    from ktpe_desktop.sync.client import classify_certificate_error
    from ktpe_desktop.sync.errors import CertificateError

    def err(code: int, text: str = "Rantai sertifikat diproses, tetapi ...") -> ssl.SSLError:
        e = ssl.SSLCertVerificationError(text)
        e.verify_code = code
        return e

    assert classify_certificate_error(err(0x800B0101)) == CertificateError.EXPIRED
    assert classify_certificate_error(err(0x800B010F)) == CertificateError.WRONG_HOST
    assert classify_certificate_error(err(0x800B0109)) == CertificateError.UNTRUSTED
    assert classify_certificate_error(err(-67818)) == CertificateError.EXPIRED
    assert classify_certificate_error(err(-67602)) == CertificateError.WRONG_HOST
    assert classify_certificate_error(err(-67843)) == CertificateError.UNTRUSTED
    assert classify_certificate_error(err(10, "certificate has expired")) == (
        CertificateError.EXPIRED
    )


def test_https_uses_the_system_store_unless_a_ca_is_pinned() -> None:
    from requests.adapters import HTTPAdapter

    from ktpe_desktop.sync.client import SyncClient, SystemTrustAdapter

    system = SyncClient("https://ktpe.example.go.id").session.get_adapter("https://x")
    assert isinstance(system, SystemTrustAdapter)
    pinned = SyncClient("https://ktpe.example.go.id", ca_file="/x/ca.pem").session
    adapter = pinned.get_adapter("https://x")
    assert type(adapter) is HTTPAdapter and pinned.verify == "/x/ca.pem"


def test_every_request_reports_the_app_version_and_reads_the_advice(stub: Stub) -> None:
    advice = {
        "X-Server-Time": NOW,
        "X-KTPE-Min-App-Version": "0.1.0",
        "X-KTPE-Latest-App-Version": "0.3.0",
        "X-KTPE-Download-URL": "https://ktpe.example/unduh",
    }
    stub.route("GET /api/v1/sync/receipt", (200, advice, {"server_time": NOW}))
    c = SyncClient(stub.url, token="t", app_version="0.2.0")
    c.receipt()
    assert stub.seen[-1].headers["X-KTPE-App-Version"] == "0.2.0"
    assert "ktpe-desktop/0.2.0" in stub.seen[-1].headers["User-Agent"]
    assert c.update_advice is not None
    assert c.update_advice.newer_available("0.2.0") == "0.3.0"
    assert c.update_advice.download_url == "https://ktpe.example/unduh"


def test_426_is_app_too_old_and_nothing_more_is_sent(stub: Stub) -> None:
    headers = {"X-Server-Time": NOW, "X-KTPE-Min-App-Version": "0.2.0"}
    body = {"error": {"code": "app_too_old", "message": "update"}, "server_time": NOW}
    stub.route("GET /api/v1/sync/receipt", (426, headers, body))
    c = SyncClient(stub.url, token="t", app_version="0.1.0")
    with pytest.raises(E.AppTooOld) as info:
        c.receipt()
    assert "0.2.0" in info.value.message and "terlalu lama" in info.value.message
    assert not info.value.retryable
    sent = len(stub.seen)
    with pytest.raises(E.AppTooOld):
        c.push({"v": 1, "chains": []})  # refused here: the server said so already
    assert len(stub.seen) == sent
