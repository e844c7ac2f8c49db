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

Two ways through a sheet, same values:

- the **scan** (``_scan_rows``, used first): the sheet XML as Excel, LibreOffice,
  openpyxl and Dapodik write it (rows of ``<c r="…">`` cells holding ``<f>``,
  ``<v>`` and ``<is><t>``) is read with a few regular expressions over ~1 MiB
  blocks, converting only the wanted cells; building 660,000 elements for a
  10,000-row, 66-column export is what made the tree reader slow. Every block of
  rows is checked against a strict grammar *before* any of its rows is used: bare
  ``<row>`` tags and whitespace holding standard cells, each cell's attributes
  from a fixed list in the schema's order. The grammar only admits well-formed
  XML (characters XML allows, valid UTF-8, known entities, valid character
  references, no duplicate attribute, no unbound prefix: what it cannot say in a
  regular expression is checked beside it, see ``_check_segment``), so a damaged
  block fails as it does in the tree reader. The rest of the part (everything
  before ``<sheetData>`` and after ``</sheetData>``) goes through expat;
- the **tree reader** (``_tree_rows``, ``ElementTree.iterparse``): anything the scan
  does not recognise (comments, CDATA, a namespace prefix or declaration inside
  the rows, rich text, single-quoted or entity-escaped attributes, a cell without
  its reference first, pretty-printed cells, an encoding other than UTF-8 …) makes
  it hand over to this reader, which continues after the last row already given.

