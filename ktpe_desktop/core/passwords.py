"""The password rules the login and first-run pages show before anything else is loaded.

Apart from :mod:`ktpe_desktop.core.checks` (which imports them from here with the
rest of its checks, such as ``check_password``) so that the login page does not
import the identifier checks before the password is typed (docs/performance.md,
"Start-up").
"""

from __future__ import annotations

MIN_PASSWORD_LENGTH = 8


def password_strength(password: str) -> int:
    """0 (unusable) … 4 (strong): length and variety of characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return 0
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    score = 1 + (len(password) >= 12) + (classes >= 3) + (len(password) >= 16 or classes == 4)
    return min(4, score)
