"""The reference central server of KTP-el Jemput Bola (sync protocol v1).

FastAPI + SQLAlchemy 2; PostgreSQL in production, SQLite as the embedded default.
docs/sync-protocol.md is the contract this package implements.
"""

__version__ = "0.1.0"
