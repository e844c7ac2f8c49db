"""What the sync engine keeps in ``sync_state`` (inside the encrypted database).

Plain key/value rows; every key the engine uses is named here once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.ledger import WriteTxn, utc_text

log = logging.getLogger("ktpe.sync")

KEYRING_SERVICE = "ktpe-jemput-bola"

SERVER_URL = "server_url"
TOKEN = "token"  # the key name, not a secret
TOKEN_IN_KEYRING = "token_in_keyring"
CA_FILE = "ca_file"
TEAM = "team"  # the team's id (what the server and the hub match on)
TEAM_NAME = "team_name"  # its name, for people ("Tim 1 Klojen")
CAMPAIGN_ID = "campaign_id"
ENROLLED_AT = "enrolled_at"
ENROLLED_DEVICE = "enrolled_device_id"
NEEDS_ENROLMENT = "needs_enrolment"
ROSTER_CURSOR = "roster_cursor"
EVENTS_CURSOR = "events_cursor"
LAST_SUCCESS = "last_success"
LAST_ATTEMPT = "last_attempt"
LAST_ERROR = "last_error"
LAST_RECEIPT = "last_receipt"
CLOCK_SKEW = "clock_skew_s"
SERVER_CONTIGUOUS_SEQ = "server_contiguous_seq"
KEY_REGISTERED = "key_registered"  # "1": the server holds this laptop's public key


_SQL_GET = "SELECT value FROM sync_state WHERE key = ?"
_SQL_DELETE = "DELETE FROM sync_state WHERE key = ?"
_SQL_UPSERT = (
    "INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at "
    "WHERE sync_state.value IS NOT excluded.value"
)


def get(session: Session | WriteTxn, key: str) -> str | None:
    """One key, in an ORM session or (prepared SQL) a background writer's transaction."""
    if isinstance(session, WriteTxn):
        found = session.raw.execute(_SQL_GET, (key,)).fetchone()
        return None if found is None else str(found[0])
    row = session.get(m.SyncState, key)
    return row.value if row is not None else None


def put(session: Session | WriteTxn, key: str, value: str | None) -> None:
    """Set (or, with None, delete) one key in the caller's transaction."""
    if isinstance(session, WriteTxn):
        session.flush()  # an ORM change of the same row goes first
        if value is None:
            session.raw.execute(_SQL_DELETE, (key,))
        else:
            session.raw.execute(_SQL_UPSERT, (key, value, utc_text(datetime.now(UTC))))
        return
    row = session.get(m.SyncState, key)
    if value is None:
        if row is not None:
            session.delete(row)
        return
    now = datetime.now(UTC)
    if row is None:
        session.add(m.SyncState(key=key, value=value, updated_at=now))
    elif row.value != value:
        row.value = value
        row.updated_at = now


def get_json(session: Session | WriteTxn, key: str) -> Any:
    raw = get(session, key)
    return json.loads(raw) if raw else None


def put_json(session: Session | WriteTxn, key: str, value: Any) -> None:
    put(session, key, None if value is None else json.dumps(value, sort_keys=True))


@dataclass(frozen=True, slots=True)
class Enrolment:
    """This laptop's registration with a server (the token is never logged)."""

    server_url: str
    token: str
    device_id: str
    team: str
    campaign_id: str
    ca_file: str | None
    enrolled_at: str
    needs_enrolment: bool = False

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return (
            f"Enrolment(server_url={self.server_url!r}, device_id={self.device_id!r}, "
            f"team={self.team!r}, needs_enrolment={self.needs_enrolment})"
        )


def _keyring() -> Any:
    try:
        import keyring  # type: ignore[import-not-found]
    except ImportError:
        return None
    return keyring


def _keyring_user(session: Session) -> str:
    row = session.get(m.Meta, "database_id")
    return row.value if row is not None else "default"


def read_token(session: Session) -> str | None:
    """The device token, from the database or the keyring (None when not enrolled)."""
    if get(session, TOKEN_IN_KEYRING) == "1":
        kr = _keyring()
        if kr is None:
            return None
        try:
            value = kr.get_password(KEYRING_SERVICE, _keyring_user(session))
        except Exception:  # a locked or missing keyring backend
            log.warning("keyring not readable")
            return None
        return str(value) if value else None
    return get(session, TOKEN)
