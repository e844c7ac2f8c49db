"""The push body's JSON parse refuses every lone surrogate, however it is written."""

from __future__ import annotations

import pytest

from ktpe_server.body import parse_json
from ktpe_server.errors import ApiError


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "\\ud800"}',  # an escape
        b'{"\\udfff": 1}',  # in a key
        b'{"a": "\xed\xa0\x80"}',  # the bytes of a surrogate (json.loads uses surrogatepass)
        '["\ud800"]'.encode("utf-16-le", "surrogatepass"),  # UTF-16 text holding one
        '{"\udc00": 1}'.encode("utf-32", "surrogatepass"),
    ],
)
def test_a_lone_surrogate_is_invalid_json(raw: bytes) -> None:
    with pytest.raises(ApiError) as err:
        parse_json(raw)
    assert err.value.code == "invalid_json"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": "\\ud83d\\ude00 \\n"}', {"a": "\U0001f600 \n"}),  # a pair is a character
        ('{"nama": "Ān \u2028"}'.encode(), {"nama": "Ān \u2028"}),
        ('{"a": [1, "b"]}'.encode("utf-16"), {"a": [1, "b"]}),
    ],
)
def test_valid_text_parses(raw: bytes, expected: object) -> None:
    assert parse_json(raw) == expected
