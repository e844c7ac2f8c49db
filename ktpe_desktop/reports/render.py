"""Lay a :class:`~ktpe_desktop.reports.document.DocumentSpec` out on paper, with Qt.

The HTML blocks of a template are laid out by ``QTextDocument``; the tables are
laid out here, row by row, so that

* a row is never cut across two pages (a row that does not fit starts the next
  page) and the table's header row is repeated at the top of every page;
* every page gets the running footer: the document, the laptop, the print time,
  the sync receipt (bold "BELUM TERSINKRON" when not all acknowledged) and
  "Halaman X dari Y" — ``QTextDocument`` alone has no running footers;
* a 1,500-student list costs a few hundred milliseconds, not seconds
  (``QTextDocument`` needs ~1.5 s to lay out and paint such a table).

Coordinates are *layout units* of 1/96 inch (CSS pixels, so the templates' ``px``
mean what they mean in a browser). A page is painted by :meth:`PagedDocument.paint_page`
on any device: the PDF writer and the PNG image run at 96 dpi; a printer at its own
resolution gets a scaled painter. Works headless: :func:`ensure_gui_application`
creates a ``QGuiApplication`` (``offscreen`` without a display) when there is none.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    QSizeF,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.reports.document import (
    DocumentSpec,
    FooterSpec,
    HtmlSpec,
    PageBreakSpec,
    RuleSpec,
    SpaceSpec,
    TableSpec,
    page_label,
)
from ktpe_desktop.reports.files import write_file_atomically

LAYOUT_DPI = 96.0
MM = LAYOUT_DPI / 25.4
PT = LAYOUT_DPI / 72.0

#: The reports' faces, shipped in ``resources/fonts`` under the SIL OFL 1.1: Liberation
#: Serif / Mono 2.1.5 (Serif is metric-compatible with Times New Roman, what office
#: letters use) renamed "KTPE Serif" / "KTPE Mono" so that no other installed version
#: can be mixed in (resources/fonts/README.txt). They are loaded into Qt's application
#: font database before any report is laid out, so a Berita Acara is laid out and drawn
#: the same on Windows and Linux; the other names are only a safety net for a broken
#: install (the self-test fails then).
REPORT_SERIF = "KTPE Serif"
REPORT_MONO = "KTPE Mono"
SERIF_FAMILIES = [REPORT_SERIF, "Times New Roman", "Liberation Serif", "DejaVu Serif"]
FONT_FILES = (
    "KTPESerif-Regular.ttf",
    "KTPESerif-Bold.ttf",
    "KTPESerif-Italic.ttf",
    "KTPESerif-BoldItalic.ttf",
    "KTPEMono-Regular.ttf",
)

PAPERS = ("A4", "F4")

# Margins (mm) as Indonesian office letters use them: a wider left margin for binding.
MARGIN_LEFT_MM = 25.0
MARGIN_RIGHT_MM = 20.0
MARGIN_TOP_MM = 15.0
MARGIN_BOTTOM_MM = 10.0
FOOTER_HEIGHT_MM = 13.0
FOOTER_PT = 7.5
FOOTER_MIN_PT = 5.5
CELL_PAD_X_MM = 1.2
CELL_PAD_Y_MM = 0.55
HEADER_FILL = QColor(232, 232, 232)
PARAF_BOX_W_MM = 24.0
#: A table starts a page with at least this many rows (or all of a shorter one), and
#: a continued table brings at least this many to its last page.
MIN_ROWS_AT_START = 3
MIN_ROWS_AT_END = 2
PARAF_PT = 6.0
BORDER_PT = 0.6

_app: QGuiApplication | None = None
_none_guarded = False
_fonts_loaded: tuple[str, ...] | None = None


def load_report_fonts() -> tuple[str, ...]:
    """Add the shipped report fonts to Qt's font database (once per process).

    Returns:
        The families loaded (``("KTPE Serif", "KTPE Mono")``).

    Raises:
        KnownError: a font file is missing or unreadable (a broken installation).
    """
    global _fonts_loaded
    if _fonts_loaded is not None:
        return _fonts_loaded
    from PySide6.QtGui import QFontDatabase

    from ktpe_desktop.paths import resource

    families: list[str] = []
    for name in FONT_FILES:
        path = resource("fonts", name)
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise KnownError(
                f"Huruf laporan tidak dapat dimuat: {path}. Pasang ulang aplikasi.",
                f"The report font cannot be loaded: {path}. Reinstall the app.",
                code="report_font_missing",
            )
        for family in QFontDatabase.applicationFontFamilies(font_id):
            if family not in families:
                families.append(family)
    _fonts_loaded = tuple(families)
    return _fonts_loaded


def guard_none_refcount() -> bool:
    """Work around PySide6 6.12 on CPython 3.11 dropping a reference to ``None``.

    With these wheels every void method (``QPainter.drawRect``, ``QFont.setBold`` …)
    returns ``None`` without a new reference, so ``None``'s count falls by one per
    call and the process aborts ("none_dealloc") after a few thousand calls — one
    Berita Acara is enough. CPython 3.12 made ``None`` immortal; on 3.11 the count
    is lifted out of reach instead, once per process, when the defect is detected.

    Returns:
        True when the guard was applied (now or before).
    """
    global _none_guarded
    if _none_guarded or sys.version_info >= (3, 12):
        return _none_guarded
    probe = QFont()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setBold(True)
    if sys.getrefcount(None) - before <= -16:
        import ctypes

        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48
        _none_guarded = True
    return _none_guarded


def ensure_gui_application() -> QGuiApplication:
    """The running ``QGuiApplication``, or a new one (``offscreen`` when headless)."""
    global _app
    guard_none_refcount()
    existing = QGuiApplication.instance()
    if isinstance(existing, QGuiApplication):
        load_report_fonts()
        return existing
    if existing is not None:
        raise RuntimeError("a QCoreApplication without GUI support is running")
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A QApplication (widgets), not a bare QGuiApplication: Qt allows one application
    # object per process, and the window, the print dialog or the self-test may
    # need widgets after a headless report was rendered.
    from PySide6.QtWidgets import QApplication

    _app = QApplication([sys.argv[0] if sys.argv else "ktpe-desktop"])
    load_report_fonts()
    return _app


def page_size(paper: str) -> QPageSize:
    """A4 (210 × 297 mm) or F4 (215 × 330 mm, the Indonesian "folio").

    Raises:
        KnownError: another paper name.
    """
    name = paper.upper()
    if name == "A4":
        return QPageSize(QPageSize.PageSizeId.A4)
    if name == "F4":
        return QPageSize(
            QSizeF(215.0, 330.0),
            QPageSize.Unit.Millimeter,
            "F4 (215 x 330 mm)",
            QPageSize.SizeMatchPolicy.ExactMatch,
        )
    raise KnownError(
        f"Ukuran kertas {paper!r} tidak dikenal; pilih A4 atau F4.",
        f"Unknown paper size {paper!r}; choose A4 or F4.",
        code="bad_paper",
    )


def serif(pt: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(SERIF_FAMILIES)
    font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSizeF(pt)
    font.setBold(bold)
    # Unhinted glyph advances on every device: the layout is measured on the PDF
    # device, and hinting on a screen or image would widen text past its measure.
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


@dataclass(frozen=True, slots=True)
class PageGeometry:
    width: float
    height: float
    left: float
    right: float  # x of the right margin
    top: float
    bottom: float  # y where the content area ends (the footer begins below)
    footer_top: float

    @property
    def content_width(self) -> float:
        return self.right - self.left

    @property
    def content_height(self) -> float:
        return self.bottom - self.top


def page_geometry(paper: str, landscape: bool) -> tuple[QPageLayout, PageGeometry]:
    orientation = (
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    layout = QPageLayout(page_size(paper), orientation, QMarginsF(0, 0, 0, 0))
    full = layout.fullRect(QPageLayout.Unit.Millimeter)
    width, height = full.width() * MM, full.height() * MM
    footer_top = height - (MARGIN_BOTTOM_MM + FOOTER_HEIGHT_MM) * MM
    geometry = PageGeometry(
        width=width,
        height=height,
        left=MARGIN_LEFT_MM * MM,
        right=width - MARGIN_RIGHT_MM * MM,
        top=MARGIN_TOP_MM * MM,
        bottom=footer_top - 2.0 * MM,
        footer_top=footer_top,
    )
    return layout, geometry


# --------------------------------------------------------------------------- blocks


class _Fonts:
    """Fonts measured on the layout device, drawn on any device.

    ``QPainter.setFont`` resolves point sizes against the *painting* device; when
    that device is not at :data:`LAYOUT_DPI` (a printer) the painter is scaled, so
    the point size is divided by the same factor to keep the glyphs' size.
    """

    def __init__(self, device: QPaintDevice) -> None:
        self.device = device
        self._metrics: dict[tuple[float, bool], QFontMetricsF] = {}

    def metrics(self, pt: float, bold: bool) -> QFontMetricsF:
        key = (pt, bold)
        found = self._metrics.get(key)
        if found is None:
            found = self._metrics[key] = QFontMetricsF(serif(pt, bold=bold), self.device)
        return found

    @staticmethod
    def for_painter(painter: QPainter, pt: float, bold: bool = False) -> QFont:
        device = painter.device()
        dpi = device.logicalDpiY() if device is not None else LAYOUT_DPI
        key = (pt, bold, dpi)
        font = _PAINT_FONTS.get(key)
        if font is None:
            font = _PAINT_FONTS[key] = serif(pt * LAYOUT_DPI / dpi, bold=bold)
        return font


#: Fonts for painting by (point size, bold, device dpi): a page paints the same few
#: fonts hundreds of times, and a QFont is a value.
_PAINT_FONTS: dict[tuple[float, bool, int], QFont] = {}


@dataclass
class _Html:
    doc: QTextDocument
    height: float
    keep_with_next: bool = False
    signatures: bool = False
    keep_rows: int = 0
    keep_next: bool = False  # marked "@keepnext" in the template

    def cut_positions(self) -> list[float]:
        """The y of every line bottom: where the block may be cut if it must be."""
        cuts: list[float] = []
        layout = self.doc.documentLayout()
        block = self.doc.begin()
        while block.isValid():
            rect = layout.blockBoundingRect(block)
            text_layout = block.layout()
            for i in range(text_layout.lineCount()):
                line = text_layout.lineAt(i)
                cuts.append(rect.top() + line.y() + line.height())
            block = block.next()
        return sorted(cuts)


@dataclass
class _Rule:
    style: str
    height: float = 2.2 * MM


@dataclass
class _Space:
    height: float


@dataclass
class _Break:
    pass


@dataclass
class _TableRow:
    cells: tuple[str, ...]
    bold: bool
    height: float
    span: bool = False  # one cell across the whole width (the "Nihil" row)
    #: Each cell's text advance when it fits on one line (painted at a point, with no
    #: line breaking), None when it wraps (painted in its rectangle, word-wrapped).
    advances: tuple[float | None, ...] = ()


@dataclass
class _Table:
    spec: TableSpec
    x: list[float]  # left edge of each column (relative to the content's left)
    widths: list[float]
    header: _TableRow
    rows: list[_TableRow] = field(default_factory=list)
    caption_height: float = 0.0  # the caption repeated above a continued table

    def min_height(self) -> float:
        """The header and the first rows a table starts a page with (a heading keeps
        them with it): :data:`MIN_ROWS_AT_START`, or all when fewer."""
        return self.header.height + sum(r.height for r in self.rows[:MIN_ROWS_AT_START])


_Block = _Html | _Rule | _Space | _Break | _Table


@dataclass(frozen=True, slots=True)
class FooterText:
    """One text of a page's footer: its place (layout units), size and weight."""

    rect: QRectF
    text: str
    pt: float
    bold: bool
    right: bool = False  # aligned to the right of its place


