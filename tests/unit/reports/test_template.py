from __future__ import annotations

import pytest

from ktpe_desktop.reports.template import (
    Html,
    Segment,
    fill,
    load_template,
    split_segments,
    strip_comments,
)


def test_values_are_escaped_but_markup_values_are_not() -> None:
    text = fill("<p>$name $sig</p>", {"name": "A & <B>", "sig": Html("<b>x</b>")})
    assert text == "<p>A &amp; &lt;B&gt; <b>x</b></p>"


def test_a_missing_value_is_a_template_bug() -> None:
    with pytest.raises(KeyError):
        fill("$nothing", {})


def test_markers_cut_the_html_into_blocks() -> None:
    text = "<p>a</p><!-- note $x --><!-- @table outcomes --><p>b</p><!-- @pagebreak -->"
    assert split_segments(strip_comments(text)) == [
        Segment("html", "<p>a</p>"),
        Segment("table", "outcomes"),
        Segment("html", "<p>b</p>"),
        Segment("pagebreak", ""),
    ]


@pytest.mark.parametrize("name", ["berita_acara.html", "rekap_harian.html"])
def test_shipped_templates_have_their_tables(name: str) -> None:
    segments = split_segments(strip_comments(load_template(name)))
    tables = {s.value for s in segments if s.kind == "table"}
    assert tables, name
    assert all(
        s.kind
        in {"html", "table", "rule", "space", "pagebreak", "signatures", "keeprows", "keepnext"}
        for s in segments
    )
