"""Server logs as JSON lines on request (KTPE_LOG_FORMAT=json / --log-format json)."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from ktpe_server.logjson import JsonFormatter, dict_config, log_format


def test_a_record_is_one_json_line_without_the_exception_message() -> None:
    record = logging.LogRecord("ktpe.server.api", logging.ERROR, __file__, 1, "x %s", ("y",), None)
    try:
        raise ValueError("NIK 3573010101010001 in a row value")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "ktpe.server.api"
    assert data["message"] == "x y"
    assert data["exc_type"] == "ValueError"
    assert "3573010101010001" not in line


def test_format_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KTPE_LOG_FORMAT", raising=False)
    assert log_format() == "text"
    monkeypatch.setenv("KTPE_LOG_FORMAT", "JSON")
    assert log_format() == "json"
    assert log_format("text") == "text"
    with pytest.raises(ValueError):
        log_format("xml")


def test_the_dict_config_routes_our_and_uvicorns_lines_through_json() -> None:
    config = dict_config("json")
    stream = io.StringIO()
    config["handlers"]["stderr"]["stream"] = stream
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        logging.config.dictConfig(config)
        logging.getLogger("ktpe.server.api").info("device enrolled")
        logging.getLogger("uvicorn.error").info("Started server process")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert [x["logger"] for x in lines] == ["ktpe.server.api", "uvicorn.error"]
