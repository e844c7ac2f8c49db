"""The names of the data folder's two files the login reads first.

Kept apart from :mod:`ktpe_desktop.storage.store` (SQLAlchemy, the models) so that
the login page can be shown before those are imported (docs/performance.md,
"Start-up").
"""

DB_FILE = "ktpe.db"
KEYSLOTS_FILE = "keyslots.json"
