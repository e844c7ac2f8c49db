"""TLS in front of the real server (certificates from trustme).

Wrong host, untrusted CA and an expired certificate are refused with the right
explanation, nothing reaches the server and the outbox is intact; a pinned CA
file works, for enrolment and for syncing.
"""

from __future__ import annotations

import random
import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme

from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.errors import CertificateError
from tests.reliability import harness as h
from tests.reliability.faultproxy import FaultProxy

pytestmark = [pytest.mark.timeout(120), pytest.mark.allow_warnings("TLS refused")]


def _tls_proxy(port: int, ca: trustme.CA, *names: str, **kw: object) -> FaultProxy:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names, **kw).configure_cert(ctx)  # type: ignore[arg-type]
    return FaultProxy("127.0.0.1", port, ssl_context=ctx).start()


def _point(lap: h.Laptop, url: str, ca_file: str | None) -> None:
    with lap.store.transaction() as s:
        keys.put(s, keys.SERVER_URL, url)
        keys.put(s, keys.CA_FILE, ca_file)
    lap.service.engine.invalidate_client()


def test_tls_refusals_send_nothing_and_pinned_ca_works(tmp_path: Path) -> None:
    ca = trustme.CA()
    pem = tmp_path / "kantor-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    with h.world(tmp_path, students=300) as (server, db):
        good = _tls_proxy(server.port, ca, "127.0.0.1")
        wrong_host = _tls_proxy(server.port, ca, "ktpe.malangkota.go.id")
        expired = _tls_proxy(
            server.port, ca, "127.0.0.1", not_after=datetime(2021, 1, 1, tzinfo=UTC)
        )
        proxies = (good, wrong_host, expired)
        lap = h.new_laptop(tmp_path, "lap")
        try:
            # Enrolment: refused without the CA (nothing stored), fine with it pinned.
            code = h.admin.make_enroll_code(db, h.TEAM)
            with pytest.raises(CertificateError) as info:
                lap.service.enrol(good.url, code)
            assert info.value.reason == CertificateError.UNTRUSTED
            assert lap.service.enrolment() is None
            enr = lap.service.enrol(good.url, code, str(pem))
            assert enr.ca_file and Path(enr.ca_file).parent == lap.data_dir  # copied in
            assert lap.service.run_round().error is None  # the roster, over TLS
            h.record_random(lap, 25, random.Random(4), h.local_students(lap))

            cases = [
                (good.url, None, CertificateError.UNTRUSTED),
                (wrong_host.url, enr.ca_file, CertificateError.WRONG_HOST),
                (expired.url, enr.ca_file, CertificateError.EXPIRED),
            ]
            for url, ca_file, reason in cases:
                _point(lap, url, ca_file)
                summary = lap.service.run_round()
                assert summary.error_code == "certificate_error", (reason, summary.error)
                assert summary.error and "Tidak ada data yang dikirim" in summary.error
                assert h.server_events(db) == []  # nothing sent
                counts = lap.service.counts()
                assert (counts.pending, counts.in_flight, counts.acked) == (25, 0, 0)
            # The same refusal reason is what the user reads.
            _point(lap, expired.url, enr.ca_file)
            with pytest.raises(CertificateError) as exp:
                lap.service.probe()
            assert exp.value.reason == CertificateError.EXPIRED
            assert "kedaluwarsa" in exp.value.message

            _point(lap, good.url, enr.ca_file)
            summary = lap.service.run_round()
            assert summary.error is None and summary.all_acknowledged
            h.assert_exactly_once(db, [lap])
        finally:
            lap.close()
            for p in proxies:
                p.stop()


def test_office_ca_in_the_system_store_is_trusted_and_a_pinned_ca_stands_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a pinned CA the laptop trusts the system's store (truststore), not certifi.

    On Linux truststore reads OpenSSL's default paths, which ``SSL_CERT_FILE``
    points at: the office CA "installed in the system" here. A pinned CA file is
    then the only anchor: the system's office CA no longer counts.
    """
    office = trustme.CA()
    office_pem = tmp_path / "office-ca.pem"
    office.cert_pem.write_to_path(str(office_pem))
    other_pem = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(office_pem))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with h.world(tmp_path, students=300) as (server, db):
        proxy = _tls_proxy(server.port, office, "127.0.0.1")
        lap = h.new_laptop(tmp_path, "lap")
        try:
            enr = lap.service.enrol(proxy.url, h.admin.make_enroll_code(db, h.TEAM))
            assert enr.ca_file is None  # nothing pinned: the system store vouched
            assert lap.service.run_round().error is None  # the roster, over TLS
            h.record_random(lap, 5, random.Random(7), h.local_students(lap))
            summary = lap.service.run_round()
            assert summary.error is None and summary.all_acknowledged

            _point(lap, proxy.url, str(other_pem))  # pinned to another CA
            summary = lap.service.run_round()
            assert summary.error_code == "certificate_error"
        finally:
            lap.close()
            proxy.stop()
