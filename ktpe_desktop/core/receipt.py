"""The receipt code printed on a Berita Acara (as a QR code and as text), Qt-free.

The office's receipt page (``/office/``) reads this code back, from the QR code or
typed in from the paper, and checks the paper against the server's record: the
device, its chain head at ``seq`` (the server holds every event up to it, and the
event at that seq has that hash), and the school's printed counts. Both sides use
this module, so the format is written once:

    KTPE-BA1|<number>|<npsn>|<device_id>|<seq>|<head_hash>|<counts>|<check>

* ``number``: the Berita Acara's number (``474/BA-01/20533814/35.73/XI/2024``);
* ``npsn``: 8 digits; ``device_id``: the printing laptop's device id;
* ``seq`` / ``head_hash``: the server's contiguous seq for the device and the hash
  of that event (64 hex) as the last receipt said; ``0`` and ``-`` when the visit
  is not synced yet (the paper then says BELUM TERSINKRON);
* ``counts``: the printed totals, ``T<recorded>.S<already>.G<failed>.M<not
  eligible>.H<absent>.B<pending>.I<ikd>`` (letters of Terekam, Sudah terekam,
  Gagal, tidak Memenuhi syarat, tidak Hadir, Belum diproses, IKD);
* ``check``: the first 8 hex of SHA-256 over everything before it, so a code typed
  in by hand with a slip is refused rather than checked against the wrong record.

No personal datum is in the code: it is printed on paper that leaves the office.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

PREFIX = "KTPE-BA1"
SEPARATOR = "|"
#: The counts' letters, in printed order, and what each one counts.
COUNT_KEYS: tuple[tuple[str, str], ...] = (
    ("T", "recorded"),
    ("S", "already_recorded"),
    ("G", "failed"),
    ("M", "not_eligible"),
    ("H", "absent"),
    ("B", "pending"),
    ("I", "ikd"),
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NPSN = re.compile(r"\d{8}")


class BadReceiptCode(ValueError):
    """The text is not a receipt code of this format (or has a typing slip)."""


@dataclass(frozen=True, slots=True)
class ReceiptCode:
    number: str
    npsn: str
    device_id: str
    seq: int
    head_hash: str  # "" when not synced
    counts: Mapping[str, int] = field(default_factory=dict)  # keys: COUNT_KEYS' names

    @property
    def synced(self) -> bool:
        return self.seq > 0 and bool(self.head_hash)

    def text(self) -> str:
        """The code as printed (and put in the QR code)."""
        counts = ".".join(f"{letter}{int(self.counts.get(name, 0))}" for letter, name in COUNT_KEYS)
        fields = [
            PREFIX,
            self.number,
            self.npsn,
            self.device_id,
            str(self.seq),
            self.head_hash or "-",
            counts,
        ]
        for value in fields:
            if SEPARATOR in value:
                raise ValueError(f"a receipt field holds {SEPARATOR!r}: {value!r}")
        body = SEPARATOR.join(fields)
        return f"{body}{SEPARATOR}{_check(body)}"


def _check(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:8]


def parse_receipt_code(text: str) -> ReceiptCode:
    """Read a printed code back (spaces and line breaks from a paper are ignored).

    Raises:
        BadReceiptCode: not this format, or the check does not match.
    """
    compact = "".join(text.split())
    parts = compact.split(SEPARATOR)
    if len(parts) != 8 or parts[0] != PREFIX:
        raise BadReceiptCode("not a KTPE-BA1 receipt code")
    body, check = SEPARATOR.join(parts[:7]), parts[7].lower()
    if _check(body) != check:
        raise BadReceiptCode("check digits do not match (a typing slip?)")
    _, number, npsn, device_id, seq_text, head, counts_text = parts[:7]
    if not _NPSN.fullmatch(npsn) or not seq_text.isdigit() or not device_id:
        raise BadReceiptCode("malformed field")
    head = "" if head == "-" else head.lower()
    if head and not _HEX64.fullmatch(head):
        raise BadReceiptCode("malformed chain head")
    counts: dict[str, int] = {}
    names = dict(COUNT_KEYS)
    for item in counts_text.split("."):
        if len(item) < 2 or item[0] not in names or not item[1:].isdigit():
            raise BadReceiptCode("malformed counts")
        counts[names[item[0]]] = int(item[1:])
    return ReceiptCode(number, npsn, device_id, int(seq_text), head, counts)


__all__ = ["COUNT_KEYS", "PREFIX", "BadReceiptCode", "ReceiptCode", "parse_receipt_code"]
