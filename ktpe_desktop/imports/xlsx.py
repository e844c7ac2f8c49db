"""A streaming reader of the cell values of an XLSX workbook.

Why not ``openpyxl.load_workbook(read_only=True, data_only=True)``: on a 10,000-row,
66-column Dapodik export it took 4.2 s on the reference laptop, over the whole
import's 3 s budget. This reader parses the same parts with the standard library
(``zipfile`` + ``ElementTree.iterparse``, one row in memory at a time) in about a
quarter of that, and it only converts the cells of the columns the import uses.
It reads cached values only (as ``data_only=True``), never evaluates formulas, and
uses openpyxl's own number-format rules to decide which numbers are dates, so its
values are those openpyxl returns (tests/unit/imports/test_xlsx.py checks this on
the whole corpus).

Every way a damaged file can fail (bad zip, truncated deflate stream, broken XML,
a missing part, an index out of range) is turned into ``XlsxFormatError``; the
caller turns that into a user-facing :class:`~ktpe_desktop.imports.RosterFileError`.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import IO
from xml.etree import ElementTree as ET

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

__all__ = ["DAMAGE", "CellValue", "XlsxFormatError", "XlsxWorkbook", "column_letter"]

CellValue = str | int | float | bool | datetime | date | time | timedelta | None

_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # "Strict Open XML"
)
_REL_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
MAX_COLUMNS = 1024  # cells further right are ignored (a roster has < 100 columns)
MAX_PART_BYTES = 800 * 1024 * 1024  # uncompressed size of one part (zip-bomb guard)

# Exceptions a damaged archive or XML part can raise while being read.
DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ET.ParseError,
    KeyError,
    ValueError,
    IndexError,
    OverflowError,
    NotImplementedError,  # an unsupported zip compression method
    RuntimeError,  # an encrypted zip member
    UnicodeDecodeError,
)


class XlsxFormatError(Exception):
    """The workbook is damaged or not a spreadsheet workbook."""


def column_letter(index: int) -> str:
    """0-based column index -> spreadsheet letters (0 -> "A", 27 -> "AB")."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTER_CACHE: dict[str, int] = {}


