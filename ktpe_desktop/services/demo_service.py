"""The demo campaign in a local database, and a simulator of a day of outcomes.

The roster starts with every student pending: the *planted* students of
:mod:`ktpe_desktop.core.demo` are scenarios for operators and for
:func:`simulate_outcomes`, not pre-recorded results.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import func, select

from ktpe_desktop.core.demo import DemoCampaign, demo_schools, iter_demo_students
from ktpe_desktop.core.eligibility import age_on
from ktpe_desktop.core.events import EventKind, FailReason, NotEligibleReason, Status
from ktpe_desktop.services.audit import audit
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.repositories import bulk_insert_students, deferred_fts
from ktpe_desktop.storage.store import Store

CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class DemoLoad:
    campaign_id: str
    schools: int
    students: int
    seconds: float
    already_loaded: bool = False


def load_demo(store: Store, seed: int = 2024, students: int = 4586) -> DemoLoad:
    """Load the demo campaign, its 51 schools and ``students`` students (all pending).

    Idempotent: a database that already holds students is left as it is.
    Students are streamed in chunks of 20,000 through Core ``executemany``
    (500,000 in about a minute on a 2-core laptop).
    """
    started = time.perf_counter()
    with store.session() as s:
        held = int(s.scalar(select(func.count()).select_from(m.Student)) or 0)
        if held:
            held_campaign = s.scalars(select(m.Campaign)).first()
            return DemoLoad(
                held_campaign.id if held_campaign else "",
                int(s.scalar(select(func.count()).select_from(m.School)) or 0),
                held,
                0.0,
                already_loaded=True,
            )
    # Same campaign id as core.demo.generate_demo (derived from the seed).
    rng = random.Random(f"ktpe-demo-campaign:{seed}")
    campaign = DemoCampaign(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    schools = demo_schools(seed, students)
    with store.transaction() as s:
        s.add(m.Campaign(**asdict(campaign)))  # DemoCampaign's fields are its columns
        for school in schools:
            s.add(
                m.School(
                    npsn=school.npsn,
                    name=school.name,
                    kind=school.kind,
                    status=school.status,
                    kecamatan=school.kecamatan,
                    address=school.address,
                    target=school.target,
                )
            )
        s.merge(m.Meta(key="campaign_id", value=campaign.id))
        s.merge(m.Meta(key="demo", value=json.dumps({"seed": seed, "students": students})))
    planted: dict[str, list[str]] = {"already_recorded": [], "under_age": []}
    batch: list[dict[str, object]] = []
    total = 0
    # One transaction: the roster is loaded completely or not at all. The FTS insert
    # trigger is set aside and the index rebuilt at the end (20x faster than per row).
    with store.transaction() as s:
        with deferred_fts(s):
            for st in iter_demo_students(seed, students, schools, campaign):
                batch.append(
                    {
                        "id": st.id,
                        "school_npsn": st.school_npsn,
                        "nisn": st.nisn,
                        "nik": st.nik,
                        "kk": st.kk,
                        "name": st.name,
                        "sex": st.sex.value,
                        "birth_place": st.birth_place,
                        "birth_date": st.birth_date,
                        "class_name": st.class_name,
                        "mother_name": st.mother_name,
                    }
                )
                if st.planted in planted:
                    planted[st.planted].append(st.id)
                if len(batch) >= CHUNK:
                    total += bulk_insert_students(s, batch)
                    batch.clear()
            if batch:
                total += bulk_insert_students(s, batch)
        s.merge(m.Meta(key="demo_planted", value=json.dumps(planted)))
        audit(s, store.username, m.AuditAction.IMPORT, "demo", {"students": total, "seed": seed})
    return DemoLoad(campaign.id, len(schools), total, time.perf_counter() - started)


def simulate_outcomes(
    store: Store, n: int, seed: int = 7, *, operator: str | None = None
) -> dict[str, int]:
    """Write ``n`` plausible outcomes for pending students through :class:`RecordingService`.

    Planted students get their scenario (``already_recorded``; ``not_eligible``
    with ``under_age`` for the under-age ones); the others are mostly recorded,
    some absent or failed with a reason; a third of the recorded also activate IKD.

    Returns:
        Count of events written per kind.
    """
    rng = random.Random(f"ktpe-simulate:{seed}")
    operator = operator or store.username
    with store.session() as s:
        pending = list(
            s.scalars(
                select(m.StudentState.student_id)
                .join(m.Student, m.Student.id == m.StudentState.student_id)
                .where(m.StudentState.status == Status.PENDING, m.Student.deleted.is_(False))
                .order_by(m.StudentState.student_id)
            )
        )
        meta = s.get(m.Meta, "demo_planted")
        planted = json.loads(meta.value) if meta else {}
        campaign = s.scalars(select(m.Campaign)).first()
        reference = campaign.reference_date if campaign else date.today()
        min_age = campaign.min_recording_age if campaign else 16
        chosen = rng.sample(pending, min(n, len(pending)))
        births: dict[str, date | None] = {}
        for start in range(0, len(chosen), 500):
            part = chosen[start : start + 500]
            rows = s.execute(
                select(m.Student.id, m.Student.birth_date).where(m.Student.id.in_(part))
            )
            births.update((row_id, birth) for row_id, birth in rows)
    already = set(planted.get("already_recorded", []))
    service = RecordingService(store)
    counts: Counter[str] = Counter()
    for sid in chosen:
        birth = births.get(sid)
        if birth is not None and age_on(birth, reference) < min_age:
            service.record_outcome(
                sid, EventKind.NOT_ELIGIBLE, operator, reason=NotEligibleReason.UNDER_AGE
            )
            counts[EventKind.NOT_ELIGIBLE] += 1
            continue
        if sid in already:
            service.record_outcome(sid, EventKind.ALREADY_RECORDED, operator)
            counts[EventKind.ALREADY_RECORDED] += 1
            continue
        r = rng.random()
        if r < 0.85:
            service.record_outcome(sid, EventKind.RECORDED, operator)
            counts[EventKind.RECORDED] += 1
            if rng.random() < 0.33:
                service.activate_ikd(sid, operator)
                counts[EventKind.IKD_ACTIVATED] += 1
        elif r < 0.93:
            service.record_outcome(sid, EventKind.ABSENT, operator)
            counts[EventKind.ABSENT] += 1
        else:
            reason = rng.choice(list(FailReason))
            service.record_outcome(sid, EventKind.FAILED, operator, reason=reason)
            counts[EventKind.FAILED] += 1
    return {str(k): v for k, v in sorted(counts.items())}
