"""Helpers shared by the storage-related subcommands (data folder, user, password)."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.services.session import default_data_dir

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


def password(*, confirm: bool = False) -> str:
    """The password: ``$KTPE_PASSWORD`` or a prompt (asked twice with ``confirm``)."""
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    first = getpass.getpass("Kata sandi: ")
    if confirm:
        second = getpass.getpass("Ulangi kata sandi: ")
        if first != second:
            raise KnownError(
                "Kedua kata sandi tidak sama.", "The passwords do not match.", code="mismatch"
            )
    if not first:
        raise KnownError(
            "Kata sandi tidak boleh kosong.", "The password must not be empty.", code="empty"
        )
    return first
