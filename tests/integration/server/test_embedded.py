"""The embedded server over real HTTP (uvicorn on a thread), and the CLI."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from ktpe_desktop.core.protocol import API_PREFIX, PushReply
from ktpe_server import admin
from ktpe_server.cli import main
from ktpe_server.embedded import start_embedded
from tests import timing

from .helpers import Laptop, push_body


def test_embedded_demo_server_round_trip(tmp_path: Path) -> None:
    srv = start_embedded(tmp_path / "demo.db", seed_demo=True)
    try:
        assert srv.port > 0 and srv.url.endswith(str(srv.port))
        with httpx.Client(base_url=srv.url, timeout=timing.seconds(10)) as http:
            assert http.get(f"{API_PREFIX}/health").json()["status"] == "ok"
            code = admin.make_enroll_code(srv.db_url, "tim-01")
            # The demo campaign's voting day moves with today (it is always ahead), so
            # events dated at the helpers' fixed 2024 T0 would be before the campaign.
            lap = Laptop(clock_ms=int((time.time() - 3600) * 1000))
            r = http.post(
                f"{API_PREFIX}/enrollments",
                json={
                    "code": code,
                    "device_id": lap.device_id,
                    "device_name": "Laptop 1",
                    "public_key": lap.public_key,
                },
            )
            assert r.status_code == 200
            lap.token = r.json()["token"]
            roster = http.get(
                f"{API_PREFIX}/sync/roster", params={"limit": 2000}, headers=lap.auth
            ).json()
            assert roster["team"]["name"] == "tim-01" and len(roster["schools"]) == 5
            students = [s["id"] for s in roster["students"]]
            evs = [lap.write("recorded", sid) for sid in students[:50]]
            data, headers = push_body(evs)
            r = http.post(
                f"{API_PREFIX}/sync/events", content=data, headers={**headers, **lap.auth}
            )
            reply = PushReply.from_json(r.json())
            assert all(s.acknowledged for s in reply.statuses.values())
            assert reply.ledger[lap.device_id].contiguous_seq == 50
        progress = {p.npsn: p for p in admin.progress(srv.db_url)}
        assert sum(p.recorded for p in progress.values()) == 50
    finally:
        srv.stop()
    assert not srv.running


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    schools = Path(__file__).parents[3] / "ktpe_desktop/core/data/sma_smk_kota_malang_2019.csv"
    assert main(["--db", db, "db", "upgrade"]) == 0
    assert main(["import-schools", str(schools), "--db", db]) == 0
    assert main(["--db", db, "team", "create", "tim-01"]) == 0
    assert main(["--db", db, "team", "create", "tim-01"]) == 1
    assert (
        main(
            [
                "--db",
                db,
                "operator",
                "add",
                "--team",
                "tim-01",
                "--name",
                "Budi",
                "--nip",
                "198501012010011001",
                "--role",
                "lead",
            ]
        )
        == 0
    )
    assert (
        main(["--db", db, "operator", "add", "--team", "tim-01", "--name", "X", "--nip", "12"]) == 1
    )
    assert (
        main(
            [
                "--db",
                db,
                "assign",
                "--team",
                "tim-01",
                "--school",
                "20533660",
                "--date",
                "2024-11-20",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--db",
                db,
                "assign",
                "--team",
                "tim-01",
                "--school",
                "99999999",
                "--date",
                "2024-11-20",
            ]
        )
        == 1
    )
    capsys.readouterr()
    assert main(["--db", db, "enroll-code", "--team", "tim-01", "--ttl-hours", "2"]) == 1
    assert "campaign set" in capsys.readouterr().err  # no campaign: no code
    assert main(["--db", db, "campaign", "set", "--name", "K", "--voting-day", "2024-11-27"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "enroll-code", "--team", "tim-01", "--ttl-hours", "2"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(code) == 14 and code.count("-") == 2
    assert main(["--db", db, "team", "list"]) == 0
    assert "20533660" in capsys.readouterr().out
    assert main(["--db", db, "report", "progress", "--format", "csv"]) == 0
    assert main(["--db", db, "device", "list"]) == 0
    assert main(["--db", db, "device", "revoke", str(uuid.uuid4())]) == 1
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "No,Nama,NIPD,JK,NISN,Tempat Lahir,Tanggal Lahir,NIK,No KK,Rombel Saat Ini,"
        "Nama Ibu Kandung\n"
        "1,ANDI PRATAMA,12345,L,0061234567,MALANG,2006-05-01,3573010105060001,"
        "3573011511220063,XII IPA 1,SITI\n",
        encoding="utf-8",
    )
    for _ in range(2):  # idempotent: matched by NISN the second time
        assert main(["--db", db, "import-roster", str(roster), "--school", "20533660"]) == 0
    assert admin.progress(db)[0].target == 1
    assert main(["--db", db, "import-roster", str(tmp_path / "no.csv"), "--school", "1"]) == 1
    capsys.readouterr()
    assert main(["--db", db, "seed-demo", "--today", "2024-11-20", "--students", "300"]) == 0
    assert main(["--db", db, "report", "progress", "--format", "json"]) == 0
    assert '"remaining"' in capsys.readouterr().out
