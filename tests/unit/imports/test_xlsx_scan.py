"""The XLSX scan (regular expressions) gives exactly what the tree reader gives.

Hand-written sheet parts in the shapes real writers produce (Excel's shared strings,
styles, spans, formulas; entities, line ends), and in shapes the scan must hand over
to the tree reader (comments, CDATA, prefixes, rich text, pretty printing …).
"""

from __future__ import annotations

import random
import struct
import threading
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from ktpe_desktop.imports import xlsx as X
from ktpe_desktop.imports.xlsx import XlsxFormatError, XlsxWorkbook
from tests.unit.imports import corpus as C

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<workbook xmlns="{MAIN}" '
    f'xmlns:r="{REL}"><sheets><sheet name="Daftar" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="x" '
    'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="y" '
    'Target="sharedStrings.xml"/></Relationships>'
)
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="3"><xf numFmtId="0"/>'
    '<xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>'
)
SHARED = (
    f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>Nama</t></si><si><t>NISN</t></si>'
    '<si><t xml:space="preserve"> Budi &amp; Ani </t></si></sst>'
)
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'mc:Ignorable="x14ac"><dimension ref="A1:E9"/><sheetViews><sheetView workbookViewId="0"/>'
    '</sheetViews><sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
    '<cols><col min="1" max="1" width="9"/></cols><sheetData>'
)
TAIL = (
    '</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
    '<rowBreaks count="1" manualBreakCount="1"><brk id="5" max="16383" man="1"/></rowBreaks>'
    "</worksheet>"
)
# Excel's own way: shared strings, spans, styles, formulas, all the cell types.
EXCEL_ROWS = (
    '<row r="1" spans="1:5" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c>'
    '<c r="B1" t="s"><v>1</v></c><c r="C1" s="1"/></row>'
    '<row r="2" spans="1:5"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>7123456789</v></c>'
    '<c r="C2" s="1"><v>39153</v></c><c r="D2" s="2"><v>39153.5</v></c>'
    '<c r="E2" t="b"><v>1</v></c></row>'
    '<row r="4"><c r="A4" t="str"><f>A2&amp;"x"</f><v>Budi &amp; Ani x</v></c>'
    '<c r="B4"><f t="shared" ref="B4:B5" si="0"/><v>1.5E+3</v></c><c r="C4" t="e"><v>#N/A</v></c>'
    '<c r="D4" t="d"><v>2007-03-12T00:00:00Z</v></c><c r="E4"><f>1+1</f><v></v></c></row>'
    '<row r="5"/><row><c r="A6" t="inlineStr"><is><t xml:space="preserve">  a\r\nb&#13;'
    '&#x41;&lt;&gt;&quot;&apos; </t></is></c><c r="B6" t="inlineStr"><is/></c>'
    '<c r="C6" t="inlineStr"><is><t/></is></c><c r="D6" t="inlineStr"></c><c r="E6" t="n">'
    "<v>-0.25</v></c></row>"
    '<row r="7" ht="30" customHeight="1">\n  <c r="A7" t="inlineStr"><is><t>Zoé 😀</t></is></c>'
    '<c r="B9" t="inlineStr"><is><t>wrong row</t></is></c>\n</row>'
    '<row r="9"><c r="AA9"><v>1</v></c><c r="A9" t="inlineStr"><is><t>x</t></is></c>'
    '<c r="A9" t="inlineStr"><is><t>later wins</t></is></c><c r="ZZZ9"><v>2</v></c></row>'
)
WANTED: tuple[frozenset[int] | None, ...] = (
    frozenset({0, 1, 2, 3, 4}),
    frozenset({1, 3}),
    frozenset({26}),
    frozenset(),
    None,
)


def _book(tmp_path: Path, sheet: str | bytes, name: str = "s.xlsx") -> Path:
    """A workbook whose one sheet is ``sheet`` (text is written as UTF-8, lone
    surrogates as the bytes they escape: invalid UTF-8)."""
    if isinstance(sheet, str):
        sheet = sheet.encode("utf-8", errors="surrogateescape")
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/styles.xml", STYLES)
        z.writestr("xl/sharedStrings.xml", SHARED)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


