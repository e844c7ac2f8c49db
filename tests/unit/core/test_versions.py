"""App version comparison and the update advice."""

from __future__ import annotations

import pytest

from ktpe_desktop.core.versions import UpdateAdvice, is_valid_version, older_than, parse_version


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0.1.0", "0.2.0"),
        ("0.2.0", "0.10.0"),
        ("0.2.0rc1", "0.2.0"),
        ("0.2.0.dev3", "0.2.0"),
        ("1.9", "1.10.1"),
        ("v0.1.0", "0.1.1"),
    ],
)
def test_older_than(old: str, new: str) -> None:
    assert older_than(old, new)
    assert not older_than(new, old)


def test_trailing_zeros_and_build_tags_are_equal() -> None:
    assert parse_version("0.2") == parse_version("0.2.0") == parse_version("0.2.0+win64")
    assert not older_than("0.2.0", "0.2")


@pytest.mark.parametrize("bad", ["", "abc", "1..2", "1.2.3.4.5", "1.2; DROP"])
def test_garbage_is_not_a_version(bad: str) -> None:
    assert not is_valid_version(bad)
    with pytest.raises(ValueError):
        parse_version(bad)


def test_update_advice() -> None:
    advice = UpdateAdvice(minimum="0.2.0", latest="0.3.1", download_url="https://x/unduh")
    assert advice.too_old("0.1.0")
    assert not advice.too_old("0.2.0")
    assert advice.newer_available("0.2.0") == "0.3.1"
    assert advice.newer_available("0.3.1") is None
    assert not UpdateAdvice().too_old("0.0.1")
    assert UpdateAdvice().newer_available("0.0.1") is None
