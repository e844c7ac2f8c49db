"""The sync engine: named, re-entrant stages (Morango's idea), no Qt.

A round is ``recover → push → pull_roster → pull_events → receipt``. Every stage
can be called on its own and again after any interruption (a crash, a kill -9, a
lost reply) without losing or duplicating anything:

* **recover**: outbox rows left ``in_flight`` by a crash go back to ``pending``.
* **push**: pending rows in ``seq`` order, batches of ~300, marked ``in_flight``
  in a committed transaction before the request; the per-event results are applied
  in ONE transaction (acknowledged → ``acked``; refused → ``quarantined`` with the
  server's code and message; ``seq_gap`` → ``pending``). A failure after the
  request left puts the batch back to ``pending``: the resend is answered
  ``duplicate``, so every event is stored exactly once. When the server's ledger
  holds fewer events than we hold as acknowledged (it lost data), those go back to
  ``pending``.
* **pull_roster / pull_events**: pages by cursor, each applied in its own
  transaction together with the new cursor, so a download resumes where it stopped.
* **receipt**: the server's view of this device's ledger, kept for the Berita Acara.

The engine talks to the database through the storage layer's own sessions
(:meth:`Store.transaction`, :meth:`Store.session`) and hands back plain dataclasses.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ktpe_desktop.core.events import Event, format_time
from ktpe_desktop.core.protocol import (
    CLOCK_SKEW_WARNING_SECONDS,
    DEFAULT_PAGE_SIZE,
    MAX_EVENTS_PER_PUSH,
    PushReply,
    encode_push,
)
from ktpe_desktop.storage import ledger, outbox
from ktpe_desktop.storage import models as m
from ktpe_desktop.storage.outbox import (
    OutboxCounts,
    QuarantinedItem,
    encode_problem,
)
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync import verify
from ktpe_desktop.sync.client import SyncClient, Timeouts
from ktpe_desktop.sync.errors import (
    DeviceChainDiverged,
    NotEnrolled,
    ProtocolError,
    SyncError,
    SyncInProgress,
    Unauthorized,
)
from ktpe_desktop.sync.roster_pull import apply_roster_page
from ktpe_desktop.sync.state import Enrolment, read_token

log = logging.getLogger("ktpe.sync")

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ApplyRemote",
    "ClientFactory",
    "OutboxCounts",
    "Progress",
    "PushResult",
    "QuarantinedItem",
    "Receipt",
    "Stage",
    "SyncEngine",
    "SyncSummary",
    "default_client_factory",
]

# The first push of a round: rows carry no hash (protocol 2), so 1,000 events are
# ~13 KB gzip, ~0.3 s at 330 kbit/s: a failure loses little, and a backlog of 5,000
# moves in 5 requests instead of 7 (300, 600, 1,000 … by doubling), each costing a
# round trip plus the server's turn (issue 12, bench_sync).
DEFAULT_BATCH_SIZE = MAX_EVENTS_PER_PUSH
MAX_PAGES_PER_ROUND = 10_000

ClientFactory = Callable[[str, str | None, str | None], SyncClient]
ApplyRemote = Callable[[Session, list[Event]], Any]
Progress = Callable[[str, int, int], None]


class Stage(StrEnum):
    RECOVER = "recover"
    PUSH = "push"
    PULL_ROSTER = "pull_roster"
    PULL_EVENTS = "pull_events"
    RECEIPT = "receipt"


def default_client_factory(
    timeouts: Timeouts | None = None,
) -> ClientFactory:
    def make(url: str, token: str | None, ca_file: str | None) -> SyncClient:
        return SyncClient(url, token=token, ca_file=ca_file, timeouts=timeouts)

    return make


@dataclass(frozen=True, slots=True)
class PushResult:
    sent: int = 0
    acked: int = 0
    quarantined: int = 0
    requeued: int = 0
    batches: int = 0


@dataclass(frozen=True, slots=True)
class Receipt:
    """The server's view of this device's ledger (printed on the Berita Acara)."""

    device_id: str
    contiguous_seq: int
    head_hash: str
    counts: dict[str, Any]
    server_time: str
    fetched_at: str
    local_seq: int = 0
    local_hash_at_seq: str | None = None

    @property
    def matches_local(self) -> bool:
        """The server's chain head is our own event at that seq (None-safe)."""
        return self.contiguous_seq == 0 or self.local_hash_at_seq == self.head_hash


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """What one round did (plain data, for the UI, the CLI and the logs)."""

    pushed: int = 0
    acked: int = 0
    quarantined: int = 0  # quarantined in the outbox after the round (all of them)
    pending_left: int = 0  # pending + in_flight after the round
    pulled_students: int = 0
    pulled_events: int = 0
    clock_skew_s: float | None = None
    error: str | None = None
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    error_code: str | None = None
    error_en: str | None = None
    newly_quarantined: int = 0
    requeued: int = 0
    stages: tuple[str, ...] = ()
    receipt: Receipt | None = None
    # The server's update advice: a newer app version exists ("versi baru tersedia").
    update_available: str | None = None
    download_url: str | None = None

    @property
    def clock_warning(self) -> bool:
        return self.clock_skew_s is not None and abs(self.clock_skew_s) > (
            CLOCK_SKEW_WARNING_SECONDS
        )

    @property
    def all_acknowledged(self) -> bool:
        """Everything written on this laptop is held by the server (CLI exit 0)."""
        return self.error is None and self.pending_left == 0 and self.quarantined == 0

    @property
    def needs_enrolment(self) -> bool:
        return self.error_code in (Unauthorized.code, NotEnrolled.code)


