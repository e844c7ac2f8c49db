"""The office console in a real browser (Chromium) against a real server and real laptops.

Covers sign-in, a wrong password, a CSRF refusal, a pemantau who cannot revoke, the
campaign set-up reaching a laptop through a sync, an enrolment by the QR code's text,
an anomaly resolved, an export downloaded, the recap PDF read back and compared with
SQL; and a screenshot of every page at 1366x768 and at phone width.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.storage import models as lm
from ktpe_server import admin
from ktpe_server import models as sm
from ktpe_server.embedded import EmbeddedServer
from ktpe_server.office import accounts
from ktpe_server.office.recap import recap_rows
from tests.reliability import harness as h

from .conftest import screenshot_dir

ADMIN_PW = "admin-rahasia-1"
PANTAU_PW = "pantau-rahasia-1"
TIMEOUT_MS = 60_000


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[EmbeddedServer]:
    srv = h.start_server(tmp_path, students=getattr(request, "param", 120))
    engine = admin.engine_for(srv.db_url)
    accounts.add_user(engine, "admin", ADMIN_PW, "admin", "Admin Kantor", actor="t", address="t")
    accounts.add_user(engine, "pantau", PANTAU_PW, "pemantau", "Pemantau", actor="t", address="t")
    try:
        yield srv
    finally:
        srv.stop()


def new_page(browser: Any, width: int = 1366, height: int = 768) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def sign_in(page: Any, base: str, user: str, password: str) -> None:
    page.goto(f"{base}/office/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office/")


def test_sign_in_wrong_password_csrf_and_pemantau(browser: Any, server: EmbeddedServer) -> None:
    base = server.url
    page = new_page(browser)
    page.goto(f"{base}/office/campaign")
    assert page.url.startswith(f"{base}/office/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "salah-sekali")
    page.click("button[type=submit]")
    assert "Nama pengguna atau kata sandi salah" in page.inner_text("p.error")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PW)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/office/campaign")  # back where it was going
    # A forged form (wrong CSRF token) is refused and changes nothing.
    page.eval_on_selector("form.grid input[name=csrf]", "el => el.value = 'palsu'")
    page.fill("input[name=name]", "Kampanye Palsu")
    page.click("form.grid button[type=submit]")
    assert "Formulir ditolak" in page.inner_text("h1")
    with Session(admin.engine_for(server.db_url)) as s:
        assert s.scalar(select(func.count()).where(sm.Campaign.name == "Kampanye Palsu")) == 0

    lap = h.new_laptop(Path(server.db_url.split("///", 1)[1]).parent, "lap-revoke")
    try:
        h.enrol(lap, server.url, server.db_url)
        pantau = new_page(browser)
        sign_in(pantau, base, "pantau", PANTAU_PW)
        pantau.goto(f"{base}/office/devices")
        assert pantau.locator("text=Cabut").count() == 0
        assert pantau.locator("form[action$='/devices/enrol']").count() == 0
        pantau.goto(f"{base}/office/devices/{lap.store.device_id}/revoke")
        assert "Tidak diizinkan" in pantau.inner_text("h1")
        # The admin can, after confirming.
        page.goto(f"{base}/office/devices")
        page.click("a:has-text('Cabut')")
        assert "Cabut perangkat?" in page.inner_text("h1")
        page.fill("input[name=reason]", "uji")
        page.click("button.danger")
        assert "Perangkat dicabut" in page.inner_text("p.done")
    finally:
        lap.close()


def test_campaign_set_up_reaches_a_laptop_and_qr_enrolment(
    browser: Any, server: EmbeddedServer, tmp_path: Path
) -> None:
    base = server.url
    page = new_page(browser)
    sign_in(page, base, "admin", ADMIN_PW)
    page.goto(f"{base}/office/campaign")
    page.fill("input[name=name]", "Jemput Bola Pilkada Kota Malang 2024")
    page.fill("input[name=reference_date]", "2024-11-27")
    page.fill("input[name=office_name]", "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KOTA MALANG")
    page.fill(
        "textarea[name=letterhead]",
        "PEMERINTAH KOTA MALANG\nDINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
    )
    page.fill("input[name=head_name]", "Dra. Kepala Dinas")
    page.fill("input[name=head_nip]", "196801011990031001")
    page.select_option("select[name=time_zone]", "WITA")
    page.fill("input[name=retention_days]", "21")
    page.click("form.grid button[type=submit]")
    assert "Pengaturan kampanye disimpan" in page.inner_text("p.done")

    page.goto(f"{base}/office/devices")
    page.select_option("select[name=team]", "tim-01")
    page.click("form[action$='/devices/enrol'] button")
    code = page.inner_text("#enrol-code").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    # The QR code on the page encodes exactly that text (what a scanner types).
    qr = page.inner_html("#enrol-qr")
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
    assert re.search(r'd="([^"]+)"', buf.getvalue().decode()).group(1) in qr  # type: ignore[union-attr]

    lap = h.new_laptop(tmp_path, "lap-qr")
    try:
        lap.service.enrol(server.url, code)
        lap.service.run_round()
        with lap.store.session() as s:
            camp = s.scalars(select(lm.Campaign)).one()
            assert camp.name == "Jemput Bola Pilkada Kota Malang 2024"
            assert camp.office_name == "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KOTA MALANG"
            assert camp.retention_days == 21 and camp.reference_date.isoformat() == "2024-11-27"
        # A later change arrives with the next sync.
        page.goto(f"{base}/office/campaign")
        page.fill("input[name=voting_age]", "18")
        page.click("form.grid button[type=submit]")
        lap.service.run_round()
        with lap.store.session() as s:
            assert s.scalars(select(lm.Campaign)).one().voting_age == 18
        page.goto(f"{base}/office/devices")
        assert lap.store.device_id[:8] in page.inner_text("table")
    finally:
        lap.close()


def test_anomaly_export_and_recap_pdf(browser: Any, server: EmbeddedServer, tmp_path: Path) -> None:
    base = server.url
    a, b = h.new_laptop(tmp_path, "lap-a"), h.new_laptop(tmp_path, "lap-b")
    try:
        for lap in (a, b):
            h.enrol(lap, server.url, server.db_url)
            lap.service.run_round()
        students = h.team_students(server.db_url)
        for lap in (a, b):
            lap.recording.record_outcome(students[0], "recorded", lap.operator)
        a.recording.record_outcome(students[1], "absent", a.operator)
        for lap in (a, b):
            lap.service.run_round()
    finally:
        a.close()
        b.close()
    page = new_page(browser)
    sign_in(page, base, "admin", ADMIN_PW)
    page.goto(f"{base}/office/anomalies")
    assert "Terekam dua kali di laptop berbeda" in page.inner_text("#anomalies")
    page.fill("#anomalies input[name=note]", "dicek: satu perekaman SIAK")
    page.click("#anomalies button:has-text('Tandai selesai')")
    assert "Anomali ditandai selesai" in page.inner_text("p.done")
    page.goto(f"{base}/office/anomalies?show=resolved")
    assert "dicek: satu perekaman SIAK" in page.inner_text("#anomalies")

    page.goto(f"{base}/office/exports")
    page.check("input[name=format][value=csv]")
    page.check("input[name=accept]")
    with page.expect_download() as info:
        page.click("form[action$='/exports/students'] button[type=submit]")
    download = info.value
    data = Path(download.path()).read_bytes()
    download.delete()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    engine = admin.engine_for(server.db_url)
    with Session(engine) as s:
        total = s.scalar(select(func.count()).where(sm.Student.deleted.is_(False)))
        recorded = s.scalar(select(func.count()).where(sm.StudentState.status == "recorded"))
    assert len(rows) - 1 == total and sum(r[9] == "Terekam" for r in rows[1:]) == recorded == 1
    assert all(len(r[4]) == 16 for r in rows[1:] if r[4])  # NIK whole, as text

    pdf = page.request.get(f"{base}/office/exports/recap.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    with Session(engine) as s:
        rows_sql = recap_rows(s)
        absent = s.scalar(select(func.count()).where(sm.StudentState.status == "absent"))
    line = next(x for x in text.splitlines() if x.startswith("JUMLAH"))
    numbers = [int(x) for x in re.findall(r"\d+", line.replace(".", ""))]
    assert numbers[0] == sum(r.target for r in rows_sql)
    absent_lp = numbers[9:11]
    assert sum(absent_lp) == absent == 1
    assert numbers[-2] == recorded and numbers[-1] == sum(r.remaining for r in rows_sql)


def test_file_fields_speak_the_console_language(
    browser: Any, server: EmbeddedServer, tmp_path: Path
) -> None:
    """The roster import's file field shows the console's words, not the browser's
    ("Choose File"), names the chosen file, and still sends it with the form."""
    base = server.url
    npsn = admin.demo_school_npsns(server.db_url, h.TEAM)[0]
    roster = tmp_path / "daftar-siswa.csv"
    roster.write_text(
        "No,Nama,NIPD,JK,NISN,Tempat Lahir,Tanggal Lahir,NIK,No KK,Rombel Saat Ini\n"
        "1,ANI LESTARI,1001,P,0071234567,Malang,2007-03-04,3573014403070001,"
        "3573010101010001,XII IPA 1\n",
        encoding="utf-8",
    )
    page = new_page(browser)
    sign_in(page, base, "admin", ADMIN_PW)
    page.goto(f"{base}/office/schools/{npsn}")
    pick = page.locator(".file-pick")
    assert pick.locator(".file-button").inner_text() == "Pilih berkas…"
    assert pick.locator(".file-name").inner_text() == "Belum ada berkas dipilih"
    assert pick.locator("input[type=file]").bounding_box()["width"] <= 1  # native one hidden
    pick.locator("input[type=file]").set_input_files(str(roster))
    assert pick.locator(".file-name").inner_text() == "daftar-siswa.csv"
    pick.locator("input[type=file]").set_input_files([])
    assert pick.locator(".file-name").inner_text() == "Belum ada berkas dipilih"
    pick.locator("input[type=file]").set_input_files(str(roster))
    page.click("form[action$='/roster'] button[type=submit]")
    assert "Diimpor" in page.inner_text("p[role=status]")
    page.goto(f"{base}/office/lang/en")
    page.goto(f"{base}/office/schools")
    assert page.locator(".file-pick .file-button").inner_text() == "Choose a file…"
    assert page.locator(".file-pick .file-name").inner_text() == "No file chosen yet"


PAGES = [
    ("login", "/office/login"),
    ("ringkasan", "/office/"),
    ("kampanye", "/office/campaign"),
    ("perangkat", "/office/devices"),
    ("tim", "/office/teams"),
    ("jadwal", "/office/schedule"),
    ("sekolah", "/office/schools"),
    ("sekolah-detail", "/office/schools/{npsn}"),
    ("anomali", "/office/anomalies"),
    ("tanda-terima", "/office/receipt"),
    ("ekspor", "/office/exports"),
    ("pengguna", "/office/users"),
    ("audit", "/office/audit"),
]


def shoot(page: Any, path: Path, width: int) -> None:
    """The page from the top, at most 1,600 px (long lists are cut: the docs stay small)."""
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), 1600)
    page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
    )


@pytest.mark.screenshots
@pytest.mark.parametrize("server", [1500], indirect=True)
def test_screenshots_of_every_page(browser: Any, server: EmbeddedServer, tmp_path: Path) -> None:
    """Every page at 1366x768 and 390x844; nothing overflows the page horizontally."""
    from ktpe_server.office import campaign

    engine = admin.engine_for(server.db_url)
    campaign.save(
        engine,
        {
            "name": "Jemput Bola Pilkada Kota Malang 2024",
            "reference_date": "2024-11-27",
            "letterhead": ["PEMERINTAH KOTA MALANG", "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL"],
            "head_name": "Dra. Kepala Dinas",
        },
        actor="t",
        address="t",
    )
    lap = h.new_laptop(tmp_path, "lap-shot")
    try:
        h.enrol(lap, server.url, server.db_url)
        lap.service.run_round()
        students = h.team_students(server.db_url)
        for sid in students[:40]:
            lap.recording.record_outcome(sid, "recorded", lap.operator)
        for sid in students[40:45]:
            lap.recording.record_outcome(sid, "absent", lap.operator)
        lap.service.run_round()
    finally:
        lap.close()
    npsn = h.admin.demo_school_npsns(server.db_url, h.TEAM)[0]
    out = screenshot_dir(tmp_path)
    for suffix, width, height in (("", 1366, 768), ("-ponsel", 390, 844)):
        page = new_page(browser, width, height)
        page.goto(f"{server.url}/office/login")
        shoot(page, out / f"office-login{suffix}.png", width)
        sign_in(page, server.url, "admin", ADMIN_PW)
        for name, path in PAGES[1:]:
            page.goto(server.url + path.format(npsn=npsn))
            assert page.locator("h1").count() >= 1, path
            shoot(page, out / f"office-{name}{suffix}.png", width)
            if not suffix:
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (path, overflow)
        page.context.close()
    assert len(list(out.glob("office-*.png"))) == 2 * len(PAGES)
