"""The suite's time limits scale with one factor (tests/timing.py, tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests import timing


def test_explicit_factor_wins_and_is_never_below_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTPE_TIME_FACTOR", "3")
    assert timing._factor() == 3.0
    monkeypatch.setenv("KTPE_TIME_FACTOR", "0.2")
    assert timing._factor() == 1.0


def test_load_factor_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KTPE_TIME_FACTOR", raising=False)
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (400.0, 0.0, 0.0), raising=False)
    assert timing._factor() == timing.MAX_LOAD_FACTOR
    monkeypatch.setattr(timing.os, "getloadavg", lambda: (0.0, 0.0, 0.0), raising=False)
    assert timing._factor() == 1.0


def test_soak_factor_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KTPE_SOAK_FACTOR", "10")
    assert timing._soak_factor() == 10
    monkeypatch.setenv("KTPE_SOAK_FACTOR", "0")
    assert timing._soak_factor() == 1


def test_the_default_pytest_timeout_is_scaled(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("timeout")
    assert marker is not None
    assert marker.args[0] == pytest.approx(600 * timing.TIME_FACTOR)


@pytest.mark.timeout(7)
def test_a_marked_timeout_is_scaled(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("timeout")
    assert marker is not None
    assert marker.args[0] == pytest.approx(7 * timing.TIME_FACTOR)


def test_qtbot_waits_are_scaled(qtbot: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pytestqt.qtbot import QtBot

    assert getattr(QtBot.waitUntil, "_ktpe_scaled", False)
    seen: list[int] = []
    monkeypatch.setattr(timing, "TIME_FACTOR", 2.5)
    # the wrapper holds pytest-qt's own method as a keyword default: record instead
    defaults = QtBot.waitUntil.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "__original", lambda _self, _cb, *, timeout: seen.append(timeout))
    qtbot.waitUntil(lambda: True, timeout=1000)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: True)  # type: ignore[attr-defined]
    assert seen == [2500, 12500]
