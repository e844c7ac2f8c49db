"""sync/relay: what is pushed to a server, and what is never offered twice."""

from __future__ import annotations

from typing import Any

from ktpe_desktop.core.protocol import (
    ItemStatus,
    LedgerHead,
    PushReply,
    Segment,
    decode_push,
    decode_push_segments,
)
from ktpe_desktop.storage import ledger
from ktpe_desktop.storage import models as m
from ktpe_desktop.sync import relay
from tests.conftest import Factory


class FakeServer:
    """Accepts the chains of ``known`` devices, refuses every other device."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.held: dict[str, int] = {}
        self.pushes: list[list[tuple[str, int]]] = []
        self.sigs: list[list[list[Segment]]] = []

    def push(self, body: dict[str, Any]) -> PushReply:
        chains = decode_push(body)
        self.sigs.append(decode_push_segments(body, chains))
        self.pushes.append([(e.device_id, e.seq) for c in chains for e in c])
        statuses: dict[str, ItemStatus] = {}
        heads: dict[str, LedgerHead] = {}
        for chain in chains:
            dev = chain[0].device_id
            for ev in chain:
                ok = dev in self.known
                statuses[ev.event_id] = ItemStatus.ACCEPTED if ok else ItemStatus.NOT_IN_SCOPE
                if ok:
                    self.held[dev] = max(self.held.get(dev, 0), ev.seq)
            if dev in self.known:
                heads[dev] = LedgerHead(self.held[dev], chain[-1].hash)
        return PushReply("2024-11-27T01:00:00.000Z", statuses, (), heads)


def _foreign_events(factory: Factory, n: int) -> tuple[str, list[Any]]:
    """``n`` events of another laptop (written by a second store, received here)."""
    from ktpe_desktop.storage.store import Store
    from tests.conftest import LEAD, PASSWORD

    other = Store.create(factory.store.data_dir.parent / "other", LEAD, PASSWORD)
    try:
        of = Factory(other)
        sid = factory.student()
        of.school(factory.schools[0])
        of.student(factory.schools[0], id=sid)
        for _ in range(n):
            of.outcome(sid, "absent")
        with other.transaction() as s:
            events = [
                ledger.event_from_row(r) for r in s.query(m.EventRow).order_by(m.EventRow.seq).all()
            ]
            # What a verified pull leaves here: the origin's signature over its events.
            signed = ledger.sign_segments(s, other.device_id, events)
        with factory.store.transaction() as s:
            for seg in signed:
                s.add(
                    m.ChainSegment(
                        device_id=seg.device_id,
                        first_seq=seg.first_seq,
                        last_seq=seg.last_seq,
                        sig=seg.sig,
                    )
                )
        return other.device_id, events
    finally:
        other.close()


def test_teammates_events_pushed_once_own_left_to_the_outbox(factory: Factory) -> None:
    store = factory.store
    sid = factory.student()
    factory.outcome(sid)  # own event: the outbox's business
    device, events = _foreign_events(factory, 3)
    with store.transaction() as s:
        ledger.insert_events_if_absent(s, events, m.EventOrigin.REMOTE)
    server = FakeServer({device, store.device_id})
    first = relay.push_missing(store, server, relay.CENTRAL_HEADS, include_own=False)  # type: ignore[arg-type]
    assert first.pushed == 3 and first.acknowledged == 3
    assert server.pushes == [[(device, 1), (device, 2), (device, 3)]]
    # Relayed with the origin's own signature, never re-signed here.
    with store.session() as s:
        kept = s.query(m.ChainSegment).one()
    assert [(g.device_id, g.first_seq, g.last_seq, g.sig) for g in server.sigs[0][0]] == [
        (device, 1, 3, kept.sig)
    ]
    again = relay.push_missing(store, server, relay.CENTRAL_HEADS, include_own=False)  # type: ignore[arg-type]
    assert again.pushed == 0 and len(server.pushes) == 1


def test_pulled_events_are_not_pushed_back(factory: Factory) -> None:
    store = factory.store
    device, events = _foreign_events(factory, 2)
    with store.transaction() as s:
        ledger.insert_events_if_absent(s, events, m.EventOrigin.REMOTE)
        relay.note_held(s, relay.CENTRAL_HEADS, events)
    server = FakeServer({device})
    assert relay.push_missing(store, server, relay.CENTRAL_HEADS, include_own=False).pushed == 0  # type: ignore[arg-type]
    assert server.pushes == []


def test_a_device_the_server_refuses_is_not_offered_again(factory: Factory) -> None:
    store = factory.store
    _device, events = _foreign_events(factory, 2)
    with store.transaction() as s:
        ledger.insert_events_if_absent(s, events, m.EventOrigin.REMOTE)
    server = FakeServer(set())
    assert relay.push_missing(store, server, relay.CENTRAL_HEADS, include_own=False).pushed == 2  # type: ignore[arg-type]
    assert relay.push_missing(store, server, relay.CENTRAL_HEADS, include_own=False).pushed == 0  # type: ignore[arg-type]
    assert len(server.pushes) == 1


def test_events_no_kept_signature_covers_are_left_to_their_origin(factory: Factory) -> None:
    store = factory.store
    device, events = _foreign_events(factory, 3)
    with store.transaction() as s:
        ledger.insert_events_if_absent(s, events, m.EventOrigin.REMOTE)
        s.query(m.ChainSegment).delete()
    server = FakeServer({device})
    assert relay.push_missing(store, server, relay.CENTRAL_HEADS, include_own=False).pushed == 0  # type: ignore[arg-type]
    assert server.pushes == []


def test_relay_starts_at_the_segment_covering_the_servers_head(factory: Factory) -> None:
    store = factory.store
    device, events = _foreign_events(factory, 3)
    with store.transaction() as s:
        ledger.insert_events_if_absent(s, events, m.EventOrigin.REMOTE)
        relay.note_held(s, relay.CENTRAL_HEADS, events[:2])  # the server holds 1..2
    server = FakeServer({device})
    assert relay.push_missing(store, server, relay.CENTRAL_HEADS, include_own=False).pushed == 3  # type: ignore[arg-type]
    assert server.pushes == [[(device, 1), (device, 2), (device, 3)]]  # the whole segment


def test_own_events_are_signed_when_pushed_to_a_hub(factory: Factory) -> None:
    store = factory.store
    sid = factory.student()
    factory.outcome(sid)
    factory.outcome(sid, "absent")
    server = FakeServer({store.device_id})
    assert relay.push_missing(store, server, "hub_heads", include_own=True).pushed == 2  # type: ignore[arg-type]
    [[seg]] = server.sigs[0]
    assert (seg.device_id, seg.first_seq, seg.last_seq) == (store.device_id, 1, 2)