Every way a damaged file can fail (bad zip, truncated deflate stream, broken XML,
a missing part, an index out of range) is turned into ``XlsxFormatError``; the
caller turns that into a user-facing :class:`~ktpe_desktop.imports.RosterFileError`.
"""

from __future__ import annotations

import contextlib
import posixpath
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import IO
from xml.etree import ElementTree as ET
from xml.parsers import expat

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

    def __init__(self, path: str | IO[bytes]) -> None:
        try:
            self._zip = zipfile.ZipFile(path)  # a file object stays its caller's to close
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

    def identity(self) -> tuple[int, ...]:
        """``scan_worker.file_identity`` of the file this workbook opened (not of its name)."""
        from ktpe_desktop.imports.scan_worker import file_identity

        fp = self._zip.fp
        if fp is None:
            raise XlsxFormatError("workbook closed")
        return file_identity(fp.fileno())

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
        """The scan, handing over to the tree reader at the first thing it does not know."""
        given = 0
        try:
            for number, values in self._scan_rows(path, wanted):
                given = number
                yield number, values
            return
        except _NotStandard:
            pass
        for number, values in self._tree_rows(path, wanted):
            if number > given:  # rows are strictly increasing (checked by both readers)
                yield number, values

    def _scan_rows(
        self, path: str, wanted: frozenset[int] | None
    ) -> Iterator[tuple[int, list[CellValue]]]:
        """The regular-expression reader of a standard sheet part (see the module doc).

        Raises:
            _NotStandard: something the scan does not handle, before any row of the
                block that holds it is given.
        """
        wanted_letters = [(p, column_letter(p)) for p in sorted(wanted or ()) if p < MAX_COLUMNS]
        width = wanted_letters[-1][0] + 1 if wanted_letters else 0
        by_letters = {letters.encode(): pos for pos, letters in wanted_letters}
        if wanted is None:
            pattern = _EXTRACT_ALL
        elif wanted_letters:
            pattern = _extract_pattern(tuple(by_letters))
        else:
            pattern = _ROW_ONLY  # no wanted column in range: every row is empty
        convert = _CellConverter(
            self._shared, self._date_styles, MAC_EPOCH if self.date1904 else WINDOWS_EPOCH
        )
        last_row = 0
        number = 0
        values: list[CellValue] = []
        suffix = b""
        started = False
        for segment in _sheet_segments(self._open(path)):
            for row_attrs, letters, digits, attrs, v_text, is_mark, t_text in pattern.findall(
                segment
            ):
                if not letters:  # a row starts: the previous one is complete
                    if started:
                        yield number, values
                    started = True
                    ref = _ROW_REF.search(row_attrs)
                    number = int(ref[1].decode()) if ref and ref[1] else last_row + 1
                    if number <= last_row or number > 1_048_576:
                        raise ValueError(f"row {number} out of order")
                    last_row = number
                    suffix = str(number).encode()
                    values = [None] * width if wanted is not None else []
                elif wanted is not None:
                    pos = by_letters.get(letters)
                    if pos is not None and digits == suffix:
                        values[pos] = convert(attrs, v_text, is_mark, t_text)
                else:
                    position = _column_index(letters.decode())
                    if position < MAX_COLUMNS:
                        if position >= len(values):
                            values.extend([None] * (position + 1 - len(values)))
                        values[position] = convert(attrs, v_text, is_mark, t_text)
            if started:  # a segment ends with a complete row
                started = False
                yield number, values

    def _tree_rows(
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


# --------------------------------------------------------------------------- the scan


class _NotStandard(Exception):
    """The sheet part is not in the form the scan reads: use the tree reader."""


_BLOCK_FIRST = 64 * 1024  # the header scan reads a few rows only
_BLOCK_MAX = 1024 * 1024
_PROLOG_MAX = 8 * 1024 * 1024  # bytes before <sheetData> (sheet views, column widths …)

# The grammar the scan accepts. Attributes: double-quoted, no entity, no tab or
# newline (which the XML parser would normalise), no namespace declaration (no name
# starts with "xmlns"). Text: anything without "<" (entities decoded by _xml_text).
# Possessive quantifiers (*+, ?+): no part of this grammar ever needs to give back
# what it matched (each piece ends where the next one's first character starts),
# and not keeping backtracking points makes the check a third faster.
_ATTR = rb'\s++(?!xmlns)[A-Za-z_][\w.:-]*+="[^"&<\t\n\r]*+"'
_ATTRS = rb"(?:" + _ATTR + rb")*+"
_F = rb"<f" + _ATTRS + rb"\s*+(?:/>|>[^<]*+</f>)"
_V = rb"<v\s*+(?:/>|>([^<]*+)</v>)"
_IS = rb"(<is)\s*+(?:/>|>(?:<t" + _ATTRS + rb"\s*+(?:/>|>([^<]*+)</t>))?+</is>)"


def _cell(letters: bytes) -> bytes:
    """A cell with its reference first: groups letters, digits, attributes, v, <is, t."""
    return b"".join(
        (rb'<c r="(', letters, rb')([0-9]++)"(', _ATTRS, rb")\s*+(?:/>|>(?:", _F, rb")?+(?:",
         _V, rb")?+(?:", _IS, rb")?+</c>)")
    )  # fmt: skip


_ROW_START = rb"<row(" + _ATTRS + rb")\s*+/?>"

# The strict grammar of a block of rows (``_check_segment``): what it accepts is
# well-formed XML and is read by the extraction patterns above (which accept more)
# exactly as the tree reader reads it. XML's white space; attribute values and text
# without the characters XML forbids (C0 controls but tab, line feed and carriage
# return) and without "&" but in a predefined entity or a character reference;
# no "]]>" in text.
_WS = rb"[ \t\r\n]"
_VALUE = rb'="[^"&<\x00-\x1f]*+"'
_CHAR = rb"[^<&\]\x00-\x08\x0b\x0c\x0e-\x1f]"
_TEXT = b"".join(
    (_CHAR, rb"*+(?:(?:&(?:amp|lt|gt|quot|apos|#[0-9]++|#x[0-9a-fA-F]++);|\](?!\]>))", _CHAR,
     rb"*+)*+")
)  # fmt: skip


def _in_order(*names: bytes) -> bytes:
    """Optional attributes in this order, each at most once: no duplicate can pass."""
    return b"".join(rb"(?:" + _WS + rb"++" + name + _VALUE + rb")?+" for name in names)


# A cell: s and t in this order (Excel, LibreOffice, openpyxl, PhpSpreadsheet write
# them so); any other attribute (cm, vm, ph) or order goes to the tree reader.
_STRICT_CELL = b"".join(
    (rb'<c r="[A-Z]{1,3}+[0-9]++"', _in_order(b"s", b"t"), _WS,
     rb"*+(?:/>|>(?:<f", _in_order(b"t", b"aca", b"ref", b"dt2D", b"dtr", b"del1", b"del2",
                                  b"r1", b"r2", b"ca", b"si", b"bx"),
     _WS, rb"*+(?:/>|>", _TEXT, rb"</f>))?+(?:<v", _WS, rb"*+(?:/>|>", _TEXT, rb"</v>))?+",
     rb"(?:<is", _WS, rb"*+(?:/>|>(?:<t", _in_order(b"xml:space"), _WS, rb"*+(?:/>|>", _TEXT,
     rb"</t>))?+</is>))?+</c>)")
)  # fmt: skip
# Row attributes: any names (writers differ), checked for duplicates and unbound
# prefixes by _check_row_attributes.
_ROW_ATTR = _WS + rb"++(?!xmlns)[A-Za-z_][\w.:-]*+" + _VALUE
# One fullmatch of a whole block, no backtracking (every quantifier is possessive).
_ROWS = re.compile(
    b"".join((rb"(?:", _WS, rb"*+<row(?:", _ROW_ATTR, rb")*+", _WS, rb"*+(?:/>|>(?:", _WS,
              rb"*+", _STRICT_CELL, rb")*+", _WS, rb"*+</row>))*+", _WS, rb"*+"))
)  # fmt: skip
# (Names as in _ROW_ATTR: "[^=]" ran on over white space before ">" into the cells.)
_ROW_ATTRIBUTES = re.compile(rb"<row((?:" + _WS + rb'++[A-Za-z_][\w.:-]*+="[^"]*+")*+)')
_NAME_VALUE = re.compile(rb'([A-Za-z_][\w.:-]*+)="[^"]*+"')
_CHAR_REF = re.compile(rb"&#(x?)([0-9A-Fa-f]++);")
_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_EXTRACT_ALL = re.compile(_ROW_START + rb"|" + _cell(rb"[A-Z]{1,3}+"))
_ROW_ONLY = re.compile(_ROW_START + rb"()()()()()()")
_ROW_REF = re.compile(rb'\sr="([^"]*)"')
_ROW_TAG = re.compile(rb"[<:]row[\s/>]")
_SHEET_DATA = re.compile(rb"<sheetData(?:" + _ATTR + rb")*\s*(/?)>")
_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_EXTRACT_CACHE: dict[tuple[bytes, ...], re.Pattern[bytes]] = {}


def _minus_len(text: bytes) -> int:
    return -len(text)


def _extract_pattern(letters: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """Row starts, and the cells of the wanted columns only."""
    pattern = _EXTRACT_CACHE.get(letters)
    if pattern is None:
        # Longest first: "AB" is tried before "A" (which would then fail on "B").
        ordered: list[bytes] = sorted(letters, key=_minus_len)
        alternatives = b"|".join(ordered)
        pattern = re.compile(_ROW_START + rb"|" + _cell(rb"(?:" + alternatives + rb")"))
        _EXTRACT_CACHE[letters] = pattern
    return pattern


class _Expat:
    """The part outside ``<sheetData>`` through expat, with the prefixes in scope."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(None, "}")  # namespace processing, as ElementTree
        self.parser.StartNamespaceDeclHandler = self._declared
        self.parser.EndNamespaceDeclHandler = self._undeclared
        self.scopes: dict[str, list[str]] = {}
        self.previous = b""

    def _declared(self, prefix: str | None, uri: str) -> None:
        self.scopes.setdefault(prefix or "", []).append(uri)

    def _undeclared(self, prefix: str | None) -> None:
        self.scopes[prefix or ""].pop()

    def bound(self) -> dict[bytes, str]:
        """The prefixes in scope now (``xml`` always), with their namespace."""
        out = {prefix.encode(): uris[-1] for prefix, uris in self.scopes.items() if prefix and uris}
        out[b"xml"] = _XML_NAMESPACE
        return out

    def feed(self, data: bytes, final: bool = False) -> None:
        # A comment, CDATA section or DOCTYPE (whose entities the tree reader treats
        # its own way): hand over before expat sees it.
        if b"<!" in data or (self.previous == b"<" and data.startswith(b"!")):
            raise _NotStandard("comment, CDATA or DOCTYPE")
        if data:
            self.previous = data[-1:]
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise ET.ParseError(str(exc)) from None


