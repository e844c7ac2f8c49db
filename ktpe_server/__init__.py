"""The reference central server of KTP-el Jemput Bola (sync protocol v1).

FastAPI + SQLAlchemy 2; PostgreSQL in production, SQLite as the embedded default.
docs/sync-protocol.md is the contract this package implements.
"""

from ktpe_desktop.__about__ import __version__  # one version for the app and the server

__all__ = ["__version__"]
