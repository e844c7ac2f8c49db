"""A new password's rules (core.checks.check_password)."""

from __future__ import annotations

import pytest

from ktpe_desktop.core.checks import check_password
from ktpe_desktop.core.errors import KnownError


@pytest.mark.parametrize("password", ["1234567", "abc"])
def test_a_short_password_is_refused(password: str) -> None:
    with pytest.raises(KnownError) as caught:
        check_password(password)
    assert caught.value.code == "weak_password"


@pytest.mark.parametrize("password", ["0107933805", "3573012345678901"])
def test_a_password_shaped_like_a_card_number_is_refused(password: str) -> None:
    """The login page takes 10 or 16 digits typed fast for a scanned student card."""
    with pytest.raises(KnownError) as caught:
        check_password(password)
    assert caught.value.code == "weak_password"
    assert "10 atau 16 angka" in caught.value.text("id")
    assert "10 or 16 digits" in caught.value.text("en")


@pytest.mark.parametrize(
    "password",
    ["12345678", "123456789", "12345678901", "010793380a", "kata-sandi-1", "٠١٢٣٤٥٦٧٨٩"],
)
def test_other_passwords_are_taken(password: str) -> None:
    check_password(password)
