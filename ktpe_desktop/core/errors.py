"""The two kinds of error (qutebrowser's split).

A :class:`KnownError` is a problem of the environment or the input (disk full,
wrong password, server unreachable, bad file): it carries a message in the user's
language and is shown as it is. Anything else is a bug and reaches the crash
dialog / a non-zero exit with a report.
"""

from __future__ import annotations


class KnownError(Exception):
    """An expected failure, explained to the user.

    Args:
        message: Bahasa Indonesia (the default UI language).
        message_en: the same in English.
        code: a stable machine-readable code (``wrong_password``, ``disk_full`` …).
    """

    code = "error"

    def __init__(self, message: str, message_en: str | None = None, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        if code is not None:
            self.code = code

    def text(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message

    def __str__(self) -> str:
        return self.message
