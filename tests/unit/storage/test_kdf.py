"""storage/kdf.py: libargon2 gives cryptography's Argon2id keys, with or without the
arena the login makes ready, and the arena serves once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from ktpe_desktop.storage import kdf
from ktpe_desktop.storage.keyslots import FAST_KDF, REAL_KDF, KdfParams, KeySlots, UserRole

SALT = bytes(range(16))


def _reference(password: bytes, params: KdfParams, salt: bytes = SALT) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_cost,
    ).derive(password)


def _ours(password: bytes, params: KdfParams, salt: bytes = SALT) -> bytes:
    return kdf.argon2id(
        password,
        salt,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_kib=params.memory_cost,
        length=32,
    )


def _prepared(params: KdfParams) -> kdf._Arena:
    """The arena ``params.prepare()`` made, once it is populated."""
    params.prepare()
    arena = kdf._arena
    assert arena is not None and arena.ready.wait(10)
    return arena


def _no_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process at its thread limit: every ``Thread.start`` raises."""

    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)


@pytest.fixture(autouse=True)
def _no_arena_left() -> object:
    kdf.release()
    yield
    kdf.release()


SMALL = [
    FAST_KDF,
    KdfParams(iterations=2, lanes=2, memory_cost=64),
    KdfParams(iterations=3, lanes=4, memory_cost=1000),  # rounded down by libargon2
    KdfParams(iterations=1, lanes=1, memory_cost=19 * 1024),
]


@pytest.mark.parametrize("params", SMALL, ids=str)
@pytest.mark.parametrize("password", ["rahasia-123", "kata sandi ünïcode 🙂", "x"])
def test_same_key_as_cryptography(params: KdfParams, password: str) -> None:
    pw = password.encode("utf-8")
    assert _ours(pw, params) == _reference(pw, params)


@pytest.mark.parametrize("params", SMALL, ids=str)
def test_prepared_arena_gives_the_same_key_and_serves_once(params: KdfParams) -> None:
    expected = _reference(b"rahasia", params)
    params.prepare()
    params.prepare()  # idempotent while it waits
    arena = kdf._arena
    assert arena is not None
    assert arena.ready.wait(10)
    assert arena.address
    assert _ours(b"rahasia", params) == expected
    assert kdf._arena is None and arena.address == 0  # taken, then unmapped
    assert _ours(b"rahasia", params) == expected  # and without one, as before


def test_real_parameters_match_cryptography_with_and_without_arena() -> None:
    """The slots' own profile (128 MiB, 5 passes, 2 lanes): a slot written by an earlier
    version (cryptography's Argon2id) opens with the same key."""
    expected = _reference(b"Kata-Sandi-Tim-01", REAL_KDF)
    assert REAL_KDF.derive("Kata-Sandi-Tim-01", SALT) == expected
    REAL_KDF.prepare()
    assert REAL_KDF.derive("Kata-Sandi-Tim-01", SALT) == expected


def test_an_arena_of_another_size_is_replaced() -> None:
    first = KdfParams(iterations=1, lanes=1, memory_cost=4096)
    first.prepare()
    old = kdf._arena
    assert old is not None
    FAST_KDF.prepare()
    assert kdf._arena is not None and kdf._arena is not old
    assert _given_back(old)
    assert _ours(b"pw", FAST_KDF) == _reference(b"pw", FAST_KDF)


def test_arena_of_another_size_is_left_alone() -> None:
    big = KdfParams(iterations=1, lanes=1, memory_cost=4096)
    big.prepare()
    assert _ours(b"pw", FAST_KDF) == _reference(b"pw", FAST_KDF)
    assert kdf._arena is not None  # still waiting for a derivation of its size
    assert _ours(b"pw", big) == _reference(b"pw", big)
    assert kdf._arena is None


def test_arena_without_linux_mmap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' path: a mapping whose pages a memset faults in."""
    monkeypatch.setattr(kdf, "_LIBC", None)
    params = KdfParams(iterations=2, lanes=2, memory_cost=256)
    arena = _prepared(params)
    assert arena.address and arena._mapping is not None
    assert _ours(b"pw", params) == _reference(b"pw", params)
    assert arena._mapping is None and arena.address == 0


def test_failed_mapping_falls_back_to_libargon2s_own_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kdf, "_map_populated", lambda size: 0)

    def no_memory(*args: object) -> object:
        raise OSError("no memory")

    monkeypatch.setattr(kdf.mmap, "mmap", no_memory)
    params = KdfParams(iterations=1, lanes=1, memory_cost=64)
    params.prepare()
    assert _ours(b"pw", params) == _reference(b"pw", params)


def _given_back(arena: kdf._Arena) -> bool:
    """Whether ``arena`` was unmapped (on its thread) within a few seconds."""
    for _ in range(500):
        if arena.ready.is_set() and not arena.address:
            return True
        threading.Event().wait(0.01)
    return False


def test_release_gives_the_arena_back() -> None:
    KdfParams(iterations=1, lanes=1, memory_cost=64).prepare()
    arena = kdf._arena
    assert arena is not None
    kdf.release()
    assert kdf._arena is None
    assert _given_back(arena)


