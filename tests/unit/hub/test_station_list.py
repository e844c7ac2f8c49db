"""When a station asks the hub for its station list again (names on "sudah dicatat di
stasiun 2 (Budi)"): a new unknown soon, the same unknowns rarely."""

from __future__ import annotations

from ktpe_desktop.hub.link import STATIONS_AGAIN_S, STATIONS_EVERY_S, stations_due

RELAYED = ("laptop-at-another-school", "petugas")
NEW_STATION = ("station-3", "budi")


def test_nothing_missing_asks_nothing() -> None:
    assert not stations_due(set(), set(), since=10_000)


def test_a_new_unknown_is_asked_for_after_the_short_interval() -> None:
    assert not stations_due({NEW_STATION}, set(), since=STATIONS_EVERY_S - 1)
    assert stations_due({NEW_STATION}, set(), since=STATIONS_EVERY_S + 0.1)
    # beside a relayed device the list already lacked: still the new one's interval
    assert stations_due({NEW_STATION, RELAYED}, {RELAYED}, since=STATIONS_EVERY_S + 0.1)


def test_a_relayed_device_the_list_lacked_is_not_asked_for_every_page() -> None:
    # Events of a team's laptops at other schools come through the hub's central pull:
    # their devices are never in the hub's list. Each page of them asked again every
    # 5 s before (a request and a write of the list on every station).
    assert not stations_due({RELAYED}, {RELAYED}, since=STATIONS_EVERY_S + 0.1)
    assert not stations_due({RELAYED}, {RELAYED}, since=STATIONS_AGAIN_S - 1)
    assert stations_due({RELAYED}, {RELAYED}, since=STATIONS_AGAIN_S + 0.1)
