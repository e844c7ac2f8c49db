"""Office console test helpers: staff accounts, signed-in clients, CSRF tokens.

Import the fixtures into a test module with ``from .office_helpers import *``-free
explicit names (``office_app``, ``anon``, ``admin_client``, ``pemantau_client``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ktpe_server.app import create_app
from ktpe_server.config import Settings
from ktpe_server.office import accounts

from .conftest import World

ADMIN_PASSWORD = "admin-rahasia-1"
PEMANTAU_PASSWORD = "pemantau-rahasia-1"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def add_staff(engine: Engine) -> None:
    accounts.add_user(
        engine, "admin", ADMIN_PASSWORD, "admin", "Admin Kantor", actor="test", address="t"
    )
    accounts.add_user(
        engine, "pantau", PEMANTAU_PASSWORD, "pemantau", "Pemantau", actor="test", address="t"
    )


def sign_in(client: TestClient, username: str, password: str) -> TestClient:
    page = client.get("/office/login")
    r = client.post(
        "/office/login",
        data={"csrf": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def post_form(client: TestClient, page: str, action: str, data: dict[str, Any], **kw: Any) -> Any:
    """POST a form the way a browser does: the CSRF token taken from ``page``."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf": token, **data}, follow_redirects=False, **kw)


@pytest.fixture
def office_app(world: World, settings: Settings) -> Any:
    add_staff(world.engine)
    return create_app(settings, engine=world.engine, migrate=False)


@pytest.fixture
def anon(office_app: Any) -> Iterator[TestClient]:
    with TestClient(office_app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def admin_client(office_app: Any) -> Iterator[TestClient]:
    with TestClient(office_app, raise_server_exceptions=False) as c:
        yield sign_in(c, "admin", ADMIN_PASSWORD)


@pytest.fixture
def pemantau_client(office_app: Any) -> Iterator[TestClient]:
    with TestClient(office_app, raise_server_exceptions=False) as c:
        yield sign_in(c, "pantau", PEMANTAU_PASSWORD)