_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft,
    "center": Qt.AlignmentFlag.AlignHCenter,
    "right": Qt.AlignmentFlag.AlignRight,
}


def _text_height(fm: QFontMetricsF, text: str, width: float) -> float:
    if not text or fm.horizontalAdvance(text) <= width:
        return fm.height()
    flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
    return fm.boundingRect(QRectF(0, 0, width, 1e7), flags, text).height()


class _Advances:
    """Text advances of one font, each distinct text measured once (a list repeats
    its classes, "L"/"P" and statuses on every row)."""

    def __init__(self, fm: QFontMetricsF) -> None:
        self.fm = fm
        self._known: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        found = self._known.get(text)
        if found is None:
            found = self._known[text] = self.fm.horizontalAdvance(text)
        return found


def _column_widths(spec: TableSpec, width: float, fonts: _Fonts) -> list[float]:
    """Widths by weight, widened where a header word or a one-word cell would not fit.

    Words are never broken: a column gets at least the width of its longest header
    word (bold) and of its longest short value; what it gains is taken from the
    columns that have room to spare, in proportion to that room.
    """
    pad = 2 * CELL_PAD_X_MM * MM + 0.5
    bold = fonts.metrics(spec.font_pt, True)
    regular = fonts.metrics(spec.font_pt, False)
    total = sum(c.weight for c in spec.columns)
    widths = [width * c.weight / total for c in spec.columns]
    need = []
    for i, column in enumerate(spec.columns):
        words = [bold.horizontalAdvance(w) for w in column.title.split()]
        for r in spec.rows[:200]:
            text = r.cells[i]
            if text and " " not in text:
                words.append((bold if r.bold else regular).horizontalAdvance(text))
        need.append(max(words, default=0.0) + pad)
    short = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
    if short <= 0:
        return widths
    spare = [max(0.0, w - n) for n, w in zip(need, widths, strict=True)]
    room = sum(spare)
    if room <= 0:
        return widths
    take = min(1.0, short / room)
    return [
        max(n, w) if n > w else w - s * take for n, w, s in zip(need, widths, spare, strict=True)
    ]


