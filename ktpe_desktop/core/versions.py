"""App versions compared as the update rules need them (no third-party parser).

``0.2.0`` < ``0.10.0`` (numeric parts); a pre-release (``0.2.0rc1``, ``0.2.0.dev3``)
sorts before its release; anything after ``+`` (a build tag) is ignored. The
server advertises a minimum and a latest version; a laptop below the minimum
stops syncing with a clear message, one below the latest only shows that a new
version is available (docs/operations.md, "Updates").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The app versions that sent no X-KTPE-App-Version header: the server takes a
# missing header for this version.
UNREPORTED_VERSION = "0.1.0"
_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+){0,3})(?:[-.]?((?:a|b|rc|dev|alpha|beta)\.?\d*))?\s*$")


def parse_version(text: str) -> tuple[tuple[int, ...], int]:
    """``(numbers, stage)``: stage 0 for a pre-release, 1 for a release.

    Raises:
        ValueError: not a version of this shape.
    """
    match = _VERSION.match(text.split("+", 1)[0])
    if match is None:
        raise ValueError(f"not a version: {text!r}")
    numbers = tuple(int(p) for p in match.group(1).split("."))
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers = numbers[:-1]
    return numbers, 0 if match.group(2) else 1


def is_valid_version(text: str) -> bool:
    try:
        parse_version(text)
    except ValueError:
        return False
    return True


def older_than(version: str, other: str) -> bool:
    """Whether ``version`` is strictly older than ``other``."""
    return parse_version(version) < parse_version(other)


@dataclass(frozen=True, slots=True)
class UpdateAdvice:
    """What the server says about app versions (``/health`` and every reply)."""

    minimum: str | None = None
    latest: str | None = None
    download_url: str | None = None

    def too_old(self, current: str) -> bool:
        """Below the minimum: syncing is refused until the app is updated."""
        return bool(self.minimum) and older_than(current, self.minimum or "")

    def newer_available(self, current: str) -> str | None:
        """The latest version when it is newer than ``current`` ("versi baru tersedia")."""
        if self.latest and older_than(current, self.latest):
            return self.latest
        return None
