"""Issue 17, case 6: the wrong-password delay follows the documented rule.

A delay set while the clock was a day ahead survived the clock being corrected
("Coba lagi dalam 86398 detik"; the cap is 5 minutes), and six wrong passwords
typed in parallel left ``failed_attempts = 1``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ktpe_desktop.storage.errors import WrongPassword
from ktpe_desktop.storage.keyslots import MAX_DELAY_SECONDS, KeySlots, delay_after
from ktpe_desktop.storage.store import Store
from tests.conftest import LEAD, PASSWORD
from tests.reliability import recovery_support as rs

pytestmark = [pytest.mark.timeout(300)]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_clock_corrected_later_never_extends_the_delay(store: Store) -> None:
    path = store.data_dir / "keyslots.json"
    store.close()
    real = 1_800_000_000.0
    ahead = Clock(real + 86_400)  # the laptop's clock is a day fast
    slots = KeySlots(path, now=ahead)
    for _ in range(12):  # enough failures for the longest delay
        with pytest.raises(WrongPassword):
            ahead.now += 400  # past each delay: every attempt is counted
            slots.unlock(LEAD, "salah")
    corrected = KeySlots(path, now=Clock(real))  # the clock is set right
    wait = corrected.seconds_to_wait(LEAD)
    assert 0 < wait <= MAX_DELAY_SECONDS
    with pytest.raises(WrongPassword) as err:
        corrected.unlock(LEAD, PASSWORD)
    assert err.value.locked and err.value.seconds_to_wait <= MAX_DELAY_SECONDS
    # And it ends at most the cap later, measured on the corrected clock.
    later = KeySlots(path, now=Clock(real + MAX_DELAY_SECONDS + 1))
    assert later.seconds_to_wait(LEAD) == 0
    assert later.unlock(LEAD, PASSWORD)


CHILD = r"""
import sys
from pathlib import Path
from ktpe_desktop.storage.keyslots import KeySlots
from ktpe_desktop.storage.errors import WrongPassword
path, go = Path(sys.argv[1]), Path(sys.argv[2])
slots = KeySlots(path)
while not go.exists():
    pass
try:
    slots.unlock("koordinator", "salah-" + sys.argv[3])
except WrongPassword as exc:
    print("wrong", exc.locked)
"""


def test_parallel_wrong_passwords_are_all_counted(store: Store, tmp_path: Path) -> None:
    path = store.data_dir / "keyslots.json"
    store.close()
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(go), str(i)],
            cwd=rs.ROOT,
            env=rs.child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(6)
    ]
    go.touch()
    outs = [c.communicate(timeout=120) for c in children]
    assert all(c.returncode == 0 for c in children), [o[1][-500:] for o in outs]
    counted = [o for o in outs if o[0].strip() == b"wrong False"]
    info = {u.username: u for u in KeySlots(path).users()}[LEAD]
    # Every attempt that was judged (not refused by an earlier one's delay) counts.
    assert info.failed_attempts == len(counted) >= 1
    assert len(counted) == 6 or info.failed_attempts > 2
    assert KeySlots(path).seconds_to_wait(LEAD) <= delay_after(info.failed_attempts)
