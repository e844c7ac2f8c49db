"""Helpers shared by the storage-related subcommands (data folder, user, password)."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.services.session import default_data_dir
from ktpe_desktop.storage.keyslots import KeySlots, UserRole
from ktpe_desktop.storage.store import KEYSLOTS_FILE, Store

PASSWORD_ENV = "KTPE_PASSWORD"
USER_ENV = "KTPE_USER"
DEFAULT_USER = "koordinator"


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder data (default: $KTPE_DATA_DIR atau folder data pengguna)",
    )
    parser.add_argument(
        "--user",
        default=None,
        help=f"nama pengguna lokal (default: ${USER_ENV} atau '{DEFAULT_USER}')",
    )


def data_dir_of(args: argparse.Namespace) -> Path:
    value = getattr(args, "data_dir", None) or getattr(args, "app_data_dir", None)
    return Path(value) if value else default_data_dir()


def user_of(args: argparse.Namespace) -> str:
    return str(getattr(args, "user", None) or os.environ.get(USER_ENV) or DEFAULT_USER)


def password(*, confirm: bool = False, user: str | None = None) -> str:
    """The password: ``$KTPE_PASSWORD`` or a prompt (asked twice with ``confirm``).

    Args:
        confirm: ask twice and require both answers to match (a new password).
        user: named in the prompt when given.
    """
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    first = _ask(f"Kata sandi untuk {user}: " if user else "Kata sandi: ")
    if confirm:
        second = _ask("Ulangi kata sandi: ")
        if first != second:
            raise KnownError(
                "Kedua kata sandi tidak sama.", "The passwords do not match.", code="mismatch"
            )
    if not first:
        raise KnownError(
            "Kata sandi tidak boleh kosong.", "The password must not be empty.", code="empty"
        )
    return first


def _ask(prompt: str) -> str:
    """One password from the terminal; a clear error where none can be asked."""
    try:
        return getpass.getpass(prompt)
    except (EOFError, OSError):
        raise KnownError(
            f"Kata sandi tidak dapat ditanyakan (tidak ada terminal). Jalankan dari terminal, "
            f"atau isi variabel lingkungan {PASSWORD_ENV}.",
            f"No password can be asked (no terminal). Run it from a terminal, or set "
            f"{PASSWORD_ENV}.",
            code="no_password",
        ) from None


def first_lead(data_dir: Path) -> str:
    """The first lead of a data folder (else its first user): the CLI's default user."""
    slots = KeySlots(data_dir / KEYSLOTS_FILE)
    if not slots.exists():
        raise KnownError(
            f"Folder data belum disiapkan: {data_dir}",
            f"Data folder not set up: {data_dir}",
            code="not_initialised",
        )
    users = slots.users()
    leads = [u for u in users if u.role == UserRole.LEAD]
    chosen = (leads or users)[0] if users else None
    if chosen is None:
        raise KnownError("Tidak ada pengguna lokal.", "No local user.", code="no_user")
    return chosen.username


def open_store_for_cli(args: argparse.Namespace) -> Store:
    """Open ``--data-dir`` as ``--user`` (default: :func:`first_lead`) with :func:`password`."""
    data_dir = Path(args.data_dir).expanduser()
    user = args.user or first_lead(data_dir)
    return Store.open(data_dir, user, password(user=user))
