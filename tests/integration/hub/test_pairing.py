"""Joining a school hub: the right code admits a teammate; everything else is refused."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ktpe_desktop.hub import pairing
from ktpe_desktop.hub.errors import (
    HubCertificateChanged,
    HubKeyMismatch,
    HubNotAuthentic,
    HubUnreachable,
    InvalidPairingCode,
    OtherTeam,
    PairingCodeWrong,
)
from ktpe_desktop.hub.link import HubClient, join_hub, load_link, peer_fingerprint
from ktpe_desktop.hub.server import HubServer
from ktpe_desktop.sync.errors import ProtocolError
from tests.integration.hub.conftest import CAMPAIGN, STUDENTS, Laptop, loopback_hub, make_laptop


def _addr(hub: HubServer) -> str:
    return f"127.0.0.1:{hub.port}"


def test_teammate_joins_with_the_code(hub: HubServer, team_laptops: list[Laptop]) -> None:
    cfg = join_hub(team_laptops[1].store, _addr(hub), hub.code.lower(), station_name="Lab 2")
    assert cfg.station_no == 2
    assert cfg.fingerprint == hub.fingerprint
    assert load_link(team_laptops[1].store) == cfg
    assert {st.station_no for st in hub.stations()} == {1, 2}


def test_code_typos_are_read_as_meant() -> None:
    assert pairing.normalize_code("k7qm-2xpd") == "K7QM2XPD"
    assert pairing.normalize_code("K7QM 2XPO") == "K7QM2XP0"
    assert pairing.normalize_code("K7QM-2XP") is None
    assert pairing.normalize_code("K7QM-2XP!") is None


def test_malformed_code_refused_before_any_connection(
    hub: HubServer, team_laptops: list[Laptop]
) -> None:
    with pytest.raises(InvalidPairingCode) as err:
        join_hub(team_laptops[1].store, _addr(hub), "12345")
    assert "8 huruf" in err.value.message


@pytest.mark.allow_warnings("failed to prove the pairing code")
def test_wrong_code_refused_and_nothing_sent(hub: HubServer, team_laptops: list[Laptop]) -> None:
    wrong = "ZZZZZZZZ" if pairing.normalize_code(hub.code) != "ZZZZZZZZ" else "YYYYYYYY"
    with pytest.raises(HubNotAuthentic) as err:
        join_hub(team_laptops[1].store, _addr(hub), wrong)
    assert "Kode pasangan" in err.value.message
    assert load_link(team_laptops[1].store) is None
    assert {st.station_no for st in hub.stations()} == {1}


@pytest.mark.allow_warnings("pairing code retired")
def test_machine_with_wrong_code_refused_by_the_hub(hub: HubServer) -> None:
    """A machine that skips the hub's proof and sends a proof made from a wrong code."""
    fp = peer_fingerprint("127.0.0.1", hub.port)
    client = HubClient(f"https://127.0.0.1:{hub.port}", fp)
    try:
        for attempt in range(pairing.MAX_WRONG_ATTEMPTS):
            ch = client.challenge(pairing.new_nonce())
            body = {
                "hub_nonce": ch["hub_nonce"],
                "proof": pairing.station_proof(
                    "ZZZZ0000", fp, ch["hub_nonce"], "intruder", "tim-01", CAMPAIGN
                ),
                "device_id": "intruder",
                "team": "tim-01",
                "campaign_id": CAMPAIGN,
            }
            with pytest.raises(ProtocolError) as err:
                client.join(body)
            last = attempt == pairing.MAX_WRONG_ATTEMPTS - 1
            assert err.value.status == 403
            assert err.value.server_code == (
                "pairing_code_retired" if last else "pairing_code_wrong"
            )
    finally:
        client.close()
    assert {st.device_id for st in hub.stations()} == {hub.store.device_id}
    # The station-side words for it:
    assert "Kode pasangan salah" in PairingCodeWrong().message


def test_other_team_refused(hub: HubServer, tmp_path: Path) -> None:
    stranger = make_laptop(tmp_path / "other", "tim-07", STUDENTS[:2])
    try:
        with pytest.raises(OtherTeam) as err:
            join_hub(stranger.store, _addr(hub), hub.code)
        # Both teams by their names, not their ids.
        assert "tim lain (Tim 1 Lowokwaru)" in err.value.message
        assert "terdaftar di Tim 7 Klojen" in err.value.message
        assert "Tim 7 Klojen" in err.value.message_en
        assert load_link(stranger.store) is None
    finally:
        stranger.store.close()
    assert len(hub.stations()) == 1


