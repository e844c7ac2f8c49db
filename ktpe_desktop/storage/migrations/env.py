"""Alembic environment: migrations always run on a connection handed over by the Store.

The database is encrypted, so Alembic never opens it from a URL: ``Store`` puts
an open connection in ``config.attributes["connection"]`` and calls
``alembic.command.upgrade``. ``render_as_batch`` lets later migrations alter
SQLite tables (copy-and-move).
"""

from __future__ import annotations

from alembic import context

from ktpe_desktop.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # The FTS5 table and its shadow tables are managed by hand in the migrations.
    return not (type_ == "table" and name is not None and name.startswith("student_fts"))


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through ktpe_desktop.storage.store (encrypted DB)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=_include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
