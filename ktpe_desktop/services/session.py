"""Opening the laptop's data folder: the calls the UI and the CLI make at start-up."""

from __future__ import annotations

from pathlib import Path

from ktpe_desktop.paths import default_data_dir
from ktpe_desktop.services.audit import audit
from ktpe_desktop.storage import outbox
from ktpe_desktop.storage.keyslots import UserRole
from ktpe_desktop.storage.store import DB_FILE, KEYSLOTS_FILE, Store


def is_initialised(data_dir: Path | str) -> bool:
    data_dir = Path(data_dir)
    return (data_dir / KEYSLOTS_FILE).exists() and (data_dir / DB_FILE).exists()


def open_store(
    data_dir: Path | str,
    username: str,
    password: str,
    *,
    check: str = "quick",
    key: bytes | None = None,
) -> Store:
    """Unlock an existing data folder, become its one owner and prepare it for work.

    Outbox rows left ``in_flight`` by a crash go back to ``pending`` here: only
    the owner does that, once, at start (it holds the folder's lock, so no other
    process can be sending those rows now). ``check``: as :meth:`Store.open`'s (the
    app's login passes ``"auto"``: a large database is checked after the roster shows).
    ``key``: the slot already unlocked with ``password`` (``keyslots.unlock_folder``,
    the app's login: its Argon2id runs while the rest of the app is imported).

    Raises:
        DataFolderInUse: another process owns the folder (nothing was changed).
    """
    if key is None:
        store = Store.open(data_dir, username, password, check=check)
    else:
        store = Store.open_unlocked(data_dir, username, key, check=check)
    try:
        with store.transaction() as s:
            outbox.reset_in_flight(s)
    except BaseException:
        store.close()
        raise
    return store


def open_store_readonly(data_dir: Path | str, username: str, password: str) -> Store:
    """Unlock a data folder to read it: beside its owner, on a read-only medium or a
    full disk. Nothing is written to the database (the login is audited later)."""
    return Store.open(data_dir, username, password, readonly=True)


def open_or_create(
    data_dir: Path | str,
    username: str,
    password: str,
    *,
    display_name: str | None = None,
    role: UserRole | str = UserRole.LEAD,
) -> tuple[Store, bool]:
    """Open the data folder, or set it up with this first user when it is empty.

    Returns:
        (store, created).
    """
    if is_initialised(data_dir):
        return open_store(data_dir, username, password), False
    return Store.create(data_dir, username, password, role=role, display_name=display_name), True


def lock(store: Store) -> None:
    """Idle auto-lock / log out: audit, then forget the key and close the connections."""
    with store.transaction() as s:
        audit(s, store.username, "lock")
    store.close()


__all__ = [
    "audit",
    "default_data_dir",
    "is_initialised",
    "lock",
    "open_or_create",
    "open_store",
    "open_store_readonly",
]