@pytest.mark.allow_warnings("another team")
def test_other_team_refused_by_the_hub_even_if_it_lies_to_the_station(hub: HubServer) -> None:
    fp = peer_fingerprint("127.0.0.1", hub.port)
    code = pairing.normalize_code(hub.code)
    assert code is not None
    client = HubClient(f"https://127.0.0.1:{hub.port}", fp)
    try:
        ch = client.challenge(pairing.new_nonce())
        body = {
            "hub_nonce": ch["hub_nonce"],
            "proof": pairing.station_proof(code, fp, ch["hub_nonce"], "dev-x", "tim-07", CAMPAIGN),
            "device_id": "dev-x",
            "team": "tim-07",
            "campaign_id": CAMPAIGN,
        }
        with pytest.raises(ProtocolError) as err:
            client.join(body)
        assert err.value.server_code == "other_team"
    finally:
        client.close()


@pytest.mark.allow_warnings("failed to prove the pairing code")
def test_fake_hub_with_another_certificate_refused(
    hub: HubServer, team_laptops: list[Laptop], tmp_path: Path
) -> None:
    """Another machine on the Wi-Fi runs a hub of its own; the station types the real code."""
    impostor_laptop = make_laptop(tmp_path / "impostor", "tim-01", STUDENTS[:1])
    impostor = loopback_hub(impostor_laptop.store)
    try:
        assert impostor.fingerprint != hub.fingerprint
        with pytest.raises(HubNotAuthentic) as err:
            join_hub(team_laptops[1].store, f"127.0.0.1:{impostor.port}", hub.code)
        assert "BUKAN hub tim Anda" in err.value.message
        assert load_link(team_laptops[1].store) is None
        assert len(impostor.stations()) == 1
    finally:
        impostor.stop()
        impostor_laptop.store.close()


@pytest.mark.allow_warnings("TLS refused")
def test_paired_station_refuses_a_hub_whose_certificate_changed(
    hub: HubServer, team_laptops: list[Laptop], tmp_path: Path
) -> None:
    station = team_laptops[1]
    join_hub(station.store, _addr(hub), hub.code)
    port = hub.port
    hub.stop()
    impostor_laptop = make_laptop(tmp_path / "impostor", "tim-01", STUDENTS[:1])
    impostor = loopback_hub(impostor_laptop.store, port=port)
    try:
        station.record(STUDENTS[0])
        with pytest.raises(HubCertificateChanged) as err:
            station.link.run_round()
        assert "Sertifikat hub berubah" in err.value.message
        assert impostor.held_events() == 0
    finally:
        impostor.stop()
        impostor_laptop.store.close()


def test_port_closed_when_hub_mode_is_off(hub: HubServer, team_laptops: list[Laptop]) -> None:
    port = hub.port
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    hub.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(HubUnreachable):
        join_hub(team_laptops[1].store, f"127.0.0.1:{port}", "K7QM2XPD")


@pytest.mark.allow_warnings("another key for a device")
def test_hub_binds_the_station_key_and_refuses_another(
    hub: HubServer, team_laptops: list[Laptop]
) -> None:
    """Pairing binds the laptop's signing key (as enrolment does at the office); the
    same device id with another key cannot pair again."""
    from sqlalchemy.orm import Session

    from ktpe_desktop.storage import ledger
    from ktpe_desktop.storage import models as lm
    from ktpe_server import models as sm

    store = team_laptops[1].store
    join_hub(store, _addr(hub), hub.code)
    with store.transaction() as s:
        own = ledger.public_key(s, store.device_id)
    assert hub.engine is not None
    with Session(hub.engine) as s:
        dev = s.get(sm.Device, store.device_id)
        assert dev is not None and dev.public_key == own
    with store.transaction() as s:
        s.query(lm.DeviceKey).delete()  # a made-up laptop claiming that device id
    with pytest.raises(HubKeyMismatch) as err:
        join_hub(store, _addr(hub), hub.code)
    assert "kunci tanda tangan" in err.value.message


def test_hub_does_not_serve_the_office_console(hub: HubServer) -> None:
    """The hub speaks the sync protocol to its team; the office console (sign-in of the
    office's staff, exports of the whole campaign) is never served from a laptop, even
    when the laptop runs from source where the console's package is importable."""
    import http.client
    import ssl

    def status(path: str) -> int:
        # The hub's certificate is its own (pinned by fingerprint at pairing): this probe
        # only asks whether the path exists, so it does not verify it.
        conn = http.client.HTTPSConnection(
            "127.0.0.1", hub.port, timeout=10, context=ssl._create_unverified_context()
        )
        try:
            conn.request("GET", path)
            return conn.getresponse().status
        finally:
            conn.close()

    assert status("/api/v1/health") == 200
    for path in (
        "/office/",
        "/office/login",
        "/office/static/office.css",
        "/office/static/office.js",
    ):
        assert status(path) == 404, path
