"""The station's background loop with the hub: a round soon after each save, and
at least every few seconds otherwise, on its own thread (never the UI's or the
writer's). Failures never stop recording: the status says "unreachable" and the
next round retries.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.hub.errors import HubError
from ktpe_desktop.hub.link import HubLink, HubRound

log = logging.getLogger("ktpe.hub")

INTERVAL_S = 4.0  # "at least every 5 s", with room for the round itself
# How long a thread may hold the GIL while another waits for it (Python's default is
# 5 ms). A save releases the GIL at each SQLite call and takes it back after; with
# the link's Python work (decoding, verifying) running meanwhile, each take-back
# waited up to 5 ms: station saves p99 88 ms against a control laptop's 63 ms at
# load 4-6; with 0.5 ms, 28 against 25 (tests/bench/bench_hub.py, docs/performance.md).
GIL_SWITCH_S = 0.0005
AFTER_SAVE_S = 0.2  # a short debounce: several quick saves make one round
WAIT_S = 20.0  # one long poll of the hub's news
PULL_EVERY_S = 30.0  # a pull even when the long poll says nothing changed


class LinkState(StrEnum):
    OFF = "off"  # no hub joined
    CONNECTING = "connecting"
    CONNECTED = "connected"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"  # certificate changed, token refused: a person must act


@dataclass(frozen=True, slots=True)
class LinkStatus:
    state: LinkState
    station_no: int = 0
    last_success: datetime | None = None
    error: KnownError | None = None


class HubLinkRunner:
    """Runs :meth:`HubLink.run_round` on a thread.

    Args:
        link: the station's link.
        on_round: called (on the runner thread) after each round that moved events.
        on_status: called (on the runner thread) when the status changes.
        interval_s: longest pause between rounds.
    """

    def __init__(
        self,
        link: HubLink,
        *,
        on_round: Callable[[HubRound], None] | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        interval_s: float = INTERVAL_S,
        after_save_s: float = AFTER_SAVE_S,
    ) -> None:
        self.link = link
        self.on_round = on_round
        self.on_status = on_status
        self.interval_s = interval_s
        self.after_save_s = after_save_s
        self._cond = threading.Condition()
        self._woken = False
        self._debounce = False
        self._stopped = False
        self._watcher: threading.Thread | None = None
        self._watch_ok = False
        self._news_latest: int | None = None
        self._news_pulled: int | None = None
        self._pulled_at = 0.0
        self._thread: threading.Thread | None = None
        self._status = LinkStatus(LinkState.OFF)
        self.rounds = 0

    @property
    def status(self) -> LinkStatus:
        return self._status

    def start(self) -> None:
        if self._thread is not None:
            return
        # Process-wide: the saves' thread gets the GIL back within 0.5 ms of asking.
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="ktpe-hub-link", daemon=True)
        self._thread.start()
        self._watcher = threading.Thread(target=self._watch, name="ktpe-hub-watch", daemon=True)
        self._watcher.start()

    def wake(self, *, debounce: bool = True) -> None:
        """A save happened (or the user asked): run a round soon."""
        with self._cond:
            self._woken = True
            self._debounce = self._debounce or debounce
            self._cond.notify()

    def _watch(self) -> None:
        """Long-poll the hub; a teammate's push wakes a round at once (no waiting for
        the interval). Best effort: the interval rounds go on whatever happens here."""
        last: int | None = None
        while not self._stopped:
            if self._status.state is not LinkState.CONNECTED:
                last = None
                time.sleep(0.5)
                continue
            try:
                news = self.link.wait_for_news(-1 if last is None else last, WAIT_S)
            except HubError:
                last = None
                self._watch_ok = False
                time.sleep(1.0)
                continue
            except Exception:
                log.exception("hub watch failed")
                self._watch_ok = False
                time.sleep(2.0)
                continue
            self._news_latest = news
            self._watch_ok = True
            if last is not None and news != last and not self._stopped:
                self.wake(debounce=False)
            last = news

    def stop(self, timeout: float = 20.0) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        self.link.close()

    def _set(self, status: LinkStatus) -> None:
        changed = (status.state, status.error and status.error.code) != (
            self._status.state,
            self._status.error and self._status.error.code,
        )
        self._status = status
        if changed and self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("hub status listener failed")

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._woken and not self._stopped:
                    self._cond.wait(self.interval_s)
                if self._stopped:
                    return
                woken, self._woken = self._woken, False
                debounce, self._debounce = self._debounce, False
            if woken and debounce and self.after_save_s:
                time.sleep(self.after_save_s)
            self.round_now()

    def round_now(self) -> HubRound | None:
        """One round on the calling thread; never raises (the status tells)."""
        cfg = self.link.config()
        if cfg is None:
            self._set(LinkStatus(LinkState.OFF))
            return None
        if self._status.state is LinkState.OFF:
            self._set(LinkStatus(LinkState.CONNECTING, cfg.station_no))
        # While the long poll is connected it says when the hub has something new:
        # an idle round then costs the hub nothing (no pull), and liveness is the
        # long poll's. Every PULL_EVERY_S a pull happens anyway.
        now = time.monotonic()
        news = self._news_latest
        pull = (
            not self._watch_ok
            or news is None
            or news != self._news_pulled
            or now - self._pulled_at > PULL_EVERY_S
        )
        try:
            result = self.link.run_round(pull=pull)
            if pull:
                self._news_pulled, self._pulled_at = news, now
        except HubError as exc:
            state = LinkState.UNREACHABLE if exc.retryable else LinkState.REFUSED
            if state is not self._status.state:
                log.info("hub link %s: %s", state.value, exc.code)
            self._set(LinkStatus(state, cfg.station_no, self._status.last_success, exc))
            return None
        except KnownError as exc:  # disk full, database locked: the next round retries
            log.warning("hub round failed: %s", exc.code)
            self._set(LinkStatus(LinkState.UNREACHABLE, cfg.station_no, None, exc))
            return None
        except Exception:
            log.exception("hub round crashed")
            return None
        self.rounds += 1
        self._set(LinkStatus(LinkState.CONNECTED, cfg.station_no, datetime.now(UTC)))
        if result is not None and (result.pulled or result.pushed) and self.on_round:
            try:
                self.on_round(result)
            except Exception:
                log.exception("hub round listener failed")
        return result
