"""The benchmark runner's margin rule: timings judged at half, throughputs at twice."""

from __future__ import annotations

from tests.bench.calibration import pct
from tests.bench.run_all import judge, margin_kind, parse_bound


def test_timing_is_judged_at_half_its_target() -> None:
    row = judge({"name": "search", "value": 6.0, "unit": "ms", "target": "<= 10", "ok": True})
    assert row["margin_target"] == "<= 5"
    assert row["ok_margin"] is False
    assert judge({**row, "value": 4.9})["ok_margin"] is True


def test_seconds_are_timings_too() -> None:
    row = judge({"name": "pdf", "value": 0.6, "unit": "s", "target": "<= 1.0", "ok": True})
    assert (row["margin_target"], row["ok_margin"]) == ("<= 0.5", False)


def test_throughput_is_judged_at_twice_its_target() -> None:
    row = {"name": "ingest", "value": 9000.0, "unit": "events/s", "target": ">= 5000", "ok": True}
    assert (judge(row)["margin_target"], judge(row)["ok_margin"]) == (">= 10000", False)
    assert judge({**row, "value": 10_000.0})["ok_margin"] is True


def test_sizes_and_counts_keep_their_target() -> None:
    size = {"name": "build", "value": 1.3, "unit": "x", "target": "<= 1.35", "ok": True}
    assert (judge(size)["margin_target"], judge(size)["ok_margin"]) == ("<= 1.35", True)
    rss = {"name": "rss", "value": 150.0, "unit": "MB", "target": "<= 200", "ok": True}
    assert judge(rss)["ok_margin"] is True


def test_a_ratio_marked_timing_is_halved() -> None:
    row = {"name": "r", "value": 2.0, "unit": "x", "target": "<= 3", "ok": True, "margin": "timing"}
    assert margin_kind(row) == "timing"
    assert (judge(row)["margin_target"], judge(row)["ok_margin"]) == ("<= 1.5", False)


def test_the_benchmarks_own_failure_stands_even_within_the_margin() -> None:
    row = {"name": "ingest", "value": 20_000.0, "unit": "events/s", "target": ">= 5000"}
    assert judge({**row, "ok": False})["ok_margin"] is False  # e.g. an event was lost


def test_rows_without_a_numeric_bound_keep_their_verdict() -> None:
    assert parse_bound("info") is None and parse_bound("80-120") is None
    assert parse_bound("≤ 1,500") == ("<=", 1500.0)
    row = judge({"name": "debounce", "value": 100.0, "unit": "ms", "target": "80-120", "ok": True})
    assert (row["margin_target"], row["ok_margin"]) == ("", True)
    assert (
        judge({"name": "x", "value": None, "unit": "ms", "target": "<= 1", "ok": False})[
            "ok_margin"
        ]
        is False
    )


def test_percentile_is_nearest_rank() -> None:
    assert pct([5.0, 1.0, 3.0], 50) == 3.0
    assert pct([float(i) for i in range(101)], 95) == 95.0
