"""Workspace.planned_school: the start's fast path agrees with Workspace.schools(day)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ktpe_desktop.services.workspace import Workspace
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.store import Store
from tests.conftest import Factory


def test_planned_school_is_what_schools_of_the_day_lists(store: Store, factory: Factory) -> None:
    day = date(2026, 12, 7)
    planned, by_date, unplanned, purged = (factory.school() for _ in range(4))
    for npsn in (planned, by_date, unplanned, purged):
        factory.student(npsn)
    with store.transaction() as s:
        s.add(m.Assignment(team_id="tim-01", school_npsn=planned, visit_date=day))
        s.add(m.Assignment(team_id="tim-01", school_npsn=purged, visit_date=day))
        s.get(m.School, by_date).visit_date = day
        s.get(m.School, purged).purged_at = datetime.now(UTC)
    ws = Workspace(store)
    listed = {p.npsn: p for p in ws.schools(day)}
    assert set(listed) == {planned, by_date}
    for npsn in (planned, by_date):
        assert ws.planned_school(npsn, day) == listed[npsn]
    assert ws.planned_school(unplanned, day) is None
    assert ws.planned_school(purged, day) is None
    assert ws.planned_school(unplanned, None) == ws.school(unplanned)
    assert ws.planned_school("99999999", None) is None
