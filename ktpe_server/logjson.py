"""Server logs as plain text (default) or as JSON lines (``KTPE_LOG_FORMAT=json``).

One JSON object per line (``time``, ``level``, ``logger``, ``message``, and
``exc_type`` for an exception, never its message: it may carry row values), for
journald forwarding or a log shipper. The same configuration is handed to uvicorn
so that its own lines (and every worker process's) come out the same way.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)


def log_format(value: str | None = None) -> str:
    """``text`` or ``json``: the argument, else ``KTPE_LOG_FORMAT``, else text.

    Raises:
        ValueError: another value.
    """
    chosen = (value or os.environ.get("KTPE_LOG_FORMAT") or "text").strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {chosen!r}")
    return chosen


def dict_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for our loggers and uvicorn's."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "ktpe": {"level": level.upper()},
            "uvicorn": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }
