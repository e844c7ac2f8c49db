"""The import package's :class:`~ktpe_desktop.core.errors.KnownError`.

A roster file that cannot be read at all (random bytes, a truncated XLSX, an
encrypted workbook, a file without a recognisable header, a file too large …) is
refused with a :class:`RosterFileError`: a message in Bahasa Indonesia that says
what is wrong and what to do, with its English twin, and a stable ``code``.
Problems of single rows are never exceptions: they are lines of the report.
"""

from __future__ import annotations

from ktpe_desktop.core.errors import KnownError

__all__ = ["RosterFileError"]


class RosterFileError(KnownError):
    """A roster file that cannot be imported as a whole.

    Codes: ``file_not_found``, ``file_unreadable``, ``empty_file``, ``file_too_large``,
    ``xlsx_corrupt``, ``xlsx_encrypted``, ``xls_legacy``, ``not_a_spreadsheet``,
    ``unknown_encoding``, ``no_header``, ``too_many_rows``, ``ods_unsupported``,
    ``html_unsupported``.
    """

    code = "roster_file"

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message, message_en, code=code)
