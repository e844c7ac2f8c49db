"""The server's migrations: one head, and the models match what they create.
The console's English: every template string has a translation."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ktpe_server.db import alembic_config
from ktpe_server.models import Base
from ktpe_server.office.i18n import ENGLISH
from ktpe_server.office.routes_progress import CODE_LABELS
from ktpe_server.office.web import DONE


def test_one_migration_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, heads


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Type spellings differ per backend (DateTime vs TIMESTAMP…); tables/columns must not.
    structural = [d for d in diff if not (isinstance(d, list) or d[0].startswith("modify"))]
    assert structural == [], structural


def test_every_console_string_has_english() -> None:
    folder = Path(__file__).resolve().parents[3] / "ktpe_server" / "office" / "templates"
    found: set[str] = set()
    for path in folder.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'_\("([^"]+)"\)', text))
        found.update(re.findall(r"_\('([^']+)'\)", text))
    found.update(DONE.values())
    found.update(CODE_LABELS.values())
    missing = sorted(found - ENGLISH.keys())
    assert not missing, missing