def test_two_derivations_at_once_take_the_arena_at_most_once() -> None:
    params = KdfParams(iterations=2, lanes=2, memory_cost=512)
    expected = _reference(b"pw", params)
    params.prepare()
    results: list[bytes] = []

    def run() -> None:
        results.append(_ours(b"pw", params))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [expected] * 4


def test_refused_parameters_raise() -> None:
    with pytest.raises(kdf.Argon2Error):
        kdf.argon2id(b"pw", b"short", iterations=1, lanes=1, memory_kib=8, length=32)


def test_prepare_unlock_reads_the_users_own_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    path = tmp_path / "keyslots.json"
    slots, _key = KeySlots.create(path, "koordinator", "rahasia-123", role=UserRole.LEAD)
    data = json.loads(path.read_text("utf-8"))
    data["slots"][0]["kdf"]["memory_cost"] = 96  # a slot written with other parameters
    path.write_text(json.dumps(data), "utf-8")
    slots.prepare_unlock("Koordinator")
    assert kdf._arena is not None and kdf._arena.size == 96 * 1024
    kdf.release()
    slots.prepare_unlock("nobody")  # unknown: nothing, no error
    assert kdf._arena is None
    path.write_text("{damaged", "utf-8")
    slots.prepare_unlock("koordinator")  # left to unlock() to report
    assert kdf._arena is None


def test_the_arena_is_wiped_before_it_is_given_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """libargon2 clears its memory (blocks derived from the password) before the
    arena is unmapped; unmapping happens off the login's path."""
    import ctypes

    params = KdfParams(iterations=2, lanes=2, memory_cost=256)
    arena = _prepared(params)
    address, size = arena.address, arena.size
    left: list[int] = []
    close = arena.close

    def look_then_close(**kwargs: bool) -> None:
        left.append(sum(1 for b in ctypes.string_at(address, size) if b))
        close(**kwargs)

    monkeypatch.setattr(arena, "close", look_then_close)
    assert _ours(b"pw", params) == _reference(b"pw", params)
    assert left == [0]


def test_no_thread_for_the_arena_leaves_the_login_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A thread that cannot start (a process at its limit): no arena is waited for,
    the key press raises nothing and the derivation allocates as before."""

    _no_threads(monkeypatch)
    params = KdfParams(iterations=1, lanes=1, memory_cost=64)
    params.prepare()
    assert kdf._arena is None
    assert _ours(b"pw", params) == _reference(b"pw", params)


def test_callbacks_that_cannot_be_made_fall_back_and_give_the_arena_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = KdfParams(iterations=1, lanes=2, memory_cost=64)
    arena = _prepared(params)

    def no_callbacks(address: int, size: int) -> list[object]:
        raise MemoryError("no executable memory")

    monkeypatch.setattr(kdf, "_callbacks", no_callbacks)
    assert _ours(b"pw", params) == _reference(b"pw", params)
    assert arena.address == 0 and kdf._arena is None


@pytest.mark.parametrize("lanes", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("memory_kib", [8, 29, 100, 257, 1000])
def test_the_arena_is_exactly_what_libargon2_asks_for(lanes: int, memory_kib: int) -> None:
    """``_memory_bytes`` is libargon2's own rounding: the callback is asked for exactly
    the arena's size (a larger request would fail the login instead of deriving)."""
    memory_kib = max(memory_kib, 8 * lanes)
    asked: list[int] = []
    make = kdf._callbacks

    def spying(address: int, size: int) -> list[object]:
        allocate, deallocate = make(address, size)

        @kdf.ffi.callback("int(uint8_t **, size_t)")
        def spy(memory: object, wanted: int) -> int:
            asked.append(wanted)
            return int(allocate(memory, wanted))

        return [spy, deallocate]

    params = KdfParams(iterations=1, lanes=lanes, memory_cost=memory_kib)
    params.prepare()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kdf, "_callbacks", spying)
        assert _ours(b"pw", params) == _reference(b"pw", params)
    assert asked == [kdf._memory_bytes(memory_kib, lanes)]


@pytest.mark.parametrize(
    "change",
    [{"lanes": 0}, {"iterations": 0}, {"memory_cost": 4}, {"memory_cost": 1 << 40}, {"lanes": 999}],
    ids=str,
)
def test_a_slot_with_parameters_out_of_bounds_is_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, int]
) -> None:
    from ktpe_desktop.storage.errors import KeyslotsDamaged

    monkeypatch.setenv("KTPE_FAST_KDF", "1")
    path = tmp_path / "keyslots.json"
    slots, _key = KeySlots.create(path, "koordinator", "rahasia-123", role=UserRole.LEAD)
    data = json.loads(path.read_text("utf-8"))
    data["slots"][0]["kdf"].update(change)
    path.write_text(json.dumps(data), "utf-8")
    slots.prepare_unlock("koordinator")  # nothing mapped, nothing raised
    assert kdf._arena is None
    with pytest.raises(KeyslotsDamaged):
        slots.unlock("koordinator", "rahasia-123")


def test_an_arena_is_unmapped_here_when_no_thread_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = KdfParams(iterations=1, lanes=1, memory_cost=64)
    arena = _prepared(params)

    _no_threads(monkeypatch)
    assert _ours(b"pw", params) == _reference(b"pw", params)  # the key, not an error
    assert arena.address == 0
