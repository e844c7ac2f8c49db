"""Fuzzing the OpenAPI document with schemathesis: no input gives a 5xx."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ktpe_server.app import create_app
from ktpe_server.config import Settings

from .conftest import build_world
from .helpers import Laptop, enroll

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_openapi_fuzz_no_5xx(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import schemathesis

    world = build_world(engine)
    app = create_app(
        Settings(
            db_url="x://",
            admin_token="adm",
            rate_capacity=1e9,
            rate_per_second=1e9,
            enroll_rate_capacity=1e9,
            enroll_rate_per_second=1e9,
        ),
        engine=engine,
        migrate=False,
    )
    with TestClient(app) as client:
        lap = Laptop()
        assert enroll(client, world.code(), lap).status_code == 200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert len(ops) >= 7
    headers = {**lap.auth, "X-Admin-Token": "adm"}
    seen_5xx: list[str] = []

    for op in ops:
        per_op = max(8, 100 // len(ops))

        @settings(
            max_examples=per_op,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy(), with_auth=st.booleans())
        def check(case, with_auth: bool) -> None:  # type: ignore[no-untyped-def]
            extra = headers if with_auth else {}
            response = case.call(headers={**(case.headers or {}), **extra})
            if response.status_code >= 500:
                seen_5xx.append(f"{case.method} {case.path}: {response.status_code}")
            assert response.status_code < 500, response.text
            assert response.headers.get("x-server-time")

        check()
    assert not seen_5xx