def _sheet_segments(fh: IO[bytes]) -> Iterator[bytes]:
    """The sheet's ``<sheetData>`` content, as runs of complete, checked rows.

    Each run is checked (``_check_segment``: the scan's grammar, which admits
    well-formed rows only) before it is given; everything before and after goes
    through expat (well-formedness, as the tree reader's parser checks it).

    Raises:
        _NotStandard: the part is not in the scan's form.
        ET.ParseError: the part is not well-formed XML.
    """
    outside = _Expat()
    bound: dict[bytes, str] = {}
    known: set[bytes] = set()  # row attributes already checked (after their r="…")
    with fh, _Blocks(fh) as blocks:
        state = 0  # 0: before <sheetData>, 1: inside, 2: after
        carry = b""
        while True:
            block = blocks.next()
            if not block:
                if state != 2:
                    raise _NotStandard("no complete <sheetData>")
                outside.feed(b"", final=True)
                return
            if state == 2:
                outside.feed(block)
            data = carry + block
            carry = b""
            if state == 0:
                found = _SHEET_DATA.search(data)
                if found is None:
                    if len(data) > _PROLOG_MAX:
                        raise _NotStandard("prolog too long")
                    carry = data
                    continue
                _check_prolog(data[: found.start()])
                if found[1]:  # <sheetData/>: an empty sheet
                    raise _NotStandard("empty sheetData")
                outside.feed(data[: found.end()])
                bound = outside.bound()
                data = data[found.end() :]
                state = 1
            if state == 1:
                end = data.find(b"</sheetData>")
                if end >= 0:
                    segment, data = data[:end], data[end:]
                    outside.feed(data)
                    data = data[len(b"</sheetData>") :]
                    state = 2
                else:
                    cut = data.rfind(b"</row>")
                    if cut < 0:
                        carry = data
                        continue
                    segment, carry = data[: cut + 6], data[cut + 6 :]
                _check_segment(segment, bound, known)
                if segment:
                    yield segment
                if state == 1:
                    continue
            # After </sheetData>: no row may follow (the tree reader would read it).
            # "<row" or ":row" may be cut in two by a block boundary: keep a tail.
            if _ROW_TAG.search(data):
                raise _NotStandard("a row after sheetData")
            carry = data[-8:]


