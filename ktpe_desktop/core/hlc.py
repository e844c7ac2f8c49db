"""Hybrid logical clock (Kulkarni et al., 2014).

An HLC timestamp is ``(wall_ms, counter)``: close to physical time, yet it never
goes backwards on one device and it always moves past every timestamp the device
has seen from others. Ties between devices are broken by ``device_id`` where a
total order is needed (see :func:`ktpe_desktop.core.events.event_order_key`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_WALL_DIGITS = 15
_COUNTER_DIGITS = 5
_COUNTER_MAX = 10**_COUNTER_DIGITS - 1


@dataclass(frozen=True, order=True, slots=True)
class Hlc:
    """One hybrid logical clock reading."""

    wall_ms: int
    counter: int = 0

    def encode(self) -> str:
        """Fixed-width text that sorts like the timestamp: ``000001732680000123-00000``."""
        return f"{self.wall_ms:0{_WALL_DIGITS}d}-{self.counter:0{_COUNTER_DIGITS}d}"

    @classmethod
    def decode(cls, text: str) -> Hlc:
        """Parse :meth:`encode`'s output.

        Raises:
            ValueError: when ``text`` is not an encoded HLC.
        """
        wall, sep, counter = text.partition("-")
        if (
            not sep
            or len(wall) != _WALL_DIGITS
            or len(counter) != _COUNTER_DIGITS
            or not wall.isdigit()
            or not counter.isdigit()
        ):
            raise ValueError(f"not an HLC timestamp: {text!r}")
        return cls(int(wall), int(counter))


def system_ms() -> int:
    """The system clock in milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


class HybridClock:
    """A thread-safe hybrid logical clock for one device.

    Args:
        now_ms: the physical clock (injected so tests can move it).
        last: the last timestamp this device issued or observed, restored from storage.
    """

    def __init__(self, now_ms: Callable[[], int] = system_ms, last: Hlc | None = None) -> None:
        self._now_ms = now_ms
        self._last = last or Hlc(0, 0)
        self._lock = threading.Lock()

    @property
    def last(self) -> Hlc:
        return self._last

    def tick(self) -> Hlc:
        """A timestamp for a local event, greater than every one before it."""
        with self._lock:
            now = self._now_ms()
            if now > self._last.wall_ms:
                self._last = Hlc(now, 0)
            else:
                self._last = self._bump(self._last.wall_ms, self._last.counter + 1)
            return self._last

    def observe(self, remote: Hlc) -> Hlc:
        """Merge a timestamp received from another device; returns the new local reading."""
        with self._lock:
            now = self._now_ms()
            wall = max(now, self._last.wall_ms, remote.wall_ms)
            if wall == self._last.wall_ms and wall == remote.wall_ms:
                counter = max(self._last.counter, remote.counter) + 1
            elif wall == self._last.wall_ms:
                counter = self._last.counter + 1
            elif wall == remote.wall_ms:
                counter = remote.counter + 1
            else:
                counter = 0
            self._last = self._bump(wall, counter)
            return self._last

    @staticmethod
    def _bump(wall: int, counter: int) -> Hlc:
        # A counter overflow (100,000 events in one millisecond) borrows the next ms.
        if counter > _COUNTER_MAX:
            return Hlc(wall + 1, 0)
        return Hlc(wall, counter)
