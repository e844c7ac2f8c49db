"""Key slots, as LUKS does them: one random database key, wrapped once per local user.

The SQLCipher database is encrypted with a random 256-bit key that nobody types.
Each local user has a *slot* in ``<data_dir>/keyslots.json`` holding that key
wrapped with AES-256-GCM under a key derived from the user's password with
Argon2id. The AES-GCM associated data binds a slot to its id, user name, role and
format version, so moving a wrapped key to another user, or promoting an operator
to lead by editing the file, makes unlocking fail.

The file holds salts, KDF parameters, nonces, wrapped keys, user names, roles and
the failed-attempt counters. It holds no personal data of students.

KDF cost: the real profile (:data:`REAL_KDF`) takes ~0.3-0.5 s on a 2-core laptop.
Tests set the environment variable ``KTPE_FAST_KDF=1`` to use :data:`FAST_KDF`
(almost free); slots keep their own parameters, so a file written in either
profile unlocks in both.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ktpe_desktop.core.errors import KnownError
from ktpe_desktop.storage import kdf
from ktpe_desktop.storage.errors import (
    KeyslotsDamaged,
    LastLead,
    NotInitialised,
    UnknownUser,
    UserExists,
    WrongPassword,
)
from ktpe_desktop.storage.folderlock import file_mutex
from ktpe_desktop.storage.fsutil import atomic_write_bytes
from ktpe_desktop.storage.layout import DB_FILE, KEYSLOTS_FILE

log = logging.getLogger("ktpe.storage")

FORMAT = "ktpe-keyslots"
FORMAT_VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
MAX_DELAY_SECONDS = 300
FREE_ATTEMPTS = 2  # wrong passwords before the delay starts
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class UserRole(StrEnum):
    LEAD = "lead"  # Koordinator
    OPERATOR = "operator"  # Petugas


# What a slot may ask for (bounds above any profile this app writes): a damaged or
# edited file must not make the login map gigabytes or run for minutes.
MAX_KDF_ITERATIONS = 64
MAX_KDF_LANES = 64
MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024  # 4 GiB


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters (memory in KiB)."""

    iterations: int
    lanes: int
    memory_cost: int

    def derive(self, password: str, salt: bytes) -> bytes:
        """Argon2id v1.3 (:func:`kdf.argon2id`: the lanes on threads, the memory
        made ready by :meth:`prepare` when the login asked for it)."""
        return kdf.argon2id(
            password.encode("utf-8"),
            salt,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_kib=self.memory_cost,
            length=KEY_BYTES,
        )

    def prepare(self) -> None:
        """Fault in the next derivation's memory on a thread (:func:`kdf.prepare`)."""
        kdf.prepare(self.memory_cost, self.lanes)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": "argon2id",
            "iterations": self.iterations,
            "lanes": self.lanes,
            "memory_cost": self.memory_cost,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        """Raises ValueError for another KDF or parameters out of Argon2id's bounds (a
        damaged or edited slot; :class:`KeySlots` reports it as damaged)."""
        if data.get("name") != "argon2id":
            raise ValueError(f"unknown kdf {data.get('name')!r}")
        params = cls(int(data["iterations"]), int(data["lanes"]), int(data["memory_cost"]))
        if not (
            1 <= params.iterations <= MAX_KDF_ITERATIONS
            and 1 <= params.lanes <= MAX_KDF_LANES
            and 8 * params.lanes <= params.memory_cost <= MAX_KDF_MEMORY_KIB
        ):
            raise ValueError("kdf parameters out of bounds")
        return params


# 128 MiB, 5 passes, 2 lanes: ~0.3 s on the reference 2-core machine (docs/security.md).
REAL_KDF = KdfParams(iterations=5, lanes=2, memory_cost=128 * 1024)
# For tests only (KTPE_FAST_KDF=1): the minimum Argon2id allows.
FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost=8)


def default_kdf() -> KdfParams:
    return FAST_KDF if os.environ.get("KTPE_FAST_KDF") == "1" else REAL_KDF


