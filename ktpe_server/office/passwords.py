"""Office staff passwords: Argon2id (``cryptography``, as the laptop's key slots).

Stored as a PHC string, ``$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>``
(base64 without padding), so the parameters can grow later and old hashes still verify.
"""

from __future__ import annotations

import base64
import functools
import hmac
import os
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MIN_PASSWORD_LENGTH = 10
FREE_ATTEMPTS = 3  # wrong passwords before the delay starts
MAX_DELAY_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Argon2Params:
    memory_kib: int
    passes: int
    lanes: int


# OWASP's server profile (19 MiB, 2 passes, 1 lane): ~50 ms on the reference machine,
# so a burst of sign-ins cannot exhaust the server's memory.
SERVER_PARAMS = Argon2Params(memory_kib=19 * 1024, passes=2, lanes=1)
FAST_PARAMS = Argon2Params(memory_kib=8, passes=1, lanes=1)  # tests (KTPE_FAST_KDF=1)


def default_params() -> Argon2Params:
    return FAST_PARAMS if os.environ.get("KTPE_FAST_KDF") == "1" else SERVER_PARAMS


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _derive(password: str, salt: bytes, p: Argon2Params) -> bytes:
    return Argon2id(
        salt=salt, length=32, iterations=p.passes, lanes=p.lanes, memory_cost=p.memory_kib
    ).derive(password.encode("utf-8"))


def hash_password(password: str, params: Argon2Params | None = None) -> str:
    p = params or default_params()
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, p)
    return f"$argon2id$v=19$m={p.memory_kib},t={p.passes},p={p.lanes}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for a wrong or unreadable hash."""
    try:
        _empty, alg, version, params, salt, digest = stored.split("$")
        if alg != "argon2id" or version != "v=19":
            return False
        kv = dict(item.split("=", 1) for item in params.split(","))
        p = Argon2Params(int(kv["m"]), int(kv["t"]), int(kv["p"]))
        expected = _unb64(digest)
        got = _derive(password, _unb64(salt), p)
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(got, expected)


@functools.cache
def _dummy(params: Argon2Params) -> str:
    return hash_password("dummy-password-for-timing", params)


def burn_time(password: str) -> None:
    """Verify against a dummy hash: an unknown user name takes as long as a wrong password."""
    verify_password(password, _dummy(default_params()))


def delay_after(failures: int) -> float:
    """Seconds a sign-in must wait after ``failures`` consecutive wrong passwords."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return float(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_DELAY_SECONDS))


def password_problem(password: str) -> tuple[str, str] | None:
    """Why a new password is refused (Indonesian, English), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (
            f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter.",
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
        )
    if len(password) > 200:
        return ("Kata sandi terlalu panjang.", "The password is too long.")
    return None
