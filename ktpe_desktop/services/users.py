"""A local user as the login page lists it and a workspace holds it.

Apart from :mod:`ktpe_desktop.services.views` (which exports it with the rest of the
services' data) so that the login page, which lists the users from the key slots
before the password is typed, does not import those views and the event model they
use (docs/performance.md, "Start-up").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserInfo:
    username: str
    role: str  # "lead" | "operator"
    display_name: str = ""
    seconds_to_wait: float = 0.0

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    @property
    def label(self) -> str:
        return self.display_name or self.username
