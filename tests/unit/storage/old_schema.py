"""The migration tests' starting point: a store made at an older schema revision."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ktpe_desktop.storage import store as store_mod
from ktpe_desktop.storage.store import Store
from tests.conftest import LEAD, PASSWORD


def store_at(
    revision: str, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Store:
    """A new store at ``revision`` (the migrations after it left out until
    ``monkeypatch.undo()``; the next :meth:`Store.open` then upgrades it)."""
    old = tmp_path / f"migrations-{revision}"
    shutil.copytree(store_mod.MIGRATIONS_DIR, old)
    for later in (old / "versions").glob("0*.py"):
        if later.name[:4] > revision:
            later.unlink()
    monkeypatch.setattr(store_mod, "MIGRATIONS_DIR", old)
    store = Store.create(data_dir, LEAD, PASSWORD)
    assert store.schema_revision() == revision
    return store


def indexes(store: Store, table: str) -> set[str]:
    """The names of ``table``'s indexes."""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
        )
        return {str(r[0]) for r in rows}
