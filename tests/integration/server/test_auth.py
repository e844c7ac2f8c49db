"""Every endpoint but health and enrolment: 401 without a token, with a wrong or revoked one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ktpe_desktop.core.protocol import API_PREFIX
from ktpe_server import admin

from .conftest import SCHOOL_A, World
from .helpers import Laptop, push_body

ENDPOINTS = [
    ("GET", "/sync/roster"),
    ("POST", "/sync/events"),
    ("GET", "/sync/events"),
    ("GET", "/sync/receipt"),
    ("POST", "/sync/device-key"),
]


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    if path == "/sync/device-key":
        r = client.post(
            API_PREFIX + path, json={"public_key": Laptop().public_key}, headers=headers
        )
    elif method == "POST":
        data, base = push_body([Laptop().write("recorded", "S000000000")])
        r = client.post(API_PREFIX + path, content=data, headers={**base, **headers})
    else:
        r = client.get(API_PREFIX + path, headers=headers)
    if r.status_code == 401:
        assert r.json()["error"]["code"] == "unauthorized"
        assert r.json()["server_time"] and r.headers["x-server-time"]
    return r.status_code


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_401(client: TestClient, world: World, laptop: Laptop, method: str, path: str) -> None:
    assert call(client, method, path, {}) == 401
    assert call(client, method, path, {"Authorization": "Bearer nope"}) == 401
    assert call(client, method, path, {"Authorization": f"Basic {laptop.token}"}) == 401
    assert call(client, method, path, laptop.auth) not in (401, 403)
    admin.revoke_device(world.engine, laptop.device_id)
    assert call(client, method, path, laptop.auth) == 401


def test_every_openapi_path_is_covered(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    device_paths = {
        (meth.upper(), p[len(API_PREFIX) :])
        for p, ops in paths.items()
        for meth in ops
        if "/admin/" not in p
    }
    open_paths = {("GET", "/health"), ("POST", "/enrollments")}
    assert device_paths - open_paths == set(ENDPOINTS)


def test_admin_api(client: TestClient, world: World) -> None:
    url = f"{API_PREFIX}/admin/enroll-codes"
    r = client.post(url, json={"team": "tim-01"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = client.post(url, json={"team": "tim-01"}, headers={"X-Admin-Token": "wrong"})
    assert r.status_code == 403
    r = client.post(url, json={"team": "tim-01"}, headers={"X-Admin-Token": "admin-secret"})
    assert r.status_code == 200
    lap = Laptop()
    from .helpers import enroll

    assert enroll(client, r.json()["code"], lap).status_code == 200
    r = client.post(url, json={"team": "tim-99"}, headers={"X-Admin-Token": "admin-secret"})
    assert r.status_code == 404
    r = client.get(f"{API_PREFIX}/admin/progress", headers={"X-Admin-Token": "admin-secret"})
    assert {s["npsn"] for s in r.json()["schools"]} >= {SCHOOL_A}
    # a device token is not an admin token
    r = client.get(f"{API_PREFIX}/admin/progress", headers=lap.auth)
    assert r.status_code == 403