def _now() -> datetime:
    return datetime.now(UTC)


class SyncEngine:
    """Moves this laptop's events to the server and the team's data back.

    Args:
        store: the unlocked store (the engine uses its own sessions).
        client_factory: ``(url, token, ca_file) -> SyncClient``.
        clock: seconds since the epoch (for skew and timestamps in tests).
        batch_size: events in the first push request of a round.
        max_batch_size: the batch doubles after each fully answered request up to
            this (a good link moves a backlog in few round trips); a failure halves
            it again (a flaky link loses little work per failure).
        page_size: rows per roster / event page.
        apply_remote: stores pulled events and refolds (the services layer passes
            ``RecordingService.apply_remote_events``); default: the storage ledger.
        progress: ``(stage, done, total)`` callback, called from the syncing thread.
    """

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory | None = None,
        *,
        clock: Callable[[], float] = time.time,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batch_size: int = MAX_EVENTS_PER_PUSH,
        page_size: int = DEFAULT_PAGE_SIZE,
        apply_remote: ApplyRemote | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.client_factory = client_factory or default_client_factory()
        self.clock = clock
        self.batch_size = batch_size
        self.max_batch_size = max(batch_size, min(max_batch_size, MAX_EVENTS_PER_PUSH))
        self.page_size = page_size
        self.apply_remote = apply_remote or self._apply_remote_default
        self.progress = progress
        self._lock = threading.Lock()
        self._client: SyncClient | None = None
        self._client_key: tuple[str, str | None, str | None] | None = None
        self._recovered = False

    # ------------------------------------------------------------ enrolment

    def enrolment(self) -> Enrolment | None:
        with self.store.session() as s:
            url = keys.get(s, keys.SERVER_URL)
            token = read_token(s)
            if not url or not token:
                return None
            return Enrolment(
                server_url=url,
                token=token,
                device_id=keys.get(s, keys.ENROLLED_DEVICE) or self.store.device_id,
                team=keys.get(s, keys.TEAM) or "",
                campaign_id=keys.get(s, keys.CAMPAIGN_ID) or "",
                ca_file=keys.get(s, keys.CA_FILE),
                enrolled_at=keys.get(s, keys.ENROLLED_AT) or "",
                needs_enrolment=keys.get(s, keys.NEEDS_ENROLMENT) == "1",
            )

    @contextlib.contextmanager
    def no_round(self, timeout: float = 120.0) -> Iterator[None]:
        """Hold off sync rounds (waiting up to ``timeout`` for a running one to end):
        re-enrolment as a new device changes the chain a round would push.

        Raises:
            SyncInProgress: a round still ran after ``timeout``.
        """
        if not self._lock.acquire(timeout=timeout):
            raise SyncInProgress()
        try:
            yield
        finally:
            self._lock.release()

    def invalidate_client(self) -> None:
        """Forget the cached client (after a new enrolment)."""
        self.close()
        self._client_key = None

    def client(self) -> SyncClient:
        """The client of the enrolled server (one Session, reused across rounds).

        Raises:
            NotEnrolled: no server or token yet, or the token was refused (401).
        """
        enr = self.enrolment()
        if enr is None or enr.needs_enrolment:
            raise NotEnrolled() if enr is None else Unauthorized("token refused earlier")
        key = (enr.server_url, enr.token, enr.ca_file)
        if self._client is None or self._client_key != key:
            if self._client is not None:
                self._client.close()
            self._client = self.client_factory(*key)
            self._client_key = key
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # ------------------------------------------------------------ read side

    def counts(self) -> OutboxCounts:
        with self.store.session() as s:
            return outbox.counts(s)

    def quarantined(self) -> list[QuarantinedItem]:
        with self.store.session() as s:
            return outbox.quarantined(s)

    def export_quarantined_csv(self, path: Path | str) -> int:
        """Write the quarantined events (ids, codes, reasons: no personal data) as CSV.

        Returns:
            The number of rows written.
        """
        items = self.quarantined()
        target = Path(path)
        with open(target, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "event_id",
                    "seq",
                    "kind",
                    "student_id",
                    "school_npsn",
                    "occurred_at",
                    "status",
                    "code",
                    "message",
                    "attempts",
                ]
            )
            for it in items:
                w.writerow(
                    [
                        it.event_id,
                        it.seq,
                        it.kind,
                        it.student_id,
                        it.school_npsn or "",
                        format_time(it.occurred_at),
                        it.status,
                        it.code,
                        it.message,
                        it.attempts,
                    ]
                )
        with self.store.transaction() as s:
            s.add(
                m.AuditLog(
                    actor=self.store.username,
                    action=m.AuditAction.EXPORT,
                    subject="quarantined_events",
                    detail={"rows": len(items)},
                )
            )
        return len(items)

    def retry_quarantined(self, event_ids: Iterable[str] | None = None) -> int:
        """Move quarantined events (all, or those given) back to ``pending``."""
        ids = None if event_ids is None else list(event_ids)
        if ids is not None and not ids:
            return 0
        with self.store.transaction() as s:
            n = outbox.retry_quarantined(s, ids)
            s.add(
                m.AuditLog(
                    actor=self.store.username,
                    action=m.AuditAction.SYNC,
                    subject="retry_quarantined",
                    detail={"events": n},
                )
            )
        return n

    def last_receipt(self) -> Receipt | None:
        with self.store.session() as s:
            data = keys.get_json(s, keys.LAST_RECEIPT)
        return Receipt(**data) if isinstance(data, dict) else None

    # ------------------------------------------------------------ stages

    def recover(self) -> int:
        """Stage ``recover``: rows left ``in_flight`` go back to ``pending``."""
        with self.store.transaction() as s:
            n = outbox.reset_in_flight(s)
        if n:
            log.info("recovered %d in-flight outbox rows", n)
        self._recovered = True
        return n

    def push(self) -> PushResult:
        """Stage ``push``: relay the outbox until it is empty or stops moving."""
        client = self.client()
        counts = self.counts()  # every request of the round tells the office what is held
        client.report_outbox(counts.unsent, counts.quarantined)
        self._register_key(client)
        total = counts.unsent
        sent = acked = quarantined = requeued = batches = 0
        size = self.batch_size
        max_batches = total // max(1, min(self.batch_size, self.max_batch_size)) + 20
        self._report(Stage.PUSH, 0, total)
        while batches < max_batches:
            batch = self._take_batch(size)
            if not batch:
                break
            batches += 1
            with self.store.transaction() as s:
                signed = ledger.sign_segments(s, self.store.device_id, batch)
            body = encode_push(batch, {seg.device_id: [seg] for seg in signed})
            try:
                reply = client.push(body)
                # A restored laptop: stop before its reused seqs are quarantined.
                head = reply.ledger.get(self.store.device_id)
                if head is not None:
                    with self.store.session() as s:
                        self._check_own_chain(s, head.contiguous_seq, head.head_hash)
                a, q, r = self._apply_reply(batch, reply)
            except BaseException as exc:
                # Nothing of the reply was applied: the batch must not stay in flight.
                self._return_to_pending([e.event_id for e in batch], exc)
                raise
            sent += len(batch)
            acked += a
            quarantined += q
            requeued += r
            counts = self.counts()  # the next request tells the office what is left
            client.report_outbox(counts.unsent, counts.quarantined)
            self._note_skew(client)
            self._report(Stage.PUSH, min(total, acked + quarantined), total)
            if a == 0 and q == 0 and r == 0:
                log.warning("push made no progress (%d events answered retry-later)", len(batch))
                break
            if a + q == len(batch):
                size = min(self.max_batch_size, size * 2)
        return PushResult(sent, acked, quarantined, requeued, batches)

    def pull_roster(self) -> int:
        """Stage ``pull_roster``: roster pages by cursor; returns students received."""
        client = self.client()
        enr = self.enrolment()
        team = enr.team if enr else ""
        students = 0
        for page_no in range(MAX_PAGES_PER_ROUND):
            with self.store.session() as s:
                cursor = keys.get(s, keys.ROSTER_CURSOR)
            page = client.roster(cursor, self.page_size)
            nxt = page.get("next_cursor")
            if not isinstance(nxt, str) and nxt is not None:
                raise ProtocolError("roster page without a valid next_cursor")
            with self.store.transaction() as s:
                result = apply_roster_page(s, page, team)
                if nxt:
                    keys.put(s, keys.ROSTER_CURSOR, nxt)
                if result.new_schools:
                    # Events pushed about a school before it was assigned to our team
                    # (by another team) sit below our event cursor: pull all again
                    # (already held events are skipped as duplicates).
                    keys.put(s, keys.EVENTS_CURSOR, None)
            students += result.students
            self._report(
                Stage.PULL_ROSTER, page_no + 1, page_no + (2 if page.get("has_more") else 1)
            )
            if not page.get("has_more") or nxt == cursor:
                break
        self._note_skew(client)
        return students

    def pull_events(self) -> int:
        """Stage ``pull_events``: other devices' events by cursor; returns events received."""
        client = self.client()
        received = 0
        for page_no in range(MAX_PAGES_PER_ROUND):
            with self.store.session() as s:
                cursor = keys.get(s, keys.EVENTS_CURSOR)
            page = client.pull_events(cursor, self.page_size)
            raw = page.get("events")
            nxt = page.get("next_cursor")
            if not isinstance(raw, list) or (nxt is not None and not isinstance(nxt, str)):
                raise ProtocolError("event page without events or next_cursor")
            try:
                events = [Event.from_json(e) for e in raw]
            except (ValueError, TypeError) as exc:
                raise ProtocolError(f"bad event in pull: {exc}") from None
            with self.store.transaction() as s:
                if events or page.get("segments"):
                    ready = verify.verified(s, events, page)
                    if ready:
                        self.apply_remote(s, ready)
                if nxt:
                    keys.put(s, keys.EVENTS_CURSOR, nxt)
            received += len(events)
            self._report(
                Stage.PULL_EVENTS, page_no + 1, page_no + (2 if page.get("has_more") else 1)
            )
            if not page.get("has_more") or nxt == cursor:
                break
        self._note_skew(client)
        return received

    def receipt(self) -> Receipt:
        """Stage ``receipt``: fetch and keep the server's view of our ledger.

        Also re-queues events we hold as acknowledged beyond the server's
        contiguous seq (the server lost them).
        """
        client = self.client()
        data = client.receipt()
        device_id = self.store.device_id
        try:
            contiguous = int(data.get("contiguous_seq", 0))
            head = str(data.get("head_hash") or "")
        except (TypeError, ValueError):
            raise ProtocolError("receipt without contiguous_seq") from None
        counts = data.get("counts_per_school") or data.get("counts") or {}
        with self.store.session() as s:
            self._check_own_chain(s, contiguous, head)
        with self.store.transaction() as s:
            self._requeue_lost(s, device_id, contiguous)
            local_hash = s.scalar(
                select(m.EventRow.hash).where(
                    m.EventRow.device_id == device_id, m.EventRow.seq == contiguous
                )
            )
            local_seq = int(
                s.scalar(select(func.max(m.EventRow.seq)).where(m.EventRow.device_id == device_id))
                or 0
            )
            receipt = Receipt(
                device_id=device_id,
                contiguous_seq=contiguous,
                head_hash=head,
                counts=counts if isinstance(counts, dict) else {"items": counts},
                server_time=str(data.get("server_time", "")),
                fetched_at=_now().isoformat(),
                local_seq=local_seq,
                local_hash_at_seq=local_hash,
            )
            keys.put_json(s, keys.LAST_RECEIPT, _asdict(receipt))
            keys.put(s, keys.SERVER_CONTIGUOUS_SEQ, str(contiguous))
        if not receipt.matches_local:
            log.error("server chain head differs from ours at seq %d", contiguous)
        self._note_skew(client)
        return receipt

    # ------------------------------------------------------------ a round

    def run_round(self) -> SyncSummary:
        """One full round; never raises a :class:`SyncError` (it is in the summary).

        Raises:
            SyncInProgress: another round is running in this process.
        """
        if not self._lock.acquire(blocking=False):
            raise SyncInProgress()
        stages: list[str] = []
        pushed = acked = newly_q = requeued = students = pulled = 0
        receipt: Receipt | None = None
        error: SyncError | None = None
        try:
            with self.store.transaction() as s:
                keys.put(s, keys.LAST_ATTEMPT, _now().isoformat())
            if not self._recovered:
                self.recover()
                stages.append(Stage.RECOVER)
            try:
                for attempt in range(2):
                    res = self.push()
                    stages.append(Stage.PUSH)
                    pushed += res.sent
                    acked += res.acked
                    newly_q += res.quarantined
                    requeued += res.requeued
                    if attempt == 0:
                        students = self.pull_roster()
                        stages.append(Stage.PULL_ROSTER)
                        pulled = self.pull_events()
                        stages.append(Stage.PULL_EVENTS)
                    receipt = self.receipt()
                    stages.append(Stage.RECEIPT)
                    if self.counts().pending == 0:
                        break  # the receipt re-queued nothing
            except Unauthorized as exc:
                error = exc
                with self.store.transaction() as s:
                    keys.put(s, keys.NEEDS_ENROLMENT, "1")
                log.warning("token refused: re-enrolment needed; outbox kept")
            except SyncError as exc:
                error = exc
                log.info("sync round stopped: %s", exc.code)
            counts = self.counts()
            skew = self._client.clock_skew_s if self._client is not None else None
            # The server's version advice, where the client knows it (a hub's does not).
            advice = getattr(self._client, "update_advice", None)
            current = getattr(self._client, "app_version", None)
            newer = advice.newer_available(current) if advice and current else None
            finished = _now()
            with self.store.transaction() as s:
                if error is None:
                    keys.put(s, keys.LAST_SUCCESS, finished.isoformat())
                    keys.put(s, keys.LAST_ERROR, None)
                else:
                    keys.put(s, keys.LAST_ERROR, error.code)
                if skew is not None:
                    keys.put(s, keys.CLOCK_SKEW, f"{skew:.3f}")
            summary = SyncSummary(
                pushed=pushed,
                acked=acked,
                quarantined=counts.quarantined,
                pending_left=counts.unsent,
                pulled_students=students,
                pulled_events=pulled,
                clock_skew_s=skew,
                error=error.message if error else None,
                finished_at=finished,
                error_code=error.code if error else None,
                error_en=error.message_en if error else None,
                newly_quarantined=newly_q,
                requeued=requeued,
                stages=tuple(stages),
                receipt=receipt,
                update_available=newer,
                download_url=advice.download_url if advice else None,
            )
            log.info(
                "sync round: pushed=%d acked=%d quarantined=%d pending=%d students=%d "
                "events=%d error=%s",
                pushed,
                acked,
                counts.quarantined,
                counts.unsent,
                students,
                pulled,
                error.code if error else None,
            )
            return summary
        finally:
            self._lock.release()

    # ------------------------------------------------------------ internals

    def _register_key(self, client: SyncClient) -> None:
        """Bind this laptop's key to its device once (a laptop enrolled before keys)."""
        with self.store.session() as s:
            if keys.get(s, keys.KEY_REGISTERED) == "1":
                return
        with self.store.transaction() as s:
            public = ledger.public_key(s, self.store.device_id)
        client.register_key(public)
        with self.store.transaction() as s:
            keys.put(s, keys.KEY_REGISTERED, "1")
        log.info("device key registered with the server")

    def _report(self, stage: Stage, done: int, total: int) -> None:
        if self.progress is not None:
            try:
                self.progress(stage.value, done, total)
            except Exception:  # the UI's callback must not break the sync
                log.exception("progress callback failed")

    def _note_skew(self, client: SyncClient) -> None:
        skew = client.clock_skew_s
        if skew is not None and abs(skew) > CLOCK_SKEW_WARNING_SECONDS:
            log.warning("clock skew %.0f s against the server", skew)

    def _take_batch(self, size: int | None = None) -> list[Event]:
        """Mark the next contiguous run of pending events ``in_flight`` (committed)."""
        with self.store.transaction() as s:
            return outbox.take_batch(s, size or self.batch_size)

    def _return_to_pending(self, event_ids: Sequence[str], exc: BaseException) -> None:
        code = getattr(exc, "code", type(exc).__name__)
        try:
            with self.store.transaction() as s:
                outbox.return_to_pending(s, event_ids, str(code))
        except Exception:  # recover() at the next start does the same
            log.exception("could not return a batch to pending")

    def _apply_reply(self, batch: Sequence[Event], reply: PushReply) -> tuple[int, int, int]:
        """Apply the per-event results in ONE transaction.

        Returns:
            (acked, quarantined, re-queued because the server lost them).
        """
        problems = {p.event_id: p for p in reply.problems}
        ack_ids: list[str] = []
        pending_ids: list[str] = []
        quarantine: list[tuple[str, str]] = []
        for ev in batch:
            st = reply.statuses.get(ev.event_id)
            if st is None:
                pending_ids.append(ev.event_id)
            elif st.acknowledged:
                ack_ids.append(ev.event_id)
            elif st.retry_later:
                pending_ids.append(ev.event_id)
            else:
                p = problems.get(ev.event_id)
                quarantine.append(
                    (
                        ev.event_id,
                        encode_problem(st, p.code if p else st.value, p.message if p else ""),
                    )
                )
        requeued = 0
        with self.store.transaction() as s:
            outbox.mark_replied(s, ack_ids, pending_ids, quarantine)
            head = reply.ledger.get(self.store.device_id)
            if head is not None:
                requeued = self._requeue_lost(s, self.store.device_id, head.contiguous_seq)
                keys.put(s, keys.SERVER_CONTIGUOUS_SEQ, str(head.contiguous_seq))
        if quarantine:
            log.warning("%d events quarantined by the server", len(quarantine))
        return len(ack_ids), len(quarantine), requeued

    def _check_own_chain(self, s: Session, contiguous_seq: int, head_hash: str) -> None:
        """Raise :class:`DeviceChainDiverged` when the server's chain of our device is not ours.

        The server holding *fewer* of our events is fine (a new or restored server:
        :meth:`_requeue_lost` re-sends them). Holding events beyond our last one, or a
        head that is not our event at that seq, means this database was restored from
        an older backup (or copied) and reuses seqs the server already holds.
        """
        if contiguous_seq <= 0:
            return
        device_id = self.store.device_id
        local_hash = s.scalar(
            select(m.EventRow.hash).where(
                m.EventRow.device_id == device_id, m.EventRow.seq == contiguous_seq
            )
        )
        if local_hash is not None and local_hash == head_hash:
            return
        local_seq = int(
            s.scalar(select(func.max(m.EventRow.seq)).where(m.EventRow.device_id == device_id)) or 0
        )
        log.error(
            "the server's chain of this device (seq %d) is not ours (local seq %d): "
            "database restored from an old backup? sync stopped",
            contiguous_seq,
            local_seq,
        )
        raise DeviceChainDiverged(contiguous_seq, local_seq)

    def _requeue_lost(self, s: Session, device_id: str, contiguous_seq: int) -> int:
        """Acked events beyond the server's contiguous seq go back to pending."""
        lost = outbox.requeue_lost(s, device_id, contiguous_seq)
        if lost:
            log.error(
                "the server holds %d but we had %d more acked: re-sending",
                contiguous_seq,
                lost,
            )
        return lost

    def _apply_remote_default(self, s: Session, events: list[Event]) -> None:
        ledger.apply_remote(s, events, device_id=self.store.device_id, clock=self.store.clock)


def _asdict(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}