def delay_after(failures: int) -> float:
    """Seconds a user must wait after ``failures`` consecutive wrong passwords."""
    if failures <= FREE_ATTEMPTS:
        return 0.0
    return float(min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_SECONDS))


def normalize_username(username: str) -> str:
    return username.strip().lower()


@dataclass(frozen=True, slots=True)
class SlotInfo:
    """What the app may show about a slot (no key material)."""

    slot_id: str
    username: str
    role: UserRole
    created_at: str
    failed_attempts: int
    locked_until: float | None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _aad(slot_id: str, username: str, role: str) -> bytes:
    return f"{FORMAT}|v{FORMAT_VERSION}|{slot_id}|{username}|{role}".encode()


class KeySlots:
    """The key slot file of one data folder.

    Args:
        path: ``<data_dir>/keyslots.json``.
        now: the clock used for the wrong-password delay (injected by tests).
    """

    def __init__(self, path: Path, *, now: Callable[[], float] = time.time) -> None:
        self.path = path
        self._now = now

    # ------------------------------------------------------------------ file

    def exists(self) -> bool:
        return self.path.exists()

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise KeyslotsDamaged(self.path, type(exc).__name__) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeyslotsDamaged(self.path, "format")
        if data.get("version") != FORMAT_VERSION:
            raise KeyslotsDamaged(self.path, f"version {data.get('version')!r}")
        if not isinstance(data.get("slots"), list):
            raise KeyslotsDamaged(self.path, "slots")
        return data

    def _save(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        atomic_write_bytes(self.path, text.encode("utf-8"))

    @staticmethod
    def _find(data: dict[str, Any], username: str) -> dict[str, Any] | None:
        for slot in data["slots"]:
            if slot.get("username") == username:
                return slot
        return None

    # ------------------------------------------------------------------ api

    @classmethod
    def create(
        cls,
        path: Path,
        username: str,
        password: str,
        *,
        role: UserRole = UserRole.LEAD,
        key: bytes | None = None,
        now: Callable[[], float] = time.time,
    ) -> tuple[KeySlots, bytes]:
        """Write a new slot file with a first user; returns it and the new database key."""
        if path.exists():
            raise UserExists(normalize_username(username))
        key = key or secrets.token_bytes(KEY_BYTES)
        slots = cls(path, now=now)
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "note": "Key slots of the KTP-el Jemput Bola database. No personal data here.",
            "slots": [],
        }
        data["slots"].append(slots._new_slot(key, username, password, UserRole(role)))
        slots._save(data)
        return slots, key

    def _new_slot(self, key: bytes, username: str, password: str, role: UserRole) -> dict[str, Any]:
        username = normalize_username(username)
        if not USERNAME_RE.match(username):
            raise KnownError(
                "Nama pengguna hanya boleh huruf kecil, angka, titik, garis bawah atau "
                "tanda hubung (maks. 64).",
                "A user name may only hold lower-case letters, digits, '.', '_' or '-' (max. 64).",
                code="bad_username",
            )
        if not password:
            raise KnownError(
                "Kata sandi tidak boleh kosong.",
                "The password must not be empty.",
                code="empty_password",
            )
        slot_id = str(uuid.uuid4())
        params = default_kdf()
        salt = secrets.token_bytes(SALT_BYTES)
        nonce = secrets.token_bytes(NONCE_BYTES)
        kek = params.derive(password, salt)
        wrapped = AESGCM(kek).encrypt(nonce, key, _aad(slot_id, username, role.value))
        return {
            "id": slot_id,
            "username": username,
            "role": role.value,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._now())),
            "kdf": {**params.to_json(), "salt": _b64(salt)},
            "cipher": "aes-256-gcm",
            "nonce": _b64(nonce),
            "wrapped_key": _b64(wrapped),
            "failed_attempts": 0,
            "locked_until": None,
        }

    def users(self) -> list[SlotInfo]:
        return [
            SlotInfo(
                slot_id=s["id"],
                username=s["username"],
                role=UserRole(s["role"]),
                created_at=s.get("created_at", ""),
                failed_attempts=int(s.get("failed_attempts", 0)),
                locked_until=s.get("locked_until"),
            )
            for s in self._load()["slots"]
        ]

    def prepare_unlock(self, username: str) -> None:
        """Make the memory of ``username``'s next derivation ready, on a thread
        (:meth:`KdfParams.prepare`); the login calls it at the password's first key.
        Only a speed-up: a missing user or a damaged file is left to :meth:`unlock`."""
        try:
            slot = self._find(self._load(), normalize_username(username))
            if slot is not None:
                KdfParams.from_json(slot["kdf"]).prepare()
        except Exception as exc:  # a speed-up only: never an error at a key press
            log.info("unlock not prepared (%s)", type(exc).__name__)

    def role_of(self, username: str) -> UserRole:
        slot = self._find(self._load(), normalize_username(username))
        if slot is None:
            raise UnknownUser(normalize_username(username))
        return UserRole(slot["role"])

    def seconds_to_wait(self, username: str) -> float:
        slot = self._find(self._load(), normalize_username(username))
        return 0.0 if slot is None else self._remaining(slot)[0]

    def _remaining(self, slot: dict[str, Any]) -> tuple[float, bool]:
        """Seconds left of the slot's delay, and whether the slot must be re-anchored.

        The delay is stored as when it started (``locked_at``) and how long it is
        (``delay``, at most :data:`MAX_DELAY_SECONDS`), so a clock that was ahead
        when the delay was set and is corrected later never stretches it: a start
        in the future is re-anchored at "now" (at most the cap from here). A slot
        written before this rule (``locked_until`` only) is read the same way.
        """
        now = self._now()
        delay = slot.get("delay")
        locked_at = slot.get("locked_at")
        if delay is None or locked_at is None:
            until = slot.get("locked_until")
            if not until:
                return 0.0, False
            left = min(float(until) - now, MAX_DELAY_SECONDS)
            return max(0.0, left), left > 0
        delay = min(float(delay), MAX_DELAY_SECONDS)
        elapsed = now - float(locked_at)
        if elapsed < 0:  # the clock went back since: measure from now
            return delay, True
        return max(0.0, delay - elapsed), False

    def unlock(self, username: str, password: str) -> bytes:
        """The database key, if ``password`` opens ``username``'s slot.

        Raises:
            UnknownUser: no slot for that user.
            WrongPassword: a wrong password (the failure is counted and the next
                attempt delayed), or an attempt during the delay (not counted).
        """
        username = normalize_username(username)
        slot = self._find(self._load(), username)
        if slot is None:
            raise UnknownUser(username)
        self._check_delay(username)
        try:
            key = self._unwrap(slot, password)
        except InvalidTag:
            raise WrongPassword(self._count_failure(username)) from None
        if slot.get("failed_attempts") or slot.get("locked_until") or slot.get("delay"):
            self._update(username, self._clear_failures)
        return key

    @staticmethod
    def _clear_failures(slot: dict[str, Any], now: float) -> float:
        slot["failed_attempts"] = 0
        for name in ("locked_until", "locked_at", "delay"):
            slot[name] = None
        return 0.0

    def _check_delay(self, username: str) -> None:
        """Refuse an attempt during the delay (not counted); re-anchor a future start."""
        slot = self._find(self._load(), username)
        if slot is None:
            raise UnknownUser(username)
        left, reanchor = self._remaining(slot)
        if reanchor:

            def anchor(s: dict[str, Any], now: float) -> float:
                s["locked_at"] = now
                s["delay"] = left
                s["locked_until"] = now + left
                return left

            self._update(username, anchor)
        if left > 0:
            raise WrongPassword(left, locked=True)

    def _count_failure(self, username: str) -> float:
        """One more wrong password, counted atomically; returns the new delay."""

        def count(slot: dict[str, Any], now: float) -> float:
            failures = int(slot.get("failed_attempts", 0)) + 1
            wait = delay_after(failures)
            slot["failed_attempts"] = failures
            slot["locked_at"] = now if wait else None
            slot["delay"] = wait if wait else None
            slot["locked_until"] = now + wait if wait else None
            return wait

        return self._update(username, count)

    def _update(self, username: str, change: Callable[[dict[str, Any], float], float]) -> float:
        """Read, change and write one slot under the key file's mutex, so parallel
        attempts (six processes typing wrong passwords) each count."""
        try:
            mutex = file_mutex(self.path.with_name(f".{self.path.name}.lock"))
            with mutex:
                data = self._load()
                slot = self._find(data, username)
                if slot is None:
                    raise UnknownUser(username)
                result = change(slot, self._now())
                self._save(data)
                return result
        except TimeoutError:
            raise KnownError(
                "Berkas kunci sedang dipakai proses lain; coba lagi.",
                "The key file is busy in another process; try again.",
                code="keyslots_busy",
            ) from None

    def _unwrap(self, slot: dict[str, Any], password: str) -> bytes:
        try:
            spec = slot["kdf"]
            params = KdfParams.from_json(spec)
            salt = _unb64(spec["salt"])
            nonce = _unb64(slot["nonce"])
            wrapped = _unb64(slot["wrapped_key"])
            aad = _aad(slot["id"], slot["username"], slot["role"])
        except (KeyError, ValueError, TypeError) as exc:
            raise KeyslotsDamaged(self.path, f"slot {slot.get('username')!r}") from exc
        kek = params.derive(password, salt)
        key = AESGCM(kek).decrypt(nonce, wrapped, aad)
        if len(key) != KEY_BYTES:
            raise KeyslotsDamaged(self.path, "key length")
        return key

    def add_user(
        self, key: bytes, username: str, password: str, role: UserRole = UserRole.OPERATOR
    ) -> SlotInfo:
        """Add a slot for a new user (the caller proved it holds ``key``)."""
        data = self._load()
        if self._find(data, normalize_username(username)) is not None:
            raise UserExists(normalize_username(username))
        slot = self._new_slot(key, username, password, UserRole(role))
        data["slots"].append(slot)
        self._save(data)
        return next(u for u in self.users() if u.username == slot["username"])

    def remove_user(self, username: str) -> None:
        """Remove a user's slot; the last lead can never be removed."""
        username = normalize_username(username)
        data = self._load()
        slot = self._find(data, username)
        if slot is None:
            raise UnknownUser(username)
        leads = [s for s in data["slots"] if s["role"] == UserRole.LEAD.value]
        if slot["role"] == UserRole.LEAD.value and len(leads) <= 1:
            raise LastLead()
        data["slots"] = [s for s in data["slots"] if s["username"] != username]
        self._save(data)

    def change_password(self, username: str, old_password: str, new_password: str) -> None:
        """Re-wrap the key under a new password (the old one must open the slot)."""
        key = self.unlock(username, old_password)
        self.set_password(key, username, new_password)

    def set_password(self, key: bytes, username: str, new_password: str) -> None:
        """Re-wrap the key for ``username`` (a lead resetting an operator's password)."""
        username = normalize_username(username)
        data = self._load()
        slot = self._find(data, username)
        if slot is None:
            raise UnknownUser(username)
        fresh = self._new_slot(key, username, new_password, UserRole(slot["role"]))
        fresh["created_at"] = slot.get("created_at", fresh["created_at"])
        data["slots"] = [fresh if s["username"] == username else s for s in data["slots"]]
        self._save(data)


def unlock_folder(data_dir: Path | str, username: str, password: str) -> bytes:
    """The database key of a data folder, if ``password`` opens ``username``'s slot.

    The first step of :meth:`Store.open` (Argon2id; failures counted, the delay
    kept), without SQLAlchemy: the login runs it while the rest of the app is still
    being imported (docs/performance.md, "Start-up").

    Raises:
        NotInitialised, UnknownUser, WrongPassword.
    """
    data_dir = Path(data_dir)
    slots = KeySlots(data_dir / KEYSLOTS_FILE)
    if not slots.exists() or not (data_dir / DB_FILE).exists():
        raise NotInitialised(data_dir.resolve())
    try:
        return slots.unlock(username, password)
    except Exception:
        log.info("unlock refused")
        raise
