"""The storage layer's :class:`~ktpe_desktop.core.errors.KnownError` subclasses.

Each one is a problem of the environment (a wrong password, a full disk, a file
written by a newer app) that the user can understand and act on; the message is
in Bahasa Indonesia with an English twin. :func:`translate_db_error` maps the
driver's exceptions onto them so that no caller has to parse SQLite messages.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ktpe_desktop.core.errors import KnownError


class WrongPassword(KnownError):
    """The password does not open the user's key slot (or the slot is still locked)."""

    code = "wrong_password"

    def __init__(self, seconds_to_wait: float = 0.0, *, locked: bool = False) -> None:
        wait = max(0, int(seconds_to_wait + 0.999))
        self.seconds_to_wait = wait
        self.locked = locked
        if locked:
            msg = f"Terlalu banyak percobaan gagal. Coba lagi dalam {wait} detik."
            en = f"Too many failed attempts. Try again in {wait} seconds."
        elif wait:
            msg = f"Nama pengguna atau kata sandi salah. Coba lagi dalam {wait} detik."
            en = f"Wrong user name or password. Try again in {wait} seconds."
        else:
            msg = "Nama pengguna atau kata sandi salah."
            en = "Wrong user name or password."
        super().__init__(msg, en, code="locked" if locked else "wrong_password")


class UnknownUser(KnownError):
    code = "unknown_user"

    def __init__(self, username: str) -> None:
        super().__init__(
            f"Pengguna '{username}' tidak terdaftar di laptop ini.",
            f"User '{username}' is not registered on this laptop.",
        )
        self.username = username


class UserExists(KnownError):
    code = "user_exists"

    def __init__(self, username: str) -> None:
        super().__init__(
            f"Pengguna '{username}' sudah terdaftar.", f"User '{username}' already exists."
        )


class LastLead(KnownError):
    code = "last_lead"

    def __init__(self) -> None:
        super().__init__(
            "Koordinator terakhir tidak dapat dihapus atau diturunkan.",
            "The last team lead cannot be removed or demoted.",
        )


class PermissionDenied(KnownError):
    code = "permission_denied"

    def __init__(self, action: str) -> None:
        super().__init__(
            f"Hanya koordinator yang boleh {action}.", f"Only a team lead may {action}."
        )


class NotInitialised(KnownError):
    code = "not_initialised"

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"Folder data {data_dir} belum berisi basis data. Jalankan 'db init' dahulu.",
            f"The data folder {data_dir} holds no database yet. Run 'db init' first.",
        )


class AlreadyInitialised(KnownError):
    code = "already_initialised"

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"Folder data {data_dir} sudah berisi basis data.",
            f"The data folder {data_dir} already holds a database.",
        )


class KeyslotsDamaged(KnownError):
    code = "keyslots_damaged"

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"Berkas kunci {path} rusak atau tidak dikenal ({detail}).",
            f"The key file {path} is damaged or unknown ({detail}).",
        )


class DatabaseCorrupt(KnownError):
    code = "database_corrupt"

    def __init__(self, path: Path, latest_backup: Path | None, detail: str = "") -> None:
        self.path = path
        self.latest_backup = latest_backup
        self.detail = detail
        if latest_backup is not None:
            hint = (
                f" Cadangan terakhir yang baik: {latest_backup.name}. "
                "Pulihkan dengan 'ktpe-desktop db restore-latest'."
            )
            hint_en = (
                f" Latest good backup: {latest_backup.name}. "
                "Restore it with 'ktpe-desktop db restore-latest'."
            )
        else:
            hint = " Tidak ada cadangan yang baik. Hubungi admin kantor."
            hint_en = " There is no good backup. Contact the office admin."
        super().__init__(
            f"Basis data {path.name} rusak; berkas tidak diubah." + hint,
            f"The database {path.name} is damaged; the file was left untouched." + hint_en,
        )


class NewerSchema(KnownError):
    code = "newer_schema"

    def __init__(self, revision: str) -> None:
        super().__init__(
            "Basis data dibuat oleh versi aplikasi yang lebih baru "
            f"(skema {revision}). Perbarui aplikasi; berkas tidak diubah.",
            f"The database was written by a newer version of the app (schema {revision}). "
            "Update the app; the file was left untouched.",
        )
        self.revision = revision


