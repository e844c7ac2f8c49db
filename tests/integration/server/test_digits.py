"""Numbers typed into the console are ASCII digits: ``str.isdigit()`` also takes '²'
(which ``int()`` refuses: a 500) and '٣' or '３' (which ``int()`` reads as 3)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_server import admin
from ktpe_server import models as m

from .conftest import SCHOOL_A, World
from .office_helpers import admin_client, office_app

__all__ = ["admin_client", "office_app"]


@pytest.mark.parametrize("team", ["²", "٣", "\uff13"])
def test_a_team_named_by_other_digits_is_unknown(world: World, team: str) -> None:
    with pytest.raises(KnownError) as err:
        admin.unassign(world.engine, team, SCHOOL_A, date(2024, 11, 27), date(2024, 11, 27))
    assert err.value.code == "unknown_team"


def test_an_npsn_of_fullwidth_digits_is_refused(engine: Engine) -> None:
    with pytest.raises(KnownError):
        admin.upsert_schools(engine, [{"npsn": "\uff12\uff10\uff15\uff13\uff16\uff16\uff16\uff11",
                                       "name": "SMA X"}])  # fmt: skip


def test_a_team_named_with_digits_is_found_by_its_name(world: World) -> None:
    """Teams named "1", "2" …: the console names the team, which is not the team whose
    id that is (tim-01 has id 1 here)."""
    one = admin.create_team(world.engine, "1")
    assert one.id != 1
    admin.assign(world.engine, "1", SCHOOL_A, date(2024, 12, 2))
    admin.assign(world.engine, "tim-01", SCHOOL_A, date(2024, 12, 2))
    assert admin.unassign(world.engine, "1", SCHOOL_A, date(2024, 12, 2), date(2024, 12, 2)) == 1
    with Session(world.engine) as s:
        left = s.execute(
            select(m.Assignment.team_id).where(m.Assignment.date == date(2024, 12, 2))
        ).all()
    assert [t for (t,) in left] == [1]
    assert admin.unassign(world.engine, 1, SCHOOL_A, date(2024, 12, 2), date(2024, 12, 2)) == 1


def test_the_visit_removal_page_counts_its_days_in_english(admin_client: TestClient) -> None:
    day = {"team": "tim-01", "school": SCHOOL_A, "first": "2024-11-27"}
    admin_client.cookies.set("ktpe_lang", "en")
    page = admin_client.get("/office/schedule/remove", params=day)
    assert page.status_code == 200 and "1 day" in page.text and "1 days" not in page.text
    page = admin_client.get("/office/schedule/remove", params={**day, "last": "2024-11-28"})
    assert "2 days" in page.text
