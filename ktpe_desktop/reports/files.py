"""Writing a finished document or export to the place the user chose (Qt-free).

The bytes are built in memory first; the file is then written beside its
destination under a hidden temporary name, flushed to disk and renamed over the
destination. On any failure the temporary file is removed, so no copy of the
personal data it holds is ever left behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from ktpe_desktop.core.errors import KnownError


class DestinationError(KnownError):
    code = "bad_destination"


def check_destination(path: str | os.PathLike[str] | None, suffixes: tuple[str, ...]) -> Path:
    """The user's chosen file, checked before any work is done.

    Raises:
        DestinationError: no path, a folder, a missing folder, or the wrong extension.
    """
    if path is None or not str(path).strip():
        raise DestinationError(
            "Pilih dulu tempat menyimpan berkas.",
            "Choose where to save the file first.",
            code="no_destination",
        )
    target = Path(path).expanduser()
    if target.is_dir():
        raise DestinationError(
            f"Tujuan adalah folder, bukan berkas: {target}",
            f"The destination is a folder, not a file: {target}",
        )
    if not target.parent.is_dir():
        raise DestinationError(
            f"Folder tujuan tidak ada: {target.parent}",
            f"The destination folder does not exist: {target.parent}",
            code="no_such_folder",
        )
    if suffixes and target.suffix.lower() not in suffixes:
        wanted = " atau ".join(suffixes)
        raise DestinationError(
            f"Nama berkas harus berakhiran {wanted}: {target.name}",
            f"The file name must end with {' or '.join(suffixes)}: {target.name}",
            code="bad_extension",
        )
    return target


def write_file_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    Raises:
        DestinationError: the folder does not exist or the file cannot be written
            (no permission, disk full, file open in another program).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise DestinationError(
            f"Folder tujuan tidak ada: {path.parent}",
            f"The destination folder does not exist: {path.parent}",
            code="no_such_folder",
        )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DestinationError(
            f"Berkas tidak dapat ditulis: {path} ({exc.strerror or exc})",
            f"Cannot write the file: {path} ({exc.strerror or exc})",
            code="write_failed",
        ) from exc
    return path
