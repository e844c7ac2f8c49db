"""The store's one writer: saves first, background writers (the hub link) yield."""

from __future__ import annotations

import threading
import time

import pytest

from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage.errors import DatabaseLocked
from ktpe_desktop.storage.store import Store
from ktpe_desktop.storage.writer_gate import WriterBusy, WriterGate
from ktpe_desktop.sync import state as keys
from tests import timing
from tests.conftest import Factory


def test_background_waits_while_a_save_waits_or_writes() -> None:
    gate = WriterGate()
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def save(name: str) -> None:
        with gate.foreground(timing.seconds(10)):
            order.append(name)
            holding.set()
            release.wait(timing.seconds(10))

    first = threading.Thread(target=save, args=("save-1",))
    first.start()
    assert holding.wait(timing.seconds(10))
    background = threading.Thread(target=lambda: _background(gate, order))
    background.start()
    second = threading.Thread(target=save, args=("save-2",))
    second.start()
    deadline = time.monotonic() + timing.seconds(10)
    while gate._foreground < 2 and time.monotonic() < deadline:  # both saves in line
        time.sleep(0.001)
    release.set()
    for t in (first, second, background):
        t.join(timing.seconds(10))
    # The background writer was there before the second save, and still went last.
    assert order == ["save-1", "save-2", "background"]


def _background(gate: WriterGate, order: list[str]) -> None:
    with gate.background(timing.seconds(10)):
        order.append("background")


def test_background_gives_up_when_saves_never_stop() -> None:
    gate = WriterGate()
    with gate.foreground(1.0), pytest.raises(WriterBusy), gate.background(0.05):
        pass  # pragma: no cover - never reached


def test_background_transaction_commits_on_the_writer_and_saves_go_on(
    store: Store, factory: Factory
) -> None:
    sid = factory.student()
    service = RecordingService(store)
    with store.background_transaction() as txn:
        keys.put(txn.session(), "hub_link.test", "1")
        assert txn.conn is store._writer  # the same connection as the saves
    with store.session() as s:
        assert keys.get(s, "hub_link.test") == "1"
    with pytest.raises(RuntimeError), store.background_transaction() as txn:
        keys.put(txn.session(), "hub_link.test", "2")
        txn.flush()
        raise RuntimeError("rolled back")
    with store.session() as s:
        assert keys.get(s, "hub_link.test") == "1"
    assert service.record_outcome(sid, "recorded", "op").seq == 1


def test_a_save_waits_for_a_background_writer_on_the_lock_not_sqlite(
    store: Store, factory: Factory
) -> None:
    """A save that comes while a background transaction runs is let in at its end
    (the gate), and a background writer held past the timeout is DatabaseLocked."""
    sid = factory.student()
    service = RecordingService(store)
    store.writer_gate.waits = []
    inside = threading.Event()
    go_on = threading.Event()

    def background() -> None:
        with store.background_transaction() as txn:
            keys.put(txn.session(), "hub_link.test", "x")
            txn.flush()
            inside.set()
            go_on.wait(timing.seconds(10))

    t = threading.Thread(target=background)
    t.start()
    assert inside.wait(timing.seconds(10))
    saver = threading.Thread(target=lambda: service.record_outcome(sid, "recorded", "op"))
    saver.start()
    deadline = time.monotonic() + timing.seconds(10)
    while not store.writer_gate.foreground_busy and time.monotonic() < deadline:
        time.sleep(0.001)
    assert store.writer_gate.foreground_busy
    go_on.set()
    saver.join(timing.seconds(10))
    t.join(timing.seconds(10))
    assert len(store.writer_gate.waits) == 1  # the save waited once, then wrote
    with store.session() as s:
        assert keys.get(s, "hub_link.test") == "x"
    with (
        store.writer_gate.foreground(1.0),
        pytest.raises(DatabaseLocked),
        store.background_transaction(timeout=0.05),
    ):
        pass  # pragma: no cover - never reached
