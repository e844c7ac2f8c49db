"""Reading a CSV (or tab-separated text) roster: encoding and delimiter detection.

Accepted encodings: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's
"Unicode Text") and Windows-1252 (Excel's "CSV (Comma delimited)" on an
Indonesian or English Windows). Delimiters: ``,`` ``;`` and tab, detected by
counting: the delimiter that splits the most leading lines into the same number
(greater than one) of fields wins.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["CsvText", "decode_text", "detect_delimiter"]

_DELIMITERS = (";", ",", "\t", "|")
_SAMPLE_LINES = 60


@dataclass(frozen=True, slots=True)
class CsvText:
    """A decoded text table, ready to be split into rows."""

    text: str
    encoding: str
    delimiter: str

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """``(row_number, cells)`` for every record, as a spreadsheet numbers them (1-based)."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        yield from enumerate(reader, start=1)


def decode_text(data: bytes) -> tuple[str, str] | None:
    """Decode ``data``; returns ``(text, encoding)`` or None when it is not text."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None
    if _looks_binary(data):
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return None


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13)) + sample.count(b"\x7f")
    return controls > max(2, len(sample) // 200)


def detect_delimiter(text: str) -> str:
    """The delimiter of a text table (``;`` ``,`` tab or ``|``); ``,`` when unsure."""
    lines = [ln for ln in text.splitlines()[: _SAMPLE_LINES * 2] if ln.strip()][:_SAMPLE_LINES]
    best = ","
    best_score = (0, 0)
    for delimiter in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        multi = [n for n in counts if n > 1]
        if not multi:
            continue
        width, frequency = Counter(multi).most_common(1)[0]
        score = (frequency, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best