class DataDirNotWritable(KnownError):
    code = "data_dir_not_writable"

    def __init__(self, path: Path, detail: str = "") -> None:
        super().__init__(
            f"Folder data {path} tidak dapat ditulisi{f' ({detail})' if detail else ''}.",
            f"The data folder {path} is not writable{f' ({detail})' if detail else ''}.",
        )
        self.path = path


class DiskFull(KnownError):
    code = "disk_full"

    def __init__(self) -> None:
        super().__init__(
            "Disk penuh: data terakhir tidak tersimpan. Kosongkan ruang disk lalu ulangi.",
            "The disk is full: the last change was not saved. Free some space and retry.",
        )


class DatabaseLocked(KnownError):
    code = "database_locked"

    def __init__(self) -> None:
        super().__init__(
            "Basis data sedang dipakai proses lain. Tutup aplikasi lain lalu ulangi.",
            "The database is in use by another process. Close it and retry.",
        )


class NothingToSalvage(KnownError):
    code = "nothing_to_salvage"

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"Tidak ada yang dapat diselamatkan di {data_dir}: basis data dan semua cadangan "
            "tidak terbaca dengan kunci ini. Tidak ada yang diubah. Hubungi admin kantor.",
            f"Nothing can be salvaged in {data_dir}: the database and every backup are "
            "unreadable with this key. Nothing was changed. Contact the office admin.",
        )


class DataFolderInUse(KnownError):
    """Another process owns the data folder (see :mod:`ktpe_desktop.storage.folderlock`)."""

    code = "data_folder_in_use"

    def __init__(self, data_dir: Path, owner: object = None) -> None:
        self.data_dir = data_dir
        self.owner = owner
        pid = getattr(owner, "pid", None)
        program = getattr(owner, "program", "") or ""
        since = getattr(owner, "since", "") or ""
        host = getattr(owner, "host", "") or ""
        if pid:
            who = f"{program or 'program lain'} (pid {pid}{f', {host}' if host else ''})"
            who_en = f"{program or 'another program'} (pid {pid}{f', {host}' if host else ''})"
        else:
            who, who_en = "program lain", "another program"
        when = f" sejak {since.replace('T', ' ')}" if since else ""
        when_en = f" since {since.replace('T', ' ')}" if since else ""
        super().__init__(
            f"Data di {data_dir} sedang dipakai oleh {who}{when}. Tutup program itu "
            "(atau tunggu sampai selesai) lalu ulangi; tidak ada yang diubah.",
            f"The data in {data_dir} is in use by {who_en}{when_en}. Close it (or wait "
            "until it finishes) and retry; nothing was changed.",
        )


class NoBackup(KnownError):
    code = "no_backup"

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"Tidak ada cadangan yang dapat dipulihkan di {data_dir / 'backups'}.",
            f"There is no usable backup in {data_dir / 'backups'}.",
        )


_FULL = ("database or disk is full",)
_LOCKED = ("database is locked", "database table is locked", "database is busy")
_CORRUPT = (
    "file is not a database",
    "database disk image is malformed",
    "hmac check failed",
    # a damaged page under the search index's shadow tables (found by the soak, issue 17)
    "vtable constructor failed",
)


def translate_db_error(exc: BaseException) -> KnownError | None:
    """The KnownError that stands for a driver/OS error, or None for a bug."""
    if isinstance(exc, KnownError):
        return exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull()
    text = str(getattr(exc, "orig", None) or exc).lower()
    if any(s in text for s in _FULL):
        return DiskFull()
    if any(s in text for s in _LOCKED):
        return DatabaseLocked()
    return None


def is_corruption(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(s in text for s in _CORRUPT)


@contextmanager
def known_db_errors() -> Iterator[None]:
    """Re-raise disk-full / locked driver errors as their KnownError."""
    try:
        yield
    except KnownError:
        raise
    except Exception as exc:
        known = translate_db_error(exc)
        if known is None:
            raise
        raise known from exc
