"""Argon2id for the key slots: libargon2 (argon2-cffi-bindings), its memory made ready ahead.

The key slots' Argon2id (docs/security.md: 128 MiB, 5 passes, 2 lanes) is the
biggest part of the wait after Return at the login (docs/performance.md,
"Start-up"). Two things make it shorter without changing a parameter or a key:

* **the lanes on two threads**: libargon2 (RFC 9106's reference code, through
  argon2-cffi-bindings) computes the lanes of a pass side by side; the output of Argon2id
  does not depend on how its lanes are scheduled, so a slot written with
  ``cryptography``'s Argon2id unlocks with the same key (a unit test checks both);
* **its memory faulted in while the password is typed**: a fresh 128 MiB mapping
  costs 32,768 page faults (0.1 s of system time here, on the derivation's
  path). :func:`prepare` maps and populates an arena on a thread the login starts
  at the first key of the password; the next derivation of that size takes it
  (libargon2's allocator callback), wipes it as it always does (its
  ``clear_internal_memory``), and the arena is then unmapped: it serves once, and
  a derivation with no arena ready allocates as before.

Nothing here is written to disk; the arena is anonymous memory, like the
allocation it replaces.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import sys
import threading
from collections.abc import Callable
from typing import Any

from _argon2_cffi_bindings import ffi, lib  # argon2-cffi-bindings' documented API

log = logging.getLogger("ktpe.storage")

ARGON2_VERSION = 0x13  # v1.3, the only version ``cryptography`` and RFC 9106 know
_ALLOCATION_ERROR = -22  # ARGON2_MEMORY_ALLOCATION_ERROR


class Argon2Error(RuntimeError):
    """libargon2 refused its inputs (never for a wrong password: that is the caller's)."""


class _Arena:
    """Anonymous memory of ``size`` bytes, every page already faulted in."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.ready = threading.Event()
        self.address = 0
        self._mapping: mmap.mmap | None = None
        self._view: Any = None

    def populate(self) -> None:
        try:
            self.address = _map_populated(self.size) if _LIBC is not None else 0
            if not self.address:
                # Elsewhere (Windows): a mapping whose pages a memset faults in;
                # ctypes releases the GIL around it, so the typing is not held up.
                self._mapping = mmap.mmap(-1, self.size)
                self._view = (ctypes.c_char * self.size).from_buffer(self._mapping)
                self.address = ctypes.addressof(self._view)
                ctypes.memset(self.address, 0, self.size)
        except (OSError, ValueError, MemoryError) as exc:  # no memory: derive as before
            log.info("kdf arena not made (%s)", type(exc).__name__)
            self.close()
        finally:
            self.ready.set()

    def close(self, *, in_background: bool = False) -> None:
        """Unmap it; ``in_background`` on a thread (128 MiB take ~20 ms to give back:
        not on the login's path; libargon2 has wiped the memory before)."""
        mapping, address = self._mapping, self.address
        self._view = None  # the buffer's export, before the mapping may close
        self._mapping, self.address = None, 0

        def unmap() -> None:
            try:
                if mapping is not None:
                    mapping.close()
                elif address and _LIBC is not None:
                    _LIBC.munmap(ctypes.c_void_p(address), ctypes.c_size_t(self.size))
            except (BufferError, OSError, ValueError) as exc:  # the process keeps it
                log.info("kdf arena not unmapped (%s)", type(exc).__name__)

        if in_background:
            _off_the_path(unmap)
        else:
            unmap()


def _load_libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: libc's mmap (no ctypes.util)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_long,
        ]
        libc.munmap.restype = ctypes.c_int
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _load_libc()
_MAP_FAILED = ctypes.c_void_p(-1).value


def _map_populated(size: int) -> int:
    """Linux: one ``mmap(MAP_POPULATE)`` call (the GIL released by ctypes): the kernel
    faults every page in at once, about half the cost of touching them one by one."""
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_POPULATE", 0)
    prot = mmap.PROT_READ | mmap.PROT_WRITE
    address = _LIBC.mmap(None, size, prot, flags, -1, 0)
    if address is None or address == _MAP_FAILED:
        return 0
    return int(address)


_lock = threading.Lock()
_arena: _Arena | None = None


def _memory_bytes(memory_kib: int, lanes: int) -> int:
    """What libargon2 allocates: the memory rounded down to 4 blocks per lane."""
    blocks = max(memory_kib, 8 * lanes)
    return (blocks // (4 * lanes)) * (4 * lanes) * 1024


def prepare(memory_kib: int, lanes: int) -> None:
    """Map and populate memory for the next derivation of this size, on a thread.

    Called by the login at the first key of a password; idempotent while an arena
    of that size is waiting. The arena is used once (:func:`argon2id`) or given
    back by :func:`release`. Only a speed-up: when no thread can be started, the
    derivation allocates as before.
    """
    global _arena
    size = _memory_bytes(memory_kib, lanes)
    arena = _Arena(size)
    with _lock:
        old = _arena
        if old is not None and old.size == size:
            return
        try:
            threading.Thread(target=arena.populate, name="ktpe-kdf-arena", daemon=True).start()
        except RuntimeError as exc:  # no thread: nothing waits for an arena never made
            log.info("kdf arena not made (%s)", type(exc).__name__)
            return
        _arena = arena
    if old is not None:  # another user's size: given back once made, not on this thread
        _discard_later(old)


def _discard_later(arena: _Arena) -> None:
    def discard() -> None:
        arena.ready.wait()
        arena.close()

    _off_the_path(discard)


def _off_the_path(work: Callable[[], None]) -> None:
    """``work`` (giving memory back) on a thread of its own; here when none can start."""
    try:
        threading.Thread(target=work, name="ktpe-kdf-unmap", daemon=True).start()
    except RuntimeError:
        work()


def release() -> None:
    """Give a waiting arena back (the login is done, or left without a derivation);
    unmapped on a thread."""
    global _arena
    with _lock:
        arena, _arena = _arena, None
    if arena is not None:
        _discard_later(arena)


def _take(size: int) -> _Arena | None:
    global _arena
    with _lock:
        arena = _arena
        if arena is None or arena.size != size:
            return None
        _arena = None
    arena.ready.wait()  # typed faster than it populated: the rest is faulted anyway
    if not arena.address:
        return None
    return arena


def argon2id(
    password: bytes, salt: bytes, *, iterations: int, lanes: int, memory_kib: int, length: int
) -> bytes:
    """Argon2id (v1.3) of ``password``: the same bytes ``cryptography``'s Argon2id gives.

    Raises:
        Argon2Error: parameters libargon2 refuses.
    """
    pwd = ffi.new("uint8_t[]", password)
    arena = _take(_memory_bytes(memory_kib, lanes))  # given back in the finally below
    keep: list[Any] = []  # the callbacks live as long as the call
    try:
        out = ffi.new("uint8_t[]", length)
        salt_c = ffi.new("uint8_t[]", salt)
        fields: dict[str, Any] = {
            "out": out,
            "outlen": length,
            "pwd": pwd,
            "pwdlen": len(password),
            "salt": salt_c,
            "saltlen": len(salt),
            "secret": ffi.NULL,
            "secretlen": 0,
            "ad": ffi.NULL,
            "adlen": 0,
            "t_cost": iterations,
            "m_cost": memory_kib,
            "lanes": lanes,
            "threads": lanes,
            "version": ARGON2_VERSION,
            "allocate_cbk": ffi.NULL,
            "free_cbk": ffi.NULL,
            "flags": 0,
        }
        if arena is not None:
            try:
                keep += _callbacks(arena.address, arena.size)
            except MemoryError:  # no executable memory for callbacks: allocate as before
                arena.close(in_background=True)
                arena = None
            else:
                fields["allocate_cbk"], fields["free_cbk"] = keep
        context = ffi.new("argon2_context *", fields)
        rc = lib.argon2_ctx(context, lib.Argon2_id)
    finally:
        if arena is not None:
            arena.close(in_background=True)
        ffi.memmove(pwd, b"\0" * len(password), len(password))
    if rc != 0:
        raise Argon2Error(ffi.string(lib.argon2_error_message(rc)).decode("ascii"))
    key = bytes(ffi.buffer(out, length))
    ffi.memmove(out, b"\0" * length, length)
    return key


def _callbacks(address: int, size: int) -> list[Any]:
    """libargon2's allocator callbacks handing out the arena at ``address``."""

    @ffi.callback("int(uint8_t **, size_t)")
    def allocate(memory: Any, wanted: int) -> int:
        # libargon2 reads only the pointer: NULL is its allocation error.
        memory[0] = ffi.cast("uint8_t *", address) if wanted <= size else ffi.NULL
        return 0 if wanted <= size else _ALLOCATION_ERROR

    @ffi.callback("void(uint8_t *, size_t)")
    def deallocate(memory: Any, size_: int) -> None:
        return None  # libargon2 has wiped it; the caller unmaps the arena

    return [allocate, deallocate]