Rows = list[tuple[int, list[X.CellValue]]]


def _both(path: Path, wanted: frozenset[int] | None) -> tuple[Rows, Rows]:
    with XlsxWorkbook(str(path)) as book:
        part = book.sheets[0][1]
        return list(book.rows(0, wanted)), list(book._tree_rows(part, wanted))


def _scan(path: Path, wanted: frozenset[int] | None) -> Rows:
    with XlsxWorkbook(str(path)) as book:
        return list(book._scan_rows(book.sheets[0][1], wanted))


@pytest.mark.parametrize("wanted", WANTED)
def test_excel_shapes_are_scanned_like_the_tree_reader(
    tmp_path: Path, wanted: frozenset[int] | None
) -> None:
    path = _book(tmp_path, HEAD + EXCEL_ROWS + TAIL)
    scanned = _scan(path, wanted)  # no hand-over: these shapes are the scan's own
    rows, tree = _both(path, wanted)
    assert scanned == rows == tree
    if wanted is None:
        values = dict(scanned)
        assert values[1][:2] == ["Nama", "NISN"]
        assert values[2] == [" Budi & Ani ", 7123456789, datetime(2007, 3, 12),
                             datetime(2007, 3, 12, 12), True]  # fmt: skip
        assert values[4] == ["Budi & Ani x", 1500.0, "#N/A", datetime(2007, 3, 12), None]
        assert values[5] == [] and 6 in values
        assert values[6] == ["  a\nb\rA<>\"' ", "", "", None, -0.25]
        assert values[7][:2] == ["Zoé 😀", "wrong row"]
        assert values[9][0] == "later wins" and len(values[9]) == 27


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="1"><!-- a comment --><c r="A1"><v>1</v></c></row>',
        '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<b>]]></t></is></c></row>',
        "<row r=\"1\"><c r='A1'><v>1</v></c></row>",
        '<row r="1"><c t="n" r="A1"><v>1</v></c></row>',
        '<row r="1"><c><v>1</v></c><c><v>2</v></c></row>',
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c></row>',
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t><rPh sb="0" eb="1"><t>x</t></rPh>'
        "</is></c></row>",
        '<row r="1"><c r="A1">\n  <v>1</v>\n</c></row>',
        '<row r="1"><c r="A1" t="s&quot;"><v>1</v></c></row>',
        '<row r="1"><x:c xmlns:x="' + MAIN + '" r="A1"><x:v>5</x:v></x:c></row>',
        '<row r="1" xmlns="urn:other"><c r="A1"><v>1</v></c></row>',
        '<row r="1"><c r="A1"><v>1</v><extLst/></c></row>',
        '<row r="1"><c r="A1"><c r="B1"><v>1</v></c></c></row>',
        '<row r="1"><c r="A1"><v>1</v></c></row><c r="B2"><v>2</v></c>',
        '<row r="1"><c r="a1"><v>1</v></c></row>',
        '<row r="1"><c r="ABCD1"><v>1</v></c></row>',
        '<row r="1"><?pi <c r="A1"/>?><c r="B1"><v>1</v></c></row>',
        '<row r="1"><c r="A1" t="n" s="1"><v>1</v></c></row>',  # t before s
        '<row r="1"><c r="A1" cm="1"><f t="array" ref="A1">1</f><v>1</v></c></row>',
        '<row r="1"><c r="A1" t="inlineStr"><is><t foo="x">a</t></is></c></row>',
        '<row r="1"><c r="A1"><f ref="A1" t="shared" si="0">1</f><v>1</v></c></row>',
    ],
)
def test_unknown_shapes_hand_over_to_the_tree_reader(tmp_path: Path, rows: str) -> None:
    path = _book(tmp_path, HEAD + rows + TAIL)
    for wanted in WANTED:
        with pytest.raises(X._NotStandard):
            _scan(path, wanted)
        try:
            rows_got, tree = _both(path, wanted)
        except XlsxFormatError:
            with pytest.raises(X.DAMAGE), XlsxWorkbook(str(path)) as book:
                list(book._tree_rows(book.sheets[0][1], wanted))
        else:
            assert rows_got == tree


