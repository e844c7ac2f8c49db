"""Logging: named loggers per subsystem, a rotating file, and digit redaction.

Loggers are ``ktpe.<subsystem>`` (``ktpe.storage``, ``ktpe.sync`` …). No code
should ever log a personal datum; as defence in depth, :class:`RedactFilter`
rewrites every run of 10 or more digits (a NISN is 10, a NIK or No. KK 16) to
``[redacted]`` in the message and its arguments, and replaces a record's
traceback by :func:`ktpe_desktop.core.redaction.format_exception` — frames and
source lines, but exception messages only as far as they cannot carry a value
(no SQL parameters, no quoted text, no names) — before the record reaches a
handler. Files go to ``<data_dir>/logs/ktpe.log`` (1 MB × 5).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from ktpe_desktop.core.redaction import format_exception, scrub

ROOT_LOGGER = "ktpe"
LOG_FILE = "ktpe.log"
REDACTED = "[redacted]"
_DIGITS = re.compile(r"\d{10,}")


def redact(text: str) -> str:
    """``text`` with every run of 10+ digits replaced by ``[redacted]``."""
    return _DIGITS.sub(REDACTED, text)


class RedactFilter(logging.Filter):
    """Rewrite a record so that it carries no 10/16-digit number."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            # never the standard traceback: its last line is the raw exception message
            record.exc_text = format_exception(exc, REDACTED)
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text, REDACTED)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def get_logger(subsystem: str) -> logging.Logger:
    """The logger of a subsystem: ``get_logger("storage")`` is ``ktpe.storage``."""
    return logging.getLogger(f"{ROOT_LOGGER}.{subsystem}" if subsystem else ROOT_LOGGER)


_configured: dict[Path, logging.Handler] = {}


def configure_logging(data_dir: Path, level: int = logging.INFO) -> logging.Handler:
    """Send the ``ktpe`` loggers to ``<data_dir>/logs/ktpe.log`` (idempotent per folder)."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = (log_dir / LOG_FILE).resolve()
    if path in _configured:
        return _configured[path]
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter())
    root = logging.getLogger(ROOT_LOGGER)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    _configured[path] = handler
    return handler


def unconfigure_logging(data_dir: Path) -> None:
    """Detach and close the file handler of ``data_dir`` (tests, closing a store)."""
    path = (data_dir / "logs" / LOG_FILE).resolve()
    handler = _configured.pop(path, None)
    if handler is not None:
        logging.getLogger(ROOT_LOGGER).removeHandler(handler)
        handler.close()
