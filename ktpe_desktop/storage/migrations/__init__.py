"""Alembic migrations of the local (SQLCipher) database; applied by ``Store.open``."""