def _column_index(ref: str) -> int:
    """ "AB12" -> 27 (0-based); raises ValueError on a malformed reference."""
    letters = ref.rstrip("0123456789")
    try:
        return _LETTER_CACHE[letters]
    except KeyError:
        pass
    if not letters or len(letters) > 3 or not letters.isascii() or not letters.isupper():
        raise ValueError(f"bad cell reference {ref!r}")
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    _LETTER_CACHE[letters] = n - 1
    return n - 1


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class XlsxWorkbook:
    """An open XLSX archive: its sheets, shared strings and date styles.

    Use as a context manager; the constructor reads only the small parts
    (workbook, relationships, styles, shared strings).

    Raises:
        XlsxFormatError: not a readable workbook.
    """

    def __init__(self, path: str) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except DAMAGE as exc:
            raise XlsxFormatError(str(exc)) from exc
        try:
            self._load_meta()
        except DAMAGE as exc:
            self._zip.close()
            raise XlsxFormatError(str(exc)) from exc
        except XlsxFormatError:
            self._zip.close()
            raise

    def __enter__(self) -> XlsxWorkbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    # ------------------------------------------------------------------ metadata

    def _open(self, name: str) -> IO[bytes]:
        info = self._zip.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise XlsxFormatError(f"part {name} is too large when unpacked")
        return self._zip.open(info)

    def _load_meta(self) -> None:
        names = set(self._zip.namelist())
        if "xl/workbook.xml" not in names:
            raise XlsxFormatError("no xl/workbook.xml: not an Excel workbook")
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            with self._open("xl/_rels/workbook.xml.rels") as fh:
                for el in ET.parse(fh).getroot():
                    if el.tag == _PKG_REL or _local(el.tag) == "Relationship":
                        target = el.get("Target", "")
                        if target.startswith("/"):
                            path = target.lstrip("/")
                        else:
                            path = posixpath.normpath(posixpath.join("xl", target))
                        rels[el.get("Id", "")] = path
        self.date1904 = False
        self.sheets: list[tuple[str, str]] = []
        with self._open("xl/workbook.xml") as fh:
            root = ET.parse(fh).getroot()
        for el in root.iter():
            local = _local(el.tag)
            if local == "workbookPr":
                self.date1904 = el.get("date1904", "0").lower() in ("1", "true")
            elif local == "sheet":
                rid = next((v for ns in _REL_NAMESPACES if (v := el.get(f"{{{ns}}}id"))), "")
                sheet_path = rels.get(rid)
                if sheet_path and sheet_path in names:  # a missing part: skipped
                    self.sheets.append((el.get("name", "?"), sheet_path))
        self._date_styles = self._load_date_styles(names)
        self._shared: list[str] = self._load_shared_strings(names, rels)

    def _load_date_styles(self, names: set[str]) -> frozenset[int]:
        if "xl/styles.xml" not in names:
            return frozenset()
        with self._open("xl/styles.xml") as fh:
            root = ET.parse(fh).getroot()
        custom: dict[int, str] = {}
        dates: set[int] = set()
        for el in root:
            local = _local(el.tag)
            if local == "numFmts":
                for fmt in el:
                    custom[int(fmt.get("numFmtId", "-1"))] = fmt.get("formatCode", "")
            elif local == "cellXfs":
                for index, xf in enumerate(el):
                    fmt_id = int(xf.get("numFmtId", "0"))
                    code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id)
                    if code and is_date_format(code):
                        dates.add(index)
        return frozenset(dates)

    def _load_shared_strings(self, names: set[str], rels: dict[str, str]) -> list[str]:
        path = "xl/sharedStrings.xml"
        if path not in names:
            path = next((p for p in rels.values() if p.endswith("sharedStrings.xml")), "")
            if path not in names:
                return []
        strings: list[str] = []
        with self._open(path) as fh:
            for _event, el in ET.iterparse(fh, events=("end",)):
                if _local(el.tag) != "si":
                    continue
                strings.append(_rich_text(el))
                el.clear()
        return strings

    # ------------------------------------------------------------------ cells

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _ in self.sheets]

    def rows(
        self, sheet_index: int, wanted: frozenset[int] | None = None
    ) -> Iterator[tuple[int, list[CellValue]]]:
        """The rows of a sheet that hold at least one cell, as ``(row_number, values)``.

        Args:
            sheet_index: position in :attr:`sheets`.
            wanted: 0-based columns to convert; other cells are None (faster on a
                66-column export of which the import uses ten). None: every column.

        Raises:
            XlsxFormatError: the sheet is damaged (raised while iterating).
        """
        try:
            yield from self._rows(self.sheets[sheet_index][1], wanted)
        except DAMAGE as exc:
            raise XlsxFormatError(str(exc)) from exc

    def _rows(
        self, path: str, wanted: frozenset[int] | None
    ) -> Iterator[tuple[int, list[CellValue]]]:
        shared = self._shared
        date_styles = self._date_styles
        epoch = MAC_EPOCH if self.date1904 else WINDOWS_EPOCH
        row_tag = c_tag = ""
        last_row = 0
        wanted_letters = [(p, column_letter(p)) for p in sorted(wanted or ()) if p < MAX_COLUMNS]
        width = wanted_letters[-1][0] + 1 if wanted_letters else 0
        tags = {"v": "", "is": "", "t": ""}

        def convert(cell: ET.Element) -> CellValue:
            kind = cell.get("t")
            if kind == "inlineStr":
                inline = cell.find(tags["is"])
                return _rich_text(inline, tags["t"]) if inline is not None else None
            v = cell.find(tags["v"])
            text = v.text if v is not None else None
            if text is None:
                return None
            if kind == "s":
                return shared[int(text)]
            if kind is None or kind == "n":
                number = _number(text)
                style = cell.get("s")
                if style is not None and int(style) in date_styles:
                    return _excel_date(number, epoch)
                return number
            if kind == "b":
                return text.strip() in ("1", "true")
            if kind == "d":
                return datetime.fromisoformat(text.strip().rstrip("Z"))
            return text  # "str" (formula text), "e" (#N/A …)

        with self._open(path) as fh:
            for _event, el in ET.iterparse(fh, events=("end",)):
                tag = el.tag
                if tag != row_tag:
                    if not row_tag and _local(tag) == "row":
                        ns = tag[: -len("row")]
                        row_tag, c_tag = tag, ns + "c"
                        tags.update(v=ns + "v", **{"is": ns + "is"}, t=ns + "t")
                    else:
                        continue
                ref = el.get("r")
                row_number = int(ref) if ref else last_row + 1
                if row_number <= last_row or row_number > 1_048_576:
                    raise ValueError(f"row {row_number} out of order")
                last_row = row_number
                values: list[CellValue] | None = None
                if wanted_letters:
                    # Fast path: look the wanted cells up by reference ("H12"), without
                    # decoding every cell's column (Dapodik has 66, the import uses ~10).
                    suffix = str(row_number)
                    refs = {letters + suffix: pos for pos, letters in wanted_letters}
                    values = [None] * width
                    for cell in el:
                        cref = cell.get("r")
                        if cref is None:
                            values = None  # a writer that omits references: slow path
                            break
                        pos = refs.get(cref)
                        if pos is not None and cell.tag == c_tag:
                            values[pos] = convert(cell)
                if values is None:
                    values = []
                    position = -1
                    for cell in el:
                        if cell.tag != c_tag:
                            continue
                        cref = cell.get("r")
                        position = _column_index(cref) if cref else position + 1
                        if position >= MAX_COLUMNS or (
                            wanted is not None and position not in wanted
                        ):
                            continue
                        if position >= len(values):
                            values.extend([None] * (position + 1 - len(values)))
                        values[position] = convert(cell)
                el.clear()
                yield row_number, values


def _number(text: str) -> int | float:
    text = text.strip()
    if "." in text or "e" in text or "E" in text or text in ("inf", "-inf", "nan"):
        return float(text)
    return int(text)


def _excel_date(value: int | float, epoch: datetime) -> CellValue:
    try:
        return from_excel(value, epoch=epoch)  # type: ignore[no-any-return]
    except (ValueError, OverflowError, TypeError):
        return value


def _rich_text(el: ET.Element, t_tag: str | None = None) -> str:
    """The text of a shared string / inline string, without phonetic runs (rPh)."""
    parts: list[str] = []
    for child in el:
        local = _local(child.tag) if t_tag is None or child.tag != t_tag else "t"
        if local == "t":
            parts.append(child.text or "")
        elif local == "r":
            for sub in child:
                if _local(sub.tag) == "t":
                    parts.append(sub.text or "")
    return "".join(parts)
