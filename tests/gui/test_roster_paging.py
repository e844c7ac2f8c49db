"""The roster's first page holds the rows its table shows and a few more; the rest
is read when the operator scrolls there (issue 18: half of a 50-row page was work
nobody saw on a laptop's screen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ktpe_desktop.services.changes import Change, What
from ktpe_desktop.services.workspace import SEARCH_PAGE_SIZE
from ktpe_desktop.ui.roster_page import (
    FIELD_TABLE_PX,
    FIRST_PAGE_SPARE,
    ROW_PX,
    first_page_rows,
)
from tests.gui.conftest import close_window, logged_in


def test_first_page_rows_covers_what_the_table_shows() -> None:
    assert first_page_rows(489) == 18 + FIRST_PAGE_SPARE  # 17.5 rows shown: 18
    assert first_page_rows(ROW_PX * 10) == 10 + FIRST_PAGE_SPARE
    assert first_page_rows(0) == FIRST_PAGE_SPARE
    assert first_page_rows(5_000) == SEARCH_PAGE_SIZE  # never more than a page


def test_the_first_page_fills_the_table_and_scrolling_reads_the_next(
    qtbot: Any, demo_data: Path
) -> None:
    w = logged_in(qtbot, demo_data)
    assert (w.width(), w.height()) == (1366, 768)
    qtbot.waitUntil(lambda: w.today_page is not None and w.today_page.model.rowCount() > 0)
    assert w.today_page is not None
    today = w.today_page.model
    largest = max(range(today.rowCount()), key=lambda r: getattr(today.item(r), "total", 0))
    students = int(getattr(today.item(largest), "total", 0))
    w.show_tab(0)
    w.today_page.table.setFocus()
    w.today_page.table.selectRow(largest)
    qtbot.keyClick(w.today_page.table, Qt.Key.Key_Return)
    roster = w.roster
    assert roster is not None
    qtbot.waitUntil(lambda: roster.model.rowCount() > 0)
    table = roster.table
    # The field laptops' window: the benchmark's first page is this one.
    assert abs(table.viewport().height() - FIELD_TABLE_PX) < ROW_PX
    first = roster.first_page()
    # The school was opened before its page was on screen (a whole page then); a
    # search typed on the page reads the first page for the table's height.
    qtbot.keyClicks(roster.search, "a")
    qtbot.keyClick(roster.search, Qt.Key.Key_Backspace)
    assert first == first_page_rows(table.viewport().height()) < SEARCH_PAGE_SIZE
    qtbot.waitUntil(lambda: roster.painted_generation == roster.generation)
    assert roster.search.text() == "" and roster.model.rowCount() == first
    qtbot.wait(200)  # the last loaded row is out of view: Qt asks for no more
    assert roster.model.rowCount() == first
    assert roster.model.canFetchMore()
    shown = table.rowAt(table.viewport().height() - 1)
    assert 0 < shown < first - 1
    table.scrollToBottom()
    assert first < students
    qtbot.waitUntil(lambda: roster.model.rowCount() == min(students, first + SEARCH_PAGE_SIZE))
    items = roster.model.items()
    assert len({i.id for i in items}) == len(items)  # no row twice across the pages

    # A sync pulled other stations' events: the page searches again and keeps the
    # operator's selection, even below the first page.
    below = len(items) - 2
    assert below >= first
    table.selectRow(below)
    chosen = roster.selected_student()
    assert chosen is not None
    roster.on_changed(Change(frozenset(), frozenset({What.REMOTE})))
    qtbot.waitUntil(lambda: roster.painted_generation == roster.generation)
    kept = roster.selected_student()
    assert kept is not None and kept.id == chosen.id
    close_window(w)
