"""What a laptop says about itself on its sync calls, kept for the console's devices page.

Optional request headers (a client that sends none loses nothing):

* ``X-Ktpe-App-Version``: the app version (``0.2.0``), at most 64 printable characters;
* ``X-Ktpe-Unsent``: records in its outbox not yet acknowledged;
* ``X-Ktpe-Quarantined``: records it set aside after a refusal;
* ``X-Ktpe-Client-Time``: its clock, ISO 8601 with offset (the skew is client - server).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

_VERSION = re.compile(r"^[\x20-\x7e]{1,64}$")
_DIGITS = re.compile(r"^[0-9]{1,18}$")  # ASCII only: str.isdigit() takes '²', int() not
MAX_COUNT = 10_000_000


def _count(raw: str | None) -> int | None:
    if raw is None or not _DIGITS.match(raw.strip()):
        return None
    return min(int(raw.strip()), MAX_COUNT)


def device_report(headers: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """The device columns to update from the request's headers (empty when none sent)."""
    out: dict[str, Any] = {}
    version = headers.get("x-ktpe-app-version")
    if version and _VERSION.match(version.strip()):
        out["app_version"] = version.strip()
    for header, column in (
        ("x-ktpe-unsent", "reported_unsent"),
        ("x-ktpe-quarantined", "reported_quarantined"),
    ):
        n = _count(headers.get(header))
        if n is not None:
            out[column] = n
    clock = headers.get("x-ktpe-client-time")
    if clock:
        try:
            their = datetime.fromisoformat(clock.strip()[:40])
        except ValueError:
            their = None
        if their is not None and their.tzinfo is not None:
            skew = int((their - now).total_seconds() * 1000)
            if abs(skew) < 10 * 365 * 86400 * 1000:
                out["clock_skew_ms"] = skew
    return out
