"""The sync use cases that the UI and the CLI call.

A thin facade over :class:`~ktpe_desktop.sync.engine.SyncEngine`: enrolment, one
round, the counts for the status bar, the quarantine (list, CSV export, retry),
the Berita Acara receipt and the retention purge. Everything returned is a plain
dataclass. Pulled events go through :meth:`RecordingService.apply_remote_events`,
so they are stored and folded exactly as the recording path does it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.core.events import Event
from ktpe_desktop.services.recording import RecordingService
from ktpe_desktop.storage.store import Store
from ktpe_desktop.sync import relay, retention
from ktpe_desktop.sync import state as keys
from ktpe_desktop.sync.engine import (
    ClientFactory,
    OutboxCounts,
    Progress,
    QuarantinedItem,
    Receipt,
    SyncEngine,
    SyncSummary,
)
from ktpe_desktop.sync.enrolment import Replacement
from ktpe_desktop.sync.enrolment import enrol as _enrol
from ktpe_desktop.sync.enrolment import enrol_as_new_device as _enrol_new
from ktpe_desktop.sync.state import Enrolment

log = logging.getLogger("ktpe.sync")


@dataclass(frozen=True, slots=True)
class SyncOverview:
    """What the status bar and the sync dialog show."""

    enrolled: bool
    needs_enrolment: bool
    server_url: str | None
    team: str | None
    counts: OutboxCounts
    last_success: str | None
    last_attempt: str | None
    last_error: str | None
    clock_skew_s: float | None

    @property
    def clock_warning(self) -> bool:
        from ktpe_desktop.core.protocol import CLOCK_SKEW_WARNING_SECONDS

        return self.clock_skew_s is not None and abs(self.clock_skew_s) > (
            CLOCK_SKEW_WARNING_SECONDS
        )


class SyncService:
    """Sync for one unlocked store.

    Args:
        store: the unlocked store.
        client_factory: ``(url, token, ca_file) -> SyncClient`` (tests inject timeouts).
        clock: seconds since the epoch.
        batch_size: events in the first push of a round (it grows on a good link).
        max_batch_size: the largest push (default: the protocol's limit).
        progress: ``(stage, done, total)``, called on the syncing thread.
    """

    def __init__(
        self,
        store: Store,
        *,
        client_factory: ClientFactory | None = None,
        clock: Callable[[], float] = time.time,
        batch_size: int | None = None,
        max_batch_size: int | None = None,
        page_size: int | None = None,
        progress: Progress | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self._today = today
        self._client_factory = client_factory
        self._recording = RecordingService(store)
        extra: dict[str, Any] = {}
        if batch_size is not None:
            extra["batch_size"] = batch_size
        if max_batch_size is not None:
            extra["max_batch_size"] = max_batch_size
        if page_size is not None:
            extra["page_size"] = page_size
        self.engine = SyncEngine(
            store,
            client_factory,
            clock=clock,
            apply_remote=self._apply_remote,
            progress=progress,
            **extra,
        )

    def _apply_remote(self, session: Session, events: list[Event]) -> Any:
        result = self._recording.apply_remote_events(session, events)
        relay.note_held(session, relay.CENTRAL_HEADS, events)  # nothing to relay back
        return result

    # ------------------------------------------------------------ enrolment

    def enrol(
        self, url: str, code: str, ca_file: str | None = None, *, use_keyring: bool = False
    ) -> Enrolment:
        result = _enrol(
            self.store,
            url,
            code,
            ca_file,
            client_factory=self._client_factory,
            use_keyring=use_keyring,
        )
        self.engine.invalidate_client()
        return result

    def enrol_as_new_device(
        self, url: str, code: str, ca_file: str | None = None, *, use_keyring: bool = False
    ) -> tuple[Enrolment, Replacement]:
        """Re-enrol as a NEW device after events of this one were lost for good
        (``sync.enrolment.enrol_as_new_device``)."""
        with self.engine.no_round():
            result = _enrol_new(
                self.store,
                url,
                code,
                ca_file,
                client_factory=self._client_factory,
                use_keyring=use_keyring,
            )
        self.engine.invalidate_client()
        return result

    def enrolment(self) -> Enrolment | None:
        return self.engine.enrolment()

    # ------------------------------------------------------------ rounds

    def probe(self) -> object:
        """``GET /health`` with the short probe timeout (the network monitor's check).

        Raises:
            SyncError: not enrolled, or the server cannot be reached.
        """
        return self.engine.client().health()

    def recover(self) -> int:
        return self.engine.recover()

    def run_round(self) -> SyncSummary:
        """One sync round; after a successful one, purge schools past retention.

        The purge only touches schools whose every event the server acknowledged
        and whose retention period has passed (docs/sync-client.md), so running it
        after each good round is what keeps personal data off the laptop in time.
        """
        summary = self.engine.run_round()
        if summary.error is None:
            self.relay_teammates()
            try:
                purged = self.purge_expired(today=self._today())
            except KnownError as exc:  # a purge problem must not turn a good sync red
                log.warning("retention purge skipped: %s", exc.code)
            else:
                if purged:
                    log.info("retention purge: %d school(s)", len(purged))
        return summary

    def relay_teammates(self) -> relay.RelayResult:
        """Push the teammates' events received through a school hub that the server lacks.

        Each reaches the server once (it is idempotent on ``event_id``), exactly as its
        origin device wrote it. A failure here never turns a good round red: the next
        round retries.
        """
        try:
            result = relay.push_missing(
                self.store, self.engine.client(), relay.CENTRAL_HEADS, include_own=False
            )
        except KnownError as exc:
            log.info("relay of teammates' events postponed: %s", exc.code)
            return relay.RelayResult()
        if result.pushed:
            log.info(
                "relayed %d teammate event(s), %d acknowledged", result.pushed, result.acknowledged
            )
        return result

    def status(self) -> SyncOverview:
        enr = self.engine.enrolment()
        with self.store.session() as s:
            skew = keys.get(s, keys.CLOCK_SKEW)
            status = SyncOverview(
                enrolled=enr is not None,
                needs_enrolment=bool(enr and enr.needs_enrolment),
                server_url=enr.server_url if enr else keys.get(s, keys.SERVER_URL),
                team=enr.team if enr else None,
                counts=self.engine.counts(),
                last_success=keys.get(s, keys.LAST_SUCCESS),
                last_attempt=keys.get(s, keys.LAST_ATTEMPT),
                last_error=keys.get(s, keys.LAST_ERROR),
                clock_skew_s=float(skew) if skew else None,
            )
        return status

    def counts(self) -> OutboxCounts:
        return self.engine.counts()

    # ------------------------------------------------------------ quarantine

    def quarantined(self) -> list[QuarantinedItem]:
        return self.engine.quarantined()

    def export_quarantined_csv(self, path: Path | str) -> int:
        return self.engine.export_quarantined_csv(path)

    def retry_quarantined(self, event_ids: Iterable[str] | None = None) -> int:
        return self.engine.retry_quarantined(event_ids)

    # ------------------------------------------------------------ receipt

    def receipt(self) -> Receipt | None:
        """The last receipt fetched (offline: for printing the Berita Acara)."""
        return self.engine.last_receipt()

    def fetch_receipt(self) -> Receipt:
        return self.engine.receipt()

    # ------------------------------------------------------------ retention

    def retention_status(self, today: date | None = None) -> list[retention.SchoolRetention]:
        return retention.retention_status(self.store, today=today)

    def purge_expired(self, today: date | None = None) -> list[retention.PurgeResult]:
        return retention.purge_expired(self.store, today=today)

    def close(self) -> None:
        self.engine.close()
