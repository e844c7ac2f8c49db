"""Tokens, enrolment codes and the per-device rate limit."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as core.demo


def new_token() -> str:
    """A device token: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the server stores of a token or code: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_enroll_code() -> str:
    """A one-time enrolment code, ``XXXX-XXXX-XXXX`` (60 random bits, easy to type)."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalize_code(code: str) -> str:
    """Codes are typed by people: ignore case, spaces and dashes."""
    chars = "".join(c for c in code.upper() if c.isalnum())
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}" if len(chars) == 12 else chars


def new_student_id() -> str:
    """A roster id: 10 random Crockford base32 characters (50 bits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per key (device id or client address), in process memory.

    Args:
        capacity: burst size.
        per_second: refill rate.
    """

    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token; returns 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) > 100_000:
                    self._buckets.clear()
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            bucket.tokens = min(
                self.capacity, bucket.tokens + (now - bucket.stamp) * self.per_second
            )
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            if self.per_second <= 0:
                return 60.0
            return max(1.0, math.ceil((1.0 - bucket.tokens) / self.per_second))


class DbRateLimiter:
    """A token bucket per key kept in the database: one limit for every worker process.

    ``ktpe-server serve --workers N`` runs N processes; buckets in process memory
    would let each of them grant the full rate. Here one atomic statement (an
    upsert with ``RETURNING``, serialised per key by the row lock) refills, spends
    and answers. Same interface as :class:`RateLimiter`.

    Args:
        engine: the server's database.
        name: the limiter's name (``device``, ``enroll``), part of the key.
        capacity: burst size.
        per_second: refill rate.
    """

    def __init__(self, engine: Engine, name: str, capacity: float, per_second: float) -> None:
        self.engine = engine
        self.name = name
        self.capacity = capacity
        self.per_second = per_second
        least = "MIN" if engine.dialect.name == "sqlite" else "LEAST"
        refilled = f"{least}(:cap, rate_bucket.tokens + (:now - rate_bucket.stamp) * :rate)"
        self._sql = text(
            "INSERT INTO rate_bucket (bucket, tokens, stamp, allowed) "
            "VALUES (:bucket, :cap - 1, :now, true) "
            "ON CONFLICT (bucket) DO UPDATE SET "
            f"tokens = CASE WHEN {refilled} >= 1 THEN {refilled} - 1 ELSE {refilled} END, "
            f"allowed = ({refilled} >= 1), stamp = :now "
            "RETURNING tokens, allowed"
        )

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token; returns 0 when allowed, else the seconds to wait."""
        with self.engine.begin() as conn:
            return self.take_on(conn, key, now)

    def take_on(self, conn: Connection, key: str, now: float | None = None) -> float:
        """:meth:`take` in the caller's transaction on ``conn`` (the token is spent
        when it commits)."""
        stamp = time.time() if now is None else now
        params = {
            "bucket": f"{self.name}:{key}"[:200],
            "cap": float(self.capacity),
            "now": stamp,
            "rate": float(self.per_second),
        }
        tokens, allowed = conn.execute(self._sql, params).one()
        if allowed:
            return 0.0
        if self.per_second <= 0:
            return 60.0
        return max(1.0, math.ceil((1.0 - float(tokens)) / self.per_second))
