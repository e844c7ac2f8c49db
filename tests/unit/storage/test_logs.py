from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ktpe_desktop.storage.logs import configure_logging, get_logger, redact, unconfigure_logging


def test_redact() -> None:
    assert redact("nik 3573010101060001 nisn 0061234567 npsn 20533812") == (
        "nik [redacted] nisn [redacted] npsn 20533812"
    )


@pytest.mark.allow_warnings("failed for")
def test_file_log_never_holds_long_digit_runs(tmp_path: Path) -> None:
    configure_logging(tmp_path)
    log = get_logger("test")
    assert log.name == "ktpe.test"
    try:
        log.info("student %s scanned", "0061234567")
        try:
            raise ValueError("bad nik 3573010101060001")
        except ValueError:
            log.exception("failed for %s", "3573010101060001")
    finally:
        unconfigure_logging(tmp_path)
    text = (tmp_path / "logs" / "ktpe.log").read_text()
    assert "0061234567" not in text and "3573010101060001" not in text
    assert text.count("[redacted]") >= 3
    assert "ValueError" in text
    # the handler is gone: nothing more is written
    logging.getLogger("ktpe.test").info("after")
    assert "after" not in (tmp_path / "logs" / "ktpe.log").read_text()