@pytest.mark.parametrize(
    "sheet",
    [
        HEAD.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"') + EXCEL_ROWS + TAIL,
        HEAD.replace("?>\r\n<worksheet", '?>\r\n<!DOCTYPE worksheet [<!ENTITY e "x">]><worksheet')
        + EXCEL_ROWS.replace("Zoé", "Zo&e;")
        + TAIL,
        HEAD.replace("<sheetData>", "<sheetData/>") + TAIL.replace("</sheetData>", ""),
        HEAD.replace("<sheetData>", f'<x:sheetData xmlns:x="{MAIN}">')
        + EXCEL_ROWS.replace("<row", "<x:row").replace("</row>", "</x:row>")
        + TAIL.replace("</sheetData>", "</x:sheetData>"),
        HEAD + EXCEL_ROWS + TAIL.replace("</worksheet>", '<row r="99"/></worksheet>'),
    ],
    ids=["latin-1", "doctype", "empty", "prefixed", "row-after-sheetdata"],
)
def test_unknown_parts_hand_over(tmp_path: Path, sheet: str) -> None:
    data = sheet.encode("latin-1" if "ISO-8859-1" in sheet else "utf-8", errors="replace")
    path = _book(tmp_path, data)
    for wanted in WANTED:
        with pytest.raises(X._NotStandard):
            _scan(path, wanted)
        rows, tree = _both(path, wanted)
        assert rows == tree


def test_hand_over_in_the_middle_of_a_long_sheet(tmp_path: Path) -> None:
    """Rows already given by the scan are not given twice by the tree reader."""
    body = rows_xml(20_000)
    middle = body.index('<row r="15000">')
    path = _book(tmp_path, HEAD + body[:middle] + "<!-- x -->" + body[middle:] + TAIL)
    for wanted in (frozenset({1}), None):
        rows, tree = _both(path, wanted)
        assert rows == tree and len(rows) == 20_000


def rows_xml(rows: int) -> str:
    """Rows 1..``rows`` of a sheet part: "siswa n" in A (inline), n in B."""
    return "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>siswa {n}</t></is></c>'
        f'<c r="B{n}"><v>{n}</v></c></row>'
        for n in range(1, rows + 1)
    )


def _long_sheet(rows: int) -> str:
    return HEAD + rows_xml(rows) + TAIL


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "xlsx-read"]


def test_damage_deep_in_a_long_part_is_refused_and_the_reader_stops(tmp_path: Path) -> None:
    """The blocks after the second are read ahead on a thread: a damaged deflate stream
    there is still refused in its turn (as by the tree reader), and no reader is left."""
    path = _book(tmp_path, _long_sheet(20_000))
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    data = path.read_bytes()
    # The member's data follows its 30-byte local header, name and extra field.
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    for at in (0.6, 0.9, 0.999):
        damaged = bytearray(data)
        damaged[start + int(info.compress_size * at)] ^= 0x55
        bad = tmp_path / f"bad{at}.xlsx"
        bad.write_bytes(damaged)
        with XlsxWorkbook(str(bad)) as book:
            with pytest.raises(XlsxFormatError):
                list(book.rows(0, frozenset({1})))
            with pytest.raises(X.DAMAGE):
                list(book._tree_rows(book.sheets[0][1], frozenset({1})))
        assert not _reader_threads()


def test_a_scan_stopped_early_stops_its_reader(tmp_path: Path) -> None:
    path = _book(tmp_path, _long_sheet(20_000))
    with XlsxWorkbook(str(path)) as book:
        rows = book.rows(0)
        for number, _values in rows:
            if number == 9_000:  # past the blocks read when asked for
                break
        assert _reader_threads()
        rows.close()
        assert not _reader_threads()
        assert len(list(book.rows(0))) == 20_000


def _edit(old: str, new: str, count: int = -1) -> Callable[[str], str]:
    return lambda s: s.replace(old, new, count)