class _Blocks:
    """The blocks of a part (64 KiB first, then doubling up to 1 MiB), read ahead.

    The first two blocks are read when asked for (the header scan needs a few rows);
    from the third on, a thread reads the next block while the scan checks this one:
    the part's inflate, CRC and file reads run without the GIL (~0.03 s of a 10,000-row
    export). Only that thread touches the file until :meth:`__exit__` has stopped it.
    A read's exception is raised by :meth:`next` in the block's turn, as a read made
    there would raise it. An empty block is the end of the part.
    """

    _AHEAD = 2  # blocks read ahead at most

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._size = _BLOCK_FIRST
        self._given = 0
        self._queue: queue.Queue[tuple[bytes, BaseException | None]] = queue.Queue(self._AHEAD)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Blocks:
        return self

    def __exit__(self, *exc: object) -> None:
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.01)  # a read ahead waiting for room: let it end
        thread.join()

    def _next_size(self) -> int:
        size = self._size
        self._size = min(size * 2, _BLOCK_MAX)
        return size

    def next(self) -> bytes:
        self._given += 1
        if self._thread is None:
            if self._given <= 2:
                return self._fh.read(self._next_size())
            self._thread = threading.Thread(target=self._read_ahead, name="xlsx-read", daemon=True)
            self._thread.start()
        block, error = self._queue.get()
        if error is not None:
            raise error
        return block

    def _read_ahead(self) -> None:
        while not self._stop.is_set():
            try:
                block, error = self._fh.read(self._next_size()), None
            except BaseException as exc:  # raised in the reader's thread, in its turn
                block, error = b"", exc
            while not self._stop.is_set():
                try:
                    self._queue.put((block, error), timeout=0.05)
                    break
                except queue.Full:
                    continue
            if not block:
                return


def _check_prolog(prolog: bytes) -> None:
    if prolog.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\xef\xbb\xbf\x00")):
        raise _NotStandard("not UTF-8")
    declared = _ENCODING.match(prolog)
    if declared is not None and declared[1].lower() not in (b"utf-8", b"utf8"):
        raise _NotStandard("not UTF-8")
    body = prolog.removeprefix(b"\xef\xbb\xbf")
    if body.startswith(b"<?xml"):
        body = body[body.find(b"?>") + 2 :]
    if b"<?" in body or _ROW_TAG.search(body):
        raise _NotStandard("a processing instruction or a row before sheetData")


