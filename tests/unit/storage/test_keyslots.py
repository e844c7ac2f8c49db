from __future__ import annotations

import json
from pathlib import Path

import pytest

from ktpe_desktop.storage.errors import LastLead, UnknownUser, UserExists, WrongPassword
from ktpe_desktop.storage.keyslots import (
    FAST_KDF,
    KeySlots,
    UserRole,
    default_kdf,
    delay_after,
)


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slots(tmp_path: Path, clock: Clock) -> tuple[KeySlots, bytes]:
    return KeySlots.create(tmp_path / "keyslots.json", "Lead", "pw-lead", now=clock)


def test_fast_profile_is_used_in_tests() -> None:
    assert default_kdf() == FAST_KDF


def test_unlock_returns_the_key(slots: tuple[KeySlots, bytes]) -> None:
    ks, key = slots
    assert len(key) == 32
    assert ks.unlock("lead", "pw-lead") == key
    assert ks.unlock("  LEAD ", "pw-lead") == key  # user names are normalised


def test_file_holds_no_key_and_no_password(slots: tuple[KeySlots, bytes]) -> None:
    ks, key = slots
    raw = ks.path.read_bytes()
    assert key not in raw and key.hex().encode() not in raw
    assert b"pw-lead" not in raw
    data = json.loads(raw)
    assert data["slots"][0]["username"] == "lead"
    assert data["slots"][0]["role"] == "lead"
    assert [p.name for p in ks.path.parent.iterdir()] == ["keyslots.json"]  # no temp left


def test_wrong_password_and_unknown_user(slots: tuple[KeySlots, bytes]) -> None:
    ks, _ = slots
    with pytest.raises(WrongPassword) as err:
        ks.unlock("lead", "nope")
    assert err.value.code == "wrong_password"
    assert "salah" in err.value.message
    with pytest.raises(UnknownUser):
        ks.unlock("ghost", "pw")


def test_growing_delay_is_persisted_and_reset(slots: tuple[KeySlots, bytes], clock: Clock) -> None:
    ks, key = slots
    waits = []
    for _ in range(5):
        with pytest.raises(WrongPassword) as err:
            ks.unlock("lead", "bad")
        waits.append(err.value.seconds_to_wait)
        clock.t += err.value.seconds_to_wait  # wait it out
    assert waits == [0, 0, 2, 4, 8]
    # A fresh object (another process) sees the counters: they live in the file.
    again = KeySlots(ks.path, now=clock)
    with pytest.raises(WrongPassword) as err:
        again.unlock("lead", "bad")
    assert err.value.seconds_to_wait == 16
    # During the delay even the right password is refused, and not counted.
    with pytest.raises(WrongPassword) as err:
        again.unlock("lead", "pw-lead")
    assert err.value.locked and err.value.code == "locked"
    assert again.users()[0].failed_attempts == 6
    clock.t += 16
    assert again.unlock("lead", "pw-lead") == key
    assert again.users()[0].failed_attempts == 0
    assert again.users()[0].locked_until is None


def test_delay_is_capped() -> None:
    assert delay_after(1) == 0
    assert delay_after(3) == 2
    assert delay_after(40) == 300


def test_add_remove_change(slots: tuple[KeySlots, bytes]) -> None:
    ks, key = slots
    ks.add_user(key, "petugas1", "pw-op", UserRole.OPERATOR)
    assert ks.unlock("petugas1", "pw-op") == key
    assert ks.role_of("petugas1") is UserRole.OPERATOR
    with pytest.raises(UserExists):
        ks.add_user(key, "PETUGAS1", "x", UserRole.OPERATOR)
    ks.change_password("petugas1", "pw-op", "pw-op-2")
    with pytest.raises(WrongPassword):
        ks.unlock("petugas1", "pw-op")
    assert ks.unlock("petugas1", "pw-op-2") == key
    ks.set_password(key, "petugas1", "reset")
    assert ks.unlock("petugas1", "reset") == key
    ks.remove_user("petugas1")
    with pytest.raises(UnknownUser):
        ks.unlock("petugas1", "reset")


def test_last_lead_cannot_be_removed(slots: tuple[KeySlots, bytes]) -> None:
    ks, key = slots
    with pytest.raises(LastLead):
        ks.remove_user("lead")
    ks.add_user(key, "lead2", "pw", UserRole.LEAD)
    ks.remove_user("lead")
    assert [u.username for u in ks.users()] == ["lead2"]


def test_change_password_needs_the_old_one(slots: tuple[KeySlots, bytes]) -> None:
    ks, _ = slots
    with pytest.raises(WrongPassword):
        ks.change_password("lead", "wrong", "new")
    assert ks.unlock("lead", "pw-lead")


def test_editing_the_role_breaks_the_slot(slots: tuple[KeySlots, bytes]) -> None:
    ks, key = slots
    ks.add_user(key, "op", "pw-op", UserRole.OPERATOR)
    data = json.loads(ks.path.read_text())
    for slot in data["slots"]:
        if slot["username"] == "op":
            slot["role"] = "lead"  # promote by hand
    ks.path.write_text(json.dumps(data))
    with pytest.raises(WrongPassword):
        ks.unlock("op", "pw-op")


def test_moving_a_wrapped_key_to_another_user_fails(slots: tuple[KeySlots, bytes]) -> None:
    ks, key = slots
    ks.add_user(key, "op", "pw-op", UserRole.OPERATOR)
    data = json.loads(ks.path.read_text())
    data["slots"][1]["username"] = "other"
    ks.path.write_text(json.dumps(data))
    with pytest.raises(WrongPassword):
        ks.unlock("other", "pw-op")
