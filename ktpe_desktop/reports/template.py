"""Report templates: HTML with ``$placeholders`` and ``<!-- @marker -->`` blocks (Qt-free).

A template in ``ktpe_desktop/resources/templates/`` is plain HTML that ``QTextDocument`` can
show, cut into blocks by marker comments that the renderer draws itself:

* ``<!-- @table NAME -->`` — a bordered table whose rows come from the data (its
  header row is repeated on every page, a row is never cut across pages);
* ``<!-- @rule double -->`` / ``<!-- @rule single -->`` — the kop's rules;
* ``<!-- @space MM -->`` — vertical space;
* ``<!-- @pagebreak -->`` — start a new page.

The HTML between two markers is one block: it is kept on one page. Values are
substituted with :class:`string.Template` after :func:`html.escape`, so a name
with ``<`` or ``&`` cannot break the markup. Comments that are not markers are
dropped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ktpe_desktop.paths import resource

_MARKER = re.compile(r"<!--\s*@(\w+)\s*([^>]*?)\s*-->")
_COMMENT = re.compile(r"<!--(?!\s*@).*?-->", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of a filled template: HTML, or a marker with its argument."""

    kind: str  # "html" | "table" | "rule" | "space" | "pagebreak"
    value: str


class Html(str):
    """A value that is already markup (not escaped again by :func:`fill`)."""

    __slots__ = ()


def template_path(name: str) -> Path:
    return resource("templates", name)


def load_template(name: str) -> str:
    return template_path(name).read_text(encoding="utf-8")


def escape(value: object) -> str:
    if isinstance(value, Html):
        return str(value)
    return html.escape("" if value is None else str(value), quote=True)


def fill(text: str, values: Mapping[str, object]) -> str:
    """Substitute ``$name`` placeholders with escaped values.

    Raises:
        KeyError: a placeholder has no value (a template bug, not a user error).
    """
    return Template(text).substitute({key: escape(val) for key, val in values.items()})


def strip_comments(text: str) -> str:
    """Drop the comments that are not markers (they may mention ``$placeholders``)."""
    return _COMMENT.sub("", text)


def split_segments(text: str) -> list[Segment]:
    """Cut filled HTML into blocks at the markers; empty HTML pieces are dropped."""
    text = strip_comments(text)
    segments: list[Segment] = []
    pos = 0
    for match in _MARKER.finditer(text):
        chunk = text[pos : match.start()]
        if chunk.strip():
            segments.append(Segment("html", chunk.strip()))
        segments.append(Segment(match.group(1), match.group(2)))
        pos = match.end()
    tail = text[pos:]
    if tail.strip():
        segments.append(Segment("html", tail.strip()))
    return segments


def render_template(name: str, values: Mapping[str, object]) -> list[Segment]:
    """Load, fill and split a template of ``ktpe_desktop/resources/templates``."""
    return split_segments(fill(strip_comments(load_template(name)), values))