@pytest.mark.parametrize(
    ("damage", "by_the_scan"),
    [
        (lambda s: s[: len(s) // 2], False),  # truncated
        (_edit("<v>7123456789</v>", "<v>7123\x01456789</v>"), False),  # invalid char
        (_edit("&amp;", "&nbsp;", 1), False),  # undefined entity
        (_edit("</c></row>", "</row>", 1), False),  # unbalanced
        (_edit("Zoé", "Zo\udce9"), True),  # invalid UTF-8
        (lambda s: s + "<junk/>", False),  # junk after the root
        # What the rows' grammar cannot say is checked beside it (no expat there):
        (_edit("Zoé", "Zo\ufffe"), True),  # a non-character
        (_edit("Budi &amp; Ani x", "Budi ]]> x"), False),  # "]]>" in text
        (_edit("Budi &amp; Ani x", "Budi & Ani x"), False),  # a bare "&"
        (_edit("&#13;", "&#1;"), True),  # a reference to a control character
        (_edit("&#13;", "&#xD800;"), True),  # ... to a surrogate
        (_edit("&#13;", "&#x110000;"), False),  # ... beyond Unicode
        (_edit('">\n  <c r="A7"', '">\x0b<c r="A7"'), False),  # vertical tab as space
        (_edit('<row r="2" spans="1:5">', '<row r="2" spans="1:5" spans="1:5">'), True),
        (_edit('<row r="5"/>', '<row r="5" ht="a>b" ht="1"/>'), True),  # ">" in a value
        (_edit('<row r="5"/>', '<row r="5" x14ac:a="1" x14ac:a="2"/>'), True),
        (_edit('<row r="5"/>', '<row r="5" nope:a="1"/>'), True),  # unbound prefix
        (_edit('<row r="5"/>', '<row r="5" x14ac:1a="1"/>'), True),  # not a QName
        (_edit('<row r="5"/>', '<row r="5" x14ac:a:b="1"/>'), False),
        (_edit('<c r="C2" s="1">', '<c r="C2" s="1" s="1">'), False),  # duplicate
        (_edit('<c r="C2" s="1">', '<c r="C2" s="1" r="C2">'), False),
        (_edit('<c r="C2" s="1">', '<c r="C2" s="1"\x01>'), False),
        (_edit('<c r="C2" s="1">', '<c r="C2" s="1\x01">'), False),
        (_edit('<c r="ZZZ9"><v>2</v>', '<c r="ZZZ9"><v>2\x1f</v>'), False),
        (_edit("<sheetData>", "<sheetData a='1' a='2'>"), False),  # outside the rows
        (_edit("<mergeCells", "<mergeCells nope:x='1'"), False),
        # A row whose attributes are the text after another row's r="…", r included,
        # must not vouch for that other row (the per-row check is cached by that text).
        (
            lambda s: s.replace(
                '<row r="1" spans="1:5" x14ac:dyDescent="0.25">', '<row spans="1:5" r="1">'
            ).replace('<row r="2" spans="1:5">', '<row r="2" spans="1:5" r="1">'),
            True,
        ),
    ],
)
def test_damage_fails_as_in_the_tree_reader(
    tmp_path: Path, damage: Callable[[str], str], by_the_scan: bool
) -> None:
    """``by_the_scan``: the rows never go through expat, so the scan's own checks must
    refuse these (not hand them over to the tree reader, which would refuse them too)."""
    sheet = damage(HEAD + EXCEL_ROWS + TAIL)
    assert sheet != HEAD + EXCEL_ROWS + TAIL
    path = _book(tmp_path, sheet)
    for wanted in WANTED:
        if by_the_scan:
            with pytest.raises(X.DAMAGE):
                _scan(path, wanted)
        with XlsxWorkbook(str(path)) as book:
            with pytest.raises(XlsxFormatError):
                list(book.rows(0, wanted))
            with pytest.raises(X.DAMAGE):
                list(book._tree_rows(book.sheets[0][1], wanted))


@pytest.mark.parametrize("fast", [False, True])
def test_corpus_scan_equals_tree(tmp_path: Path, fast: bool) -> None:
    students = C.make_students(300, seed=9)
    path = C.write_dapodik_xlsx(
        tmp_path / "k.xlsx", students, nisn_as_number=True, dates_as_cells=True,
        blank_rows_after=(3, 50), totals=True, second_sheet=True, fast=fast,
    )  # fmt: skip
    with XlsxWorkbook(str(path)) as book:
        for index, (_name, part) in enumerate(book.sheets):
            for wanted in (frozenset({0, 1, 4, 6, 7, 42}), None):
                scanned = list(book._scan_rows(part, wanted))
                assert scanned == list(book._tree_rows(part, wanted))
                assert scanned == list(book.rows(index, wanted))


@pytest.mark.parametrize(
    ("rows", "first_text"),
    [
        # ">" and "]>" in text and values, prefixed row attributes bound on the root,
        # references to allowed characters
        (
            '<row r="1" spans="1:2" x14ac:dyDescent="0.25" mc:Ignorable="x"><c r="A1" '
            't="inlineStr"><is><t>a &gt; b ]> c ]]&gt; &#9;&#x1F600;&#65533;</t></is></c>'
            '<c r="B1" s="1"><v>39153</v></c></row><row r="2" ht="a>b"/>',
            "a > b ]> c ]]> \t😀\ufffd",
        ),
        # white space before a row tag's end (<row r="4" >, <row r="5" />): the
        # row-attribute check must not read on into the cells and take their r="…"
        # for a duplicate attribute
        (
            EXCEL_ROWS.replace('<row r="4">', '<row r="4" >').replace(
                '<row r="5"/>', '<row r="5" ht="1" />'
            ),
            "Nama",
        ),
    ],
    ids=["oddities", "space-before-end"],
)
def test_well_formed_oddities_are_scanned(tmp_path: Path, rows: str, first_text: str) -> None:
    """Valid XML the grammar's checks must not refuse: scanned as the tree reader reads it."""
    path = _book(tmp_path, HEAD + rows + TAIL)
    for wanted in WANTED:
        assert _scan(path, wanted) == list(_both(path, wanted)[1])
    assert _scan(path, None)[0][1][0] == first_text


_PIECES = (
    "<", ">", "&", "]", "]]>", "\x00", "\x0b", "\x1f", "\ufffe", '"', "'", "=", " ", "\t",
    "/", ":", "x", "r", "s", "#", ";", "&#1;", "&#65;", ' r="1"', ' s="1"', ' x14ac:a="1"',
    ' q:a="1"', "<c/>", "<!--", "<?p?>", "é", "<v>", "</v>", "<row>", "</row>",
)  # fmt: skip


def test_random_damage_is_read_or_refused_as_by_the_tree_reader(tmp_path: Path) -> None:
    """300 random edits of the rows (inserted, deleted, replaced pieces of XML): the
    scan and its hand-over give what the tree reader gives, or both refuse the file."""
    rnd = random.Random(18)
    sheet = HEAD + EXCEL_ROWS + TAIL
    start, end = sheet.index("<sheetData>"), sheet.index("</sheetData>") + 12
    agreed_ok = 0
    for n in range(300):
        text = sheet
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randint(start - 20, end + 20)
            edit = rnd.random()
            if edit < 0.5:
                text = text[:at] + rnd.choice(_PIECES) + text[at:]
            elif edit < 0.8:
                text = text[:at] + text[at + rnd.randint(1, 3) :]
            else:
                text = text[:at] + rnd.choice(_PIECES) + text[at + 1 :]
        path = _book(tmp_path, text.encode("utf-8", errors="surrogatepass"), f"r{n % 5}.xlsx")
        for wanted in WANTED:
            with XlsxWorkbook(str(path)) as book:
                try:
                    got: object = list(book.rows(0, wanted))
                except XlsxFormatError:
                    got = "refused"
                try:
                    tree: object = list(book._tree_rows(book.sheets[0][1], wanted))
                except X.DAMAGE:
                    tree = "refused"
            assert got == tree, (n, wanted, text[start:end])
            agreed_ok += got != "refused"
    assert agreed_ok > 100  # the edits leave many files readable, not only broken ones