def _build_table(spec: TableSpec, width: float, fonts: _Fonts) -> _Table:
    widths = _column_widths(spec, width, fonts)
    xs: list[float] = []
    acc = 0.0
    for w in widths:
        xs.append(acc)
        acc += w
    pad_x, pad_y = CELL_PAD_X_MM * MM, CELL_PAD_Y_MM * MM

    advances = {
        False: _Advances(fonts.metrics(spec.font_pt, False)),
        True: _Advances(fonts.metrics(spec.font_pt, True)),
    }
    inner = [w - 2 * pad_x for w in widths]

    def row(cells: Sequence[str], bold: bool, span: bool = False) -> _TableRow:
        fm = fonts.metrics(spec.font_pt, bold)
        if span:
            height = _text_height(fm, cells[0], width - 2 * pad_x)
            return _TableRow(tuple(cells), bold, height + 2 * pad_y, span)
        measure = advances[bold]
        line = fm.height()
        height = line
        fits: list[float | None] = []
        for text, room in zip(cells, inner, strict=True):
            advance = measure(text) if text else 0.0
            if advance <= room:
                fits.append(advance)
            else:
                fits.append(None)
                height = max(height, _text_height(fm, text, room))
        return _TableRow(tuple(cells), bold, height + 2 * pad_y, span, tuple(fits))

    def body_row(cells: Sequence[str], bold: bool) -> _TableRow:
        made = row(cells, bold)
        made.height = max(made.height, spec.row_min_mm * MM)
        return made

    table = _Table(spec, xs, widths, row([c.title for c in spec.columns], True))
    if spec.caption:
        table.caption_height = fonts.metrics(spec.font_pt, True).height() + 2 * pad_y
    if spec.rows:
        table.rows = [body_row(r.cells, r.bold) for r in spec.rows]
    else:
        table.rows = [row([spec.empty_text], False, span=True)]
    return table


