"""Helpers shared by the dialogs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
)

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.ui.i18n import current_language


def make_table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(28)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def set_column_widths(view: QTableView, widths: tuple[int, ...]) -> None:
    """The first columns' widths, each at least as wide as its header's text (a bold
    header is wider in one language than in the other: "Percobaan" / "Attempts")."""
    header = view.horizontalHeader()
    for col, width in enumerate(widths):
        view.setColumnWidth(col, max(width, header.sectionSizeHint(col)))


def error_text(exc: BaseException) -> str | None:
    return exc.text(current_language()) if isinstance(exc, KnownError) else None
