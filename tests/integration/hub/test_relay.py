"""Upward relay: the hub (or any station) carries every teammate's events to the
central server exactly once, and the server's receipt flows back down."""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.signing import sign_segment
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as lm
from ktpe_server import models as sm
from ktpe_server.admin import engine_for
from ktpe_server.embedded import EmbeddedServer
from tests.integration.hub.conftest import RelayTeam


def test_hub_relays_everyones_events_once_and_receipts_flow_down(
    central: EmbeddedServer, relay_team: RelayTeam
) -> None:
    hub_laptop, a, b = relay_team.laptops
    students = a.students()
    assert len(students) >= 6
    for i in range(3):
        a.recording.record_outcome(students[i], "recorded", "budi")
        b.recording.record_outcome(students[3 + i], "absent", "sari")
    b.recording.record_outcome(students[0], "recorded", "sari")  # an anomaly
    for lap in (a, b, hub_laptop):
        lap.link.run_round()
    # Only the hub laptop is online: its central round relays a's and b's events.
    assert hub_laptop.sync.run_round().error is None
    engine = engine_for(central.db_url)
    with Session(engine) as s:
        per_device = dict(
            s.execute(
                select(sm.EventRow.device_id, func.count()).group_by(sm.EventRow.device_id)
            ).all()
        )
        distinct_ids = s.scalar(select(func.count(func.distinct(sm.EventRow.event_id))))
        total = s.scalar(select(func.count()).select_from(sm.EventRow))
        anomalies = s.scalar(select(func.count()).select_from(sm.AnomalyRow))
    assert per_device.get(a.store.device_id) == 3
    assert per_device.get(b.store.device_id) == 4
    assert distinct_ids == total == 7
    assert anomalies == 1
    # A second central round relays nothing again.
    assert hub_laptop.sync.relay_teammates().pushed == 0
    # Receipts flow down through the hub to the stations that never went online.
    hub_laptop.link.run_round()
    for lap, n in ((a, 3), (b, 4)):
        lap.link.run_round(receipts=True)
        receipt = lap.receipt()
        assert receipt is not None and receipt["contiguous_seq"] == n
        assert receipt["via"].startswith("hub ")
    # A station that later reaches the server itself sends nothing twice.
    assert a.sync.run_round().error is None
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(sm.EventRow)) == 7
    assert a.sync.counts().unsent == 0


def test_office_refuses_a_chain_tampered_with_or_forged_on_the_hub(
    central: EmbeddedServer, relay_team: RelayTeam
) -> None:
    """The hub laptop rewrites a station's outcome and makes up another station's
    event (signing it with its own key): the office takes neither, and the true
    events still arrive when their stations sync."""
    hub_laptop, a, b = relay_team.laptops
    students = a.students()
    for i in range(3):
        a.recording.record_outcome(students[i], "recorded", "budi")
    b.recording.record_outcome(students[3], "recorded", "sari")
    for lap in (a, b, hub_laptop):
        lap.link.run_round()
    with hub_laptop.store.transaction() as s:
        # 1. a's third outcome rewritten (hash recomputed, a's signature kept).
        row = s.scalars(
            select(lm.EventRow).where(
                lm.EventRow.device_id == a.store.device_id, lm.EventRow.seq == 3
            )
        ).one()
        tampered = replace(ledger.event_from_row(row), kind="absent")
        tampered = replace(tampered, hash=tampered.computed_hash())
        row.kind, row.hash = tampered.kind, tampered.hash
        # 2. an event made up in b's name, signed with the hub laptop's own key.
        last = ledger.event_from_row(
            s.scalars(
                select(lm.EventRow).where(
                    lm.EventRow.device_id == b.store.device_id, lm.EventRow.seq == 1
                )
            ).one()
        )
        forged = replace(
            last, event_id=str(uuid.uuid4()), seq=2, prev_hash=last.hash, student_id=students[4]
        )
        forged = replace(forged, hash=forged.computed_hash())
        s.add(ledger.row_from_event(forged, lm.EventOrigin.REMOTE, None))
        sig = sign_segment(
            ledger.signing_key(s, hub_laptop.store.device_id),
            b.store.device_id,
            2,
            [forged.hash],
        )
        s.add(lm.ChainSegment(device_id=b.store.device_id, first_seq=2, last_seq=2, sig=sig))
    hub_laptop.sync.run_round()
    engine = engine_for(central.db_url)
    with Session(engine) as s:
        held = {
            (r.device_id, r.seq): (r.event_id, r.hash, r.kind)
            for r in s.execute(
                select(
                    sm.EventRow.device_id,
                    sm.EventRow.seq,
                    sm.EventRow.event_id,
                    sm.EventRow.hash,
                    sm.EventRow.kind,
                )
            )
        }
    assert not any(h == tampered.hash for _, h, _k in held.values())
    assert not any(e == forged.event_id for e, _h, _k in held.values())
    assert (b.store.device_id, 1) in held  # b's true event was relayed
    # The stations' own pushes bring their true events; nothing forged ever lands.
    assert a.sync.run_round().error is None
    assert b.sync.run_round().error is None
    with Session(engine) as s:
        rows = s.execute(select(sm.EventRow.device_id, sm.EventRow.seq, sm.EventRow.kind)).all()
    mine = sorted((r.seq, r.kind) for r in rows if r.device_id == a.store.device_id)
    assert mine == [(1, "recorded"), (2, "recorded"), (3, "recorded")]
    assert [r.seq for r in rows if r.device_id == b.store.device_id] == [1]
