from __future__ import annotations

from sqlalchemy import func, select

from ktpe_desktop.core.events import Status
from ktpe_desktop.services.demo_service import load_demo, simulate_outcomes
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage import repositories as repo
from ktpe_desktop.storage.store import Store


def test_load_demo_and_simulate(store: Store) -> None:
    result = load_demo(store, students=300)
    assert result.schools == 51 and result.students == 300 and not result.already_loaded
    with store.session() as s:
        statuses = set(s.scalars(select(m.StudentState.status)))
        assert statuses == {Status.PENDING}  # the roster starts all pending
        assert s.scalar(select(func.count()).select_from(m.Campaign)) == 1
        some = s.scalars(select(m.Student).limit(1)).one()
        assert repo.find_by_exact_identifier(s, some.nisn or "") is not None
        first = some.name.split()[0]
        assert repo.search_students(s, None, first[:3])
    again = load_demo(store, students=300)
    assert again.already_loaded and again.students == 300
    counts = simulate_outcomes(store, 40, seed=1)
    assert sum(v for k, v in counts.items() if k != "ikd_activated") == 40
    with store.session() as s:
        assert repo.outbox_counts(s)["pending"] == sum(counts.values())
        pending = s.scalar(
            select(func.count())
            .select_from(m.StudentState)
            .where(m.StudentState.status == Status.PENDING)
        )
        assert pending == 260
