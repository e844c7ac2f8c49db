"""Online/offline as an object (Vorta's NetworkStatusMonitor, without Qt).

:class:`NetworkStatusMonitor` probes ``GET /api/v1/health`` with a short timeout
every ``interval`` seconds on its own daemon thread and calls its listeners when
the answer changes (``True`` = Daring/online). The Qt adapter turns the callback
into a signal on the main thread. :class:`NullNetworkStatus` is the test double:
its state changes only when a test says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from ktpe_desktop.sync.errors import SyncError

log = logging.getLogger("ktpe.sync.net")

Listener = Callable[[bool], None]


class NetworkStatus(Protocol):
    """What the scheduler and the UI need to know about the network."""

    @property
    def online(self) -> bool | None: ...

    def add_listener(self, listener: Listener) -> None: ...

    def check_now(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class _Listeners:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._online: bool | None = None
        self._lock = threading.Lock()

    @property
    def online(self) -> bool | None:
        return self._online

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def _set(self, online: bool) -> None:
        with self._lock:
            changed = online != self._online
            self._online = online
            listeners = list(self._listeners)
        if changed:
            for listener in listeners:
                try:
                    listener(online)
                except Exception:  # a listener's bug must not stop the monitor
                    log.exception("network listener failed")


class NullNetworkStatus(_Listeners):
    """A network status that changes only when told to (tests, or sync disabled)."""

    def __init__(self, online: bool = True) -> None:
        super().__init__()
        self._online = online

    def set_online(self, online: bool) -> None:
        self._set(online)

    def check_now(self) -> bool:
        return bool(self._online)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class NetworkStatusMonitor(_Listeners):
    """Probes the server's health endpoint on an interval.

    Args:
        probe: a callable that raises :class:`SyncError` when the server cannot be
            reached (normally ``SyncClient(url).health``); it must use a short timeout.
        interval: seconds between probes while online.
        offline_interval: seconds between probes while offline (shorter, so that
            "the network came back" is noticed quickly).
    """

    def __init__(
        self,
        probe: Callable[[], object],
        *,
        interval: float = 30.0,
        offline_interval: float = 10.0,
    ) -> None:
        super().__init__()
        self._probe = probe
        self.interval = interval
        self.offline_interval = offline_interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def check_now(self) -> bool:
        """Probe once, synchronously; update listeners; return the result."""
        try:
            self._probe()
            online = True
        except SyncError as exc:
            log.debug("health probe failed: %s", exc.code)
            online = False
        self._set(online)
        return online

    def poke(self) -> None:
        """Probe soon (e.g. the OS said an interface came up)."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ktpe-netstatus", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_now()
            wait = self.interval if self._online else self.offline_interval
            self._wake.wait(wait)
            self._wake.clear()