#: Pixels per QR module in the embedded image (the PDF keeps the image whole, so the
#: modules stay sharp at any zoom; the HTML sets the printed size).
QR_PIXELS_PER_MODULE = 8


def qr_image(matrix: Sequence[Sequence[bool]]) -> QImage:
    """A QR matrix as a black-on-white image, :data:`QR_PIXELS_PER_MODULE` per module."""
    size = len(matrix)
    px = QR_PIXELS_PER_MODULE
    image = QImage(size * px, size * px, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        black = QColor("black")
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(x * px, y * px, px, px, black)
    finally:
        painter.end()
    return image


def _build_html(
    html: str,
    width: float,
    device: QPaintDevice,
    font_pt: float,
    images: dict[str, QImage] | None = None,
) -> _Html:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setUseDesignMetrics(True)
    doc.setDocumentMargin(0)
    doc.setDefaultFont(serif(font_pt))
    for name, image in (images or {}).items():
        if name in html:
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(html)
    doc.setTextWidth(width)
    return _Html(doc, doc.size().height())


# --------------------------------------------------------------------------- pagination


@dataclass
class _Placed:
    block: _Html | _Rule | _Table
    y: float
    start: int = 0  # table: first row on this page
    end: int = 0  # table: the row after the last on this page
    offset: float = 0.0  # html cut across pages: where this slice starts in the block
    slice_height: float = 0.0  # html cut across pages: the slice's height (0: whole)


@dataclass
class _Page:
    items: list[_Placed] = field(default_factory=list)


class PagedDocument:
    """A report laid out on pages: paint any page on any device, or write a PDF."""

    def __init__(self, spec: DocumentSpec, paper: str = "A4") -> None:
        ensure_gui_application()
        self.spec = spec
        self.paper = paper.upper()
        self.page_layout, self.geometry = page_geometry(paper, spec.landscape)
        # Measure on a PDF device at LAYOUT_DPI (unhinted metrics, as in the output).
        self._buffer = QBuffer()
        self._device = QPdfWriter(self._buffer)
        self._device.setResolution(int(LAYOUT_DPI))
        self._device.setPageLayout(self.page_layout)
        self._fonts = _Fonts(self._device)
        self._images = {name: qr_image(matrix) for name, matrix in spec.qr_codes.items()}
        self._blocks = [self._build(b) for b in spec.blocks]
        self._mark_keep_with_next()
        self.pages = self._paginate()
        #: The pages that carry the signed block (the others get paraf boxes).
        self.signature_pages = {
            i
            for i, page in enumerate(self.pages)
            if any(isinstance(it.block, _Html) and it.block.signatures for it in page.items)
        }

    # ---------------------------------------------------------------- layout

    def _build(self, block: object) -> _Block:
        width = self.geometry.content_width
        if isinstance(block, HtmlSpec):
            built = _build_html(block.html, width, self._device, self.spec.font_pt, self._images)
            built.signatures = block.signatures
            built.keep_rows = block.keep_rows
            built.keep_next = block.keep_with_next
            return built
        if isinstance(block, TableSpec):
            return _build_table(block, width, self._fonts)
        if isinstance(block, RuleSpec):
            return _Rule(block.style)
        if isinstance(block, SpaceSpec):
            return _Space(block.mm * MM)
        if isinstance(block, PageBreakSpec):
            return _Break()
        raise TypeError(f"unknown block {block!r}")

    def _mark_keep_with_next(self) -> None:
        # A heading (HTML block) stays with what follows it up to the next table's
        # first rows, across any spaces in between; a block marked "@keepnext" (the
        # "Lampiran II …" line over the list's title) stays with the next one too.
        following: _Block | None = None
        for block in reversed(self._blocks):
            if isinstance(block, _Space):
                continue
            if isinstance(block, _Html):
                block.keep_with_next = isinstance(following, _Table) or (
                    block.keep_next and isinstance(following, _Html) and following.keep_with_next
                )
            following = block

    def _next_min_height(self, index: int) -> float:
        need = 0.0
        for after in self._blocks[index + 1 :]:
            if isinstance(after, _Space):
                need += after.height
                continue
            if isinstance(after, _Html) and after.keep_with_next:
                need += after.height
                continue
            if isinstance(after, _Table):
                need += after.min_height()
            break
        return need

    def _paginate(self) -> list[_Page]:
        g = self.geometry
        pages = [_Page()]
        y = g.top

        def new_page() -> None:
            nonlocal y
            pages.append(_Page())
            y = g.top

        for index, block in enumerate(self._blocks):
            page = pages[-1]
            if isinstance(block, _Break):
                if page.items:
                    new_page()
                continue
            if isinstance(block, _Space):
                if page.items:  # no space at the top of a page
                    y = min(y + block.height, g.bottom)
                continue
            if isinstance(block, _Rule):
                if y + block.height > g.bottom and page.items:
                    new_page()
                pages[-1].items.append(_Placed(block, y))
                y += block.height
                continue
            if isinstance(block, _Html):
                need = block.height
                if block.keep_with_next:
                    need += self._next_min_height(index)
                if block.keep_rows and y + need > g.bottom and page.items:
                    last = page.items[-1]
                    table = last.block
                    if isinstance(table, _Table) and last.end - last.start > block.keep_rows:
                        # Carry the table's last rows over, so the block is not alone.
                        cut = last.end - block.keep_rows
                        moved = last.end
                        last.end = cut
                        new_page()
                        pages[-1].items.append(_Placed(table, y, start=cut, end=moved))
                        y += table.caption_height + table.header.height
                        y += sum(r.height for r in table.rows[cut:moved])
                if y + need > g.bottom and page.items and need <= g.content_height:
                    new_page()
                if y + block.height <= g.bottom:
                    pages[-1].items.append(_Placed(block, y))
                    y += block.height
                    continue
                # Taller than what is left of an empty page: cut at line bottoms.
                cuts = block.cut_positions()
                offset = 0.0
                while offset < block.height - 0.01:
                    room = g.bottom - y
                    fitting = [c for c in cuts if offset < c <= offset + room]
                    end = fitting[-1] if fitting else min(offset + room, block.height)
                    if not fitting and pages[-1].items and room < g.content_height:
                        new_page()
                        continue
                    pages[-1].items.append(
                        _Placed(block, y, offset=offset, slice_height=end - offset)
                    )
                    y += end - offset
                    offset = end
                    if offset < block.height - 0.01:
                        new_page()
                continue
            # A table: rows in order, header repeated on each page, no row cut; it
            # starts with a few rows or on the next page, and a page never carries a
            # continued table's last row alone (no orphan or widow rows).
            rows = block.rows
            i = 0
            while i < len(rows):
                # A continued table repeats its caption ("Kelas X-1 (lanjutan)") too.
                cap = block.caption_height if i > 0 else 0.0
                need = rows[i].height if i else block.min_height() - block.header.height
                if y + cap + block.header.height + need > g.bottom and pages[-1].items:
                    new_page()
                start = i
                row_y = y + cap + block.header.height
                # At least one row per page, even one taller than the page (clipped).
                while i < len(rows) and (i == start or row_y + rows[i].height <= g.bottom):
                    row_y += rows[i].height
                    i += 1
                left = len(rows) - i
                if 0 < left < MIN_ROWS_AT_END and i - start > MIN_ROWS_AT_END:
                    moved = MIN_ROWS_AT_END - left
                    row_y -= sum(r.height for r in rows[i - moved : i])
                    i -= moved
                pages[-1].items.append(_Placed(block, y, start=start, end=i))
                y = row_y
                if i < len(rows):
                    new_page()
        if not pages[-1].items and len(pages) > 1:
            pages.pop()
        return pages

    # ---------------------------------------------------------------- painting

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def paint_page(self, painter: QPainter, index: int) -> None:
        """Paint page ``index`` (0-based); the painter's units are layout units."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        for item in self.pages[index].items:
            block = item.block
            if isinstance(block, _Html):
                self._paint_html(painter, item, block)
            elif isinstance(block, _Rule):
                self._paint_rule(painter, item.y, block)
            else:
                self._paint_table(painter, item, block)
        self._paint_footer(painter, index)
        painter.restore()

    def _paint_html(self, painter: QPainter, item: _Placed, block: _Html) -> None:
        offset = item.offset
        height = item.slice_height or block.height
        painter.save()
        painter.translate(self.geometry.left, item.y - offset)
        clip = QRectF(0, offset, self.geometry.content_width, height)
        painter.setClipRect(clip)
        block.doc.drawContents(painter, clip)
        painter.restore()

    def _paint_rule(self, painter: QPainter, y: float, rule: _Rule) -> None:
        g = self.geometry
        painter.save()
        if rule.style == "double":
            thick = 2.2 * PT
            painter.setPen(QPen(QColor("black"), thick))
            y1 = y + 0.6 * MM
            painter.drawLine(QPointF(g.left, y1), QPointF(g.right, y1))
            painter.setPen(QPen(QColor("black"), 0.7 * PT))
            y2 = y1 + thick / 2 + 0.9 * MM
            painter.drawLine(QPointF(g.left, y2), QPointF(g.right, y2))
        else:
            painter.setPen(QPen(QColor("black"), 0.8 * PT))
            painter.drawLine(QPointF(g.left, y + 1.0 * MM), QPointF(g.right, y + 1.0 * MM))
        painter.restore()

    def _paint_table(self, painter: QPainter, item: _Placed, table: _Table) -> None:
        g = self.geometry
        spec = table.spec
        pad_x, pad_y = CELL_PAD_X_MM * MM, CELL_PAD_Y_MM * MM
        pen = QPen(QColor("black"), BORDER_PT * PT)
        fonts = {
            False: _Fonts.for_painter(painter, spec.font_pt),
            True: _Fonts.for_painter(painter, spec.font_pt, True),
        }
        # Where a one-line cell's baseline sits below the cell's vertical centre.
        metrics = {b: self._fonts.metrics(spec.font_pt, b) for b in (False, True)}
        baseline = {b: m.ascent() - m.height() / 2 for b, m in metrics.items()}
        width = g.content_width
        painter.save()
        painter.translate(g.left, 0)
        painter.setPen(pen)
        wrap = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignVCenter)
        aligns = [spec.columns[c].align for c in range(len(table.widths))]
        current: list[bool | None] = [None]

        def use(bold: bool) -> None:
            if current[0] is not bold:
                painter.setFont(fonts[bold])
                current[0] = bold

        def draw_cells(row: _TableRow, y: float, header: bool) -> None:
            """The row's text; its borders are drawn as lines for the whole segment."""
            bold = row.bold or header
            use(bold)
            mid = y + row.height / 2 + baseline[bold]
            for col, (x, w) in enumerate(zip(table.x, table.widths, strict=True)):
                text = row.cells[col]
                if not text:
                    continue
                align = "center" if header else aligns[col]
                advance = row.advances[col] if row.advances else None
                if advance is None:  # wraps: Qt breaks the lines inside the cell
                    inner = QRectF(x + pad_x, y + pad_y, w - 2 * pad_x, row.height - 2 * pad_y)
                    painter.drawText(inner, wrap | int(_ALIGN[align]), text)
                    continue
                if align == "left":
                    tx = x + pad_x
                elif align == "right":
                    tx = x + w - pad_x - advance
                else:
                    tx = x + (w - advance) / 2
                painter.drawText(QPointF(tx, mid), text)

        y = item.y
        if item.start > 0 and table.caption_height:
            use(True)
            flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.AlignmentFlag.AlignVCenter)
            painter.drawText(QRectF(0, y, width, table.caption_height), flags, spec.caption)
            y += table.caption_height
        top = y
        rows = table.rows[item.start : item.end]
        painter.fillRect(QRectF(0, y, width, table.header.height), HEADER_FILL)
        if any(r.span for r in rows):  # the one-cell "Nihil" row under the header
            for x, w in zip(table.x, table.widths, strict=True):
                painter.drawRect(QRectF(x, y, w, table.header.height))
            draw_cells(table.header, y, header=True)
            y += table.header.height
            for row in rows:
                rect = QRectF(0, y, width, row.height)
                painter.drawRect(rect)
                use(row.bold)
                inner = rect.adjusted(pad_x, pad_y, -pad_x, -pad_y)
                painter.drawText(inner, wrap | int(Qt.AlignmentFlag.AlignHCenter), row.cells[0])
                y += row.height
            painter.restore()
            return
        # The grid as lines: one per row boundary and one per column edge (a rectangle
        # per cell costs five times as many calls for the same picture).
        edges = [top]
        draw_cells(table.header, y, header=True)
        y += table.header.height
        edges.append(y)
        for row in rows:
            draw_cells(row, y, header=False)
            y += row.height
            edges.append(y)
        right = table.x[-1] + table.widths[-1]
        for edge in edges:
            painter.drawLine(QPointF(0, edge), QPointF(right, edge))
        for x in (*table.x, right):
            painter.drawLine(QPointF(x, top), QPointF(x, y))
        painter.restore()

    def footer_texts(self, index: int) -> list[FooterText]:
        """The footer of page ``index``: where each text goes, at which size.

        A text wider than its place is set smaller (down to :data:`FOOTER_MIN_PT`)
        rather than cut: a footer carries the device id and the print time, which an
        office compares with its records.
        """
        g = self.geometry
        footer: FooterSpec = self.spec.footer
        line_h = self._fonts.metrics(FOOTER_PT, False).height() * 1.05
        y = g.footer_top + 0.8 * MM
        width = g.content_width
        if footer.paraf:
            width -= len(footer.paraf) * (PARAF_BOX_W_MM + 1.5) * MM
        page_text = page_label(index + 1, self.page_count)
        label_w = self._fonts.metrics(FOOTER_PT, True).horizontalAdvance(page_text) + 3 * MM
        texts: list[FooterText] = []

        def add(x: float, y: float, w: float, text: str, bold: bool, right: bool = False) -> None:
            pt = FOOTER_PT
            # Fonts resolve to whole pixels of the layout device: step down until it fits.
            while pt > FOOTER_MIN_PT and self._fonts.metrics(pt, bold).horizontalAdvance(text) > w:
                pt -= 0.25
            texts.append(FooterText(QRectF(x, y, w, line_h), text, pt, bold, right))

        if footer.paraf:
            # Beside the paraf boxes the document line needs the whole width: the page
            # number starts the second line instead.
            add(g.left, y, width, footer.document, False)
            y += line_h
            add(g.left, y, label_w, page_text, True)
            add(g.left + label_w, y, width - label_w, footer.device_line, False)
        else:
            add(g.left, y, width, page_text, True, right=True)
            add(g.left, y, width - label_w, footer.document, False)
            y += line_h
            add(g.left, y, width, footer.device_line, False)
        y += line_h
        add(g.left, y, width, footer.receipt_line, footer.receipt_alarm)
        return texts

    def fitted_advance(self, text: FooterText) -> float:
        """The width ``text`` takes at its size (layout units)."""
        return self._fonts.metrics(text.pt, text.bold).horizontalAdvance(text.text)

    def _paint_footer(self, painter: QPainter, index: int) -> None:
        g = self.geometry
        footer: FooterSpec = self.spec.footer
        painter.save()
        painter.setPen(QPen(QColor("black"), 0.5 * PT))
        painter.drawLine(QPointF(g.left, g.footer_top), QPointF(g.right, g.footer_top))
        if footer.paraf and self.signature_pages and index not in self.signature_pages:
            self._paint_paraf(painter, footer.paraf)
        top = int(Qt.AlignmentFlag.AlignTop)
        for text in self.footer_texts(index):
            painter.setFont(_Fonts.for_painter(painter, text.pt, text.bold))
            side = Qt.AlignmentFlag.AlignRight if text.right else Qt.AlignmentFlag.AlignLeft
            painter.drawText(text.rect, top | int(side), text.text)
        painter.restore()

    def _paint_paraf(self, painter: QPainter, parties: Sequence[str]) -> None:
        """Initials boxes at the right of the footer, one per party."""
        g = self.geometry
        painter.save()
        painter.setPen(QPen(QColor("black"), BORDER_PT * PT))
        painter.setFont(_Fonts.for_painter(painter, PARAF_PT))
        w, h = PARAF_BOX_W_MM * MM, FOOTER_HEIGHT_MM * MM - 1.6 * MM
        x = g.right
        top = g.footer_top + 0.8 * MM
        flags = int(Qt.AlignmentFlag.AlignHCenter) | int(Qt.AlignmentFlag.AlignTop)
        for party in reversed(parties):
            x -= w
            rect = QRectF(x, top, w, h)
            painter.drawRect(rect)
            painter.drawText(
                rect.adjusted(0.5 * MM, 0.4 * MM, -0.5 * MM, 0), flags, f"Paraf {party}"
            )
            x -= 1.5 * MM
        painter.restore()

    # ---------------------------------------------------------------- outputs

    def pdf_bytes(self) -> bytes:
        """The whole document as a PDF (made in memory: no file until it is complete)."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QPdfWriter(buffer)
        writer.setResolution(int(LAYOUT_DPI))
        writer.setPageLayout(self.page_layout)
        writer.setTitle(self.spec.title)
        writer.setCreator("KTP-el Jemput Bola")
        painter = QPainter()
        if not painter.begin(writer):
            raise RuntimeError("QPainter could not start on the PDF writer")
        try:
            for index in range(self.page_count):
                if index:
                    writer.newPage()
                self.paint_page(painter, index)
        finally:
            painter.end()
        buffer.close()
        return bytes(data.data())

    def write_pdf(self, path: str | os.PathLike[str]) -> Path:
        """Write the PDF to ``path`` (a temporary file beside it, then renamed).

        Raises:
            KnownError: the file cannot be written (folder missing, disk full,
                no permission, file open in another program).
        """
        return write_file_atomically(Path(path), self.pdf_bytes())

    def page_image(self, index: int, dpi: float = 110.0) -> QImage:
        """Page ``index`` as a white RGB image at ``dpi`` (for previews and docs)."""
        scale = dpi / LAYOUT_DPI
        image = QImage(
            max(1, round(self.geometry.width * scale)),
            max(1, round(self.geometry.height * scale)),
            QImage.Format.Format_RGB32,
        )
        per_metre = round(LAYOUT_DPI / 0.0254)
        image.setDotsPerMeterX(per_metre)  # fonts resolve at LAYOUT_DPI, the painter scales
        image.setDotsPerMeterY(per_metre)
        image.fill(QColor("white"))
        painter = QPainter(image)
        try:
            painter.scale(scale, scale)
            self.paint_page(painter, index)
        finally:
            painter.end()
        image.setDotsPerMeterX(round(dpi / 0.0254))
        image.setDotsPerMeterY(round(dpi / 0.0254))
        return image


def render(spec: DocumentSpec, paper: str = "A4") -> PagedDocument:
    """Lay ``spec`` out on ``paper`` ("A4" or "F4")."""
    return PagedDocument(spec, paper)
