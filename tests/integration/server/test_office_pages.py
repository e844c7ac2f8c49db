"""Office console pages end to end (TestClient): devices, teams, schedule, schools and
rosters, progress, anomalies, receipt check, exports and the recap PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

import segno
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_desktop.core.receipt import ReceiptCode
from ktpe_server import models as m
from ktpe_server.office.recap import recap_rows

from .conftest import SCHOOL_A, SCHOOL_B, World
from .helpers import Laptop, enroll, push
from .office_helpers import (
    admin_client,
    anon,
    csrf_of,
    office_app,
    pemantau_client,
    post_form,
)

__all__ = ["admin_client", "anon", "office_app", "pemantau_client"]

PAGES = [
    "/office/",
    "/office/campaign",
    "/office/devices",
    "/office/teams",
    "/office/schedule",
    "/office/schools",
    "/office/schools?filter=not_visited",
    f"/office/schools/{SCHOOL_A}",
    "/office/anomalies",
    "/office/anomalies?show=all",
    "/office/receipt",
    "/office/exports",
    "/office/users",
    "/office/audit",
]


def _two_laptops_record_the_same_student(client: TestClient, world: World) -> tuple[Laptop, Laptop]:
    a, b = Laptop(), Laptop()
    assert enroll(client, world.code(), a).status_code == 200
    assert enroll(client, world.code(), b).status_code == 200
    sid = world.students[SCHOOL_A][0]
    evs_a = [a.write("recorded", sid), a.write("recorded", world.students[SCHOOL_A][1])]
    evs_a.append(a.write("ikd_activated", world.students[SCHOOL_A][1]))
    assert push(client, a, evs_a).status_code == 200
    assert (
        push(
            client, b, [b.write("recorded", sid), b.write("absent", world.students[SCHOOL_A][2])]
        ).status_code
        == 200
    )
    return a, b


def test_every_page_renders_in_both_languages(admin_client: TestClient, world: World) -> None:
    _two_laptops_record_the_same_student(admin_client, world)
    for lang in ("id", "en"):
        admin_client.cookies.set("ktpe_lang", lang, path="/office")
        for page in PAGES:
            r = admin_client.get(page)
            assert r.status_code == 200, (page, r.text[:500])
            assert "<h1>" in r.text and "{{" not in r.text
            assert r.headers["cache-control"] == "no-store"
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_progress_counts_match_sql(admin_client: TestClient, world: World) -> None:
    _two_laptops_record_the_same_student(admin_client, world)
    page = admin_client.get("/office/").text
    # Targets 5+5+5; recorded two students of school A.
    tiles = dict(re.findall(r"<span>([^<]+)</span><b>(?:<a [^>]+>)?([\d.]+)", page))
    assert tiles["Sasaran"] == "15" and tiles["Terekam"] == "2" and tiles["Sisa"] == "13"
    assert tiles["Aktivasi IKD"] == "1" and tiles["Anomali"] == "1"
    assert "<svg" in page and "Terekam per hari" in page
    school = admin_client.get(f"/office/schools/{SCHOOL_A}").text
    assert "Hasil per jenis kelamin" in school
    # All students of the world are "L": 2 recorded, 1 absent.
    assert re.search(r"<td>Terekam</td><td class=\"n\">2</td><td class=\"n\">0</td>", school)
    assert re.search(r"<td>Tidak Hadir</td><td class=\"n\">1</td>", school)


def test_anomaly_resolved_with_a_note_and_audited(
    admin_client: TestClient, pemantau_client: TestClient, world: World
) -> None:
    _two_laptops_record_the_same_student(admin_client, world)
    page = admin_client.get("/office/anomalies").text
    assert "Terekam dua kali di laptop berbeda" in page
    anomaly_id = re.search(r'id="anomaly-(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = post_form(
        admin_client, "/office/anomalies", f"/office/anomalies/{anomaly_id}/resolve", {"note": ""}
    )
    assert "need_note" in r.headers["location"]
    r = post_form(
        admin_client,
        "/office/anomalies",
        f"/office/anomalies/{anomaly_id}/resolve",
        {"note": "dicek dengan SIAK: satu perekaman"},
    )
    assert r.status_code == 303
    assert "Tidak ada anomali di sini" in admin_client.get("/office/anomalies").text
    resolved = pemantau_client.get("/office/anomalies?show=resolved").text
    assert "dicek dengan SIAK: satu perekaman" in resolved and "Buka kembali" not in resolved
    with Session(world.engine) as s:
        row = s.scalars(select(m.AuditLog).where(m.AuditLog.action == "anomaly.resolve")).one()
    assert row.actor == "admin" and "dicek dengan SIAK" in row.detail
    r = post_form(
        admin_client,
        "/office/anomalies?show=resolved",
        f"/office/anomalies/{anomaly_id}/reopen",
        {},
    )
    assert r.status_code == 303
    assert "Tandai selesai" in admin_client.get("/office/anomalies").text


def test_devices_enrolment_code_qr_and_revoke(admin_client: TestClient, world: World) -> None:
    a, _b = _two_laptops_record_the_same_student(admin_client, world)
    r = post_form(
        admin_client,
        "/office/devices",
        "/office/devices/enrol",
        {"team": "tim-02", "ttl_hours": "2"},
    )
    assert r.status_code == 200
    code = re.search(r'id="enrol-code">([A-Z0-9-]{14})<', r.text).group(1)  # type: ignore[union-attr]
    # The QR code carries exactly the code's text (a USB scanner types it into the laptop).
    buf = io.BytesIO()
    segno.make(code, error="m", micro=False).save(
        buf,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=6,
        border=4,
        nl=False,
        svgclass="qrcode",
        title=code,
    )
    assert buf.getvalue().decode() in r.text
    lap = Laptop()
    assert enroll(admin_client, code, lap).status_code == 200
    page = admin_client.get("/office/devices").text
    assert "tim-02" in page and a.device_id[:8] in page
    confirm = admin_client.get(f"/office/devices/{a.device_id}/revoke")
    assert "Cabut perangkat?" in confirm.text
    token = csrf_of(confirm.text)
    r = admin_client.post(
        f"/office/devices/{a.device_id}/revoke", data={"csrf": token}, follow_redirects=False
    )
    assert r.headers["location"].endswith("/revoke")  # no confirmation: nothing revoked
    assert admin_client.get(f"{API_PREFIX}/sync/receipt", headers=a.auth).status_code == 200
    r = admin_client.post(
        f"/office/devices/{a.device_id}/revoke",
        data={"csrf": token, "confirm": a.device_id, "reason": "laptop hilang"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert admin_client.get(f"{API_PREFIX}/sync/receipt", headers=a.auth).status_code == 401
    with Session(world.engine) as s:
        actions = set(s.scalars(select(m.AuditLog.action)))
    assert {"device.revoke", "enrolment_code.issue"} <= actions


def test_teams_members_and_a_multi_day_visit(admin_client: TestClient, world: World) -> None:
    r = post_form(admin_client, "/office/teams", "/office/teams", {"name": "tim-07"})
    assert r.status_code == 303
    with Session(world.engine) as s:
        team_id = s.scalar(select(m.Team.id).where(m.Team.name == "tim-07"))
    r = post_form(
        admin_client,
        "/office/teams",
        f"/office/teams/{team_id}/members",
        {"name": "Sri Wahyuni", "nip": "19850101 201001 2 001", "role": "lead"},
    )
    assert r.status_code == 303
    r = post_form(
        admin_client,
        "/office/teams",
        f"/office/teams/{team_id}/members",
        {"name": "X", "nip": "123"},
    )
    assert r.status_code == 422 and "NIP harus 18 digit" in r.text
    r = post_form(
        admin_client,
        "/office/schedule",
        "/office/schedule",
        {"team": "tim-07", "school": SCHOOL_B, "first": "2024-11-21", "last": "2024-11-23"},
    )
    assert r.status_code == 303
    with Session(world.engine) as s:
        days = list(
            s.scalars(
                select(m.Assignment.date)
                .where(m.Assignment.team_id == team_id)
                .order_by(m.Assignment.date)
            )
        )
    assert days == [date(2024, 11, 21), date(2024, 11, 22), date(2024, 11, 23)]
    page = admin_client.get("/office/schedule").text
    assert re.search(r"21 November 2024 – .*23 November 2024", page)
    r = post_form(
        admin_client,
        "/office/schedule",
        "/office/schedule",
        {"team": "tim-07", "school": SCHOOL_B, "first": "2024-11-23", "last": "2024-11-21"},
    )
    assert r.status_code == 422 and "Hari terakhir" in r.text


def test_principal_and_roster_import_report(admin_client: TestClient, world: World) -> None:
    r = post_form(
        admin_client,
        f"/office/schools/{SCHOOL_A}",
        f"/office/schools/{SCHOOL_A}",
        {"principal_name": "Drs. Kepala Sekolah", "principal_nip": "12"},
    )
    assert r.status_code == 422 and "18 digit" in r.text
    r = post_form(
        admin_client,
        f"/office/schools/{SCHOOL_A}",
        f"/office/schools/{SCHOOL_A}",
        {"principal_name": "Drs. Kepala Sekolah", "principal_nip": ""},
    )
    assert r.status_code == 303
    lap = Laptop()
    assert enroll(admin_client, world.code(), lap).status_code == 200
    pulled = admin_client.get(f"{API_PREFIX}/sync/roster", headers=lap.auth).json()
    school = next(s for s in pulled["schools"] if s["npsn"] == SCHOOL_A)
    assert school["principal_name"] == "Drs. Kepala Sekolah" and school["principal_nip"] is None

    roster = (
        "No,Nama,NIPD,JK,NISN,Tempat Lahir,Tanggal Lahir,NIK,No KK,Rombel Saat Ini\n"
        "1,ANI LESTARI,1001,P,0071234567,Malang,2007-03-04,3573014403070001,3573010101010001,XII IPA 1\n"
        "2,BUDI,1002,L,123,Malang,2007-05-06,3573010605070002,3573010101010002,XII IPA 1\n"
    )
    token = csrf_of(admin_client.get(f"/office/schools/{SCHOOL_A}").text)
    r = admin_client.post(
        f"/office/schools/{SCHOOL_A}/roster",
        data={"csrf": token},
        files={"file": ("roster.csv", roster.encode(), "text/csv")},
    )
    assert r.status_code == 200, r.text[:400]
    assert 'id="import-report"' in r.text and "Diimpor" in r.text
    assert re.search(r"<td class=\"n\">3</td><td>[A-Z]*3?</td><td>NISN</td>", r.text), (
        "row 3's NISN error"
    )
    with Session(world.engine) as s:
        assert (
            s.scalar(select(m.Student.nik).where(m.Student.nisn == "0071234567"))
            == "3573014403070001"
        )
        assert s.scalar(select(func.count()).where(m.Student.name == "BUDI")) == 0


def test_receipt_check(admin_client: TestClient, world: World) -> None:
    a, _b = _two_laptops_record_the_same_student(admin_client, world)
    printed = {"recorded": 2, "absent": 1, "pending": 2, "ikd": 1}
    good = ReceiptCode(
        "474/BA-01/20533660/35.73/XI/2024", SCHOOL_A, a.device_id, a.seq, a.head, printed
    )
    page = admin_client.get("/office/receipt", params={"code": good.text()}).text
    assert "COCOK" in page and "TIDAK" not in page
    assert re.search(r"<td>recorded</td><td class=\"n\">2</td>", page)
    assert "474/BA-01/20533660/35.73/XI/2024" in page
    assert re.search(r"<td>Terekam</td><td class=\"n\">2</td><td class=\"n\">2</td>", page)
    bad = ReceiptCode("474/BA-01", SCHOOL_A, a.device_id, a.seq, "0" * 64, printed)
    assert "TIDAK COCOK" in admin_client.get("/office/receipt", params={"code": bad.text()}).text
    unsynced = ReceiptCode("474/BA-02", SCHOOL_A, a.device_id, 0, "", printed)
    assert (
        "BELUM TERSINKRON"
        in admin_client.get("/office/receipt", params={"code": unsynced.text()}).text
    )
    slip = good.text()[:-1] + ("0" if good.text()[-1] != "0" else "1")
    r = admin_client.get("/office/receipt", params={"code": slip})
    assert r.status_code == 422 and "salah ketik" in r.text
    r = admin_client.get("/office/receipt", params={"code": "bukan kode"})
    assert r.status_code == 422 and "bukan kode tanda terima" in r.text


def test_exports_csv_xlsx_and_recap_pdf(
    admin_client: TestClient, pemantau_client: TestClient, world: World
) -> None:
    _two_laptops_record_the_same_student(admin_client, world)
    with Session(world.engine) as s:
        s.execute(m.Student.__table__.update().values(nik="0573014403070001"))
        s.commit()
    r = post_form(
        admin_client,
        "/office/exports",
        "/office/exports/students",
        {"scope": "campaign", "format": "csv"},
    )
    assert r.status_code == 422 and "Centang" in r.text
    r = post_form(
        admin_client,
        "/office/exports",
        "/office/exports/students",
        {"scope": "campaign", "format": "csv", "accept": "1"},
    )
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["NPSN", "Sekolah", "Kelas", "NISN", "NIK", "Nama"]
    assert len(rows) == 1 + 15
    assert {row[4] for row in rows[1:]} == {"0573014403070001"}
    assert sum(1 for row in rows[1:] if row[9] == "Terekam") == 2
    r = post_form(
        admin_client,
        "/office/exports",
        "/office/exports/students",
        {"scope": "school", "school": SCHOOL_A, "format": "xlsx", "accept": "1"},
    )
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content), read_only=True).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][3] == "NISN" and len(values) == 1 + 5
    assert all(isinstance(v[4], str) and v[4] == "0573014403070001" for v in values[1:])
    assert values[1][3].startswith("00")  # NISN keeps its leading zeros
    r = post_form(
        pemantau_client,
        "/office/exports",
        "/office/exports/students",
        {"scope": "campaign", "format": "csv", "accept": "1"},
    )
    assert r.status_code == 403
    pdf = admin_client.get("/office/exports/recap.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "REKAPITULASI PEREKAMAN KTP-el PEMILIH PEMULA" in text
    with Session(world.engine) as s:
        recorded = s.scalar(select(func.count()).where(m.StudentState.status == "recorded"))
        expected = recap_rows(s)
    assert recorded == 2 and sum(r.done for r in expected) == 2
    line = next(x for x in text.splitlines() if x.startswith("JUMLAH"))
    numbers = [int(x) for x in re.findall(r"\d+", line.replace(".", ""))]
    # Target, then (L, P) for 5 outcomes, then IKD, total recorded, remaining.
    assert numbers[0] == 15 and numbers[1:3] == [2, 0] and numbers[-3:] == [1, 2, 13]
    with Session(world.engine) as s:
        actions = [a for a in s.scalars(select(m.AuditLog.action))]
    assert actions.count("export.students") == 2 and "print.recap" in actions


def test_devices_page_shows_what_laptops_report(admin_client: TestClient, world: World) -> None:
    from datetime import UTC, datetime, timedelta

    lap = Laptop()
    assert enroll(admin_client, world.code(), lap).status_code == 200
    ahead = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    headers = {
        "X-Ktpe-App-Version": "0.2.0",
        "X-Ktpe-Unsent": "17",
        "X-Ktpe-Quarantined": "2",
        "X-Ktpe-Client-Time": ahead,
    }
    r = admin_client.get(f"{API_PREFIX}/sync/receipt", headers={**lap.auth, **headers})
    assert r.status_code == 200
    with Session(world.engine) as s:
        dev = s.get(m.Device, lap.device_id)
        assert dev is not None
        assert (dev.app_version, dev.reported_unsent, dev.reported_quarantined) == ("0.2.0", 17, 2)
        assert dev.clock_skew_ms is not None and 290_000 < dev.clock_skew_ms < 310_000
    page = admin_client.get("/office/devices").text
    assert ("0.2.0" in page and ">17<" in page and "+300 s" in page) or "+299 s" in page
    # Nonsense is ignored, never stored.
    bad = {"X-Ktpe-Unsent": "-1", "X-Ktpe-App-Version": "x" * 100, "X-Ktpe-Client-Time": "kemarin"}
    assert (
        admin_client.get(f"{API_PREFIX}/sync/receipt", headers={**lap.auth, **bad}).status_code
        == 200
    )
    with Session(world.engine) as s:
        dev = s.get(m.Device, lap.device_id)
        assert dev is not None and dev.app_version == "0.2.0" and dev.reported_unsent == 17


def test_summary_is_exact_when_small_and_refreshes_in_background_when_large(
    world: World, monkeypatch: Any
) -> None:
    import time as _time

    from ktpe_server.office import summary as sm_mod

    summary = sm_mod.Summary(world.engine)
    first = summary.tallies()
    assert summary.tallies() is first  # counters unchanged: the same figures
    lap = Laptop()
    from fastapi.testclient import TestClient as _TC

    from ktpe_server.app import create_app

    app = create_app("unused://", engine=world.engine, migrate=False)
    with _TC(app) as c:
        assert enroll(c, world.code(), lap).status_code == 200
        assert push(c, lap, [lap.write("recorded", world.students[SCHOOL_A][0])]).status_code == 200
    second = summary.tallies()  # small: counted again at once
    assert second is not first and second.schools[SCHOOL_A].tally.recorded == 1
    monkeypatch.setattr(sm_mod, "INLINE_SCHOOLS", -1)  # as if a province: never inline
    with _TC(app) as c:
        assert push(c, lap, [lap.write("recorded", world.students[SCHOOL_A][1])]).status_code == 200
    stale = summary.tallies()
    assert stale is second  # the previous figures at once…
    deadline = _time.monotonic() + 30
    while summary.tallies().schools[SCHOOL_A].tally.recorded != 2:
        assert _time.monotonic() < deadline, "the background recount never came"
        _time.sleep(0.05)


def test_paginate() -> None:
    from starlette.requests import Request as _Req

    from ktpe_server.office.web import paginate

    def req(query: str) -> _Req:
        return _Req({"type": "http", "query_string": query.encode(), "headers": []})

    items = list(range(250))
    page = paginate(req("page=3"), items)
    assert page.items == list(range(200, 250)) and (page.number, page.pages, page.total) == (
        3,
        3,
        250,
    )
    assert paginate(req("page=99"), items).number == 3
    assert paginate(req("page=x"), items).number == 1


def test_no_personal_datum_in_the_server_log(
    admin_client: TestClient, world: World, caplog: Any
) -> None:
    """A console session that imports, records, resolves, exports: the log names nobody."""
    import logging

    caplog.set_level(logging.DEBUG)
    _two_laptops_record_the_same_student(admin_client, world)
    roster = (
        "No,Nama,NIPD,JK,NISN,Tempat Lahir,Tanggal Lahir,NIK,No KK,Rombel Saat Ini\n"
        "1,RAHASIA WIDYASTUTI,1001,P,0079998887,Malang,2007-03-04,3573014403079999,"
        "3573010101019999,XII IPA 1\n"
        "2,BUDI RAHASIA,1002,L,12,Malang,2007-05-06,3573010605078888,3573010101018888,X\n"
    )
    token = csrf_of(admin_client.get(f"/office/schools/{SCHOOL_A}").text)
    r = admin_client.post(
        f"/office/schools/{SCHOOL_A}/roster",
        data={"csrf": token},
        files={"file": ("roster.csv", roster.encode(), "text/csv")},
    )
    assert r.status_code == 200
    for page in ("/office/", "/office/anomalies", f"/office/schools/{SCHOOL_A}", "/office/devices"):
        assert admin_client.get(page).status_code == 200
    for fmt in ("csv", "xlsx"):
        r = post_form(
            admin_client, "/office/exports", "/office/exports/students",
            {"scope": "campaign", "format": fmt, "accept": "1"},
        )  # fmt: skip
        assert (r.status_code == 200 and b"RAHASIA WIDYASTUTI" in r.content) or fmt == "xlsx"
    assert admin_client.get("/office/exports/recap.pdf").status_code == 200
    with Session(world.engine) as s:
        secrets_ = [
            v
            for row in s.execute(select(m.Student.name, m.Student.nik, m.Student.nisn))
            for v in row
            if v
        ]
    assert "RAHASIA WIDYASTUTI" in secrets_ and len(secrets_) > 20
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "export" in logged and "roster import" in logged  # the log does say what happened
    leaked = [v for v in secrets_ if v in logged]
    assert not leaked, leaked
