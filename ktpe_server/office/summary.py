"""The campaign's per-school tallies, shared by the console's pages and kept fresh.

The figures come from the counters the database keeps at ingest (``tally_*``,
migration 0007), so counting a province (a million students, two million events) reads
a few thousand counter rows: about a tenth of a second, where counting the students
themselves took seconds. The tallies are computed once and reused while the ``roster``
and ``ingest`` counters (see :mod:`ktpe_server.db`) have not moved: then they are exact.
When a counter moved:

* a small campaign (at most :data:`INLINE_SCHOOLS` schools: a city, the demo) is
  counted again inside the request (milliseconds), so every page is exact at once;
* a large one gets the previous tallies at once and a recount on a background thread
  (one at a time): a page is then at most one recount (a fraction of a second) behind,
  and says so with the time of its figures.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ktpe_server import models as m
from ktpe_server.office import queries

log = logging.getLogger("ktpe.server.office")
INLINE_SCHOOLS = 300
REFRESH_INTERVAL = 1.0  # seconds between background recounts, at least


@dataclass(frozen=True, slots=True)
class _Structure:
    """What changes only with the roster counter (schedule, teams): reused by recounts."""

    roster_counter: int
    visits: list[queries.Visit]
    teams: list[queries.TeamBase]


@dataclass(frozen=True, slots=True)
class Tallies:
    schools: dict[str, queries.SchoolRow]
    teams: list[queries.TeamRow]
    visits: list[queries.Visit]
    by_day: list[tuple[date, int]]
    gaps: list[queries.VisitGap]
    today: date
    time_zone: str
    counters: tuple[int, int]
    computed_at: datetime
    seconds: float
    total: queries.Tally
    not_visited: list[queries.SchoolRow]


class Summary:
    """One per app (``app.state.office_summary``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._current: Tallies | None = None
        self._lock = threading.Lock()
        self._refreshing = False
        self._structure: _Structure | None = None
        self._finished = 0.0  # monotonic time the last background recount ended

    def _counters(self) -> tuple[int, int]:
        with Session(self.engine) as s:
            values = dict(s.execute(select(m.Counter.name, m.Counter.value)).all())
        return int(values.get("roster", 0)), int(values.get("ingest", 0))

    def _compute(self, counters: tuple[int, int]) -> Tallies:
        started = time.perf_counter()
        with Session(self.engine) as s:
            row = s.scalars(
                select(m.Campaign).order_by(m.Campaign.change_seq.desc()).limit(1)
            ).first()
            tz = row.time_zone if row is not None and row.time_zone else "WIB"
            today = queries.local_today(tz)
            structure = self._structure
            if structure is None or structure.roster_counter != counters[0]:
                structure = _Structure(counters[0], queries.visits(s), queries.team_bases(s))
                self._structure = structure
            schools = queries.school_tallies(s)
            days = queries.by_day(s, tz)
            gaps = queries.visits_without_receipt(s, today)
        teams = queries.team_rows(structure.teams, schools)
        total = queries.campaign_tally(schools)
        not_visited = sorted(
            (
                r
                for r in schools.values()
                if r.tally.done == 0
                and sum(r.tally.statuses.values()) - r.tally.statuses.get("pending", 0) == 0
            ),
            key=lambda r: (r.first_visit is None, r.first_visit or today, r.name),
        )
        took = time.perf_counter() - started
        return Tallies(
            schools,
            teams,
            structure.visits,
            days,
            gaps,
            today,
            tz,
            counters,
            datetime.now(UTC),
            took,
            total,
            not_visited,
        )

    def tallies(self) -> Tallies:
        counters = self._counters()
        current = self._current
        if (
            current is not None
            and current.counters == counters
            and current.today == queries.local_today(current.time_zone)
        ):
            return current
        if current is None or len(current.schools) <= INLINE_SCHOOLS:
            with self._lock:
                if self._current is None or self._current.counters != counters:
                    self._current = self._compute(counters)
                return self._current
        self._refresh_in_background(counters)
        return current

    def _refresh_in_background(self, counters: tuple[int, int]) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True

        def run() -> None:
            try:
                # At most one recount per REFRESH_INTERVAL while laptops sync all day:
                # the figures stay about a second behind, and the recounts take a
                # bounded share of the server's time from the pages.
                wait = self._finished + REFRESH_INTERVAL - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                fresh = self._compute(self._counters())
                with self._lock:
                    self._current = fresh
            except Exception as exc:  # the pages keep the previous figures
                log.error("office summary refresh failed: %s", type(exc).__name__)
            finally:
                with self._lock:
                    self._refreshing = False
                    self._finished = time.monotonic()

        threading.Thread(target=run, name="ktpe-office-summary", daemon=True).start()


_make_lock = threading.Lock()


def summary_of(app_state: object, engine: Engine) -> Summary:
    """The app's summary (made on first use)."""
    found = getattr(app_state, "office_summary", None)
    if found is None:
        with _make_lock:
            found = getattr(app_state, "office_summary", None)
            if found is None:
                found = Summary(engine)
                app_state.office_summary = found  # type: ignore[attr-defined]
    return found
