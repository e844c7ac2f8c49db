from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from ktpe_desktop.storage.models import Base, UtcDateTime
from ktpe_desktop.storage.store import alembic_config


def test_migrations_create_exactly_the_models() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda o, n, t, r, c: (
                    not (t == "table" and n is not None and n.startswith("student_fts"))
                ),
                "compare_type": True,
            },
        )
        assert compare_metadata(ctx, Base.metadata) == []
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert "student_fts" in tables
        assert "student_fts_ai" in tables  # the FTS triggers


def test_utc_column_type() -> None:
    t = UtcDateTime()
    wib = timezone(timedelta(hours=7))
    text = t.process_bind_param(datetime(2024, 11, 27, 8, 0, tzinfo=wib), None)  # type: ignore[arg-type]
    assert text == "2024-11-27T01:00:00.000000+00:00"
    back = t.process_result_value(text, None)  # type: ignore[arg-type]
    assert back == datetime(2024, 11, 27, 1, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        t.process_bind_param(datetime(2024, 11, 27, 8, 0), None)  # type: ignore[arg-type]