def _check_segment(segment: bytes, bound: dict[bytes, str], known: set[bytes]) -> None:
    """Raise _NotStandard unless ``segment`` is rows of standard cells only, and
    ET.ParseError where those rows are not well-formed XML.

    The grammar has no room for a comment, CDATA, processing instruction or
    namespace declaration: text and attribute values hold no "<", every tag is one
    of the scan's own, and no attribute name starts with "xmlns". What it does not
    check is checked here: the bytes are UTF-8 and hold no U+FFFE/U+FFFF, character
    references name characters XML allows, and row attributes (free names) are
    unique and their prefixes bound (``bound``: in scope at ``<sheetData>``).
    """
    if _ROWS.fullmatch(segment) is None:
        raise _NotStandard("a row or cell the scan does not read")
    if not segment.isascii():
        text = segment.decode("utf-8")  # UnicodeDecodeError: damage, as in expat
        if "\ufffe" in text or "\uffff" in text:
            raise ET.ParseError("not well-formed (invalid token)")
    if b"#" in segment:  # one byte: memchr, much faster than looking for "&#"
        for hexa, digits in _CHAR_REF.findall(segment):
            if not _xml_char(int(digits, 16 if hexa else 10)):
                raise ET.ParseError("reference to invalid character number")
    for attributes in _ROW_ATTRIBUTES.findall(segment):
        # Writers put r="…" first and the rest is the same on most rows. The "r" in
        # front keeps such a rest apart from whole attributes that hold their own r.
        key = (
            b"r" + attributes[attributes.index(b'"', 4) + 1 :]
            if attributes.startswith(b' r="')
            else attributes
        )
        if key not in known:
            _check_row_attributes(attributes, bound)
            known.add(key)


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _check_row_attributes(attributes: bytes, bound: dict[bytes, str]) -> None:
    """Unique attribute names (by namespace and local name), bound prefixes, QNames."""
    seen: set[tuple[str | None, bytes]] = set()
    for name in _NAME_VALUE.findall(attributes):
        prefix, colon, local = name.partition(b":")
        if colon:
            if (not local[:1].isalpha() and local[:1] != b"_") or b":" in local:
                raise ET.ParseError("not well-formed (invalid token)")
            if prefix not in bound:
                raise ET.ParseError("unbound prefix")
            expanded: tuple[str | None, bytes] = (bound[prefix], local)
        else:
            expanded = (None, name)
        if expanded in seen:
            raise ET.ParseError("duplicate attribute")
        seen.add(expanded)


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    name = match[1]
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))
    return _NAMED[name]


def _xml_text(raw: bytes) -> str:
    """Character data as the XML parser gives it (line ends normalised, references decoded)."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


_ATTR_PAIR = re.compile(rb'\s([^\s=]+)="([^"]*)"')


class _CellConverter:
    """A scanned cell to its value, exactly as the tree reader's ``convert``."""

    __slots__ = ("_attrs", "_date_styles", "_epoch", "_shared")

    def __init__(self, shared: list[str], date_styles: frozenset[int], epoch: datetime) -> None:
        self._shared = shared
        self._date_styles = date_styles
        self._epoch = epoch
        self._attrs: dict[bytes, tuple[str | None, str | None]] = {}

    def _kind_style(self, attrs: bytes) -> tuple[str | None, str | None]:
        found = self._attrs.get(attrs)
        if found is None:
            pairs = {k.decode(): v.decode("utf-8") for k, v in _ATTR_PAIR.findall(attrs)}
            found = (pairs.get("t"), pairs.get("s"))
            if len(self._attrs) < 4096:
                self._attrs[attrs] = found
        return found

    def __call__(self, attrs: bytes, v_text: bytes, is_mark: bytes, t_text: bytes) -> CellValue:
        kind, style = self._attrs.get(attrs) or self._kind_style(attrs)
        if kind == "inlineStr":
            return _xml_text(t_text) if is_mark else None
        if not v_text:  # no <v>, or an empty one (the tree reader's text is None)
            return None
        text = _xml_text(v_text)
        if kind == "s":
            return self._shared[int(text)]
        if kind is None or kind == "n":
            number = _number(text)
            if style is not None and int(style) in self._date_styles:
                return _excel_date(number, self._epoch)
            return number
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            return datetime.fromisoformat(text.strip().rstrip("Z"))
        return text


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
