"""Office console: sign-in, sessions, CSRF, roles, and that nothing opens without them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ktpe_server import models as m
from ktpe_server.office import accounts
from ktpe_server.office.passwords import delay_after, hash_password, verify_password

from .conftest import SCHOOL_A, World
from .helpers import Laptop
from .office_helpers import (
    ADMIN_PASSWORD,
    PEMANTAU_PASSWORD,
    admin_client,
    anon,
    csrf_of,
    office_app,
    pemantau_client,
    post_form,
    sign_in,
)

__all__ = ["admin_client", "anon", "office_app", "pemantau_client"]

OPEN_PATHS = {"/office/login", "/office/lang/{code}"}
ADMIN_ONLY_GET = {
    "/office/users",
    "/office/audit",
    "/office/devices/{device_id}/revoke",
    "/office/schedule/remove",
}
ANY_STAFF_POST = {"/office/logout"}
FILL = {
    "username": "admin",
    "npsn": SCHOOL_A,
    "device_id": "00000000-0000-4000-8000-000000000000",
    "team_id": "1",
    "member_id": "1",
    "visit_id": "1",
    "anomaly_id": "1",
    "loss_id": "1",
    "code": "id",
}


def office_routes(app: Any) -> list[tuple[str, str]]:
    out = []
    routes = []
    for route in app.routes:
        if hasattr(route, "original_router"):  # FastAPI >= 0.16x includes routers lazily
            prefix = route.include_context.prefix
            routes.extend((r, prefix) for r in route.original_router.routes)
        else:
            routes.append((route, ""))
    for route, prefix in routes:
        path = prefix + getattr(route, "path", "")
        if not path.startswith("/office") or path.startswith("/office/static"):
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method in ("GET", "POST"):
                out.append((method, path))
    assert len(out) > 5
    return out


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda mt: FILL[mt.group(1)], path)


def test_every_page_and_form_refuses_anonymous_and_device_tokens(
    anon: TestClient, office_app: Any, world: World
) -> None:
    lap = Laptop()
    from .helpers import enroll

    assert enroll(anon, world.code(), lap).status_code == 200
    for method, path in office_routes(office_app):
        if path in OPEN_PATHS:
            continue
        for headers in ({}, lap.auth):
            url = concrete(path)
            if method == "GET":
                r = anon.get(url, headers=headers, follow_redirects=False)
                assert r.status_code == 303, (path, r.status_code)
                assert r.headers["location"].startswith("/office/login"), path
            else:
                r = anon.post(url, headers=headers, data={"csrf": "x"}, follow_redirects=False)
                assert r.status_code in (401, 403), (path, r.status_code)


def test_pemantau_views_but_changes_nothing(pemantau_client: TestClient, office_app: Any) -> None:
    token = csrf_of(pemantau_client.get("/office/").text)
    for method, path in office_routes(office_app):
        if path in OPEN_PATHS:
            continue
        url = concrete(path)
        if method == "GET":
            r = pemantau_client.get(url, follow_redirects=False)
            if path in ADMIN_ONLY_GET:
                assert r.status_code == 403, path
            else:
                assert r.status_code in (200, 404), (path, r.status_code)
        elif path not in ANY_STAFF_POST:
            r = pemantau_client.post(url, data={"csrf": token}, follow_redirects=False)
            assert r.status_code == 403, (path, r.status_code)
            assert "hanya untuk admin" in r.text


def test_sign_in_wrong_password_delay_and_sign_out(anon: TestClient, world: World) -> None:
    page = anon.get("/office/login")
    assert page.status_code == 200 and "Masuk ke Konsol Kantor" in page.text
    assert "ktpe_office_login" in page.headers["set-cookie"]
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    token = csrf_of(page.text)
    for attempt in range(1, 4):
        r = anon.post(
            "/office/login", data={"csrf": token, "username": "admin", "password": "salah-salah"}
        )
        assert r.status_code == 401
        if attempt < 3:
            assert "Nama pengguna atau kata sandi salah" in r.text
        else:
            assert "Coba lagi dalam" in r.text
        token = csrf_of(r.text)
    # Locked: even the right password waits now.
    r = anon.post(
        "/office/login", data={"csrf": token, "username": "admin", "password": ADMIN_PASSWORD}
    )
    assert r.status_code == 401 and "Coba lagi dalam" in r.text
    with Session(world.engine) as s:
        user = s.scalars(select(m.OfficeUser).where(m.OfficeUser.username == "admin")).one()
        assert user.failed_logins == 3 and user.locked_until is not None
        user.locked_until = None
        s.commit()
    sign_in(anon, "admin", ADMIN_PASSWORD)
    home = anon.get("/office/")
    assert home.status_code == 200 and "Admin Kantor" in home.text
    r = anon.post("/office/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert anon.get("/office/", follow_redirects=False).status_code == 303
    with Session(world.engine) as s:
        actions = list(s.scalars(select(m.AuditLog.action).order_by(m.AuditLog.id)))
    assert actions.count("sign_in.failed") == 3
    assert "sign_in" in actions and "sign_out" in actions


def test_unknown_user_and_disabled_user_cannot_sign_in(anon: TestClient, world: World) -> None:
    accounts.set_active(world.engine, "pantau", False, actor="test", address="t")
    for user, password in (("nobody", "whatever-123"), ("pantau", PEMANTAU_PASSWORD)):
        token = csrf_of(anon.get("/office/login").text)
        r = anon.post("/office/login", data={"csrf": token, "username": user, "password": password})
        assert r.status_code == 401 and "Nama pengguna atau kata sandi salah" in r.text


def test_csrf_refusals(admin_client: TestClient, anon: TestClient) -> None:
    data = {"name": "Kampanye X", "reference_date": "2024-11-27"}
    r = admin_client.post("/office/campaign", data=data, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = admin_client.post(
        "/office/campaign", data={**data, "csrf": "forged"}, follow_redirects=False
    )
    assert r.status_code == 403
    token = csrf_of(admin_client.get("/office/campaign").text)
    r = admin_client.post(
        "/office/campaign",
        data={**data, "csrf": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    r = admin_client.post("/office/campaign", data={**data, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    # The sign-in form has its own double-submit token.
    r = anon.post("/office/login", data={"csrf": "x", "username": "admin", "password": "y"})
    assert r.status_code == 403


def test_next_parameter_stays_inside_the_console(anon: TestClient) -> None:
    r = anon.get("/office/campaign", follow_redirects=False)
    assert r.headers["location"] == "/office/login?next=/office/campaign"
    page = anon.get("/office/login?next=//evil.example/x")
    r = anon.post(
        "/office/login",
        data={
            "csrf": csrf_of(page.text),
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/office/"


def test_admin_manages_users(admin_client: TestClient, world: World) -> None:
    r = post_form(
        admin_client,
        "/office/users",
        "/office/users",
        {"username": "budi", "password": "pendek", "role": "pemantau"},
    )
    assert r.status_code == 422 and "minimal 10" in r.text
    r = post_form(
        admin_client,
        "/office/users",
        "/office/users",
        {"username": "budi", "password": "panjang-sekali-1", "role": "pemantau"},
    )
    assert r.status_code == 303
    r = post_form(admin_client, "/office/users", "/office/users/budi/active", {"active": "0"})
    assert r.status_code == 303
    users = {u.username: u for u in accounts.list_users(world.engine)}
    assert users["budi"].active is False and users["budi"].role == "pemantau"
    with Session(world.engine) as s:
        rows = list(s.scalars(select(m.AuditLog).where(m.AuditLog.actor == "admin")))
    assert {r.action for r in rows} >= {"office_user.add", "office_user.disable"}
    assert all(r.address == "testclient" for r in rows)


def test_password_hashes() -> None:
    stored = hash_password("kata-sandi-panjang")
    assert stored.startswith("$argon2id$v=19$")
    assert verify_password("kata-sandi-panjang", stored)
    assert not verify_password("kata-sandi-lain", stored)
    assert not verify_password("x", "garbage")
    assert [delay_after(n) for n in range(6)] == [0, 0, 0, 2, 4, 8]
    assert delay_after(100) == 300


@pytest.mark.parametrize("lang", ["en"])
def test_language_switch(admin_client: TestClient, lang: str) -> None:
    r = admin_client.get(
        f"/office/lang/{lang}",
        headers={"referer": "http://testserver/office/campaign"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/office/campaign"
    page = admin_client.get("/office/campaign")
    assert "Campaign set-up" in page.text and "Sign out" in page.text
