"""How the hub serves its stations: the long poll on the event loop, token checks
kept for a few seconds (and forgotten on revocation or a new pairing), reads that
never queue for the write lock, rate limits in memory."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import func, select, text

from ktpe_desktop.hub.api import HubNews
from ktpe_desktop.hub.errors import HubTokenRefused
from ktpe_desktop.hub.link import CURSOR_KEY, HubClient, join_hub, load_link
from ktpe_desktop.hub.server import HubServer
from ktpe_desktop.sync import state as keys
from ktpe_server import models as sm
from tests.conftest import LEAD
from tests.integration.hub.conftest import STUDENTS, Laptop, use_own_hub


def _join(hub: HubServer, laptops: list[Laptop]) -> None:
    use_own_hub(laptops[0].store, hub)
    for lap in laptops[1:]:
        join_hub(lap.store, f"127.0.0.1:{hub.port}", hub.code)


# ---------------------------------------------------------------- the news counter


def test_news_wait_async_answers_on_a_bump_from_another_thread() -> None:
    news = HubNews()

    async def scenario() -> tuple[int, int, float, int]:
        at_once = await news.wait_async(5, 10.0)  # the counter differs: no wait
        threading.Timer(0.1, news.bump).start()
        started = time.monotonic()
        bumped = await news.wait_async(0, 10.0)
        woke_after = time.monotonic() - started
        timed_out = await news.wait_async(bumped, 0.05)
        return at_once, bumped, woke_after, timed_out

    at_once, bumped, woke_after, timed_out = asyncio.run(scenario())
    assert at_once == 0
    assert bumped == 1 and woke_after < 5.0
    assert timed_out == 1
    assert news._waiters == []  # nothing left behind, woken or timed out


def test_news_close_ends_the_waits() -> None:
    news = HubNews()

    async def scenario() -> float:
        threading.Timer(0.1, news.close).start()
        started = time.monotonic()
        await news.wait_async(0, 10.0)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 5.0
    assert asyncio.run(news.wait_async(0, 10.0)) == 0  # closed: answers at once


def test_a_teammates_push_answers_the_long_poll(hub: HubServer, team_laptops: list[Laptop]) -> None:
    _join(hub, team_laptops)
    a, b = team_laptops[1], team_laptops[2]
    now = b.link.wait_for_news(-1, 5.0)
    got: list[int] = []
    watcher = threading.Thread(target=lambda: got.append(b.link.wait_for_news(now, 20.0)))
    started = time.monotonic()
    watcher.start()
    time.sleep(0.2)
    a.record(STUDENTS[0], operator=LEAD)
    a.link.run_round()
    watcher.join(20.0)
    assert got and got[0] != now
    assert time.monotonic() - started < 10.0
    # No news: the poll answers with the same counter after its timeout.
    assert b.link.wait_for_news(got[0], 0.2) == got[0]


# ---------------------------------------------------------------- tokens


def test_a_revoked_station_is_refused_at_once(hub: HubServer, team_laptops: list[Laptop]) -> None:
    _join(hub, team_laptops)
    b = team_laptops[1]
    b.link.wait_for_news(-1, 0.0)  # its token checked (and remembered) just now
    b.link.run_round()
    hub.revoke(b.store.device_id)
    with pytest.raises(HubTokenRefused):
        b.link.wait_for_news(-1, 0.0)
    with pytest.raises(HubTokenRefused):  # its pull is refused too, and said so
        b.link.run_round()


def test_a_station_paired_again_loses_its_earlier_token(
    hub: HubServer, team_laptops: list[Laptop]
) -> None:
    _join(hub, team_laptops)
    b = team_laptops[1]
    b.link.wait_for_news(-1, 0.0)
    first = load_link(b.store)
    assert first is not None
    join_hub(b.store, f"127.0.0.1:{hub.port}", hub.code)
    second = load_link(b.store)
    assert second is not None and second.token != first.token
    old = HubClient(first.url, first.fingerprint, token=first.token)
    try:
        with pytest.raises(HubTokenRefused):
            old.call("GET", "/hub/wait", params={"after": -1, "timeout": 0})
    finally:
        old.close()
    b.link.wait_for_news(-1, 0.0)  # the new token works


# ---------------------------------------------------------------- the database


def test_pulls_and_token_checks_do_not_wait_for_the_write_lock(
    hub: HubServer, team_laptops: list[Laptop]
) -> None:
    _join(hub, team_laptops)
    a, b = team_laptops[1], team_laptops[2]
    b.link.run_round()  # its first request (the hub notes when a device was last seen)
    a.record(STUDENTS[0], operator=LEAD)
    a.link.run_round()
    cfg = load_link(b.store)
    assert cfg is not None and hub.engine is not None
    client = HubClient(cfg.url, cfg.fingerprint, token=cfg.token)
    with b.store.session() as s:
        cursor = keys.get(s, CURSOR_KEY) or ""
    # A push holding the hub database's write lock meanwhile (here: the test).
    with hub.engine.connect() as writer:
        writer.execute(text("UPDATE counter SET value = value WHERE name = 'ingest'"))
        try:
            started = time.monotonic()
            page = client.call(
                "GET", "/sync/events", params={"cursor": cursor, "limit": 10}, timeout=(3.0, 5.0)
            )
            waited = client.call(
                "GET", "/hub/wait", params={"after": -1, "timeout": 0}, timeout=(3.0, 5.0)
            )
            took = time.monotonic() - started
        finally:
            writer.rollback()
            client.close()
    assert [e["student_id"] for e in page["events"]] == [STUDENTS[0]]
    assert page["segments"] and page["keys"]  # signed, as always
    assert isinstance(waited["news"], int)
    assert took < 4.0


def test_the_hub_keeps_rate_limits_in_memory(hub: HubServer, team_laptops: list[Laptop]) -> None:
    _join(hub, team_laptops)
    for lap in team_laptops:
        lap.record(STUDENTS[team_laptops.index(lap)], operator=LEAD)
        lap.link.run_round()
    assert hub.engine is not None
    with hub.engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(sm.RateBucket)) == 0
