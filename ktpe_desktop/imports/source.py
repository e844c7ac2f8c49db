"""Opening a roster file: size and type checks, then a uniform row source.

The type is decided by the content, not by the name: a ``.xls`` that is really
HTML or CSV is read as what it is, an ``.xlsx`` that is really an encrypted OLE2
container is refused with the right message.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ktpe_desktop.imports.csvfile import CsvText, decode_text, detect_delimiter
from ktpe_desktop.imports.errors import RosterFileError
from ktpe_desktop.imports.scan_worker import ScanWorker, WorkerLost
from ktpe_desktop.imports.xlsx import DAMAGE, CellValue, XlsxFormatError, XlsxWorkbook

log = logging.getLogger("ktpe.imports")

__all__ = ["MAX_FILE_BYTES", "RowSource", "open_source"]

MAX_FILE_BYTES = 50 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAMS = (
    "EncryptedPackage".encode("utf-16-le"),
    "EncryptionInfo".encode("utf-16-le"),
)
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


class RowSource(Protocol):
    kind: str
    encoding: str | None
    delimiter: str | None

    @property
    def sheet_names(self) -> list[str]: ...

    def rows(
        self, sheet_index: int, wanted: frozenset[int] | None = None
    ) -> Iterator[tuple[int, list[CellValue]]]: ...

    def close(self) -> None: ...


class _XlsxSource:
    kind = "xlsx"

    def __init__(self, book: XlsxWorkbook, path: Path, scanner: ScanWorker | None = None) -> None:
        self._book = book
        self._path = path
        self._scanner = scanner
        self.encoding: str | None = None
        self.delimiter: str | None = None

    @property
    def sheet_names(self) -> list[str]:
        return self._book.sheet_names

    def rows(
        self, sheet_index: int, wanted: frozenset[int] | None = None
    ) -> Iterator[tuple[int, list[CellValue]]]:
        """The sheet's rows; the data pass (``wanted`` given) through the scan worker
        when there is a ready one (D48), the rest of it here if the worker fails."""
        given = 0
        try:
            scanner = self._scanner
            if scanner is not None and wanted is not None and scanner.ready():
                try:
                    for number, values in scanner.rows(
                        str(self._path), sheet_index, wanted, self._book.identity()
                    ):
                        given = number
                        yield number, values
                    return
                except WorkerLost as exc:
                    log.info("import worker: %s; the rest is read here", exc)
            for number, values in self._book.rows(sheet_index, wanted):
                if number > given:  # rows are strictly increasing (both readers check)
                    yield number, values
        except XlsxFormatError as exc:
            raise _corrupt() from exc

    def close(self) -> None:
        self._book.close()


class _CsvSource:
    kind = "csv"

    def __init__(self, table: CsvText) -> None:
        self._table = table
        self.encoding: str | None = table.encoding
        self.delimiter: str | None = table.delimiter

    @property
    def sheet_names(self) -> list[str]:
        return [""]

    def rows(
        self, sheet_index: int, wanted: frozenset[int] | None = None
    ) -> Iterator[tuple[int, list[CellValue]]]:
        for number, cells in self._table.rows():
            yield number, list(cells)

    def close(self) -> None:
        pass


def _corrupt() -> RosterFileError:
    return RosterFileError(
        "xlsx_corrupt",
        "Berkas Excel ini rusak atau tidak lengkap (mungkin terpotong saat disalin). "
        "Salin ulang dari sumbernya, atau buka di Excel lalu simpan ulang sebagai .xlsx.",
        "This Excel file is damaged or incomplete (perhaps cut short while copying). "
        "Copy it again from its source, or open it in Excel and save it again as .xlsx.",
    )


def open_source(path: Path, scanner: ScanWorker | None = None) -> RowSource:
    """Check ``path`` and open it as a row source (``scanner``: an XLSX sheet's data
    rows are scanned by that worker process when it is ready, D48).

    Raises:
        RosterFileError: missing, empty, too large, encrypted, damaged, not a
            spreadsheet or text table.
    """
    name = path.name
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise RosterFileError(
            "file_not_found",
            f"Berkas '{name}' tidak ditemukan.",
            f"File '{name}' not found.",
        ) from None
    except OSError as exc:
        raise _unreadable(name, exc) from None
    if not path.is_file():
        raise RosterFileError(
            "file_unreadable",
            f"'{name}' bukan berkas (mungkin folder).",
            f"'{name}' is not a file (perhaps a folder).",
        )
    if stat.st_size == 0:
        raise _empty(name)
    if stat.st_size > MAX_FILE_BYTES:
        mb = stat.st_size / (1024 * 1024)
        raise RosterFileError(
            "file_too_large",
            f"Berkas '{name}' terlalu besar ({mb:,.0f} MB; batas 50 MB). Daftar siswa satu "
            "sekolah biasanya di bawah 5 MB: periksa apakah ini berkas yang benar, atau "
            "bagi per sekolah.",
            f"File '{name}' is too large ({mb:,.0f} MB; the limit is 50 MB). One school's "
            "roster is usually under 5 MB: check that this is the right file, or split it "
            "per school.",
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(b"PK"):
                return _open_zip(path, name, scanner)
            fh.seek(0)
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _unreadable(name, exc) from None
    if head.startswith(_OLE2):
        if any(marker in data for marker in _ENCRYPTION_STREAMS):
            raise RosterFileError(
                "xlsx_encrypted",
                f"Berkas '{name}' dilindungi kata sandi. Buka di Excel dengan kata sandinya, "
                "hapus kata sandi (File > Info > Proteksi Buku Kerja), lalu simpan ulang.",
                f"File '{name}' is password-protected. Open it in Excel with its password, "
                "remove the password (File > Info > Protect Workbook), then save it again.",
            )
        raise RosterFileError(
            "xls_legacy",
            f"Berkas '{name}' berformat Excel lama (.xls). Buka di Excel lalu simpan sebagai "
            "'Buku Kerja Excel (.xlsx)' atau CSV, kemudian impor lagi.",
            f"File '{name}' is in the old Excel format (.xls). Open it in Excel, save it as "
            "'Excel Workbook (.xlsx)' or CSV, then import again.",
        )
    decoded = decode_text(data)
    if decoded is None:
        raise RosterFileError(
            "not_a_spreadsheet",
            f"Berkas '{name}' bukan lembar kerja Excel (.xlsx) atau CSV yang bisa dibaca.",
            f"File '{name}' is not a readable Excel workbook (.xlsx) or CSV file.",
        )
    text, encoding = decoded
    if not text.strip():
        raise _empty(name)
    start = text.lstrip()[:512].lower()
    if start.startswith("<") and ("<html" in start or "<table" in start or "<!doctype" in start):
        raise RosterFileError(
            "html_unsupported",
            f"Berkas '{name}' sebenarnya halaman web (HTML), bukan lembar kerja. Buka di Excel "
            "lalu simpan sebagai .xlsx, kemudian impor lagi.",
            f"File '{name}' is really a web page (HTML), not a workbook. Open it in Excel, "
            "save it as .xlsx, then import again.",
        )
    return _CsvSource(CsvText(text, encoding, detect_delimiter(text)))


def _open_zip(path: Path, name: str, scanner: ScanWorker | None) -> RowSource:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIME:
                raise RosterFileError(
                    "ods_unsupported",
                    f"Berkas '{name}' berformat OpenDocument (.ods). Simpan sebagai .xlsx "
                    "(LibreOffice: Simpan Sebagai > Excel 2007-365), lalu impor lagi.",
                    f"File '{name}' is an OpenDocument spreadsheet (.ods). Save it as .xlsx "
                    "(LibreOffice: Save As > Excel 2007-365), then import again.",
                )
            if "xl/workbook.xml" not in names:
                raise RosterFileError(
                    "not_a_spreadsheet",
                    f"Berkas '{name}' adalah arsip ZIP, tetapi bukan buku kerja Excel (.xlsx).",
                    f"File '{name}' is a ZIP archive, but not an Excel workbook (.xlsx).",
                )
    except (OSError, *DAMAGE) as exc:
        raise _corrupt() from exc
    try:
        return _XlsxSource(XlsxWorkbook(str(path)), path, scanner)
    except XlsxFormatError as exc:
        raise _corrupt() from exc


def _empty(name: str) -> RosterFileError:
    return RosterFileError(
        "empty_file",
        f"Berkas '{name}' kosong.",
        f"File '{name}' is empty.",
    )


def _unreadable(name: str, exc: OSError) -> RosterFileError:
    return RosterFileError(
        "file_unreadable",
        f"Berkas '{name}' tidak bisa dibaca ({exc.strerror or exc}).",
        f"File '{name}' cannot be read ({exc.strerror or exc}).",
    )
