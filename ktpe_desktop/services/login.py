"""What the login page needs before the database opens, without SQLAlchemy.

The app shows its login page from a small set of imports and imports the rest
(SQLAlchemy, the storage and services, the work pages: :mod:`ktpe_desktop.ui.preload`)
while the operator types; this module answers the page meanwhile: is the folder set
up, who are its users, and the key derivation itself (Argon2id: it releases the GIL,
so it runs beside those imports when the password comes at once).
"""

from __future__ import annotations

from pathlib import Path

from ktpe_desktop.services.users import UserInfo
from ktpe_desktop.storage import kdf
from ktpe_desktop.storage.keyslots import KeySlots, unlock_folder
from ktpe_desktop.storage.layout import DB_FILE, KEYSLOTS_FILE
from ktpe_desktop.storage.logs import configure_logging as _configure_logging


def configure_logging(data_dir: Path) -> None:
    """The rotating log under ``<data_dir>/logs`` (digits redacted)."""
    _configure_logging(data_dir)


def folder_exists(data_dir: Path) -> bool:
    """True when the folder already holds a local database and its key slots."""
    return (data_dir / KEYSLOTS_FILE).exists() and (data_dir / DB_FILE).exists()


def local_users(data_dir: Path) -> list[UserInfo]:
    """The local users (from the key slots: readable without unlocking)."""
    slots = KeySlots(data_dir / KEYSLOTS_FILE)
    if not slots.exists():
        return []
    return [
        UserInfo(
            username=info.username,
            role=info.role.value,
            seconds_to_wait=slots.seconds_to_wait(info.username),
        )
        for info in slots.users()
    ]


def prepare_unlock(data_dir: Path, username: str) -> None:
    """At the password's first key: fault in the memory of ``username``'s Argon2id
    on a thread, so that the derivation after Return does not (storage/kdf.py)."""
    slots = KeySlots(data_dir / KEYSLOTS_FILE)
    if slots.exists():
        slots.prepare_unlock(username)


def unlock_prepared_done() -> None:
    """The login is over (unlocked, or the page left): an arena :func:`prepare_unlock`
    made and no derivation took is given back (a key typed, then no Return)."""
    kdf.release()


def unlock_key(data_dir: Path, username: str, password: str) -> bytes:
    """The database key, if ``password`` opens ``username``'s slot (Argon2id).

    :meth:`Store.open_unlocked` then opens the database with it.

    Raises:
        NotInitialised, UnknownUser, WrongPassword.
    """
    return unlock_folder(data_dir, username, password)
