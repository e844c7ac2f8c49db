"""Campaign set-up: console form, command line, roster pull, and no enrolment without it."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.paperwork import (
    PatternError,
    check_ba_pattern,
    format_ba_number,
)
from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_server import admin
from ktpe_server import models as m
from ktpe_server.cli import main
from ktpe_server.office import campaign

from .conftest import World
from .helpers import Laptop
from .office_helpers import (
    admin_client,
    anon,
    office_app,
    pemantau_client,
    post_form,
)

__all__ = ["admin_client", "anon", "office_app", "pemantau_client"]

FORM = {
    "name": "Jemput Bola Pilkada 2024",
    "reference_date": "2024-11-27",
    "min_recording_age": "16",
    "voting_age": "17",
    "time_zone": "WITA",
    "retention_days": "21",
    "government_name": "PEMERINTAH KOTA MALANG",
    "office_name": "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
    "letterhead": "PEMERINTAH KOTA MALANG\r\nDINAS KEPENDUDUKAN DAN PENCATATAN SIPIL\r\nJl. Mayjend Sungkono",
    "office_address": "Perkantoran Terpadu Gedung A Lt. 2, Malang",
    "region_code": "35.73",
    "head_name": "Dra. Kepala Dinas, M.Si.",
    "head_nip": "196801011990031001",
    "ba_number_pattern": "470/BA-{no:03d}/{npsn}/{bulan_romawi}/{tahun}",
}


def test_campaign_form_saves_audits_and_reaches_the_roster_pull(
    admin_client: TestClient, world: World
) -> None:
    r = post_form(admin_client, "/office/campaign", "/office/campaign", FORM)
    assert r.status_code == 303 and r.headers["location"].endswith("done=campaign_saved")
    page = admin_client.get(r.headers["location"])
    assert "Pengaturan kampanye disimpan" in page.text
    assert 'value="Dra. Kepala Dinas, M.Si."' in page.text
    setup = campaign.load(world.engine)
    assert setup is not None and setup.id == "camp-1"  # the existing campaign, updated
    assert setup.time_zone == "WITA" and setup.retention_days == 21
    assert setup.letterhead == (
        "PEMERINTAH KOTA MALANG",
        "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
        "Jl. Mayjend Sungkono",
    )
    with Session(world.engine) as s:
        row = s.scalars(select(m.AuditLog).where(m.AuditLog.action == "campaign.set")).one()
    assert row.actor == "admin" and row.address == "testclient" and row.target == "camp-1"
    assert json.loads(row.detail)["changed"]["head_nip"] == "196801011990031001"

    lap = Laptop()
    from .helpers import enroll

    assert enroll(admin_client, world.code(), lap).status_code == 200
    pulled = admin_client.get(f"{API_PREFIX}/sync/roster", headers=lap.auth).json()
    c = pulled["campaign"]
    assert c["name"] == FORM["name"] and c["reference_date"] == "2024-11-27"
    assert c["letterhead_lines"][2] == "Jl. Mayjend Sungkono"
    assert c["head_of_office_name"] == "Dra. Kepala Dinas, M.Si."
    assert c["head_of_office_nip"] == "196801011990031001"
    assert c["time_zone"] == "WITA" and c["utc_offset_minutes"] == 480
    assert c["ba_number_pattern"] == FORM["ba_number_pattern"] and c["retention_days"] == 21
    assert all("principal_name" in sc for sc in pulled["schools"])
    # A later change reaches a laptop that already pulled everything.
    cursor = pulled["next_cursor"]
    while pulled["has_more"]:
        pulled = admin_client.get(
            f"{API_PREFIX}/sync/roster", params={"cursor": cursor}, headers=lap.auth
        ).json()
        cursor = pulled["next_cursor"]
    post_form(admin_client, "/office/campaign", "/office/campaign", {**FORM, "voting_age": "18"})
    again = admin_client.get(
        f"{API_PREFIX}/sync/roster", params={"cursor": cursor}, headers=lap.auth
    ).json()
    assert again["campaign"]["voting_age"] == 18 and again["students"] == []


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"reference_date": "27-11-2024"}, "reference_date", "tanggal tidak valid"),
        ({"voting_age": "abc"}, "voting_age", "isi dengan angka"),
        ({"min_recording_age": "18", "voting_age": "17"}, "min_recording_age", "tidak boleh"),
        ({"head_nip": "1234"}, "head_nip", "18 digit"),
        ({"time_zone": "UTC"}, "time_zone", "WIB, WITA atau WIT"),
        ({"ba_number_pattern": "{nomor}/{npsn}"}, "ba_number_pattern", "tidak dapat dipakai"),
        ({"ba_number_pattern": "BA/{npsn}"}, "ba_number_pattern", "{no}"),
        ({"name": ""}, "name", "wajib diisi"),
        ({"letterhead": "a\nb\nc\nd\ne\nf"}, "letterhead", "paling banyak 5"),
    ],
)
def test_campaign_form_explains_bad_input(
    admin_client: TestClient, world: World, change: dict[str, str], field: str, words: str
) -> None:
    before = campaign.load(world.engine)
    r = post_form(admin_client, "/office/campaign", "/office/campaign", {**FORM, **change})
    assert r.status_code == 422
    assert words in r.text
    assert f'name="{field}"' in r.text
    assert campaign.load(world.engine) == before  # nothing saved


def test_no_campaign_no_enrolment_code(engine: Engine) -> None:
    admin.create_team(engine, "tim-01")
    with pytest.raises(admin.AdminError) as err:
        admin.make_enroll_code(engine, "tim-01")
    assert err.value.code == "no_campaign"
    assert "Kampanye belum diatur" in err.value.message
    campaign.save(engine, {"name": "K", "reference_date": "2024-11-27"}, actor="t", address="t")
    assert len(admin.make_enroll_code(engine, "tim-01")) == 14


def test_cli_campaign_and_office_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", db, "campaign", "show"]) == 1
    assert "no campaign" in capsys.readouterr().err
    assert main(["--db", db, "team", "create", "tim-01"]) == 0
    assert main(["--db", db, "enroll-code", "--team", "tim-01"]) == 1
    assert "No campaign is set up" in capsys.readouterr().err
    assert main(["--db", db, "campaign", "set", "--name", "Kampanye"]) == 1
    assert "voting day is required" in capsys.readouterr().err
    args = [
        "--db", db, "campaign", "set", "--name", "Pilkada 2024", "--voting-day", "2024-11-27",
        "--time-zone", "WIT", "--letterhead", "PEMERINTAH KOTA MALANG",
        "--letterhead", "DISPENDUKCAPIL", "--head-name", "Kepala", "--head-nip",
        "196801011990031001",
    ]  # fmt: skip
    assert main(args) == 0
    capsys.readouterr()
    assert main(["--db", db, "campaign", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["time_zone"] == "WIT" and shown["letterhead"] == [
        "PEMERINTAH KOTA MALANG",
        "DISPENDUKCAPIL",
    ]
    assert main(["--db", db, "campaign", "set", "--retention-days", "0"]) == 1
    assert "between 1 and 3650" in capsys.readouterr().err
    assert main(["--db", db, "enroll-code", "--team", "tim-01"]) == 0
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-admin-1\n"))
    assert main(["--db", db, "office-user", "add", "kepala", "--role", "admin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    assert main(["--db", db, "office-user", "add", "budi", "--role", "pemantau"]) == 1
    assert "at least 10" in capsys.readouterr().err
    assert main(["--db", db, "office-user", "list"]) == 0
    assert "kepala" in capsys.readouterr().out
    assert main(["--db", db, "office-user", "disable", "kepala"]) == 0
    assert main(["--db", db, "office-user", "list"]) == 0
    assert "disabled" in capsys.readouterr().out
    eng = admin.engine_for(db)
    with Session(eng) as s:
        actions = [(a.action, a.address) for a in s.scalars(select(m.AuditLog))]
    assert ("campaign.set", "cli") in actions and ("office_user.add", "cli") in actions
    assert ("office_user.disable", "cli") in actions


def test_paperwork_conventions() -> None:
    day = date(2024, 11, 27)
    assert (
        format_ba_number(
            "474/BA-{no:02d}/{npsn}/{wilayah}/{bulan_romawi}/{tahun}",
            no=3,
            npsn="20533660",
            day=day,
            region="35.73",
        )
        == "474/BA-03/20533660/35.73/XI/2024"
    )
    for bad in ("{x}", "{no", "{npsn}", "{no:q}"):
        with pytest.raises(PatternError):
            check_ba_pattern(bad)


def test_demo_admin_is_shown_on_the_sign_in_page(tmp_path: Path) -> None:
    import requests

    from ktpe_server.embedded import start_embedded

    with start_embedded(tmp_path / "demo.db", seed_demo=True) as srv:
        page = requests.get(f"{srv.url}/office/login", timeout=10)
        assert page.status_code == 200
        assert "Mode demo" in page.text and "demo-admin-2024" in page.text
        with Session(admin.engine_for(srv.db_url)) as s:
            assert s.scalar(select(m.OfficeUser.role)) == "admin"
