"""The report headers of a laptop's sync calls (ktpe_server/office/device_reports.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from ktpe_server.office.device_reports import MAX_COUNT, device_report

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def test_counts_are_ascii_digits_only() -> None:
    # '²' and '٣' pass str.isdigit(); int() refuses the first: the request (every
    # authenticated sync call reads these headers) must not fail on them.
    for raw in ("²", "٣", "1²", "-1", "1e3", " ", ""):
        assert device_report({"x-ktpe-unsent": raw, "x-ktpe-quarantined": raw}, NOW) == {}


def test_counts_and_clock_are_read() -> None:
    report = device_report(
        {
            "x-ktpe-unsent": " 12 ",
            "x-ktpe-quarantined": str(MAX_COUNT * 10),
            "x-ktpe-client-time": "2026-12-06T10:00:01.500+07:00",
        },
        NOW,
    )
    assert report == {
        "reported_unsent": 12,
        "reported_quarantined": MAX_COUNT,
        "clock_skew_ms": 1500,
    }
